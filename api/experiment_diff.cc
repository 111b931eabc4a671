#include "api/experiment_diff.h"

namespace hpsearch::api {

std::vector<std::string> ChangedFields(const Experiment& before, const Experiment& after) {
  std::vector<std::string> changed;
  auto compare = [&](const char* path, const auto& a, const auto& b) {
    if (!(a == b)) changed.push_back(path);
  };
  compare("apiVersion", before.api_version, after.api_version);
  compare("kind", before.kind, after.kind);
  compare("metadata.name", before.metadata.name, after.metadata.name);
  compare("metadata.namespace", before.metadata.namespace_, after.metadata.namespace_);
  compare("metadata.labels", before.metadata.labels, after.metadata.labels);
  compare("metadata.annotations", before.metadata.annotations, after.metadata.annotations);
  const ExperimentSpec& a = before.spec;
  const ExperimentSpec& b = after.spec;
  compare("spec.parameters", a.parameters, b.parameters);
  compare("spec.objective", a.objective, b.objective);
  compare("spec.algorithm", a.algorithm, b.algorithm);
  compare("spec.earlyStopping", a.early_stopping, b.early_stopping);
  compare("spec.trialTemplate", a.trial_template, b.trial_template);
  compare("spec.parallelTrialCount", a.parallel_trial_count, b.parallel_trial_count);
  compare("spec.maxTrialCount", a.max_trial_count, b.max_trial_count);
  compare("spec.maxFailedTrialCount", a.max_failed_trial_count, b.max_failed_trial_count);
  compare("spec.metricsCollectorSpec", a.metrics_collector_spec, b.metrics_collector_spec);
  compare("spec.nasConfig", a.has_nas_config, b.has_nas_config);
  compare("spec.resumePolicy", a.resume_policy, b.resume_policy);
  // A field added to the model but not above still counts.
  if (changed.empty() && !(before == after)) changed.push_back("spec");
  return changed;
}

}  // namespace hpsearch::api
