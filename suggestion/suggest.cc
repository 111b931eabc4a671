#include "suggestion/suggest.h"

#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "suggestion/algorithm.h"
#include "suggestion/internal/number_format.h"
#include "suggestion/search_space.h"
#include "suggestion/settings.h"

namespace hpsearch::suggestion {
namespace {

namespace pb = ::api::v1::beta1;

// The parts of an experiment that both entry points validate.
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

std::optional<double> ObjectiveOf(const pb::Trial& trial,
                                  const std::string& metric_name) {
  const auto condition = trial.status().condition();
  if (condition != pb::TrialStatus::SUCCEEDED &&
      condition != pb::TrialStatus::EARLYSTOPPED) {
    return std::nullopt;
  }
  for (const pb::Metric& metric : trial.status().observation().metrics()) {
    // A non-numeric value (Katib's "unavailable") counts as no observation.
    if (metric.name() == metric_name) return internal::ParseDouble(metric.value());
  }
  return std::nullopt;
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

}  // namespace

absl::Status ValidateSettings(const pb::Experiment& experiment) {
  return ValidateExperiment(experiment).status();
}

absl::StatusOr<pb::GetSuggestionsReply> Suggest(
    const pb::GetSuggestionsRequest& request, const SuggestOptions& options) {
  if (absl::Status status = ValidateCounts(request); !status.ok()) return status;
  absl::StatusOr<ValidatedExperiment> experiment =
      ValidateExperiment(request.experiment());
  if (!experiment.ok()) return experiment.status();

  AlgorithmInput input;
  input.experiment = &request.experiment();
  input.space = &experiment->space;
  input.settings = &experiment->settings;
  input.count = request.current_request_number();
  input.cancelled = options.cancelled;
  const std::string& metric_name =
      request.experiment().spec().objective().objective_metric_name();
  input.trials.reserve(request.trials_size());
  for (const pb::Trial& trial : request.trials()) {
    absl::StatusOr<Point> point = experiment->space.ParseAssignments(
        trial.name(), trial.spec().parameter_assignments().assignments());
    if (!point.ok()) return point.status();
    input.trials.push_back({.name = trial.name(),
                            .point = *std::move(point),
                            .condition = trial.status().condition(),
                            .objective = ObjectiveOf(trial, metric_name)});
  }
  const int current = request.current_request_number();
  const int total = request.total_request_number();
  input.first_index = total >= current
                          ? static_cast<uint64_t>(total - current)
                          : static_cast<uint64_t>(request.trials_size());

  absl::StatusOr<std::vector<Point>> points = experiment->algorithm->suggest(input);
  if (!points.ok()) return points.status();
  if (static_cast<int>(points->size()) < current &&
      options.shortfall == SuggestOptions::Shortfall::kError) {
    return absl::OutOfRangeError(absl::StrCat(
        "search space exhausted: algorithm ", experiment->algorithm->name,
        " has ", points->size(), " new points left for ", current,
        " requested (", request.trials_size(),
        " trials in the request); set maxTrialCount to at most the number of "
        "points"));
  }

  pb::GetSuggestionsReply reply;
  for (const Point& point : *points) {
    auto* assignments = reply.add_parameter_assignments();
    for (pb::ParameterAssignment& assignment :
         experiment->space.ToAssignments(point)) {
      *assignments->add_assignments() = std::move(assignment);
    }
  }
  return reply;
}

}  // namespace hpsearch::suggestion
