#include "runner/trial_view.h"

#include "runner/objective.h"
#include "runner/trial_log_digest.h"

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

absl::StatusOr<std::vector<TrialView>> LoadTrialViews(metrics::ObjectiveStore& store,
                                                      const api::Experiment& experiment) {
  std::vector<metrics::MetricStrategy> strategies = MetricStrategiesOf(experiment);
  auto records = store.ListTrials(experiment.metadata.name);
  if (!records.ok()) return records.status();
  std::vector<TrialView> views;
  for (metrics::TrialRecord& record : *records) {
    absl::StatusOr<TrialLogDigest> digest =
        DigestStoredLog(store, record.name, TrialLogDigest(strategies, /*objective_reports_kept=*/0));
    if (!digest.ok()) return digest.status();
    views.push_back({.record = std::move(record), .metrics = digest->Summaries()});
  }
  return views;
}

}  // namespace hpsearch::runner
