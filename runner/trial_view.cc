#include "runner/trial_view.h"

#include <optional>

#include "metrics/go_float.h"
#include "metrics/katib_time.h"
#include "runner/objective.h"

namespace hpsearch::runner {

std::vector<metrics::MetricStrategy> MetricStrategiesOf(const api::Experiment& experiment) {
  const api::Objective& objective = *experiment.spec.objective;
  std::vector<metrics::MetricStrategy> overrides;
  for (const api::MetricStrategy& strategy : objective.metric_strategies) {
    if (auto type = metrics::ParseMetricStrategyType(strategy.value)) {
      overrides.push_back({strategy.name, *type});
    }
  }
  return metrics::DefaultMetricStrategies(ObjectiveDirectionOf(experiment), objective.objective_metric_name,
                                          objective.additional_metric_names, overrides);
}

std::vector<metrics::MetricLog> ToMetricLog(std::span<const metrics::StoredObservation> stored) {
  std::vector<metrics::MetricLog> log;
  log.reserve(stored.size());
  for (const metrics::StoredObservation& o : stored) {
    log.push_back({metrics::FormatMicrosRfc3339Nano(o.time_us), o.metric, o.value});
  }
  return log;
}

std::vector<double> NumericReports(std::span<const metrics::MetricLog> log, std::string_view metric) {
  std::vector<double> values;
  for (const metrics::MetricLog& entry : log) {
    if (entry.name != metric) continue;
    if (std::optional<double> value = metrics::ParseGoFloat(entry.value)) values.push_back(*value);
  }
  return values;
}

absl::StatusOr<std::vector<TrialView>> LoadTrialViews(metrics::ObjectiveStore& store,
                                                      const api::Experiment& experiment) {
  std::vector<metrics::MetricStrategy> strategies = MetricStrategiesOf(experiment);
  auto records = store.ListTrials(experiment.metadata.name);
  if (!records.ok()) return records.status();
  std::vector<TrialView> views;
  for (metrics::TrialRecord& record : *records) {
    auto observations = store.GetObservations(record.name);
    if (!observations.ok()) return observations.status();
    auto summary = metrics::SummarizeMetrics(ToMetricLog(*observations), strategies);
    views.push_back({.record = std::move(record),
                     .metrics = summary.ok() ? *std::move(summary) : std::vector<metrics::MetricSummary>{}});
  }
  return views;
}

}  // namespace hpsearch::runner
