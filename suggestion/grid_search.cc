#include "suggestion/grid_search.h"

#include <limits>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "suggestion/internal/index_permutation.h"
#include "suggestion/random_search.h"

namespace hpsearch::suggestion {
namespace {

// Polling the cancellation flag this often keeps its cost negligible.
constexpr uint64_t kCancelCheckInterval = 4096;

constexpr SettingSpec kGridSettings[] = {
    {.name = "random_state",
     .type = SettingType::kInt,
     .min = 0,
     .doc = "Seed of the order in which the grid is visited. Without it the "
            "seed is derived from the experiment name."},
};

absl::Status ValidateGrid(const ::api::v1::beta1::Experiment&, const SearchSpace& space, const Settings&) {
  for (const Parameter& parameter : space.parameters()) {
    if (!parameter.cardinality) {
      // Katib's wording, which users search for.
      return absl::InvalidArgumentError(absl::StrCat(
          "Param ", parameter.name,
          " step is nil; For discrete search space, all parameters must "
          "include step"));
    }
  }
  if (!GridSize(space)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "the grid has more than ", std::numeric_limits<uint64_t>::max(),
        " points, more than grid search can number; use random or "
        "bayesianoptimization"));
  }
  return absl::OkStatus();
}

// A grid point's number: its grid indices as the digits of a mixed-radix
// number, the last parameter's the least significant (itertools.product
// order). Validation keeps it below GridSize, which fits in 64 bits.
uint64_t GridNumber(const SearchSpace& space, const Point& point) {
  uint64_t number = 0;
  for (size_t i = 0; i < space.dimensions(); ++i) {
    number = number * *space.parameters()[i].cardinality + space.GridIndex(i, point[i]);
  }
  return number;
}

Point GridPoint(const SearchSpace& space, uint64_t number) {
  Point point(space.dimensions());
  for (size_t i = space.dimensions(); i-- > 0;) {
    const uint64_t cardinality = *space.parameters()[i].cardinality;
    point[i] = space.GridValue(i, number % cardinality);
    number /= cardinality;
  }
  return point;
}

absl::StatusOr<std::vector<Point>> SuggestGrid(const AlgorithmInput& input) {
  const SearchSpace& space = *input.space;
  absl::flat_hash_set<uint64_t> taken;
  for (const TrialPoint& trial : input.trials) taken.insert(GridNumber(space, trial.point));

  // Katib leaves trials that ended without metrics (MetricsUnavailable, or
  // early stopped before a report) out of the request, yet they were
  // delivered: first_index counts them. Delivered in the grid's order, they
  // are the earliest points no trial in the request holds, so skipping
  // that many keeps them from being suggested again and again, until no new
  // point is left: then they are tried again, as Katib counts them as
  // completed trials yet asks for more trials in their place.
  uint64_t missing = input.first_index > input.trials.size() ? input.first_index - input.trials.size() : 0;
  std::vector<Point> without_metrics;

  const uint64_t size = *GridSize(space);
  const internal::IndexPermutation order(size, ExperimentSeed(input));
  std::vector<Point> points;
  for (uint64_t position = 0; position < size && static_cast<int>(points.size()) < input.count;
       ++position) {
    if ((position + 1) % kCancelCheckInterval == 0 && input.cancelled()) {
      return absl::CancelledError("the call was cancelled");
    }
    const uint64_t number = order(position);
    if (taken.contains(number)) continue;
    if (missing > 0) {
      --missing;
      if (without_metrics.size() < static_cast<size_t>(input.count)) {
        without_metrics.push_back(GridPoint(space, number));
      }
      continue;
    }
    points.push_back(GridPoint(space, number));
  }
  for (Point& retry : without_metrics) {
    if (static_cast<int>(points.size()) == input.count) break;
    points.push_back(std::move(retry));
  }
  return points;
}

}  // namespace

std::optional<uint64_t> GridSize(const SearchSpace& space) {
  uint64_t size = 1;
  for (const Parameter& parameter : space.parameters()) {
    if (!parameter.cardinality) return std::nullopt;
    if (__builtin_mul_overflow(size, *parameter.cardinality, &size)) {
      return std::nullopt;
    }
  }
  return size;
}

absl::Status ValidateMaxTrialCount(const ::api::v1::beta1::Experiment& experiment, const SearchSpace& space) {
  const std::optional<uint64_t> size = GridSize(space);
  const int32_t max_trial_count = experiment.spec().max_trial_count();
  if (size && max_trial_count > 0 && static_cast<uint64_t>(max_trial_count) > *size) {
    // Katib's wording, which users search for.
    return absl::InvalidArgumentError(
        absl::StrCat("Max Trial Count: ", max_trial_count, " > all possible search combinations: ", *size));
  }
  return absl::OkStatus();
}

const AlgorithmDefinition& GridSearch() {
  static const AlgorithmDefinition kDefinition = {
      .name = "grid",
      .settings = kGridSettings,
      .doc = "Every combination of the parameters' grid values, once each, in a pseudo-random order.",
      .validate = ValidateGrid,
      .max_trial_count_within_space = true,
      .suggest = SuggestGrid,
  };
  return kDefinition;
}

}  // namespace hpsearch::suggestion
