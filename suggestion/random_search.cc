#include "suggestion/random_search.h"

#include <algorithm>
#include <random>

#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/types/span.h"

namespace hpsearch::suggestion {
namespace {

// Polling the cancellation flag this often keeps its cost negligible.
constexpr int kCancelCheckInterval = 256;

constexpr SettingSpec kRandomSettings[] = {
    {.name = "random_state",
     .type = SettingType::kInt,
     .min = 0,
     .doc = "Seed of the random sequence. Without it the seed is derived "
            "from the experiment name.",
     .katib_refusal = "random_state should be great or equal than zero"},
};

// Katib deletes trials when parallelTrialCount is lowered, not always the
// newest, and then counts its requests from the trials left: positions of
// trials it kept come round again. With a continuous range (a double
// without a step, min below max) no two positions meet on one point, so a
// point a trial of the request holds is such a position, and is passed
// over. (A finite space repeats points by chance, as hyperopt's sampling
// does, so nothing is passed over there.) Views of the trials' points: the
// set is built on every call, so it copies none of them.
absl::flat_hash_set<absl::Span<const double>> PointsHeldByTrials(const AlgorithmInput& input) {
  absl::flat_hash_set<absl::Span<const double>> held;
  const auto& parameters = input.space->parameters();
  if (std::none_of(parameters.begin(), parameters.end(),
                   [](const Parameter& p) { return !p.cardinality && p.min < p.max; })) {
    return held;
  }
  held.reserve(input.trials.size());
  for (const TrialPoint& trial : input.trials) held.insert(trial.point);
  return held;
}

absl::StatusOr<std::vector<Point>> SuggestRandom(const AlgorithmInput& input) {
  const uint64_t seed = ExperimentSeed(input);
  const absl::flat_hash_set<absl::Span<const double>> held = PointsHeldByTrials(input);
  // Each held point is one position at most; the bound keeps a mistake in
  // that reasoning from becoming an endless loop.
  size_t skips_left = held.size();
  std::vector<Point> points;
  points.reserve(input.count);
  for (uint64_t position = input.first_index; static_cast<int>(points.size()) < input.count; ++position) {
    if ((position - input.first_index) % kCancelCheckInterval == 0 && input.cancelled()) {
      return absl::CancelledError("the call was cancelled");
    }
    Point point = input.space->DecodeQuantized(RandomUnitPoint(seed, position, input.space->dimensions()));
    if (skips_left > 0 && held.contains(point)) {
      --skips_left;
      continue;
    }
    points.push_back(std::move(point));
  }
  return points;
}

}  // namespace

uint64_t SeedFromExperimentName(absl::string_view experiment_name) {
  uint64_t hash = 0xcbf29ce484222325ULL;
  for (unsigned char c : experiment_name) {
    hash = (hash ^ c) * 0x100000001b3ULL;
  }
  return hash;
}

uint64_t ExperimentSeed(const AlgorithmInput& input) {
  const std::optional<int64_t> random_state = input.settings->GetInt("random_state");
  return random_state ? static_cast<uint64_t>(*random_state)
                      : SeedFromExperimentName(input.experiment->name());
}

uint64_t SplitMix64(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

std::vector<double> RandomUnitPoint(uint64_t seed, uint64_t k,
                                    size_t dimensions) {
  std::mt19937_64 engine(SplitMix64(SplitMix64(seed) + k));
  std::vector<double> unit(dimensions);
  for (double& u : unit) u = static_cast<double>(engine() >> 11) * 0x1.0p-53;
  return unit;
}

const AlgorithmDefinition& RandomSearch() {
  static const AlgorithmDefinition kDefinition = {
      .name = "random",
      .settings = kRandomSettings,
      .doc = "Independent samples of each parameter's distribution.",
      .validate = [](const ::api::v1::beta1::Experiment&, const SearchSpace&,
                     const Settings&) { return absl::OkStatus(); },
      .suggest = SuggestRandom,
  };
  return kDefinition;
}

}  // namespace hpsearch::suggestion
