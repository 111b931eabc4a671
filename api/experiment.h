// The Katib kubeflow.org/v1beta1 Experiment, as a plain C++ value.
//
// This is the in-memory form every hpsearch component works on: the YAML
// loader (api/experiment_loader.h) fills it, ApplyExperimentDefaults()
// (api/experiment_defaults.h) completes it the way Katib's mutating webhook
// does, ValidateExperiment() (api/experiment_validation.h) checks it against
// Katib's validating webhook rules, and api/experiment_proto.h converts it to
// and from api.v1.beta1.Experiment for the suggestion algorithms.
//
// Strings that Katib keeps as strings (feasibleSpace min/max/step/list,
// setting values) are kept exactly as written; enum-like fields are kept as the
// written string too, so that an unknown value survives until validation can
// name it. Typed views (ParameterType, Distribution, ...) are derived with the
// Parse* helpers below.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hpsearch::api {

// Katib's enum values, spelled as in the CRD.
enum class ObjectiveType { kUnknown, kMinimize, kMaximize };
enum class ParameterType { kUnknown, kDouble, kInt, kDiscrete, kCategorical };
enum class Distribution { kUnknown, kUniform, kLogUniform, kNormal, kLogNormal };
enum class MetricStrategyType { kUnknown, kMin, kMax, kLatest };
enum class ResumePolicy { kUnknown, kNever, kLongRunning, kFromVolume };
// kPush is Katib's "Push"; kNone is its spelling before v0.18 ("None"),
// accepted with a warning so older manifests keep running here.
enum class CollectorKind {
  kUnknown,
  kStdOut,
  kFile,
  kTensorFlowEvent,
  kPrometheusMetric,
  kCustom,
  kPush,
  kNone
};

// Parse*: the enum for Katib's spelling, kUnknown for anything else (also the
// empty string). ToString: Katib's spelling ("" for kUnknown).
ObjectiveType ParseObjectiveType(std::string_view s);
ParameterType ParseParameterType(std::string_view s);
Distribution ParseDistribution(std::string_view s);
MetricStrategyType ParseMetricStrategyType(std::string_view s);
ResumePolicy ParseResumePolicy(std::string_view s);
CollectorKind ParseCollectorKind(std::string_view s);
std::string_view ToString(ObjectiveType v);
std::string_view ToString(ParameterType v);
std::string_view ToString(Distribution v);
std::string_view ToString(MetricStrategyType v);
std::string_view ToString(ResumePolicy v);
std::string_view ToString(CollectorKind v);

// A name/value pair: algorithm and early-stopping settings, container env.
struct NameValue {
  std::string name;
  std::string value;
  bool operator==(const NameValue&) const = default;
};

struct MetricStrategy {
  std::string name;
  std::string value;  // "min", "max" or "latest"
  bool operator==(const MetricStrategy&) const = default;
};

struct Objective {
  std::string type;  // "minimize" or "maximize"
  std::optional<double> goal;
  std::string objective_metric_name;
  std::vector<std::string> additional_metric_names;
  std::vector<MetricStrategy> metric_strategies;
  bool operator==(const Objective&) const = default;
};

// Algorithm and early-stopping specs share this shape.
struct AlgorithmSpec {
  std::string algorithm_name;
  std::vector<NameValue> algorithm_settings;
  bool operator==(const AlgorithmSpec&) const = default;
};

struct FeasibleSpace {
  std::string min;
  std::string max;
  std::string step;
  std::vector<std::string> list;
  std::string distribution;
  bool operator==(const FeasibleSpace&) const = default;
};

struct ParameterSpec {
  std::string name;
  std::string parameter_type;
  FeasibleSpace feasible_space;
  bool operator==(const ParameterSpec&) const = default;
};

struct TrialParameterSpec {
  std::string name;
  std::string description;
  std::string reference;
  bool operator==(const TrialParameterSpec&) const = default;
};

// A container field only a cluster can apply: an env entry's valueFrom (a
// Secret, a ConfigMap, the downward API), envFrom, workingDir.
struct ClusterOnlyField {
  enum class Kind { kValueFrom, kEnvFrom, kWorkingDir };
  Kind kind;
  std::string path;      // e.g. "...containers[0].env[2].valueFrom"
  std::string variable;  // kValueFrom: the env entry's name
  bool operator==(const ClusterOnlyField&) const = default;
};

struct Container {
  std::string name;
  std::string image;
  std::vector<std::string> command;
  std::vector<std::string> args;
  std::vector<NameValue> env;  // only entries with a literal value
  std::vector<ClusterOnlyField> cluster_only;
  bool operator==(const Container&) const = default;
};

// A string scalar of the trialSpec together with its field path, e.g.
// {"spec.trialTemplate.trialSpec.spec.template.spec.containers[0].command[2]",
//  "--lr=${trialParameters.learningRate}"}. Used to check and substitute
// ${trialParameters.X} references without re-parsing the YAML.
struct TemplateString {
  std::string path;
  std::string value;
  bool operator==(const TemplateString&) const = default;
};

// spec.trialTemplate.trialSpec: an arbitrary Kubernetes object (Job, TFJob,
// PyTorchJob, ...). The fields hpsearch needs are extracted; `yaml` keeps the
// whole object so nothing is lost.
struct TrialSpec {
  std::string api_version;
  std::string kind;
  std::string metadata_name;  // Katib requires these two to be empty.
  std::string metadata_namespace;
  // Every container found in a pod template (any `containers` list), in
  // document order.
  std::vector<Container> containers;
  std::vector<TemplateString> strings;
  std::string yaml;
  bool operator==(const TrialSpec&) const = default;
};

struct TrialTemplate {
  bool retain = false;
  std::string primary_container_name;
  std::map<std::string, std::string> primary_pod_labels;
  std::string success_condition;
  std::string failure_condition;
  std::vector<TrialParameterSpec> trial_parameters;
  bool has_trial_parameters = false;  // Katib tells "absent" from "empty".
  std::optional<TrialSpec> trial_spec;
  bool has_config_map = false;  // configMap sources are recognised, not loaded
  bool operator==(const TrialTemplate&) const = default;

  // The container named primary_container_name, if the trialSpec has one.
  const Container* PrimaryContainer() const;
};

struct FileSystemPath {
  std::string path;
  std::string kind;    // "File" or "Directory"
  std::string format;  // "TEXT" or "JSON"
  bool operator==(const FileSystemPath&) const = default;
};

struct HttpGet {
  std::string path;
  std::string port;  // Kubernetes IntOrString, as written
  bool operator==(const HttpGet&) const = default;
};

struct MetricsCollectorSpec {
  std::string collector_kind;
  bool has_custom_collector = false;
  std::optional<FileSystemPath> file_system_path;
  std::optional<HttpGet> http_get;
  // Present (possibly empty) when source.filter was written.
  std::optional<std::vector<std::string>> metrics_format;
  bool operator==(const MetricsCollectorSpec&) const = default;
};

struct Metadata {
  std::string name;
  std::string namespace_;
  std::map<std::string, std::string> labels;
  std::map<std::string, std::string> annotations;
  bool operator==(const Metadata&) const = default;
};

struct ExperimentSpec {
  std::vector<ParameterSpec> parameters;
  std::optional<Objective> objective;
  std::optional<AlgorithmSpec> algorithm;
  std::optional<AlgorithmSpec> early_stopping;
  std::optional<TrialTemplate> trial_template;
  std::optional<int32_t> parallel_trial_count;
  std::optional<int32_t> max_trial_count;
  std::optional<int32_t> max_failed_trial_count;
  std::optional<MetricsCollectorSpec> metrics_collector_spec;
  bool has_nas_config = false;  // NAS (enas/darts) configs are not modelled
  std::string resume_policy;
  bool operator==(const ExperimentSpec&) const = default;
};

struct Experiment {
  std::string api_version;
  std::string kind;
  Metadata metadata;
  ExperimentSpec spec;
  bool operator==(const Experiment&) const = default;
};

}  // namespace hpsearch::api
