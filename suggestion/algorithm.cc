#include "suggestion/algorithm.h"

#include <algorithm>
#include <array>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "suggestion/bayesian_optimization.h"
#include "suggestion/grid_search.h"
#include "suggestion/random_search.h"

namespace hpsearch::suggestion {

std::span<const AlgorithmDefinition> Algorithms() {
  static const std::array<AlgorithmDefinition, 3> kAlgorithms = {
      RandomSearch(),
      GridSearch(),
      BayesianOptimization(),
  };
  return kAlgorithms;
}

std::string AlgorithmSettingsTable() {
  std::string table =
      "| algorithm | setting | type | default | meaning |\n"
      "| --- | --- | --- | --- | --- |\n";
  for (const AlgorithmDefinition& algorithm : Algorithms()) {
    if (algorithm.settings.empty()) {
      absl::StrAppend(&table, "| `", algorithm.name, "` | | | | ", algorithm.doc, " |\n");
    }
    for (const SettingSpec& setting : algorithm.settings) {
      absl::StrAppend(&table, "| `", algorithm.name, "` | `", setting.name, "` | ",
                      DescribeSettingType(setting), " | ",
                      setting.default_value.empty() ? "none" : setting.default_value,
                      " | ", setting.doc, " |\n");
    }
  }
  return table;
}

std::string AlgorithmNames() {
  return absl::StrJoin(Algorithms(), ", ", [](std::string* out, const AlgorithmDefinition& a) {
    absl::StrAppend(out, a.name);
  });
}

absl::StatusOr<const AlgorithmDefinition*> FindAlgorithm(absl::string_view name) {
  std::span<const AlgorithmDefinition> algorithms = Algorithms();
  auto it = std::find_if(algorithms.begin(), algorithms.end(),
                         [&](const AlgorithmDefinition& a) { return a.name == name; });
  if (it == algorithms.end()) {
    return absl::InvalidArgumentError(
        absl::StrCat("unknown algorithm name ", name.empty() ? "\"\"" : name,
                     " (known: ", AlgorithmNames(), ")"));
  }
  return &*it;
}

}  // namespace hpsearch::suggestion
