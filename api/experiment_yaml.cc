#include "api/experiment_yaml.h"

#include <algorithm>
#include <functional>
#include <initializer_list>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <utility>

#include "api/feasible_space.h"
#include "api/internal/kubernetes_job_fields.h"
#include "api/internal/strings.h"
#include "api/internal/yaml_merge_keys.h"
#include "api/internal/yaml_nodes.h"
#include "re2/re2.h"
#include "yaml-cpp/eventhandler.h"
#include "yaml-cpp/yaml.h"

namespace hpsearch::api {
namespace {

using internal::Cat;
using internal::Describe;
using internal::Join;
using internal::PositionOf;

// Aliases let a few bytes of YAML stand for an exponentially large tree
// ("billion laughs"); every walk below is bounded by these limits first.
constexpr size_t kMaxNodes = 200'000;
constexpr size_t kMaxDepth = 100;

std::string_view Describe(internal::Shape shape) {
  switch (shape) {
    case internal::Shape::kMapping:
      return "a mapping";
    case internal::Shape::kList:
      return "a list";
    case internal::Shape::kScalar:
      return "a scalar";
  }
  return "nothing";
}

bool HasShape(const YAML::Node& node, internal::Shape shape) {
  switch (shape) {
    case internal::Shape::kMapping:
      return node.IsMap();
    case internal::Shape::kList:
      return node.IsSequence();
    case internal::Shape::kScalar:
      return node.IsScalar();
  }
  return false;
}

enum class JsonScalar { kString, kNumber, kBool };

std::string_view Noun(JsonScalar type) {
  switch (type) {
    case JsonScalar::kString:
      return "string";
    case JsonScalar::kNumber:
      return "number";
    case JsonScalar::kBool:
      return "boolean";
  }
  return "value";
}

// What a scalar becomes in the JSON that kubectl sends: sigs.k8s.io/yaml
// resolves plain (unquoted, untagged) scalars by YAML 1.1's rules, as
// go-yaml v2 does, so 12, 0x1F, 1_000, 1e-3 and .5 are numbers and
// true/false, yes/no, on/off and y/n booleans. A quoted one stays a string.
JsonScalar JsonScalarOf(const YAML::Node& scalar) {
  const std::string& tag = scalar.Tag();
  if (tag == "tag:yaml.org,2002:int" || tag == "tag:yaml.org,2002:float") return JsonScalar::kNumber;
  if (tag == "tag:yaml.org,2002:bool") return JsonScalar::kBool;
  if (tag != "?") return JsonScalar::kString;
  static const std::set<std::string, std::less<>> kBooleans = {
      "y",  "Y",  "yes", "Yes", "YES",   "true",  "True",  "TRUE",  "on",  "On",  "ON",
      "n",  "N",  "no",  "No",  "NO",    "false", "False", "FALSE", "off", "Off", "OFF"};
  std::string text = scalar.Scalar();
  if (kBooleans.contains(text)) return JsonScalar::kBool;
  // go-yaml drops underscores before reading a number, except in one that
  // starts with '.'.
  if (!text.starts_with('.')) std::erase(text, '_');
  static const RE2 kNumber(
      R"([-+]?(0[xX][0-9a-fA-F]+|0[oO][0-7]+|0[bB][01]+|(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?)"
      R"(|\.(inf|Inf|INF))|\.(nan|NaN|NAN))");
  return RE2::FullMatch(text, kNumber) ? JsonScalar::kNumber : JsonScalar::kString;
}

// Keys of free-form objects that are not plain identifiers go in brackets,
// like Kubernetes writes metadata.annotations[example.com/key].
std::string KeyPath(std::string_view parent, std::string_view key) {
  if (key.find_first_of("./[]") != std::string_view::npos) {
    return Cat(parent, "[", key, "]");
  }
  return ChildPath(parent, key);
}

// "", false (the JSON boolean), [] or {}: what Go's `omitempty` leaves out.
bool IsEmpty(const YAML::Node& value) {
  if (value.IsScalar()) {
    bool flag = true;
    return value.Scalar().empty() ||
           (JsonScalarOf(value) == JsonScalar::kBool && YAML::convert<bool>::decode(value, flag) && !flag);
  }
  return value.size() == 0;
}

// Null, or an empty value as IsEmpty has it, for messages.
std::string_view DescribeEmpty(const YAML::Node& value) {
  if (value.IsNull()) return "null";
  if (value.IsSequence()) return "an empty list";
  if (value.IsMap()) return "an empty mapping";
  return value.Scalar().empty() ? "an empty string" : "false";
}

// Fails when the document expands past what is left of `budget` (of
// kMaxNodes for the file) or nests past kMaxDepth; takes its nodes from it.
bool WithinLimits(const YAML::Node& root, size_t& budget, std::string* why) {
  std::vector<std::pair<YAML::Node, size_t>> stack{{root, 1}};
  while (!stack.empty()) {
    auto [node, depth] = std::move(stack.back());
    stack.pop_back();
    if (budget == 0) {
      *why = Cat("document expands to more than ", kMaxNodes,
                 " YAML nodes (too large, or aliases that multiply)");
      return false;
    }
    --budget;
    if (depth > kMaxDepth) {
      *why = Cat("document nests deeper than ", kMaxDepth, " levels");
      return false;
    }
    if (node.IsMap()) {
      for (auto it = node.begin(); it != node.end(); ++it) {
        stack.emplace_back(it->first, depth + 1);
        stack.emplace_back(it->second, depth + 1);
      }
    } else if (node.IsSequence()) {
      for (auto it = node.begin(); it != node.end(); ++it) stack.emplace_back(*it, depth + 1);
    }
  }
  return true;
}

// A document's `kind`, when it is a mapping with a string there.
std::string KindOf(const YAML::Node& document) {
  if (!document.IsMap()) return "";
  const YAML::Node kind = document["kind"];
  return kind.IsDefined() && kind.IsScalar() ? kind.Scalar() : "";
}

// Ignores every event: only the parser's progress through the stream counts.
class IgnoreEvents : public YAML::EventHandler {
 public:
  void OnDocumentStart(const YAML::Mark&) override {}
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark&, YAML::anchor_t) override {}
  void OnAlias(const YAML::Mark&, YAML::anchor_t) override {}
  void OnScalar(const YAML::Mark&, const std::string&, YAML::anchor_t, const std::string&) override {}
  void OnSequenceStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                       YAML::EmitterStyle::value) override {}
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark&, const std::string&, YAML::anchor_t, YAML::EmitterStyle::value) override {}
  void OnMapEnd() override {}
};

// yaml-cpp 0.7's LoadAll never returns on some inputs: a stray ',' at the top
// level yields empty documents forever without being consumed. Reading the
// documents first, without building nodes and with a cap, turns that into an
// error. Throws YAML::Exception on syntax errors, like LoadAll.
constexpr int kMaxDocuments = 1000;
bool DocumentsEndWithinCap(const std::string& text) {
  std::istringstream in(text);
  YAML::Parser parser(in);
  IgnoreEvents ignore;
  for (int i = 0; i < kMaxDocuments; ++i) {
    if (!parser.HandleNextDocument(ignore)) return true;
  }
  return false;
}

class Parser {
 public:
  explicit Parser(ParsedExperiment& out) : out_(out) {}

  void Document(const YAML::Node& root) {
    Experiment& e = out_.experiment;
    out_.source_map.Add("", PositionOf(root.Mark()));
    Fields(root, "",
           {{"apiVersion", [&](auto& n, auto& p) { Assign(n, p, e.api_version); }},
            {"kind", [&](auto& n, auto& p) { Assign(n, p, e.kind); }},
            {"metadata", [&](auto& n, auto& p) { Metadata(n, p); }},
            {"spec", [&](auto& n, auto& p) { Spec(n, p); }},
            {"status", [](auto&, auto&) {}}});
    CheckConstant(root, "apiVersion", e.api_version, kExperimentApiVersion);
    CheckConstant(root, "kind", e.kind, kExperimentKind);
  }

 private:
  using Handler = std::function<void(const YAML::Node&, const std::string&)>;
  using FieldTable = std::initializer_list<std::pair<std::string_view, Handler>>;

  void Report(Severity severity, const YAML::Node& node, std::string path, std::string message) {
    out_.diagnostics.push_back(
        {severity, std::move(path), std::move(message), PositionOf(node.Mark())});
  }
  void Error(const YAML::Node& node, std::string path, std::string message) {
    Report(Severity::kError, node, std::move(path), std::move(message));
  }
  void Record(const std::string& path, const YAML::Node& node) {
    if (SourcePosition pos = PositionOf(node.Mark()); pos.line > 0) out_.source_map.Add(path, pos);
  }

  void CheckConstant(const YAML::Node& root, std::string_view field, const std::string& value,
                     std::string_view expected) {
    if (value == expected) return;
    const YAML::Node node = root[std::string(field)];
    Error(node.IsDefined() ? node : root, std::string(field),
          value.empty() ? Cat("must be \"", expected, "\"")
                        : Cat("must be \"", expected, "\", not \"", value, "\""));
  }

  bool ExpectMap(const YAML::Node& node, const std::string& path) {
    if (node.IsMap()) return true;
    Error(node, path, Cat("expected a mapping, got ", Describe(node)));
    return false;
  }

  // Calls the handler of each field present and non-null; warns about fields
  // not in the table unless `closed` is false (free-form Kubernetes objects).
  void Fields(const YAML::Node& map, const std::string& path, FieldTable table,
              bool closed = true) {
    if (!ExpectMap(map, path)) return;
    std::set<std::string> seen;
    for (auto it = map.begin(); it != map.end(); ++it) {
      // A copy: `it->` yields a temporary whose members die with the statement.
      const YAML::Node key = it->first;
      if (!key.IsScalar()) {
        Error(key, path, Cat("expected a field name, got ", Describe(key)));
        continue;
      }
      const std::string& name = key.Scalar();
      const std::string child = ChildPath(path, name);
      if (!seen.insert(name).second) {
        Error(key, child, "duplicate field");
        continue;
      }
      Record(child, key);
      const Handler* handler = nullptr;
      for (const auto& [field, h] : table) {
        if (field == name) handler = &h;
      }
      if (handler == nullptr) {
        if (closed) Report(Severity::kWarning, key, child, "unknown field, ignored, as Katib ignores it");
        continue;
      }
      if (!it->second.IsNull()) (*handler)(it->second, child);
    }
  }

  // Katib's CRD has no schema, so its webhook decodes the Experiment straight
  // into Katib's Go types, and a JSON number or boolean in a string field, or
  // a string in a number or boolean field, refuses the whole experiment.
  // hpsearch reads the value either way, so this only warns.
  void WarnIfKatibRefuses(const YAML::Node& scalar, const std::string& path, JsonScalar field) {
    const JsonScalar sent = JsonScalarOf(scalar);
    if (sent == field) return;
    Report(Severity::kWarning, scalar, path,
           field == JsonScalar::kString
               ? Cat("Katib refuses a ", Noun(sent), " here (its field is a string): write \"",
                     scalar.Scalar(), "\"")
               : Cat("Katib refuses a quoted ", Noun(field), " here (its field is a ", Noun(field),
                     "): write ", scalar.Scalar()));
  }

  // What a string field takes from kubectl's JSON: only a string in Katib's
  // own Go types; any scalar in httpGet's port (an IntOrString) and in the
  // trialSpec, which is not Katib's type (a Job's fields are checked against
  // Kubernetes' types by KubernetesFields).
  enum class Takes { kStringOnly, kAnyScalar };

  std::optional<std::string> String(const YAML::Node& node, const std::string& path,
                                    Takes takes = Takes::kStringOnly) {
    if (!node.IsScalar()) {
      Error(node, path, Cat("expected a string, got ", Describe(node)));
      return std::nullopt;
    }
    if (takes == Takes::kStringOnly) WarnIfKatibRefuses(node, path, JsonScalar::kString);
    return node.Scalar();
  }
  void Assign(const YAML::Node& node, const std::string& path, std::string& target,
              Takes takes = Takes::kStringOnly) {
    if (auto s = String(node, path, takes)) target = std::move(*s);
  }

  // A number field of Katib's, read with `parse`, which returns nothing for
  // text that is not `expected`.
  template <typename Parse>
  auto Number(const YAML::Node& node, const std::string& path, std::string_view expected,
              Parse parse) -> decltype(parse(std::string_view())) {
    if (auto s = String(node, path, Takes::kAnyScalar)) {
      if (auto v = parse(*s)) {
        WarnIfKatibRefuses(node, path, JsonScalar::kNumber);
        return v;
      }
      Error(node, path, Cat("expected ", expected, ", got \"", *s, "\""));
    }
    return std::nullopt;
  }
  std::optional<int32_t> Int32(const YAML::Node& node, const std::string& path) {
    return Number(node, path, "a 32-bit integer", [](std::string_view s) -> std::optional<int32_t> {
      const std::optional<int64_t> v = ParseInteger(s);
      if (v && *v >= INT32_MIN && *v <= INT32_MAX) return static_cast<int32_t>(*v);
      return std::nullopt;
    });
  }
  std::optional<double> Float64(const YAML::Node& node, const std::string& path) {
    return Number(node, path, "a number", ParseNumber);
  }

  void Bool(const YAML::Node& node, const std::string& path, bool& target) {
    if (!node.IsScalar() || !YAML::convert<bool>::decode(node, target)) {
      Error(node, path, Cat("expected true or false, got ", Describe(node)));
      return;
    }
    WarnIfKatibRefuses(node, path, JsonScalar::kBool);
  }

  template <typename F>
  void Items(const YAML::Node& node, const std::string& path, F each) {
    if (!node.IsSequence()) {
      Error(node, path, Cat("expected a list, got ", Describe(node)));
      return;
    }
    size_t i = 0;
    for (auto it = node.begin(); it != node.end(); ++it, ++i) {
      const std::string item_path = IndexPath(path, i);
      Record(item_path, *it);
      each(*it, item_path);
    }
  }

  void StringList(const YAML::Node& node, const std::string& path, std::vector<std::string>& target,
                  Takes takes = Takes::kStringOnly) {
    Items(node, path, [&](const YAML::Node& item, const std::string& p) {
      if (auto s = String(item, p, takes)) target.push_back(std::move(*s));
    });
  }

  void StringMap(const YAML::Node& node, const std::string& path,
                 std::map<std::string, std::string>& target) {
    if (!ExpectMap(node, path)) return;
    for (auto it = node.begin(); it != node.end(); ++it) {
      if (!it->first.IsScalar()) {
        Error(it->first, path, Cat("expected a key, got ", Describe(it->first)));
        continue;
      }
      const std::string child = KeyPath(path, it->first.Scalar());
      Record(child, it->first);
      if (auto v = String(it->second, child)) target[it->first.Scalar()] = std::move(*v);
    }
  }

  // name/value lists: algorithm settings, metric strategies.
  template <typename T>
  void NameValueList(const YAML::Node& node, const std::string& path, std::vector<T>& target) {
    Items(node, path, [&](const YAML::Node& item, const std::string& p) {
      T entry;
      Fields(item, p,
             {{"name", [&](auto& n, auto& q) { Assign(n, q, entry.name); }},
              {"value", [&](auto& n, auto& q) { Assign(n, q, entry.value); }}});
      target.push_back(std::move(entry));
    });
  }

  static void ClusterOnly(Container& c, ClusterOnlyField::Kind kind, std::string path,
                          std::string variable = {}) {
    c.cluster_only.push_back({.kind = kind, .path = std::move(path), .variable = std::move(variable)});
  }

  // Kubernetes' rule for a container's variable names (its relaxed one, the
  // default since 1.32). A name with '=' in it would set another variable.
  void EnvironmentVariableName(const YAML::Node& node, const std::string& path, const std::string& name) {
    if (name.empty()) {
      Error(node, path, "Required value");
    } else if (!std::all_of(name.begin(), name.end(), [](char c) { return c >= ' ' && c <= '~' && c != '='; })) {
      Error(node, path, "a valid environment variable name must consist only of printable ASCII characters "
                        "other than '='");
    }
  }

  // A container's env. An entry whose value comes from the cluster
  // (valueFrom) is left out rather than set empty, and noted.
  void ContainerEnv(const YAML::Node& node, const std::string& path, Container& c) {
    Items(node, path, [&](const YAML::Node& item, const std::string& p) {
      api::NameValue entry;
      bool named = false;
      std::optional<std::string> value_from;
      Fields(item, p,
             {{"name",
               [&](auto& n, auto& q) {
                 named = true;
                 Assign(n, q, entry.name, Takes::kAnyScalar);
                 EnvironmentVariableName(n, q, entry.name);
               }},
              {"value", [&](auto& n, auto& q) { Assign(n, q, entry.value, Takes::kAnyScalar); }},
              {"valueFrom", [&](auto&, auto& q) { value_from = q; }}},
             /*closed=*/false);
      if (!named && item.IsMap()) Error(item, p + ".name", "Required value");
      if (!value_from) {
        c.env.push_back(std::move(entry));
      } else if (!entry.value.empty()) {
        Error(item, p, "valueFrom may not be specified when value is not empty");  // Kubernetes' rule
      } else {
        ClusterOnly(c, ClusterOnlyField::Kind::kValueFrom, *std::move(value_from), std::move(entry.name));
      }
    });
  }

  void Metadata(const YAML::Node& node, const std::string& path) {
    api::Metadata& m = out_.experiment.metadata;
    // Kubernetes metadata has many more fields (uid, generation, ...) that
    // `kubectl get -o yaml` writes; they are not ours to judge.
    Fields(node, path,
           {{"name", [&](auto& n, auto& p) { Assign(n, p, m.name); }},
            {"namespace", [&](auto& n, auto& p) { Assign(n, p, m.namespace_); }},
            {"labels", [&](auto& n, auto& p) { StringMap(n, p, m.labels); }},
            {"annotations", [&](auto& n, auto& p) { StringMap(n, p, m.annotations); }}},
           /*closed=*/false);
  }

  void Spec(const YAML::Node& node, const std::string& path) {
    ExperimentSpec& s = out_.experiment.spec;
    Fields(
        node, path,
        {{"parameters",
          [&](auto& n, auto& p) {
            Items(n, p, [&](const YAML::Node& item, const std::string& q) {
              s.parameters.push_back(Parameter(item, q));
            });
          }},
         {"objective", [&](auto& n, auto& p) { s.objective = Objective(n, p); }},
         {"algorithm", [&](auto& n, auto& p) { s.algorithm = Algorithm(n, p); }},
         {"earlyStopping", [&](auto& n, auto& p) { s.early_stopping = Algorithm(n, p); }},
         {"trialTemplate", [&](auto& n, auto& p) { s.trial_template = TrialTemplate(n, p); }},
         {"parallelTrialCount", [&](auto& n, auto& p) { s.parallel_trial_count = Int32(n, p); }},
         {"maxTrialCount", [&](auto& n, auto& p) { s.max_trial_count = Int32(n, p); }},
         {"maxFailedTrialCount", [&](auto& n, auto& p) { s.max_failed_trial_count = Int32(n, p); }},
         {"metricsCollectorSpec",
          [&](auto& n, auto& p) { s.metrics_collector_spec = MetricsCollector(n, p); }},
         {"nasConfig", [&](auto&, auto&) { s.has_nas_config = true; }},
         {"resumePolicy", [&](auto& n, auto& p) { Assign(n, p, s.resume_policy); }}});
  }

  ParameterSpec Parameter(const YAML::Node& node, const std::string& path) {
    ParameterSpec param;
    FeasibleSpace& fs = param.feasible_space;
    Fields(node, path,
           {{"name", [&](auto& n, auto& p) { Assign(n, p, param.name); }},
            {"parameterType", [&](auto& n, auto& p) { Assign(n, p, param.parameter_type); }},
            {"feasibleSpace", [&](auto& n, auto& p) {
               Fields(n, p,
                      {{"min", [&](auto& m, auto& q) { Assign(m, q, fs.min); }},
                       {"max", [&](auto& m, auto& q) { Assign(m, q, fs.max); }},
                       {"step", [&](auto& m, auto& q) { Assign(m, q, fs.step); }},
                       {"list", [&](auto& m, auto& q) { StringList(m, q, fs.list); }},
                       {"distribution", [&](auto& m, auto& q) { Assign(m, q, fs.distribution); }}});
             }}});
    return param;
  }

  api::Objective Objective(const YAML::Node& node, const std::string& path) {
    api::Objective o;
    Fields(
        node, path,
        {{"type", [&](auto& n, auto& p) { Assign(n, p, o.type); }},
         {"goal", [&](auto& n, auto& p) { o.goal = Float64(n, p); }},
         {"objectiveMetricName", [&](auto& n, auto& p) { Assign(n, p, o.objective_metric_name); }},
         {"additionalMetricNames",
          [&](auto& n, auto& p) { StringList(n, p, o.additional_metric_names); }},
         {"metricStrategies",
          [&](auto& n, auto& p) { NameValueList(n, p, o.metric_strategies); }}});
    return o;
  }

  AlgorithmSpec Algorithm(const YAML::Node& node, const std::string& path) {
    AlgorithmSpec a;
    Fields(node, path,
           {{"algorithmName", [&](auto& n, auto& p) { Assign(n, p, a.algorithm_name); }},
            {"algorithmSettings",
             [&](auto& n, auto& p) { NameValueList(n, p, a.algorithm_settings); }}});
    return a;
  }

  api::TrialTemplate TrialTemplate(const YAML::Node& node, const std::string& path) {
    api::TrialTemplate t;
    Fields(node, path,
           {{"retain", [&](auto& n, auto& p) { Bool(n, p, t.retain); }},
            {"primaryContainerName",
             [&](auto& n, auto& p) { Assign(n, p, t.primary_container_name); }},
            {"primaryPodLabels", [&](auto& n, auto& p) { StringMap(n, p, t.primary_pod_labels); }},
            {"successCondition", [&](auto& n, auto& p) { Assign(n, p, t.success_condition); }},
            {"failureCondition", [&](auto& n, auto& p) { Assign(n, p, t.failure_condition); }},
            {"trialParameters",
             [&](auto& n, auto& p) {
               t.has_trial_parameters = true;
               Items(n, p, [&](const YAML::Node& item, const std::string& q) {
                 TrialParameterSpec tp;
                 Fields(item, q,
                        {{"name", [&](auto& m, auto& r) { Assign(m, r, tp.name); }},
                         {"description", [&](auto& m, auto& r) { Assign(m, r, tp.description); }},
                         {"reference", [&](auto& m, auto& r) { Assign(m, r, tp.reference); }}});
                 t.trial_parameters.push_back(std::move(tp));
               });
             }},
            {"trialSpec",
             [&](auto& n, auto& p) {
               if (ExpectMap(n, p)) t.trial_spec = TrialSpec(n, p);
             }},
            {"configMap", [&](auto&, auto&) { t.has_config_map = true; }}});
    return t;
  }

  api::TrialSpec TrialSpec(const YAML::Node& node, const std::string& path) {
    api::TrialSpec ts;
    auto top_string = [&](const YAML::Node& parent, std::string_view field,
                          const std::string& parent_path, std::string& target) {
      const YAML::Node n = parent[std::string(field)];
      if (n.IsDefined() && !n.IsNull()) Assign(n, ChildPath(parent_path, field), target, Takes::kAnyScalar);
    };
    top_string(node, "apiVersion", path, ts.api_version);
    top_string(node, "kind", path, ts.kind);
    if (const YAML::Node meta = node["metadata"]; meta.IsDefined() && meta.IsMap()) {
      const std::string meta_path = ChildPath(path, "metadata");
      top_string(meta, "name", meta_path, ts.metadata_name);
      top_string(meta, "namespace", meta_path, ts.metadata_namespace);
    }
    Walk(node, path, ts);
    // Katib checks Jobs only; other kinds are not its to convert.
    if (ts.api_version == "batch/v1" && ts.kind == "Job") {
      KubernetesFields(node, path, internal::BatchV1Job());
    }
    YAML::Emitter emitter;
    emitter << node;
    ts.yaml = emitter.c_str();
    return ts;
  }

  // Katib's webhook converts a batch/v1 Job trial spec into Kubernetes' typed
  // Job and refuses the experiment when that fails (a value of the wrong
  // shape) or drops anything (an unknown field). Checked from the Job down to
  // its containers, not deeper (so not in resources either, whose limits and
  // requests Katib lets through for custom devices). Runs after Walk: a wrong
  // type the container parser has reported is not reported again.
  void KubernetesFields(const YAML::Node& node, const std::string& path,
                        const internal::KubernetesType& type) {
    auto error = [&](const YAML::Node& at, const std::string& p, std::string_view what) {
      if (HasError(p)) return;
      Error(at, p,
            Cat(what, ": Katib converts a batch/v1 Job trial spec to Kubernetes' Job and refuses what "
                      "does not convert"));
    };
    if (!node.IsMap()) {
      error(node, path, Cat("expected a mapping, got ", Describe(node)));
      return;
    }
    for (auto it = node.begin(); it != node.end(); ++it) {
      const YAML::Node key = it->first;
      const YAML::Node value = it->second;
      if (!key.IsScalar()) continue;  // kubectl cannot send it as JSON
      const std::string child = KeyPath(path, key.Scalar());
      const internal::KubernetesField* field = type.Find(key.Scalar());
      if (field == nullptr) {
        error(key, child, Cat("unknown field of Kubernetes' ", type.name));
        continue;
      }
      if (value.IsNull() ||
          (field->empty == internal::Empty::kDropped && HasShape(value, field->shape) && IsEmpty(value))) {
        // hpsearch takes either as unset (or empty); the converted Job lacks
        // the field, or holds its zero value instead of null.
        Report(Severity::kWarning, value.IsNull() ? key : value, child,
               Cat(DescribeEmpty(value),
                   ": Katib refuses it, as converting a batch/v1 Job trial spec to Kubernetes' Job "
                   "does not keep it: leave the field out"));
        continue;
      }
      if (!HasShape(value, field->shape)) {
        error(value, child, Cat("expected ", Describe(field->shape), ", got ", Describe(value)));
      } else if (field->type != nullptr && value.IsMap()) {
        KubernetesFields(value, child, *field->type);
      } else if (field->type != nullptr) {
        size_t i = 0;
        for (auto item = value.begin(); item != value.end(); ++item, ++i) {
          KubernetesFields(*item, IndexPath(child, i), *field->type);
        }
      } else if (field->scalar != internal::Scalar::kAny) {
        KubernetesScalars(value, child, field->scalar, error);
      }
    }
  }

  // A scalar field of the Job, or the items of a []string (command, args) or
  // values of a map[string]string (nodeSelector). Converting a JSON number to
  // a string (an unquoted `- 5` in args) fails as surely as an unknown field,
  // but hpsearch runs it, so that warns, like the Experiment's own fields; a
  // value that is no number or boolean at all is an error.
  template <typename OnError>
  void KubernetesScalars(const YAML::Node& value, const std::string& path, internal::Scalar scalar,
                         OnError& error) {
    if (value.IsScalar()) {
      KubernetesScalar(value, path, scalar, error);
      return;
    }
    const bool is_map = value.IsMap();
    size_t i = 0;
    for (auto it = value.begin(); it != value.end(); ++it, ++i) {
      const YAML::Node item = is_map ? it->second : *it;
      const std::string item_path = is_map ? KeyPath(path, it->first.Scalar()) : IndexPath(path, i);
      if (!item.IsScalar()) {
        error(item, item_path, Cat("expected a string, got ", Describe(item)));
      } else {
        KubernetesScalar(item, item_path, scalar, error);
      }
    }
  }

  template <typename OnError>
  void KubernetesScalar(const YAML::Node& value, const std::string& path, internal::Scalar scalar,
                        OnError& error) {
    switch (scalar) {
      case internal::Scalar::kAny:
        return;
      case internal::Scalar::kString:
        WarnIfKatibRefuses(value, path, JsonScalar::kString);
        return;
      case internal::Scalar::kInteger:
        if (!ParseInteger(value.Scalar())) {
          error(value, path, Cat("expected an integer, got \"", value.Scalar(), "\""));
        } else {
          WarnIfKatibRefuses(value, path, JsonScalar::kNumber);
        }
        return;
      case internal::Scalar::kBoolean:
        if (bool ignored; !YAML::convert<bool>::decode(value, ignored)) {
          error(value, path, Cat("expected true or false, got \"", value.Scalar(), "\""));
        } else {
          WarnIfKatibRefuses(value, path, JsonScalar::kBool);
        }
        return;
    }
  }

  bool HasError(std::string_view path) const {
    return std::ranges::any_of(out_.diagnostics, [&](const Diagnostic& d) {
      return d.severity == Severity::kError && d.path == path;
    });
  }

  // Records every scalar of the free-form trialSpec and picks up containers
  // from every pod template (Job, TFJob replicas, PyTorchJob replicas, ...).
  void Walk(const YAML::Node& node, const std::string& path, api::TrialSpec& ts) {
    Record(path, node);
    if (node.IsScalar()) {
      ts.strings.push_back({path, node.Scalar()});
    } else if (node.IsSequence()) {
      size_t i = 0;
      for (auto it = node.begin(); it != node.end(); ++it, ++i) Walk(*it, IndexPath(path, i), ts);
    } else if (node.IsMap()) {
      for (auto it = node.begin(); it != node.end(); ++it) {
        if (!it->first.IsScalar()) continue;
        const std::string child = KeyPath(path, it->first.Scalar());
        Record(child, it->first);
        if (it->first.Scalar() == "containers" && it->second.IsSequence()) {
          Containers(it->second, child, ts);
        }
        Walk(it->second, child, ts);
      }
    }
  }

  void Containers(const YAML::Node& node, const std::string& path, api::TrialSpec& ts) {
    size_t i = 0;
    for (auto it = node.begin(); it != node.end(); ++it, ++i) {
      const std::string item_path = IndexPath(path, i);
      Container c;
      Fields(*it, item_path,
             {{"name", [&](auto& n, auto& p) { Assign(n, p, c.name, Takes::kAnyScalar); }},
              {"image", [&](auto& n, auto& p) { Assign(n, p, c.image, Takes::kAnyScalar); }},
              {"command", [&](auto& n, auto& p) { StringList(n, p, c.command, Takes::kAnyScalar); }},
              {"args", [&](auto& n, auto& p) { StringList(n, p, c.args, Takes::kAnyScalar); }},
              {"env", [&](auto& n, auto& p) { ContainerEnv(n, p, c); }},
              {"envFrom", [&](auto&, auto& p) { ClusterOnly(c, ClusterOnlyField::Kind::kEnvFrom, p); }},
              {"workingDir", [&](auto&, auto& p) { ClusterOnly(c, ClusterOnlyField::Kind::kWorkingDir, p); }}},
             /*closed=*/false);
      ts.containers.push_back(std::move(c));
    }
  }

  MetricsCollectorSpec MetricsCollector(const YAML::Node& node, const std::string& path) {
    MetricsCollectorSpec mc;
    Fields(node, path,
           {{"collector",
             [&](auto& n, auto& p) {
               Fields(n, p,
                      {{"kind", [&](auto& m, auto& q) { Assign(m, q, mc.collector_kind); }},
                       {"customCollector", [&](auto&, auto&) { mc.has_custom_collector = true; }}});
             }},
            {"source", [&](auto& n, auto& p) {
               Fields(n, p,
                      {{"fileSystemPath",
                        [&](auto& m, auto& q) {
                          FileSystemPath& f = mc.file_system_path.emplace();
                          Fields(m, q,
                                 {{"path", [&](auto& x, auto& r) { Assign(x, r, f.path); }},
                                  {"kind", [&](auto& x, auto& r) { Assign(x, r, f.kind); }},
                                  {"format", [&](auto& x, auto& r) { Assign(x, r, f.format); }}});
                        }},
                       {"httpGet",
                        [&](auto& m, auto& q) {
                          HttpGet& h = mc.http_get.emplace();
                          Fields(m, q,
                                 {{"path", [&](auto& x, auto& r) { Assign(x, r, h.path); }},
                                  {"port",
                                   [&](auto& x, auto& r) { Assign(x, r, h.port, Takes::kAnyScalar); }}},
                                 /*closed=*/false);
                        }},
                       {"filter", [&](auto& m, auto& q) {
                          std::vector<std::string>& formats = mc.metrics_format.emplace();
                          Fields(m, q, {{"metricsFormat", [&](auto& x, auto& r) {
                                           StringList(x, r, formats);
                                         }}});
                        }}});
             }}});
    return mc;
  }

  ParsedExperiment& out_;
};

}  // namespace

namespace {

// The Experiments of a file, or why it has none to read.
struct ExperimentDocuments {
  std::vector<YAML::Node> experiments;
  std::vector<Diagnostic> notes;  // about objects skipped beside them
  std::optional<Diagnostic> failure;
};

ExperimentDocuments ReadExperimentDocuments(const std::string& text) {
  ExperimentDocuments out;
  auto fail = [&](SourcePosition pos, std::string message) {
    out.failure = Diagnostic{Severity::kError, "", std::move(message), pos};
    return std::move(out);
  };
  std::vector<YAML::Node> documents;
  try {
    if (!DocumentsEndWithinCap(text)) {
      return fail({1, 1}, Cat("invalid YAML: more than ", kMaxDocuments,
                              " documents, or a stray token (such as ',') at the top level"));
    }
    for (YAML::Node& doc : YAML::LoadAll(text)) {
      if (!doc.IsNull()) documents.push_back(std::move(doc));
    }
  } catch (const YAML::Exception& e) {
    return fail(PositionOf(e.mark), Cat("invalid YAML: ", e.msg));
  } catch (const std::exception& e) {  // yaml-cpp may throw std errors on odd input
    return fail({1, 1}, Cat("invalid YAML: ", e.what()));
  }
  if (documents.empty()) return fail({1, 1}, "no YAML document: the file holds no Experiment");
  // A manifest for kubectl apply -f may hold other objects beside the
  // Experiments (a ConfigMap, a PersistentVolumeClaim): they are not ours. A
  // lone document is the Experiment, whatever its kind says.
  std::vector<std::string> others;
  for (const YAML::Node& doc : documents) {
    const std::string kind = documents.size() > 1 ? KindOf(doc) : "";
    if (kind.empty() || kind == kExperimentKind) {
      out.experiments.push_back(doc);
    } else {
      others.push_back(kind);
      out.notes.push_back(
          {Severity::kWarning, "", Cat("skipped a ", kind, ": not an Experiment"), PositionOf(doc.Mark())});
    }
  }
  if (out.experiments.empty()) return fail({1, 1}, Cat("the file holds no Experiment, only ", Join(others, ", ")));
  return out;
}

// "NAME (line N)", or "line N" for a document without a name, for messages.
std::string DocumentName(const ExperimentDocuments& documents, size_t i) {
  const YAML::Node& doc = documents.experiments[i];
  const std::string line = Cat("line ", PositionOf(doc.Mark()).line);
  if (!doc.IsMap() || !doc["metadata"].IsDefined() || !doc["metadata"].IsMap()) return line;
  const YAML::Node name = doc["metadata"]["name"];
  return name.IsDefined() && name.IsScalar() ? Cat(name.Scalar(), " (", line, ")") : line;
}

ParsedExperiment Failed(Diagnostic failure) {
  ParsedExperiment out;
  out.diagnostics.push_back(std::move(failure));
  return out;
}

// One Experiment document; `notes` go first among its diagnostics.
ParsedExperiment ParseDocument(const YAML::Node& root, size_t& node_budget, std::vector<Diagnostic> notes) {
  ParsedExperiment out;
  out.diagnostics = std::move(notes);
  auto fail = [&](SourcePosition pos, std::string message) {
    out.diagnostics.push_back({Severity::kError, "", std::move(message), pos});
    return std::move(out);
  };
  if (!root.IsMap()) {
    return fail(PositionOf(root.Mark()), Cat("expected an Experiment mapping, got ", Describe(root)));
  }
  if (std::string why; !WithinLimits(root, node_budget, &why)) return fail(PositionOf(root.Mark()), why);
  for (Diagnostic& error : internal::ResolveMergeKeys(root)) out.diagnostics.push_back(std::move(error));
  out.structurally_usable = true;
  try {
    Parser(out).Document(root);
  } catch (const std::exception& e) {
    // yaml-cpp throws on a few pathological inputs (e.g. emitting odd tags);
    // a clear error beats an escaped exception.
    out.structurally_usable = false;
    return fail(PositionOf(root.Mark()), Cat("cannot read the document: ", e.what()));
  }
  return out;
}

}  // namespace

ParsedExperiment ParseExperimentYaml(std::string_view text) {
  ExperimentDocuments documents = ReadExperimentDocuments(std::string(text));
  if (documents.failure) return Failed(*std::move(documents.failure));
  if (const size_t count = documents.experiments.size(); count > 1) {
    std::vector<std::string> which;
    for (size_t i = 0; i < count; ++i) which.push_back(DocumentName(documents, i));
    return Failed({Severity::kError, "",
                   Cat("the file holds ", count, " Experiments: ", Join(which, ", "),
                       "; hpsearch run takes one Experiment per file (hpsearch validate checks each)"),
                   PositionOf(documents.experiments[1].Mark())});
  }
  size_t node_budget = kMaxNodes;
  return ParseDocument(documents.experiments.front(), node_budget, std::move(documents.notes));
}

std::vector<ParsedExperiment> ParseExperimentsYaml(std::string_view text) {
  ExperimentDocuments documents = ReadExperimentDocuments(std::string(text));
  if (documents.failure) return {Failed(*std::move(documents.failure))};
  std::vector<ParsedExperiment> parsed;
  size_t node_budget = kMaxNodes;
  for (size_t i = 0; i < documents.experiments.size(); ++i) {
    parsed.push_back(ParseDocument(documents.experiments[i], node_budget,
                                   i == 0 ? std::move(documents.notes) : std::vector<Diagnostic>{}));
  }
  return parsed;
}

}  // namespace hpsearch::api
