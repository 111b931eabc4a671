// hpsearch: a Katib-compatible hyperparameter search engine.
#include <CLI/CLI.hpp>

#include "cli/commands.h"

int main(int argc, char** argv) {
  CLI::App app{"hpsearch: Katib-compatible hyperparameter search", "hpsearch"};
  app.set_version_flag("--version", std::string("hpsearch ") + HPSEARCH_VERSION);
  app.require_subcommand(1);

  CLI11_PARSE(app, argc, argv);
  return 0;
}
