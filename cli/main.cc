// hpsearch: a Katib-compatible hyperparameter search engine.
#include <CLI/CLI.hpp>

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
