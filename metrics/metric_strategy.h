// Katib's metric strategies: which of a trial's observations becomes its
// value for a metric, and so its objective value.
//
// Mirrors getMetrics in pkg/controller.v1beta1/trial/trial_controller_util.go
// and getObjectiveMetricValue in experiment/util/status_util.go:
//  * min and max range over the values that parse as Go floats (others are
//    skipped); "unavailable" when there are none;
//  * latest is the value, numeric or not, with the greatest timestamp, ties
//    going to the later observation; "unavailable" when there are none;
//  * a metric's value under its strategy is min, max or latest, and min/max
//    fall back to latest when no value was numeric.
// The defaults, for the objective and every additional metric, are min when
// minimizing and max when maximizing.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "metrics/katib_time.h"
#include "metrics/metric_log.h"

namespace hpsearch::metrics {

enum class MetricStrategyType { kMin, kMax, kLatest };
enum class ObjectiveDirection { kMinimize, kMaximize };

// Katib's names: "min", "max", "latest".
std::string_view MetricStrategyTypeName(MetricStrategyType type);
std::optional<MetricStrategyType> ParseMetricStrategyType(std::string_view name);

struct MetricStrategy {
  std::string name;
  MetricStrategyType type;
};

// One strategy per metric (objective first, then additional metrics), each
// taken from `overrides` when named there, else the direction's default.
std::vector<MetricStrategy> DefaultMetricStrategies(ObjectiveDirection direction,
                                                    std::string_view objective,
                                                    std::span<const std::string> additional_metrics,
                                                    std::span<const MetricStrategy> overrides = {});

struct MetricSummary {
  std::string name;
  MetricStrategyType strategy;
  std::string min = std::string(kUnavailableValue);
  std::string max = std::string(kUnavailableValue);
  std::string latest = std::string(kUnavailableValue);

  // The strategy's pick, as text (possibly "unavailable" or not a number).
  const std::string& value() const;
  // value() as a Go float; nullopt when it is not one.
  std::optional<double> numeric_value() const;
  // Katib's test for an available observation: latest is not "unavailable".
  bool available() const { return latest != kUnavailableValue; }
};

// Summarises `log` for each strategy, in the strategies' order. Observations
// of other metrics are ignored. Fails with INVALID_ARGUMENT when a relevant
// timestamp is not RFC 3339, as Katib's controller does.
absl::StatusOr<std::vector<MetricSummary>> SummarizeMetrics(
    std::span<const MetricLog> log, std::span<const MetricStrategy> strategies);

// SummarizeMetrics one observation at a time, in the log's order, so that a
// log too long to hold can be summarised as it goes by: its size does not
// depend on the log's length.
class MetricSummarizer {
 public:
  explicit MetricSummarizer(std::span<const MetricStrategy> strategies);

  // An observation as collected. The first whose relevant timestamp is not
  // RFC 3339 fails the summary, which then ignores the rest.
  void Add(const MetricLog& entry);
  // An observation whose timestamp is already parsed (a stored one).
  void Add(std::string_view name, std::string_view value, KatibTime time);

  // What SummarizeMetrics returns for the observations added so far.
  absl::StatusOr<std::vector<MetricSummary>> Summaries() const;

 private:
  struct Running {
    std::optional<double> min, max;
    std::optional<KatibTime> latest_time;
  };
  // The index of `name` in summaries_, if it is one of the strategies'.
  std::optional<size_t> Find(std::string_view name) const;
  void Update(size_t metric, std::string_view value, KatibTime time);

  std::vector<MetricSummary> summaries_;
  std::vector<Running> running_;
  size_t added_ = 0;
  absl::Status failure_;
};

}  // namespace hpsearch::metrics
