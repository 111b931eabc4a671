// The in-process suggestion API: what `hpsearch serve` answers over gRPC and
// what `hpsearch run` calls directly.
//
// Both functions take Katib's own messages, look the algorithm up by
// experiment.spec.algorithm.algorithm_name, and keep no state between calls
// (see algorithm.h). All errors are absl::Status values whose codes map onto
// gRPC's one to one: INVALID_ARGUMENT for a bad experiment, request or
// trial, OUT_OF_RANGE for an exhausted search space, CANCELLED when
// SuggestOptions::cancelled says so.
//
// Example:
//   absl::StatusOr<::api::v1::beta1::GetSuggestionsReply> reply = Suggest(request);
#pragma once

#include <functional>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "katib/v1beta1/api.pb.h"

namespace hpsearch::suggestion {

// Upper bound on current_request_number: far above any parallelTrialCount,
// low enough that one reply stays small.
inline constexpr int kMaxRequestNumber = 10000;

struct SuggestOptions {
  // What to do when the search space has fewer new points than requested.
  // Katib's controller rejects a reply with any other count than
  // current_request_number, so the gRPC service uses kError; the local
  // runner can take the last few points with kReturnFewer.
  enum class Shortfall { kError, kReturnFewer };
  Shortfall shortfall = Shortfall::kError;
  // Polled during long work; returning true abandons the call (CANCELLED).
  std::function<bool()> cancelled = [] { return false; };
};

// Checks the algorithm name, its settings and the search space, as Katib's
// ValidateAlgorithmSettings does. Messages follow Katib's wording where it
// has one ("unknown algorithm name X", "unknown setting X for algorithm Y",
// "Max Trial Count: N > all possible search combinations: M").
absl::Status ValidateSettings(const ::api::v1::beta1::Experiment& experiment);

// Validates like ValidateSettings, then the request (1 <= current_request_number
// <= kMaxRequestNumber, total_request_number >= 0) and every trial's
// assignments, and returns exactly current_request_number new assignments
// (or fewer, see SuggestOptions). The suggestions continue the sequence at
// position total_request_number - current_request_number (the number Katib
// has delivered before), or at the number of trials in the request when
// total_request_number is smaller than current_request_number (unset).
absl::StatusOr<::api::v1::beta1::GetSuggestionsReply> Suggest(
    const ::api::v1::beta1::GetSuggestionsRequest& request,
    const SuggestOptions& options = {});

}  // namespace hpsearch::suggestion
