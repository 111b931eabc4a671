#include "api/experiment_defaults.h"

#include <set>
#include <string>

namespace hpsearch::api {
namespace {

std::string DefaultStrategy(std::string_view objective_type) {
  switch (ParseObjectiveType(objective_type)) {
    case ObjectiveType::kMinimize:
      return "min";
    case ObjectiveType::kMaximize:
      return "max";
    case ObjectiveType::kUnknown:
      break;
  }
  return "latest";
}

void DefaultObjective(Objective& o) {
  std::set<std::string> named;
  for (const MetricStrategy& s : o.metric_strategies) named.insert(s.name);
  const std::string strategy = DefaultStrategy(o.type);
  if (!named.contains(o.objective_metric_name)) {
    o.metric_strategies.push_back({o.objective_metric_name, strategy});
  }
  for (const std::string& metric : o.additional_metric_names) {
    if (named.insert(metric).second) o.metric_strategies.push_back({metric, strategy});
  }
}

void DefaultTrialTemplate(TrialTemplate& t) {
  if (!t.trial_spec) return;
  const std::string& kind = t.trial_spec->kind;
  const bool is_train_job = kind == "TrainJob";
  const bool is_kubeflow_job = kind == "TFJob" || kind == "PyTorchJob" || kind == "XGBoostJob" ||
                               kind == "MPIJob" || is_train_job;
  if (kind == "Job" || is_train_job) {
    if (t.success_condition.empty()) t.success_condition = kDefaultJobSuccessCondition;
    if (t.failure_condition.empty()) t.failure_condition = kDefaultJobFailureCondition;
  } else if (is_kubeflow_job) {
    if (t.success_condition.empty()) t.success_condition = kDefaultKubeflowJobSuccessCondition;
    if (t.failure_condition.empty()) t.failure_condition = kDefaultJobFailureCondition;
  }
  if (is_kubeflow_job && t.primary_pod_labels.empty()) {
    t.primary_pod_labels =
        is_train_job
            ? std::map<std::string, std::string>{{"jobset.sigs.k8s.io/replicatedjob-name", "node"},
                                                 {"batch.kubernetes.io/job-completion-index", "0"}}
            : std::map<std::string, std::string>{{"training.kubeflow.org/job-role", "master"}};
  }
}

void DefaultMetricsCollector(std::optional<MetricsCollectorSpec>& spec) {
  MetricsCollectorSpec& mc = spec ? *spec : spec.emplace();
  if (mc.collector_kind.empty()) mc.collector_kind = ToString(CollectorKind::kStdOut);
  auto set_if_empty = [](std::string& field, std::string_view value) {
    if (field.empty()) field = value;
  };
  switch (ParseCollectorKind(mc.collector_kind)) {
    case CollectorKind::kPrometheusMetric: {
      HttpGet& h = mc.http_get ? *mc.http_get : mc.http_get.emplace();
      set_if_empty(h.path, kDefaultPrometheusPath);
      if (h.port.empty() || h.port == "0") h.port = kDefaultPrometheusPort;
      break;
    }
    case CollectorKind::kFile: {
      FileSystemPath& f =
          mc.file_system_path ? *mc.file_system_path : mc.file_system_path.emplace();
      set_if_empty(f.kind, "File");
      set_if_empty(f.path, kDefaultMetricsFilePath);
      set_if_empty(f.format, "TEXT");
      break;
    }
    case CollectorKind::kTensorFlowEvent: {
      FileSystemPath& f =
          mc.file_system_path ? *mc.file_system_path : mc.file_system_path.emplace();
      set_if_empty(f.kind, "Directory");
      set_if_empty(f.path, kDefaultTensorFlowEventDirPath);
      break;
    }
    default:
      break;
  }
}

}  // namespace

void ApplyExperimentDefaults(Experiment& experiment) {
  // What kubectl gives an object applied without one: ${trialSpec.Namespace}
  // reads "default" here as in the cluster.
  if (experiment.metadata.namespace_.empty()) experiment.metadata.namespace_ = "default";
  ExperimentSpec& spec = experiment.spec;
  if (!spec.parallel_trial_count) spec.parallel_trial_count = kDefaultParallelTrialCount;
  if (spec.resume_policy.empty()) spec.resume_policy = ToString(ResumePolicy::kNever);
  if (spec.objective) DefaultObjective(*spec.objective);
  if (spec.trial_template) DefaultTrialTemplate(*spec.trial_template);
  DefaultMetricsCollector(spec.metrics_collector_spec);
  for (ParameterSpec& p : spec.parameters) {
    if (p.feasible_space.distribution.empty()) {
      p.feasible_space.distribution = ToString(Distribution::kUniform);
    }
  }
}

}  // namespace hpsearch::api
