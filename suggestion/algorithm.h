// The algorithm interface and the registry of algorithms by Katib name.
//
// An algorithm is a pure function of (search space, settings, the trials so
// far, the position in the suggestion sequence): no state survives a call,
// so a restarted server continues where the last one stopped and one server
// serves any number of experiments. Adding an algorithm is one file that
// defines an AlgorithmDefinition (name, settings schema, validate, suggest)
// plus its line in the table of algorithm.cc.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "katib/v1beta1/api.pb.h"
#include "suggestion/search_space.h"
#include "suggestion/settings.h"

namespace hpsearch::suggestion {

// A trial of the request, read back into the search space.
struct TrialPoint {
  std::string name;
  Point point;
  ::api::v1::beta1::TrialStatus::TrialConditionType condition =
      ::api::v1::beta1::TrialStatus::CREATED;
  // The objective metric's value, for SUCCEEDED and EARLYSTOPPED trials whose
  // observation has it as a number (Katib's services learn from only those).
  std::optional<double> objective;
};

// Everything an algorithm may use to suggest.
struct AlgorithmInput {
  const ::api::v1::beta1::Experiment* experiment = nullptr;
  const SearchSpace* space = nullptr;
  const Settings* settings = nullptr;
  // All trials of the request, in any state, running ones included.
  std::span<const TrialPoint> trials;
  // Number of suggestions delivered before this call: this call's points are
  // positions first_index .. first_index + count - 1 of the sequence.
  uint64_t first_index = 0;
  int count = 0;
  // True once the caller has gone away; long loops poll it and give up.
  std::function<bool()> cancelled = [] { return false; };
};

struct AlgorithmDefinition {
  // Katib's algorithmName.
  absl::string_view name;
  std::span<const SettingSpec> settings;
  absl::string_view doc;
  // Checks beyond the settings schema and the search space, which the caller
  // has already validated (e.g. grid needs a step on every double).
  absl::Status (*validate)(const ::api::v1::beta1::Experiment& experiment,
                           const SearchSpace& space,
                           const Settings& settings) = nullptr;
  // Whether maxTrialCount may not exceed the number of points of a finite
  // search space (Katib's "Max Trial Count: N > all possible search
  // combinations: M"). Checked by ValidateSettings only, as Katib checks
  // settings only before an experiment runs: a restarted one may raise
  // maxTrialCount past the space, and its calls must still be answered.
  bool max_trial_count_within_space = false;
  // Returns at most input.count points, new ones (grid, once they run out,
  // adds the points of trials that ended without metrics); fewer only when
  // there are no more. The caller fills a short reply (SuggestOptions).
  absl::StatusOr<std::vector<Point>> (*suggest)(const AlgorithmInput& input) =
      nullptr;
};

// All registered algorithms, in documentation order.
std::span<const AlgorithmDefinition> Algorithms();

// Their names, comma-separated: "random, grid".
std::string AlgorithmNames();

// The Markdown table of every algorithm's settings (name, type, default,
// doc), generated from the schemas; docs/suggestion-service.md embeds it and
// `hpsearch serve --list-algorithms` prints it.
std::string AlgorithmSettingsTable();

// INVALID_ARGUMENT "unknown algorithm name X" for a name not registered.
absl::StatusOr<const AlgorithmDefinition*> FindAlgorithm(absl::string_view name);

}  // namespace hpsearch::suggestion
