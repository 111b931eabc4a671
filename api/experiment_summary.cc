#include "api/experiment_summary.h"

#include "api/feasible_space.h"
#include "api/internal/strings.h"

namespace hpsearch::api {
namespace {

using internal::Cat;
using internal::Join;

std::string Settings(const AlgorithmSpec& spec) {
  if (spec.algorithm_settings.empty()) return spec.algorithm_name;
  std::vector<std::string> items;
  for (const NameValue& s : spec.algorithm_settings) items.push_back(Cat(s.name, "=", s.value));
  return Cat(spec.algorithm_name, " (", Join(items, ", "), ")");
}

std::string ShellQuote(const std::string& word) {
  if (!word.empty() && word.find_first_of(" \t\n'\"\\$`") == std::string::npos) return word;
  std::string out = "'";
  for (char c : word) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

}  // namespace

std::string DescribeParameter(const ParameterSpec& p) {
  const FeasibleSpace& fs = p.feasible_space;
  std::string out = Cat(p.name, ": ", p.parameter_type, " ");
  switch (ParseParameterType(p.parameter_type)) {
    case ParameterType::kDiscrete:
    case ParameterType::kCategorical:
      return Cat(out, "{", Join(fs.list, ", "), "}");
    default:
      break;
  }
  out += Cat("[", fs.min, ", ", fs.max, "]");
  if (!fs.step.empty()) out += Cat(" step ", fs.step);
  if (!fs.distribution.empty() && fs.distribution != "uniform") out += Cat(", ", fs.distribution);
  return out;
}

std::string TrialCommandLine(const TrialTemplate& t) {
  const Container* c = t.PrimaryContainer();
  if (c == nullptr) return "";
  std::vector<std::string> words;
  for (const auto* list : {&c->command, &c->args}) {
    for (const std::string& w : *list) words.push_back(ShellQuote(w));
  }
  return Join(words, " ");
}

std::string SummarizeExperiment(const Experiment& e) {
  const ExperimentSpec& s = e.spec;
  std::string out = Cat("experiment: ", e.metadata.name);
  if (!e.metadata.namespace_.empty()) out += Cat(" (namespace ", e.metadata.namespace_, ")");
  out += "\n";
  if (s.objective) {
    const Objective& o = *s.objective;
    out += Cat("objective: ", o.type, " ", o.objective_metric_name);
    if (o.goal) out += Cat(", goal ", *o.goal);
    out += "\n";
    if (!o.additional_metric_names.empty()) {
      out += Cat("additional metrics: ", Join(o.additional_metric_names, ", "), "\n");
    }
    std::vector<std::string> strategies;
    for (const MetricStrategy& m : o.metric_strategies) {
      strategies.push_back(Cat(m.name, "=", m.value));
    }
    out += Cat("metric strategies: ", Join(strategies, ", "), "\n");
  }
  if (s.algorithm) out += Cat("algorithm: ", Settings(*s.algorithm), "\n");
  if (s.early_stopping) out += Cat("early stopping: ", Settings(*s.early_stopping), "\n");
  out += Cat("parameters (", s.parameters.size(), "):\n");
  for (const ParameterSpec& p : s.parameters) out += Cat("  ", DescribeParameter(p), "\n");
  const std::optional<uint64_t> points = CountGridPoints(s.parameters);
  out += Cat("search space: ", points ? Cat(*points, " grid points") : "continuous", "\n");
  auto count = [](const std::optional<int32_t>& n) {
    return n ? std::to_string(*n) : std::string("unlimited");
  };
  out += Cat("trials: parallel ", count(s.parallel_trial_count), ", max ", count(s.max_trial_count),
             ", max failed ", count(s.max_failed_trial_count), "\n");
  if (s.metrics_collector_spec) {
    out += Cat("metrics collector: ", s.metrics_collector_spec->collector_kind, "\n");
  }
  if (s.trial_template) {
    const TrialTemplate& t = *s.trial_template;
    if (t.trial_spec) {
      out += Cat("trial: ", t.trial_spec->kind, ", container ", t.primary_container_name);
      if (const Container* c = t.PrimaryContainer(); c != nullptr && !c->image.empty()) {
        out += Cat(" (", c->image, ")");
      }
      out += "\n";
    }
    out += Cat("trial command: ", TrialCommandLine(t), "\n");
  }
  return out;
}

}  // namespace hpsearch::api
