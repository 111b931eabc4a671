// Helpers for the suggestion tests: Katib messages from protobuf text format.
#pragma once

#include <string>

#include "google/protobuf/text_format.h"
#include "gtest/gtest.h"
#include "katib/v1beta1/api.pb.h"

namespace hpsearch::suggestion::testing {

template <typename Message>
Message ParseText(const std::string& text) {
  Message message;
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(text, &message))
      << text;
  return message;
}

inline ::api::v1::beta1::ExperimentSpec::ParameterSpecs Specs(const std::string& text) {
  return ParseText<::api::v1::beta1::ExperimentSpec::ParameterSpecs>(text);
}

// A request's experiment in text format, for Request: `parameters` (the
// ParameterSpecs' text) searched by `algorithm`, minimizing "loss".
inline std::string ExperimentText(const std::string& name, const std::string& algorithm,
                                  const std::string& parameters) {
  return "experiment { name: '" + name + "' spec { parameter_specs { " + parameters +
         " } objective { type: MINIMIZE objective_metric_name: 'loss' } algorithm { algorithm_name: '" +
         algorithm + "' } } }";
}

// A request shaped like Katib's controller's: the experiment, its trials
// and the counts. `algorithm` is "random" or "grid".
inline ::api::v1::beta1::GetSuggestionsRequest Request(
    const std::string& experiment_text, int current, int total) {
  auto request = ParseText<::api::v1::beta1::GetSuggestionsRequest>(experiment_text);
  request.set_current_request_number(current);
  request.set_total_request_number(total);
  return request;
}

// Appends a trial holding `reply`'s i-th assignments, as Katib creates it.
inline void AddTrial(::api::v1::beta1::GetSuggestionsRequest& request,
                     const ::api::v1::beta1::GetSuggestionsReply& reply, int i,
                     ::api::v1::beta1::TrialStatus::TrialConditionType condition,
                     const std::string& objective = "") {
  ::api::v1::beta1::Trial* trial = request.add_trials();
  trial->set_name(request.experiment().name() + "-" +
                  std::to_string(request.trials_size()));
  *trial->mutable_spec()->mutable_parameter_assignments()->mutable_assignments() =
      reply.parameter_assignments(i).assignments();
  trial->mutable_spec()->mutable_objective()->CopyFrom(
      request.experiment().spec().objective());
  trial->mutable_status()->set_condition(condition);
  if (!objective.empty()) {
    ::api::v1::beta1::Metric* metric =
        trial->mutable_status()->mutable_observation()->add_metrics();
    metric->set_name(request.experiment().spec().objective().objective_metric_name());
    metric->set_value(objective);
  }
}

}  // namespace hpsearch::suggestion::testing
