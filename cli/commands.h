// Registration of the `hpsearch` subcommands. Each Add*Command attaches one
// subcommand to the application; its callback reports a non-zero exit status
// by throwing CLI::RuntimeError(code), which main() turns into the exit code.
#pragma once

#include <CLI/CLI.hpp>

namespace hpsearch::cli {

// hpsearch validate FILE...: check Experiment files (cli/validate_command.cc).
void AddValidateCommand(CLI::App& app);

}  // namespace hpsearch::cli
