// Katib's defaulting (the mutating webhook's Experiment.SetDefault), applied
// to the model: parallelTrialCount 3, resumePolicy Never, a metric strategy
// for the objective and every additional metric (min when minimizing, max when
// maximizing, latest when the type is unknown), success/failure conditions
// (and primary pod labels for Kubeflow training jobs) by trialSpec kind, the
// StdOut metrics collector and per-kind collector sources, and the uniform
// distribution. maxTrialCount and maxFailedTrialCount have no defaults.
#pragma once

#include "api/experiment.h"

namespace hpsearch::api {

void ApplyExperimentDefaults(Experiment& experiment);

// Katib's default values, for callers that need to name them.
inline constexpr int32_t kDefaultParallelTrialCount = 3;
inline constexpr std::string_view kDefaultJobSuccessCondition =
    R"(status.conditions.#(type=="Complete")#|#(status=="True")#)";
inline constexpr std::string_view kDefaultJobFailureCondition =
    R"(status.conditions.#(type=="Failed")#|#(status=="True")#)";
inline constexpr std::string_view kDefaultKubeflowJobSuccessCondition =
    R"(status.conditions.#(type=="Succeeded")#|#(status=="True")#)";
inline constexpr std::string_view kDefaultMetricsFilePath = "/var/log/katib/metrics.log";
inline constexpr std::string_view kDefaultTensorFlowEventDirPath = "/var/log/katib/tfevent/";
inline constexpr std::string_view kDefaultPrometheusPath = "/metrics";
inline constexpr std::string_view kDefaultPrometheusPort = "8080";

}  // namespace hpsearch::api
