#include "suggestion/algorithm.h"

#include <algorithm>
#include <array>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "suggestion/grid_search.h"
#include "suggestion/random_search.h"

namespace hpsearch::suggestion {

std::span<const AlgorithmDefinition> Algorithms() {
  static const std::array<AlgorithmDefinition, 2> kAlgorithms = {
      RandomSearch(),
      GridSearch(),
  };
  return kAlgorithms;
}

absl::StatusOr<const AlgorithmDefinition*> FindAlgorithm(absl::string_view name) {
  std::span<const AlgorithmDefinition> algorithms = Algorithms();
  auto it = std::find_if(algorithms.begin(), algorithms.end(),
                         [&](const AlgorithmDefinition& a) { return a.name == name; });
  if (it == algorithms.end()) {
    std::vector<absl::string_view> known;
    for (const AlgorithmDefinition& a : algorithms) known.push_back(a.name);
    return absl::InvalidArgumentError(
        absl::StrCat("unknown algorithm name ", name.empty() ? "\"\"" : name,
                     " (known: ", absl::StrJoin(known, ", "), ")"));
  }
  return &*it;
}

}  // namespace hpsearch::suggestion
