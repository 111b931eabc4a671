#include "suggestion/suggest.h"

#include <algorithm>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "suggestion/algorithm.h"
#include "suggestion/grid_search.h"
#include "suggestion/internal/number_format.h"
#include "suggestion/search_space.h"
#include "suggestion/settings.h"

namespace hpsearch::suggestion {
namespace {

namespace pb = ::api::v1::beta1;

// The parts of an experiment that every entry point validates.
struct ValidatedExperiment {
  const AlgorithmDefinition* algorithm;
  Settings settings;
  SearchSpace space;
};

absl::StatusOr<ValidatedExperiment> ValidateExperiment(
    const pb::Experiment& experiment) {
  const pb::AlgorithmSpec& spec = experiment.spec().algorithm();
  absl::StatusOr<const AlgorithmDefinition*> algorithm =
      FindAlgorithm(spec.algorithm_name());
  if (!algorithm.ok()) return algorithm.status();
  absl::StatusOr<Settings> settings = Settings::Parse(
      (*algorithm)->name, (*algorithm)->settings, spec.algorithm_settings());
  if (!settings.ok()) return settings.status();
  absl::StatusOr<SearchSpace> space =
      SearchSpace::FromProto(experiment.spec().parameter_specs());
  if (!space.ok()) return space.status();
  if (absl::Status status = (*algorithm)->validate(experiment, *space, *settings);
      !status.ok()) {
    return status;
  }
  return ValidatedExperiment{*algorithm, *std::move(settings), *std::move(space)};
}

// The objective metric's value in the trial's observation; empty if none.
absl::string_view ObjectiveValueOf(const pb::Trial& trial,
                                   const std::string& metric_name) {
  for (const pb::Metric& metric : trial.status().observation().metrics()) {
    if (metric.name() == metric_name) return metric.value();
  }
  return {};
}

absl::Status ValidateCounts(const pb::GetSuggestionsRequest& request) {
  if (request.current_request_number() < 1 ||
      request.current_request_number() > kMaxRequestNumber) {
    return absl::InvalidArgumentError(absl::StrCat(
        "current_request_number is ", request.current_request_number(),
        "; it must be between 1 and ", kMaxRequestNumber));
  }
  if (request.total_request_number() < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("total_request_number is ", request.total_request_number(),
                     "; it must not be negative"));
  }
  return absl::OkStatus();
}

// Katib's controller reads replies with gRPC's default 4 MiB limit: a
// larger one never arrives, and building it can take gigabytes (1,000
// parameters times 10,000 suggestions is a 280 MB reply).
constexpr size_t kMaxReplyBytes = size_t{4} << 20;

absl::Status ValidateReplySize(const pb::GetSuggestionsRequest& request) {
  // An assignment on the wire: its name, its value (a number takes at most
  // 24 characters; a list value as long as the longest) and some framing.
  size_t per_suggestion = 0;
  const auto& parameters = request.experiment().spec().parameter_specs().parameters();
  for (const pb::ParameterSpec& parameter : parameters) {
    size_t value = 24;
    for (const std::string& item : parameter.feasible_space().list()) value = std::max(value, item.size());
    per_suggestion += parameter.name().size() + value + 8;
  }
  const size_t requested = static_cast<size_t>(request.current_request_number());
  if (per_suggestion * requested <= kMaxReplyBytes) return absl::OkStatus();
  return absl::ResourceExhaustedError(absl::StrCat(
      "current_request_number is ", requested, ": ", requested, " suggestions of ", parameters.size(),
      parameters.size() == 1 ? " parameter" : " parameters", " would make a reply of about ",
      per_suggestion * requested, " bytes, over the ", kMaxReplyBytes,
      " (4 MiB) a Katib client accepts; ask for at most ", kMaxReplyBytes / per_suggestion));
}

}  // namespace

absl::Status ValidateSettings(const pb::Experiment& experiment) {
  absl::StatusOr<ValidatedExperiment> validated = ValidateExperiment(experiment);
  if (!validated.ok()) return validated.status();
  if (!validated->algorithm->max_trial_count_within_space) return absl::OkStatus();
  return ValidateMaxTrialCount(experiment, validated->space);
}

absl::StatusOr<pb::GetSuggestionsReply> Suggest(
    const pb::GetSuggestionsRequest& request, const SuggestOptions& options) {
  if (absl::Status status = ValidateCounts(request); !status.ok()) return status;
  if (absl::Status status = ValidateReplySize(request); !status.ok()) return status;
  absl::StatusOr<ExperimentSuggester> suggester =
      ExperimentSuggester::Create(request.experiment());
  if (!suggester.ok()) return suggester.status();
  const std::string& metric_name =
      request.experiment().spec().objective().objective_metric_name();
  // Reading tens of thousands of trials takes long enough that a client
  // gone or a server shutting down must be noticed here too.
  constexpr int kCancelCheckInterval = 256;
  int read = 0;
  absl::flat_hash_set<absl::string_view> names;
  for (const pb::Trial& trial : request.trials()) {
    if (++read % kCancelCheckInterval == 0 && options.cancelled()) {
      return absl::CancelledError("the call was cancelled while reading its trials");
    }
    // Observe would take a second one as an update of the first, its
    // assignments unread: one request holds each trial once.
    if (!names.insert(trial.name()).second) {
      return absl::InvalidArgumentError(absl::StrCat("trial ", trial.name(), " appears more than once in the request"));
    }
    if (absl::Status status = suggester->Observe(
            trial.name(),
            ViewAssignments(trial.spec().parameter_assignments().assignments()),
            trial.status().condition(), ObjectiveValueOf(trial, metric_name));
        !status.ok()) {
      return status;
    }
  }
  const int current = request.current_request_number();
  const int total = request.total_request_number();
  const uint64_t first_index = total >= current
                                   ? static_cast<uint64_t>(total - current)
                                   : static_cast<uint64_t>(request.trials_size());
  absl::StatusOr<std::vector<ExperimentSuggester::Assignments>> suggestions =
      suggester->Suggest(current, first_index, options);
  if (!suggestions.ok()) return suggestions.status();

  pb::GetSuggestionsReply reply;
  for (ExperimentSuggester::Assignments& suggestion : *suggestions) {
    auto* assignments = reply.add_parameter_assignments()->mutable_assignments();
    for (pb::ParameterAssignment& assignment : suggestion) {
      *assignments->Add() = std::move(assignment);
    }
  }
  return reply;
}

absl::StatusOr<ExperimentSuggester> ExperimentSuggester::Create(
    pb::Experiment experiment) {
  absl::StatusOr<ValidatedExperiment> validated = ValidateExperiment(experiment);
  if (!validated.ok()) return validated.status();
  return ExperimentSuggester(std::move(experiment), validated->algorithm,
                             std::move(validated->settings),
                             std::move(validated->space));
}

ExperimentSuggester::ExperimentSuggester(pb::Experiment experiment,
                                         const AlgorithmDefinition* algorithm,
                                         Settings settings, SearchSpace space)
    : experiment_(std::move(experiment)),
      algorithm_(algorithm),
      settings_(std::move(settings)),
      space_(std::move(space)) {}

absl::Status ExperimentSuggester::Observe(
    absl::string_view trial_name, std::span<const AssignmentView> assignments,
    pb::TrialStatus::TrialConditionType condition, absl::string_view objective_value) {
  std::optional<double> objective;
  if (condition == pb::TrialStatus::SUCCEEDED ||
      condition == pb::TrialStatus::EARLYSTOPPED) {
    objective = internal::ParseDouble(objective_value);
  }
  if (auto known = index_.find(trial_name); known != index_.end()) {
    TrialPoint& trial = trials_[known->second];
    trial.condition = condition;
    trial.objective = objective;
    return absl::OkStatus();
  }
  absl::StatusOr<Point> point = space_.ParseAssignments(trial_name, assignments);
  if (!point.ok()) return point.status();
  index_.emplace(trial_name, trials_.size());
  trials_.push_back({.name = std::string(trial_name),
                     .point = *std::move(point),
                     .condition = condition,
                     .objective = objective});
  return absl::OkStatus();
}

absl::StatusOr<std::vector<ExperimentSuggester::Assignments>>
ExperimentSuggester::Suggest(int count, uint64_t first_index,
                             const SuggestOptions& options) const {
  if (count < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("asked for ", count, " suggestions; at least 1 is needed"));
  }
  AlgorithmInput input;
  input.experiment = &experiment_;
  input.space = &space_;
  input.settings = &settings_;
  input.trials = trials_;
  input.first_index = first_index;
  input.count = count;
  input.cancelled = options.cancelled;
  absl::StatusOr<std::vector<Point>> points = algorithm_->suggest(input);
  if (!points.ok()) return points.status();
  if (static_cast<int>(points->size()) < count && options.shortfall == SuggestOptions::Shortfall::kRepeat) {
    if (absl::Status status = Repeat(*points, count, first_index); !status.ok()) return status;
  }
  std::vector<Assignments> suggestions;
  suggestions.reserve(points->size());
  for (const Point& point : *points) suggestions.push_back(space_.ToAssignments(point));
  return suggestions;
}

absl::Status ExperimentSuggester::Repeat(std::vector<Point>& points, int count, uint64_t first_index) const {
  const size_t fresh = points.size();
  if (fresh == 0 && (experiment_.spec().max_trial_count() <= 0 || trials_.empty())) {
    return absl::OutOfRangeError(absl::StrCat(
        "search space exhausted: algorithm ", algorithm_->name, " has no new points left (", trials_.size(),
        " trials in the request), and the experiment has no maxTrialCount that repeated points would reach"));
  }
  // Starting where the sequence is, so that calls for one point each do not
  // repeat the same trial.
  for (size_t i = 0; static_cast<int>(points.size()) < count; ++i) {
    Point repeat = fresh > 0 ? points[i % fresh] : trials_[(first_index + i) % trials_.size()].point;
    points.push_back(std::move(repeat));
  }
  return absl::OkStatus();
}

}  // namespace hpsearch::suggestion
