// Loading an Experiment file the way Katib would admit it: read (size cap,
// text check), parse (api/experiment_yaml.h), apply Katib's defaults
// (api/experiment_defaults.h), validate (api/experiment_validation.h), and
// place every diagnostic at the line and column of the field it names.
//
//   LoadedExperiment loaded = LoadExperimentFile("experiment.yaml");
//   for (const Diagnostic& d : loaded.diagnostics)
//     std::cerr << FormatDiagnostic("experiment.yaml", d) << "\n";
//   if (!loaded.ok()) return 1;
//   Run(*loaded.experiment);
//
// All problems are collected, not just the first; nothing here throws.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "api/diagnostic.h"
#include "api/experiment.h"

namespace hpsearch::api {

struct LoadedExperiment {
  // The defaulted Experiment; set only when there are no errors.
  std::optional<Experiment> experiment;
  // Errors and warnings, ordered by position.
  std::vector<Diagnostic> diagnostics;
  // Where each field was written, to place later diagnostics (the runner's,
  // say) the same way.
  SourceMap source_map;

  bool ok() const { return experiment.has_value(); }
};

// Files larger than this are refused before parsing.
inline constexpr size_t kMaxExperimentFileBytes = 16 * 1024 * 1024;

// The file's one Experiment: a file with several is an error naming them.
LoadedExperiment LoadExperimentFile(const std::string& path);
LoadedExperiment LoadExperimentText(std::string_view text);

// Each Experiment of a file (a manifest for kubectl apply -f may hold
// several), loaded as the functions above load a lone one. A file that
// cannot be read as a whole gives one failed LoadedExperiment saying why.
std::vector<LoadedExperiment> LoadExperimentsFile(const std::string& path);
std::vector<LoadedExperiment> LoadExperimentsText(std::string_view text);

}  // namespace hpsearch::api
