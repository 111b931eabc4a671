#include "api/experiment_validation.h"

#include <algorithm>
#include <array>
#include <set>
#include <string>

#include "api/experiment_defaults.h"
#include "api/feasible_space.h"
#include "api/internal/strings.h"
#include "gpu/budget.h"
#include "re2/re2.h"

namespace hpsearch::api {
namespace {

using internal::Cat;
using internal::Join;

constexpr std::array<std::string_view, 11> kAlgorithms = {
    "random",           "tpe",  "grid",  "hyperband", "bayesianoptimization", "cmaes", "sobol",
    "multivariate-tpe", "enas", "darts", "pbt"};
constexpr std::array<std::string_view, 1> kEarlyStoppingAlgorithms = {"medianstop"};
// Metadata keys a trialParameter may reference instead of a parameter, as
// ${trialSpec.Name} or ${trialSpec.Labels[key]}.
constexpr std::array<std::string_view, 6> kTrialMetaKeys = {"Name",       "Namespace",   "Kind",
                                                            "APIVersion", "Annotations", "Labels"};

bool Contains(auto&& range, std::string_view value) {
  return std::find(std::begin(range), std::end(range), value) != std::end(range);
}

std::string Quoted(std::string_view s) { return Cat("\"", s, "\""); }

class Validator {
 public:
  explicit Validator(const Experiment& e) : e_(e), spec_(e.spec) {}

  std::vector<Diagnostic> Run() {
    Name();
    Counts();
    Objective();
    Algorithms();
    ResumePolicy();
    TrialTemplate();
    Parameters();
    MetricsCollector();
    GpuAnnotations();
    GridSize();
    return std::move(out_);
  }

 private:
  void Error(std::string path, std::string message) {
    out_.push_back({Severity::kError, std::move(path), std::move(message), {}});
  }
  void Warning(std::string path, std::string message) {
    out_.push_back({Severity::kWarning, std::move(path), std::move(message), {}});
  }

  bool IsGrid() const { return spec_.algorithm && spec_.algorithm->algorithm_name == "grid"; }

  void Name() {
    static const RE2 kNaming("[a-z]([-a-z0-9]*[a-z0-9])?");
    const std::string& name = e_.metadata.name;
    if (name.empty()) {
      Error("metadata.name", "must be specified");
    } else if (!RE2::FullMatch(name, kNaming) || name.size() > 40) {
      Error("metadata.name",
            "name must consist of lower case alphanumeric characters or '-', start with an "
            "alphabetic character, and end with an alphanumeric character (e.g. 'my-name', or "
            "'abc-123', regex used for validation is '^[a-z]([-a-z0-9]*[a-z0-9])?)') and may "
            "not be longer than 40 characters.");
    }
  }

  void Counts() {
    const auto& max_failed = spec_.max_failed_trial_count;
    const auto& max_trials = spec_.max_trial_count;
    const auto& parallel = spec_.parallel_trial_count;
    if (max_failed && *max_failed < 0) {
      Error("spec.maxFailedTrialCount", "should not be less than 0");
    }
    if (max_trials && *max_trials <= 0) Error("spec.maxTrialCount", "must be greater than 0");
    if (parallel && *parallel <= 0) Error("spec.parallelTrialCount", "must be greater than 0");
    if (max_failed && max_trials && *max_failed > *max_trials) {
      Error("spec.maxFailedTrialCount",
            Cat("should be less than or equal to spec.maxTrialCount (", *max_trials, "); is ", *max_failed));
    }
    if (parallel && max_trials && *parallel > *max_trials) {
      // Often the default, where a small maxTrialCount meets an unset field.
      Error("spec.parallelTrialCount",
            Cat("should be less than or equal to spec.maxTrialCount (", *max_trials, "); is ", *parallel,
                *parallel == kDefaultParallelTrialCount ? ", the default when unset" : ""));
    }
  }

  void Objective() {
    if (!spec_.objective) {
      Error("spec.objective", "must be specified");
      return;
    }
    const api::Objective& o = *spec_.objective;
    if (ParseObjectiveType(o.type) == ObjectiveType::kUnknown) {
      Error("spec.objective.type", "must be minimize or maximize");
    }
    if (o.objective_metric_name.empty()) {
      Error("spec.objective.objectiveMetricName", "must be specified");
    }
    for (size_t i = 0; i < o.additional_metric_names.size(); ++i) {
      if (o.additional_metric_names[i] == o.objective_metric_name) {
        Error(IndexPath("spec.objective.additionalMetricNames", i),
              "should not contain spec.objective.objectiveMetricName");
      }
    }
    for (size_t i = 0; i < o.metric_strategies.size(); ++i) {
      const std::string path = IndexPath("spec.objective.metricStrategies", i);
      if (ParseMetricStrategyType(o.metric_strategies[i].value) == MetricStrategyType::kUnknown) {
        Error(ChildPath(path, "value"),
              Cat("metric strategy ", Quoted(o.metric_strategies[i].value),
                  " is not supported; use min, max or latest"));
      }
    }
  }

  void Algorithm(const std::optional<AlgorithmSpec>& spec, std::string_view path,
                 std::string_view what, std::span<const std::string_view> known) {
    if (!spec) return;
    const std::string name_path = ChildPath(path, "algorithmName");
    if (spec->algorithm_name.empty()) {
      Error(name_path, "must be specified");
    } else if (!Contains(known, spec->algorithm_name)) {
      Error(name_path,
            Cat("unable to get ", what, " config data for algorithm ", spec->algorithm_name,
                ": unknown algorithm; Katib ships ", Join(known, ", ")));
    }
    std::set<std::string_view> names;
    for (size_t i = 0; i < spec->algorithm_settings.size(); ++i) {
      const std::string setting_path =
          ChildPath(IndexPath(ChildPath(path, "algorithmSettings"), i), "name");
      const std::string& name = spec->algorithm_settings[i].name;
      if (name.empty()) {
        Error(setting_path, "must be specified");
      } else if (!names.insert(name).second) {
        Error(setting_path, Cat("setting ", name, " is given more than once"));
      }
    }
  }

  void Algorithms() {
    if (!spec_.algorithm) Error("spec.algorithm", "must be specified");
    Algorithm(spec_.algorithm, "spec.algorithm", "Suggestion", kAlgorithms);
    Algorithm(spec_.early_stopping, "spec.earlyStopping", "EarlyStopping",
              kEarlyStoppingAlgorithms);
  }

  void ResumePolicy() {
    if (!spec_.resume_policy.empty() &&
        ParseResumePolicy(spec_.resume_policy) == ResumePolicy::kUnknown) {
      Error("spec.resumePolicy",
            "invalid ResumePolicyType; must be Never, LongRunning or FromVolume");
    }
  }

  void Parameters() {
    if (spec_.parameters.empty() && !spec_.has_nas_config) {
      Error("spec", "spec.parameters or spec.nasConfig must be specified");
    }
    if (!spec_.parameters.empty() && spec_.has_nas_config) {
      Error("spec", "only one of spec.parameters and spec.nasConfig can be specified");
    }
    std::set<std::string_view> names;
    for (size_t i = 0; i < spec_.parameters.size(); ++i) {
      const ParameterSpec& p = spec_.parameters[i];
      const std::string path = IndexPath("spec.parameters", i);
      if (p.name.empty()) {
        Error(ChildPath(path, "name"), "must be specified");
      } else if (!names.insert(p.name).second) {
        Error(ChildPath(path, "name"),
              Cat("parameter name ", p.name, " can't be duplicated in spec.parameters"));
      }
      Parameter(p, path);
    }
  }

  void Parameter(const ParameterSpec& p, const std::string& path) {
    const FeasibleSpace& fs = p.feasible_space;
    const std::string fs_path = ChildPath(path, "feasibleSpace");
    const ParameterType type = ParseParameterType(p.parameter_type);
    if (p.parameter_type.empty()) {
      Error(ChildPath(path, "parameterType"),
            "must be specified: double, int, discrete or categorical");
    } else if (type == ParameterType::kUnknown) {
      Error(ChildPath(path, "parameterType"),
            Cat("parameterType: ", p.parameter_type,
                " is not supported; use double, int, discrete or categorical"));
    }
    const Distribution distribution = ParseDistribution(fs.distribution);
    if (!fs.distribution.empty() && distribution == Distribution::kUnknown) {
      Error(ChildPath(fs_path, "distribution"),
            Cat("distribution: ", fs.distribution,
                " is not supported; use uniform, logUniform, normal or logNormal"));
    }
    if (fs == FeasibleSpace{}) {
      Error(fs_path, "feasibleSpace must be specified");
      return;
    }
    switch (type) {
      case ParameterType::kDouble:
      case ParameterType::kInt:
        Range(p, type, distribution, fs_path);
        break;
      case ParameterType::kDiscrete:
      case ParameterType::kCategorical:
        List(p, type, fs_path);
        break;
      case ParameterType::kUnknown:
        break;
    }
  }

  void Range(const ParameterSpec& p, ParameterType type, Distribution distribution,
             const std::string& fs_path) {
    const FeasibleSpace& fs = p.feasible_space;
    if (!fs.list.empty()) {
      Error(ChildPath(fs_path, "list"),
            Cat("feasibleSpace.list is not supported for parameterType: ", p.parameter_type));
    }
    if (fs.max.empty() || fs.min.empty()) {
      Error(ChildPath(fs_path, fs.max.empty() ? "max" : "min"),
            Cat("feasibleSpace.max or feasibleSpace.min must be specified for "
                "parameterType: ",
                p.parameter_type));
      return;
    }
    const bool is_int = type == ParameterType::kInt;
    auto number = [&](std::string_view field, const std::string& text) -> std::optional<double> {
      if (is_int) {
        if (auto v = ParseInteger(text)) return static_cast<double>(*v);
        Error(ChildPath(fs_path, field),
              Cat("must be an integer for parameterType: int, got ", Quoted(text)));
        return std::nullopt;
      }
      if (auto v = ParseNumber(text)) return v;
      Error(ChildPath(fs_path, field), Cat("must be a number, got ", Quoted(text)));
      return std::nullopt;
    };
    const std::optional<double> min = number("min", fs.min);
    const std::optional<double> max = number("max", fs.max);
    if (min && max && *min > *max) {
      Error(ChildPath(fs_path, "min"), Cat("must be less than or equal to max (", fs.max, ")"));
    }
    if (!fs.step.empty()) {
      const std::optional<double> step = number("step", fs.step);
      if (step && *step <= 0) Error(ChildPath(fs_path, "step"), "must be greater than 0");
      if (IsGrid() && !is_int && min && max && step && *step > 0 && *min <= *max &&
          GridLosesMax(*min, *max, *step)) {
        Warning(ChildPath(fs_path, "max"),
                Cat("rounding stops the grid of step ", fs.step, " one value short of max (", fs.max,
                    "), as in Katib (numpy.arange); write max a little larger to include it"));
      }
    } else if (!is_int && IsGrid()) {
      Error(ChildPath(fs_path, "step"),
            Cat("Param ", p.name,
                " step is nil; For discrete search space, all parameters "
                "must include step (algorithm grid)"));
    }
    const bool is_log =
        distribution == Distribution::kLogUniform || distribution == Distribution::kLogNormal;
    if (is_log && min && *min <= 0) {
      Error(ChildPath(fs_path, "min"),
            Cat("must be greater than 0 for distribution: ", fs.distribution));
    }
  }

  void List(const ParameterSpec& p, ParameterType type, const std::string& fs_path) {
    const FeasibleSpace& fs = p.feasible_space;
    if (!fs.max.empty() || !fs.min.empty() || !fs.step.empty()) {
      Error(fs_path, Cat("feasibleSpace .max, .min and .step is not supported for "
                         "parameterType: ",
                         p.parameter_type));
    }
    if (fs.list.empty()) {
      Error(ChildPath(fs_path, "list"),
            Cat("must not be empty for parameterType: ", p.parameter_type));
    }
    ListRepeats repeats(type == ParameterType::kDiscrete);
    for (size_t i = 0; i < fs.list.size(); ++i) {
      const std::string_view value = fs.list[i];
      const std::string item_path = IndexPath(ChildPath(fs_path, "list"), i);
      if (type == ParameterType::kDiscrete && !ParseNumber(value)) {
        Error(item_path, Cat("must be a number for parameterType: discrete, got ", Quoted(value)));
      }
      if (std::optional<std::string_view> earlier = repeats.Add(value)) {
        Error(item_path, Cat("value ", Quoted(value), " is listed twice",
                             *earlier == value ? "" : Cat(" (as ", Quoted(*earlier), ")")));
      }
    }
  }

  void TrialTemplate() {
    static constexpr std::string_view kPath = "spec.trialTemplate";
    if (!spec_.trial_template) {
      Error(std::string(kPath), "must be specified");
      return;
    }
    const api::TrialTemplate& t = *spec_.trial_template;
    if (t.primary_container_name.empty()) {
      Error("spec.trialTemplate.primaryContainerName", "must be specified");
    }
    if (t.success_condition.empty() || t.failure_condition.empty()) {
      Error(std::string(kPath), "successCondition and failureCondition must be specified");
    }
    if (!t.has_trial_parameters) {
      Error("spec.trialTemplate.trialParameters", "must be specified");
      return;
    }
    if (!t.trial_spec && !t.has_config_map) {
      Error(std::string(kPath),
            "spec.trialTemplate.trialSpec or spec.trialTemplate.configMap must be specified");
      return;
    }
    if (t.trial_spec && t.has_config_map) {
      Error(std::string(kPath),
            "only one of spec.trialTemplate.trialSpec or spec.trialTemplate.configMap can be "
            "specified");
      return;
    }
    if (t.has_config_map) {
      // Valid for Katib, where the ConfigMap exists; its parameters cannot be checked here.
      Warning("spec.trialTemplate.configMap",
              "hpsearch run cannot read a ConfigMap; to run the experiment here, write the template inline as "
              "spec.trialTemplate.trialSpec");
      return;
    }
    TrialParameters(t);
    TrialSpec(t);
  }

  static bool IsMetaReference(std::string_view reference) {
    static const RE2 kMeta(R"(\$\{trialSpec\.(.+?)\})");
    static const RE2 kIndexed(R"((.+)\[(.+)])");
    std::string key, base, index;
    if (!RE2::PartialMatch(reference, kMeta, &key)) return false;
    if (Contains(kTrialMetaKeys, key)) return true;
    return RE2::FullMatch(key, kIndexed, &base, &index) && Contains(kTrialMetaKeys, base);
  }

  void TrialParameters(const api::TrialTemplate& t) {
    std::set<std::string_view> parameter_names;
    for (const ParameterSpec& p : spec_.parameters) parameter_names.insert(p.name);
    std::set<std::string_view> names, references;
    for (size_t i = 0; i < t.trial_parameters.size(); ++i) {
      const TrialParameterSpec& tp = t.trial_parameters[i];
      const std::string path = IndexPath("spec.trialTemplate.trialParameters", i);
      if (tp.name.empty() || tp.reference.empty() ||
          tp.name.find_first_of("{}") != std::string::npos) {
        Error(path, "name and reference must be specified and name must not contain '{' or '}'");
        continue;
      }
      if (!names.insert(tp.name).second) {
        Error(ChildPath(path, "name"),
              Cat("parameter name ", tp.name,
                  " can't be duplicated in spec.trialTemplate.trialParameters"));
        continue;
      }
      if (!references.insert(tp.reference).second) {
        Error(ChildPath(path, "reference"),
              Cat("parameter reference ", tp.reference,
                  " can't be duplicated in spec.trialTemplate.trialParameters"));
        continue;
      }
      if (!parameter_names.empty() && !IsMetaReference(tp.reference) &&
          !parameter_names.contains(tp.reference)) {
        Error(ChildPath(path, "reference"),
              Cat("parameter reference ", tp.reference, " does not exist in spec.parameters: [",
                  Join(parameter_names, ", "), "]"));
      }
      const std::string placeholder = Cat("${trialParameters.", tp.name, "}");
      if (t.trial_spec && !std::any_of(t.trial_spec->strings.begin(), t.trial_spec->strings.end(),
                                       [&](const TemplateString& s) {
                                         return s.value.find(placeholder) != std::string::npos;
                                       })) {
        Error(ChildPath(path, "name"),
              Cat("parameter name: ", tp.name,
                  " in spec.trialParameters not found in spec.trialTemplate"));
      }
    }
    if (!t.trial_spec) return;
    // Every ${trialParameters.X} in the template must name a trialParameter.
    static const RE2 kUse(R"((\$\{trialParameters\.(.+?)\}))");
    for (const TemplateString& s : t.trial_spec->strings) {
      re2::StringPiece rest(s.value);
      std::string use, name;
      std::vector<std::string> undefined;
      while (RE2::FindAndConsume(&rest, kUse, &use, &name)) {
        if (!names.contains(name)) undefined.push_back(use);
      }
      // Katib's pattern, run over the whole template as JSON, would take
      // text up to some later brace as the name.
      if (const size_t open = rest.find("${trialParameters."); open != re2::StringPiece::npos) {
        undefined.push_back(Cat(std::string(rest.substr(open)), " (no closing brace)"));
      }
      if (!undefined.empty()) {
        Error(s.path, Cat("parameters: [", Join(undefined, " "),
                          "] in spec.trialTemplate not found in spec.trialParameters"));
      }
    }
  }

  void TrialSpec(const api::TrialTemplate& t) {
    const api::TrialSpec& ts = *t.trial_spec;
    static constexpr std::string_view kPath = "spec.trialTemplate.trialSpec";
    if (!ts.metadata_name.empty() || !ts.metadata_namespace.empty()) {
      Error(Cat(kPath, ".metadata.", ts.metadata_name.empty() ? "namespace" : "name"),
            "metadata.name and metadata.namespace in spec.trialTemplate must be omitted");
    }
    if (ts.api_version.empty() || ts.kind.empty()) {
      Error(std::string(kPath), "APIVersion and Kind in spec.trialTemplate must be specified");
    }
    if (t.primary_container_name.empty()) return;
    if (ts.containers.empty()) {
      // Argo keeps a step's container under `container:`, Tekton under
      // `steps:`, TrainJob under `trainer:`; Katib's webhook checks only
      // Jobs, so this is no error, but no local run can find the program.
      Warning("spec.trialTemplate.primaryContainerName",
              Cat("container ", t.primary_container_name, ": hpsearch finds containers only in the `containers:` "
                  "lists of pod templates, and this ", ts.kind, " has none, so hpsearch run cannot run its trials"));
    } else if (t.PrimaryContainer() == nullptr) {
      std::vector<std::string_view> names;
      for (const Container& c : ts.containers) names.push_back(c.name);
      Error("spec.trialTemplate.primaryContainerName",
            Cat("container ", t.primary_container_name, " not found in spec.trialTemplate.trialSpec (containers: ",
                Join(names, ", "), ")"));
    }
  }

  void MetricsCollector() {
    if (!spec_.metrics_collector_spec) return;
    const MetricsCollectorSpec& mc = *spec_.metrics_collector_spec;
    static constexpr std::string_view kSource = "spec.metricsCollectorSpec.source";
    const FileSystemPath* fsp = mc.file_system_path ? &*mc.file_system_path : nullptr;
    auto is_abs = [](const std::string& path) { return !path.empty() && path[0] == '/'; };
    switch (ParseCollectorKind(mc.collector_kind)) {
      case CollectorKind::kStdOut:
      case CollectorKind::kPush:
        break;
      case CollectorKind::kNone:
        Warning("spec.metricsCollectorSpec.collector.kind",
                "None is Katib's spelling before v0.18, which refuses it (\"invalid metrics collector kind\"): "
                "write Push");
        break;
      case CollectorKind::kFile:
        if (fsp == nullptr || fsp->kind != "File" || !is_abs(fsp->path)) {
          Error(Cat(kSource, ".fileSystemPath.path"),
                "file path where metrics file exists is required (an absolute path with kind "
                "File)");
        }
        if (fsp != nullptr && fsp->format != "TEXT" && fsp->format != "JSON") {
          Error(Cat(kSource, ".fileSystemPath.format"),
                "format of metrics file is required for metrics collector (TEXT or JSON)");
        }
        if (fsp != nullptr && fsp->format == "JSON" && mc.metrics_format) {
          Error(Cat(kSource, ".filter"), "filter must be nil when format of metrics file is json");
        }
        break;
      case CollectorKind::kTensorFlowEvent:
        if (fsp == nullptr || fsp->kind != "Directory" || !is_abs(fsp->path)) {
          Error(std::string(kSource),
                "directory path where tensorflow event files exist is required by "
                ".spec.metricsCollectorSpec.source.fileSystemPath.path");
        }
        if (fsp != nullptr && !fsp->format.empty()) {
          Error(Cat(kSource, ".fileSystemPath.format"), "must be empty");
        }
        break;
      case CollectorKind::kPrometheusMetric: {
        const std::optional<int64_t> port =
            mc.http_get ? ParseInteger(mc.http_get->port) : std::nullopt;
        if (!port || *port <= 0) {
          Error(Cat(kSource, ".httpGet.port"),
                "must be a positive integer value for metrics collector kind: PrometheusMetric");
        }
        if (!mc.http_get || !mc.http_get->path.starts_with("/")) {
          Error(Cat(kSource, ".httpGet.path"),
                "path is invalid for metrics collector kind: PrometheusMetric");
        }
        break;
      }
      case CollectorKind::kCustom:
        if (!mc.has_custom_collector) {
          Error("spec.metricsCollectorSpec.collector.customCollector",
                "metrics collector kind: Custom is required");
        }
        if (fsp != nullptr &&
            (!is_abs(fsp->path) || (fsp->kind != "Directory" && fsp->kind != "File"))) {
          Error(Cat(kSource, ".fileSystemPath"), ".spec.metricsCollectorSpec.source is invalid");
        }
        break;
      case CollectorKind::kUnknown:
        Error("spec.metricsCollectorSpec.collector.kind",
              Cat("invalid metrics collector kind: ", mc.collector_kind,
                  "; use StdOut, File, TensorFlowEvent, PrometheusMetric, Custom or "
                  "Push"));
        break;
    }
    const CollectorKind kind = ParseCollectorKind(mc.collector_kind);
    if (mc.metrics_format && !mc.metrics_format->empty()) {
      Filters(*mc.metrics_format);
    } else if (kind == CollectorKind::kStdOut || (kind == CollectorKind::kFile && fsp && fsp->format == "TEXT")) {
      NamesTheDefaultFilterReads();
    }
  }

  // Katib's default filter takes a metric name of letters, digits, '_', '|'
  // and '-' (its [\w|-]+): another is never collected, and "val/loss=0.5"
  // reads as loss=0.5.
  void NamesTheDefaultFilterReads() {
    if (!spec_.objective) return;
    static const RE2 kName(R"([\w|-]+)");
    auto check = [&](const std::string& name, std::string path) {
      if (name.empty() || RE2::FullMatch(name, kName)) return;
      Warning(std::move(path),
              Cat("Katib's default metrics filter reads names of letters, digits, _, | and - only, so ",
                  Quoted(name), " is never collected: rename the metric, or set a filter "
                  "(spec.metricsCollectorSpec.source.filter.metricsFormat)"));
    };
    const api::Objective& o = *spec_.objective;
    check(o.objective_metric_name, "spec.objective.objectiveMetricName");
    for (size_t i = 0; i < o.additional_metric_names.size(); ++i) {
      check(o.additional_metric_names[i], IndexPath("spec.objective.additionalMetricNames", i));
    }
  }

  void Filters(const std::vector<std::string>& formats) {
    // Katib takes the first two top-level groups as metric name and value.
    static const RE2 kTwoGroups(R"(.*\(.*\).*\(.*\).*)");
    for (size_t i = 0; i < formats.size(); ++i) {
      const std::string path =
          IndexPath("spec.metricsCollectorSpec.source.filter.metricsFormat", i);
      RE2::Options options;
      options.set_log_errors(false);
      const RE2 re(formats[i], options);
      if (!re.ok()) {
        Error(path, Cat("invalid filter: ", re.error()));
      } else if (!RE2::PartialMatch(formats[i], kTwoGroups)) {
        Error(path, "two top subexpressions are required");
      }
    }
  }

  // hpsearch's own GPU budget annotations (gpu/budget.h); Katib ignores them.
  void GpuAnnotations() {
    const gpu::BudgetRequest request = gpu::BudgetRequestFromAnnotations(e_.metadata.annotations);
    const std::string fraction_path = Cat("metadata.annotations[", gpu::kGpuMemoryFractionAnnotation, "]");
    const std::string size_path = Cat("metadata.annotations[", gpu::kGpuMemoryAnnotation, "]");
    if (request.fraction) {
      if (absl::StatusOr<double> fraction = gpu::ParseGpuMemoryFraction(*request.fraction); !fraction.ok()) {
        Error(fraction_path, Cat("must be a number in (0, 1], got ", Quoted(*request.fraction)));
      }
    }
    if (request.size) {
      if (absl::StatusOr<uint64_t> size = gpu::ParseMemorySize(*request.size); !size.ok()) {
        Error(size_path, Cat("must be a memory size such as 6Gi, 512Mi or 8G, got ", Quoted(*request.size)));
      }
    }
    if (request.fraction && request.size) {
      Error(size_path, Cat("give either this or ", gpu::kGpuMemoryFractionAnnotation, ", not both"));
    }
  }

  // Katib's grid service refuses more trials than grid points.
  void GridSize() {
    if (!IsGrid() || !spec_.max_trial_count || *spec_.max_trial_count <= 0) return;  // reported already
    const std::optional<uint64_t> points = CountGridPoints(spec_.parameters);
    if (points && static_cast<uint64_t>(*spec_.max_trial_count) > *points) {
      Error("spec.maxTrialCount", Cat("Max Trial Count: ", *spec_.max_trial_count,
                                      " > all possible search combinations: ", *points));
    }
  }

  const Experiment& e_;
  const ExperimentSpec& spec_;
  std::vector<Diagnostic> out_;
};

}  // namespace

std::vector<Diagnostic> ValidateExperiment(const Experiment& experiment) {
  return Validator(experiment).Run();
}

std::span<const std::string_view> KatibAlgorithmNames() { return kAlgorithms; }
std::span<const std::string_view> KatibEarlyStoppingAlgorithmNames() {
  return kEarlyStoppingAlgorithms;
}

}  // namespace hpsearch::api
