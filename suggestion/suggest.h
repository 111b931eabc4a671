// The in-process suggestion API: what `hpsearch serve` answers over gRPC and
// what `hpsearch run` calls directly.
//
// The functions take Katib's own messages, look the algorithm up by
// experiment.spec.algorithm.algorithm_name, and keep no state between calls
// (see algorithm.h); ExperimentSuggester keeps one experiment's parsed
// trials for a caller that asks many times. All errors are absl::Status values whose codes map onto
// gRPC's one to one: INVALID_ARGUMENT for a bad experiment, request or
// trial, OUT_OF_RANGE for an exhausted search space, CANCELLED when
// SuggestOptions::cancelled says so.
//
// Example:
//   absl::StatusOr<::api::v1::beta1::GetSuggestionsReply> reply = Suggest(request);
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/container/flat_hash_map.h"
#include "absl/strings/string_view.h"
#include "katib/v1beta1/api.pb.h"
#include "suggestion/algorithm.h"
#include "suggestion/search_space.h"
#include "suggestion/settings.h"

namespace hpsearch::suggestion {

// Upper bound on current_request_number: far above any parallelTrialCount,
// low enough that one reply stays small.
inline constexpr int kMaxRequestNumber = 10000;

struct SuggestOptions {
  // What to do when the search space has fewer new points than requested.
  // Katib's controller takes only a reply of exactly current_request_number
  // assignments and otherwise asks again, unchanged, for ever; its own
  // services then re-evaluate points already tried (Optuna's GridSampler
  // warns it is "re-evaluating a configuration because the grid has been
  // exhausted"). So the gRPC service repeats points (kRepeat): this reply's
  // new ones in turn, or with none left the request's trials' in turn. With
  // no new point left and no maxTrialCount to reach, repeats would never
  // end: that is OUT_OF_RANGE. The local runner takes the last few points
  // and then ends the experiment (kReturnFewer).
  enum class Shortfall { kRepeat, kReturnFewer };
  Shortfall shortfall = Shortfall::kRepeat;
  // Polled during long work; returning true abandons the call (CANCELLED).
  std::function<bool()> cancelled = [] { return false; };
};

// Checks the algorithm name, its settings and the search space, as Katib's
// ValidateAlgorithmSettings does. Messages follow Katib's wording where it
// has one ("unknown algorithm name X", "unknown setting X for algorithm Y",
// "Max Trial Count: N > all possible search combinations: M").
absl::Status ValidateSettings(const ::api::v1::beta1::Experiment& experiment);

// Validates like ValidateSettings, then the request (1 <= current_request_number
// <= kMaxRequestNumber, total_request_number >= 0, a reply within the 4 MiB a
// Katib client accepts, else RESOURCE_EXHAUSTED) and every trial's
// assignments, and returns exactly current_request_number new assignments
// (or fewer, see SuggestOptions). The suggestions continue the sequence at
// position total_request_number - current_request_number (the number Katib
// has delivered before), or at the number of trials in the request when
// total_request_number is smaller than current_request_number (unset).
absl::StatusOr<::api::v1::beta1::GetSuggestionsReply> Suggest(
    const ::api::v1::beta1::GetSuggestionsRequest& request,
    const SuggestOptions& options = {});

// One experiment's suggestions over many calls, as `hpsearch run` asks for
// them: the experiment is validated once and each trial's assignments are
// read once, when the trial is first observed, so a call at the thousandth
// trial costs the algorithm's own time, not a re-reading of every trial so
// far. Suggest() above is one ExperimentSuggester per request. Answers are
// the same as Suggest()'s for the same trials in the same order.
class ExperimentSuggester {
 public:
  using Assignments = std::vector<::api::v1::beta1::ParameterAssignment>;

  // Validates like ValidateSettings.
  static absl::StatusOr<ExperimentSuggester> Create(
      ::api::v1::beta1::Experiment experiment);

  // Adds a trial, or updates the state of one added before (its assignments
  // are then not read again). `objective_value` is the objective metric's
  // value as the trial's observation has it: it counts only when it is a
  // number (not "unavailable" or empty) and the trial SUCCEEDED or
  // EARLYSTOPPED, the only trials Katib's services learn from.
  // INVALID_ARGUMENT naming the trial when its assignments are not a point
  // of the search space; it is then not added.
  absl::Status Observe(absl::string_view trial_name,
                       std::span<const AssignmentView> assignments,
                       ::api::v1::beta1::TrialStatus::TrialConditionType condition,
                       absl::string_view objective_value);

  // Returns `count` new assignments (or, short of new points, see
  // SuggestOptions), positions first_index .. first_index + count - 1 of the
  // algorithm's sequence.
  absl::StatusOr<std::vector<Assignments>> Suggest(
      int count, uint64_t first_index, const SuggestOptions& options = {}) const;

 private:
  ExperimentSuggester(::api::v1::beta1::Experiment experiment,
                      const AlgorithmDefinition* algorithm, Settings settings,
                      SearchSpace space);
  // Fills `points` up to `count` with repeats, as SuggestOptions::kRepeat says.
  absl::Status Repeat(std::vector<Point>& points, int count, uint64_t first_index) const;

  ::api::v1::beta1::Experiment experiment_;
  const AlgorithmDefinition* algorithm_;
  Settings settings_;
  SearchSpace space_;
  std::vector<TrialPoint> trials_;  // in the order first observed
  absl::flat_hash_map<std::string, size_t> index_;  // trial name -> trials_
};

}  // namespace hpsearch::suggestion
