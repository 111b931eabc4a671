// Katib's defaulting rules, one behaviour per test.
#include "api/experiment_defaults.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace hpsearch::api {
namespace {

using ::testing::ElementsAre;

Experiment WithObjective(std::string type) {
  Experiment e;
  Objective& o = e.spec.objective.emplace();
  o.type = std::move(type);
  o.objective_metric_name = "loss";
  o.additional_metric_names = {"accuracy", "f1"};
  return e;
}

Experiment WithTrialKind(std::string kind) {
  Experiment e;
  e.spec.trial_template.emplace().trial_spec.emplace().kind = std::move(kind);
  return e;
}

Experiment WithCollector(std::string kind) {
  Experiment e;
  e.spec.metrics_collector_spec.emplace().collector_kind = std::move(kind);
  ApplyExperimentDefaults(e);
  return e;
}

TEST(ExperimentDefaults, CountsAndResumePolicy) {
  Experiment e;
  ApplyExperimentDefaults(e);
  EXPECT_EQ(e.spec.parallel_trial_count, 3);
  EXPECT_EQ(e.spec.max_trial_count, std::nullopt);  // Katib has no default
  EXPECT_EQ(e.spec.max_failed_trial_count, std::nullopt);
  EXPECT_EQ(e.spec.resume_policy, "Never");
}

TEST(ExperimentDefaults, KeepsWrittenValues) {
  Experiment e;
  e.metadata.namespace_ = "kubeflow";
  e.spec.parallel_trial_count = 7;
  e.spec.resume_policy = "LongRunning";
  ApplyExperimentDefaults(e);
  EXPECT_EQ(e.metadata.namespace_, "kubeflow");
  EXPECT_EQ(e.spec.parallel_trial_count, 7);
  EXPECT_EQ(e.spec.resume_policy, "LongRunning");
}

// As kubectl applies an object without one; ${trialSpec.Namespace} reads it.
TEST(ExperimentDefaults, NamespaceIsDefault) {
  Experiment e;
  ApplyExperimentDefaults(e);
  EXPECT_EQ(e.metadata.namespace_, "default");
}

TEST(ExperimentDefaults, MetricStrategiesFollowTheObjectiveType) {
  for (const auto& [type, strategy] : std::vector<std::pair<std::string, std::string>>{
           {"minimize", "min"}, {"maximize", "max"}, {"", "latest"}}) {
    Experiment e = WithObjective(type);
    ApplyExperimentDefaults(e);
    EXPECT_THAT(e.spec.objective->metric_strategies,
                ElementsAre(MetricStrategy{"loss", strategy}, MetricStrategy{"accuracy", strategy},
                            MetricStrategy{"f1", strategy}))
        << type;
  }
}

TEST(ExperimentDefaults, WrittenMetricStrategiesWin) {
  Experiment e = WithObjective("maximize");
  e.spec.objective->metric_strategies = {{"loss", "latest"}, {"f1", "min"}};
  ApplyExperimentDefaults(e);
  EXPECT_THAT(e.spec.objective->metric_strategies,
              ElementsAre(MetricStrategy{"loss", "latest"}, MetricStrategy{"f1", "min"},
                          MetricStrategy{"accuracy", "max"}));
}

TEST(ExperimentDefaults, JobConditions) {
  Experiment e = WithTrialKind("Job");
  ApplyExperimentDefaults(e);
  EXPECT_EQ(e.spec.trial_template->success_condition, kDefaultJobSuccessCondition);
  EXPECT_EQ(e.spec.trial_template->failure_condition, kDefaultJobFailureCondition);
  EXPECT_TRUE(e.spec.trial_template->primary_pod_labels.empty());
}

TEST(ExperimentDefaults, KubeflowJobConditionsAndPodLabels) {
  Experiment e = WithTrialKind("PyTorchJob");
  ApplyExperimentDefaults(e);
  const TrialTemplate& t = *e.spec.trial_template;
  EXPECT_EQ(t.success_condition, kDefaultKubeflowJobSuccessCondition);
  EXPECT_EQ(t.failure_condition, kDefaultJobFailureCondition);
  EXPECT_EQ(t.primary_pod_labels.at("training.kubeflow.org/job-role"), "master");
}

TEST(ExperimentDefaults, UnknownKindGetsNoConditions) {
  Experiment e = WithTrialKind("Workflow");
  ApplyExperimentDefaults(e);
  EXPECT_TRUE(e.spec.trial_template->success_condition.empty());
}

TEST(ExperimentDefaults, MetricsCollectorKinds) {
  Experiment e;
  ApplyExperimentDefaults(e);
  EXPECT_EQ(e.spec.metrics_collector_spec->collector_kind, "StdOut");
  EXPECT_EQ(WithCollector("File").spec.metrics_collector_spec->file_system_path,
            (FileSystemPath{"/var/log/katib/metrics.log", "File", "TEXT"}));
  EXPECT_EQ(WithCollector("TensorFlowEvent").spec.metrics_collector_spec->file_system_path,
            (FileSystemPath{"/var/log/katib/tfevent/", "Directory", ""}));
  EXPECT_EQ(WithCollector("PrometheusMetric").spec.metrics_collector_spec->http_get,
            (HttpGet{"/metrics", "8080"}));
}

TEST(ExperimentDefaults, UniformDistribution) {
  Experiment e;
  e.spec.parameters.resize(2);
  e.spec.parameters[1].feasible_space.distribution = "normal";
  ApplyExperimentDefaults(e);
  EXPECT_EQ(e.spec.parameters[0].feasible_space.distribution, "uniform");
  EXPECT_EQ(e.spec.parameters[1].feasible_space.distribution, "normal");
}

}  // namespace
}  // namespace hpsearch::api
