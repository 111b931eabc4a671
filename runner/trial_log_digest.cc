#include "runner/trial_log_digest.h"

#include <optional>
#include <utility>

#include "metrics/go_float.h"
#include "metrics/katib_time.h"

namespace hpsearch::runner {

TrialLogDigest::TrialLogDigest(std::vector<metrics::MetricStrategy> strategies, size_t objective_reports_kept)
    : strategies_(std::move(strategies)),
      objective_reports_kept_(objective_reports_kept),
      summarizer_(strategies_) {}

void TrialLogDigest::Add(const metrics::MetricLog& entry) {
  summarizer_.Add(entry);
  NoteObjectiveReport(entry.name, entry.value);
}

void TrialLogDigest::Add(const metrics::StoredObservation& observation) {
  summarizer_.Add(observation.metric, observation.value, metrics::KatibTime::FromMicros(observation.time_us));
  NoteObjectiveReport(observation.metric, observation.value);
}

void TrialLogDigest::Clear() {
  summarizer_ = metrics::MetricSummarizer(strategies_);
  objective_reports_.clear();
}

std::vector<metrics::MetricSummary> TrialLogDigest::Summaries() const {
  auto summaries = summarizer_.Summaries();
  return summaries.ok() ? *std::move(summaries) : std::vector<metrics::MetricSummary>{};
}

void TrialLogDigest::NoteObjectiveReport(std::string_view name, std::string_view value) {
  if (objective_reports_.size() == objective_reports_kept_ || name != strategies_.front().name) return;
  if (std::optional<double> number = metrics::ParseGoFloat(value)) objective_reports_.push_back(*number);
}

absl::StatusOr<TrialLogDigest> DigestStoredLog(metrics::ObjectiveStore& store, std::string_view trial,
                                               TrialLogDigest digest) {
  absl::Status status = store.ForEachObservation(
      trial, {}, [&](const metrics::StoredObservation& observation) { digest.Add(observation); });
  if (!status.ok()) return status;
  return digest;
}

}  // namespace hpsearch::runner
