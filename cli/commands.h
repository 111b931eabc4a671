// Registration of the `hpsearch` subcommands. Each Add*Command attaches one
// subcommand to the application; its callback reports a non-zero exit status
// by throwing CLI::RuntimeError(code), which main() turns into the exit code.
#pragma once

#include <CLI/CLI.hpp>

namespace hpsearch::cli {

// hpsearch validate FILE...: check Experiment files (cli/validate_command.cc).
void AddValidateCommand(CLI::App& app);

// hpsearch serve: Katib's Suggestion gRPC service (cli/serve_command.cc).
void AddServeCommand(CLI::App& app);

// hpsearch run FILE: run an Experiment on this machine (cli/run_command.cc).
void AddRunCommand(CLI::App& app);

// hpsearch trials --workdir DIR: list a run's trials (cli/trials_command.cc).
void AddTrialsCommand(CLI::App& app);

// hpsearch db-manager --store PATH: Katib's DBManager gRPC service over an
// objective store (cli/db_manager_command.cc).
void AddDbManagerCommand(CLI::App& app);

// hpsearch gpus: the GPUs trials can use, or why trials run on CPU
// (cli/gpus_command.cc).
void AddGpusCommand(CLI::App& app);

}  // namespace hpsearch::cli
