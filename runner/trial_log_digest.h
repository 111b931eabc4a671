// What the runner keeps of a trial's observation log, however long the log
// is: the metrics summarised by their strategies, and the objective's first
// numeric reports, all that medianstop reads of a trial. Fed one
// observation at a time, as collected or as read back from the store, so
// that its size does not depend on how many lines the trial printed.
#pragma once

#include <cstddef>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "metrics/metric_log.h"
#include "metrics/metric_strategy.h"
#include "metrics/objective_store.h"

namespace hpsearch::runner {

class TrialLogDigest {
 public:
  // `strategies` as MetricStrategiesOf gives them, the objective's first;
  // keeps the objective's first `objective_reports_kept` numeric values.
  TrialLogDigest(std::vector<metrics::MetricStrategy> strategies, size_t objective_reports_kept);

  void Add(const metrics::MetricLog& entry);
  void Add(const metrics::StoredObservation& observation);
  // Forgets every observation added: for a log that was replaced.
  void Clear();

  // SummarizeMetrics of the log, objective first; none when that fails (a
  // timestamp that is not RFC 3339), as the trial then has no metrics.
  std::vector<metrics::MetricSummary> Summaries() const;
  // The objective's numeric reports in the order reported, the first
  // objective_reports_kept of them.
  const std::vector<double>& objective_reports() const { return objective_reports_; }

 private:
  void NoteObjectiveReport(std::string_view name, std::string_view value);

  std::vector<metrics::MetricStrategy> strategies_;
  size_t objective_reports_kept_;
  metrics::MetricSummarizer summarizer_;
  std::vector<double> objective_reports_;
};

// `digest` fed with the trial's stored log, in GetObservations' order.
absl::StatusOr<TrialLogDigest> DigestStoredLog(metrics::ObjectiveStore& store, std::string_view trial,
                                               TrialLogDigest digest);

}  // namespace hpsearch::runner
