// A trial as users and the run loop see it: its record with its metrics
// summarised by the experiment's metric strategies, Katib's way.
#pragma once

#include <vector>

#include "absl/status/statusor.h"
#include "api/experiment.h"
#include "metrics/metric_strategy.h"
#include "metrics/objective_store.h"

namespace hpsearch::runner {

struct TrialView {
  metrics::TrialRecord record;
  std::vector<metrics::MetricSummary> metrics;  // objective first
};

// The objective's and additional metrics' strategies: the experiment's
// metricStrategies over Katib's defaults.
std::vector<metrics::MetricStrategy> MetricStrategiesOf(const api::Experiment& experiment);

// Every trial of `experiment` in `store`, summarised with its metric
// strategies (what `hpsearch trials` shows).
absl::StatusOr<std::vector<TrialView>> LoadTrialViews(metrics::ObjectiveStore& store,
                                                      const api::Experiment& experiment);

}  // namespace hpsearch::runner
