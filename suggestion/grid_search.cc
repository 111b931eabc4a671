#include "suggestion/grid_search.h"

#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace hpsearch::suggestion {
namespace {

// Polling the cancellation flag this often keeps its cost negligible.
constexpr uint64_t kCancelCheckInterval = 4096;

constexpr SettingSpec kGridSettings[] = {
    {.name = "random_state",
     .type = SettingType::kInt,
     .min = 0,
     .doc = "Accepted for compatibility with Katib; the grid order does not "
            "depend on it."},
};

using GridCoordinates = std::vector<uint64_t>;

absl::Status ValidateGrid(const ::api::v1::beta1::Experiment& experiment,
                          const SearchSpace& space, const Settings&) {
  for (const Parameter& parameter : space.parameters()) {
    if (!parameter.cardinality) {
      // Katib's wording, which users search for.
      return absl::InvalidArgumentError(absl::StrCat(
          "Param ", parameter.name,
          " step is nil; For discrete search space, all parameters must "
          "include step"));
    }
  }
  return ValidateMaxTrialCount(experiment, space);
}

// Advances an odometer over the grid, last dimension fastest; false once it
// has wrapped around past the last combination.
bool Advance(const SearchSpace& space, GridCoordinates& coordinates) {
  for (size_t i = coordinates.size(); i-- > 0;) {
    if (++coordinates[i] < *space.parameters()[i].cardinality) return true;
    coordinates[i] = 0;
  }
  return false;
}

absl::StatusOr<std::vector<Point>> SuggestGrid(const AlgorithmInput& input) {
  const SearchSpace& space = *input.space;
  absl::flat_hash_set<GridCoordinates> taken;
  for (const TrialPoint& trial : input.trials) {
    GridCoordinates coordinates(space.dimensions());
    for (size_t i = 0; i < coordinates.size(); ++i) {
      coordinates[i] = space.GridIndex(i, trial.point[i]);
    }
    taken.insert(std::move(coordinates));
  }

  // Katib leaves trials that ended without metrics (MetricsUnavailable, or
  // early stopped before a report) out of the request, yet they were
  // delivered: first_index counts them. Delivered in grid order, they are
  // the earliest combinations no trial in the request holds, so skipping
  // that many keeps them from being suggested again and again.
  uint64_t missing = input.first_index > input.trials.size() ? input.first_index - input.trials.size() : 0;

  std::vector<Point> points;
  GridCoordinates coordinates(space.dimensions(), 0);
  uint64_t steps = 0;
  do {
    if (++steps % kCancelCheckInterval == 0 && input.cancelled()) {
      return absl::CancelledError("the call was cancelled");
    }
    if (taken.contains(coordinates)) continue;
    if (missing > 0) {
      --missing;
      continue;
    }
    Point point(space.dimensions());
    for (size_t i = 0; i < point.size(); ++i) {
      point[i] = space.GridValue(i, coordinates[i]);
    }
    points.push_back(std::move(point));
  } while (static_cast<int>(points.size()) < input.count &&
           Advance(space, coordinates));
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
      .doc = "Every combination of the parameters' grid values, once each.",
      .validate = ValidateGrid,
      .suggest = SuggestGrid,
  };
  return kDefinition;
}

}  // namespace hpsearch::suggestion
