// hpsearch: a Katib-compatible hyperparameter search engine.
#include <CLI/CLI.hpp>

#include <algorithm>
#include <iostream>
#include <string>
#include <vector>

#include "cli/commands.h"

int main(int argc, char** argv) {
  CLI::App app{"hpsearch: Katib-compatible hyperparameter search", "hpsearch"};
  app.set_version_flag("--version", std::string("hpsearch ") + HPSEARCH_VERSION);
  app.require_subcommand(1);
  hpsearch::cli::AddValidateCommand(app);
  hpsearch::cli::AddRunCommand(app);
  hpsearch::cli::AddTrialsCommand(app);
  hpsearch::cli::AddServeCommand(app);
  hpsearch::cli::AddDbManagerCommand(app);
  hpsearch::cli::AddGpusCommand(app);

  // CLI11 would only say that a subcommand is required.
  const std::vector<CLI::App*> commands = app.get_subcommands({});
  if (argc > 1 && argv[1][0] != '-' &&
      std::none_of(commands.begin(), commands.end(), [&](CLI::App* c) { return c->check_name(argv[1]); })) {
    std::string names;
    for (const CLI::App* command : commands) names += (names.empty() ? "" : ", ") + command->get_name();
    std::cerr << "hpsearch: unknown command \"" << argv[1] << "\" (commands: " << names << ")\n"
              << "Run with --help for more information.\n";
    return 2;
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::RuntimeError& e) {
    return e.get_exit_code();  // a command's own failure status
  } catch (const CLI::ParseError& e) {
    // --help and --version exit 0; every usage error exits 2.
    return app.exit(e) == 0 ? 0 : 2;
  }
  return 0;
}
