#include "metrics/metric_strategy.h"

#include <algorithm>

#include "absl/status/status.h"
#include "fmt/format.h"
#include "metrics/go_float.h"
#include "metrics/katib_time.h"

namespace hpsearch::metrics {

std::string_view MetricStrategyTypeName(MetricStrategyType type) {
  switch (type) {
    case MetricStrategyType::kMin:
      return "min";
    case MetricStrategyType::kMax:
      return "max";
    case MetricStrategyType::kLatest:
      return "latest";
  }
  return "";
}

std::optional<MetricStrategyType> ParseMetricStrategyType(std::string_view name) {
  for (auto type :
       {MetricStrategyType::kMin, MetricStrategyType::kMax, MetricStrategyType::kLatest}) {
    if (MetricStrategyTypeName(type) == name) return type;
  }
  return std::nullopt;
}

std::vector<MetricStrategy> DefaultMetricStrategies(ObjectiveDirection direction,
                                                    std::string_view objective,
                                                    std::span<const std::string> additional_metrics,
                                                    std::span<const MetricStrategy> overrides) {
  const MetricStrategyType fallback = direction == ObjectiveDirection::kMinimize
                                          ? MetricStrategyType::kMin
                                          : MetricStrategyType::kMax;
  auto strategy_for = [&](std::string_view name) {
    const auto it = std::find_if(overrides.begin(), overrides.end(),
                                 [&](const MetricStrategy& s) { return s.name == name; });
    return MetricStrategy{std::string(name), it == overrides.end() ? fallback : it->type};
  };
  std::vector<MetricStrategy> strategies{strategy_for(objective)};
  for (const std::string& name : additional_metrics) strategies.push_back(strategy_for(name));
  return strategies;
}

const std::string& MetricSummary::value() const {
  switch (strategy) {
    case MetricStrategyType::kMin:
      return min == kUnavailableValue ? latest : min;
    case MetricStrategyType::kMax:
      return max == kUnavailableValue ? latest : max;
    case MetricStrategyType::kLatest:
      break;
  }
  return latest;
}

std::optional<double> MetricSummary::numeric_value() const { return ParseGoFloat(value()); }

absl::StatusOr<std::vector<MetricSummary>> SummarizeMetrics(
    std::span<const MetricLog> log, std::span<const MetricStrategy> strategies) {
  MetricSummarizer summarizer(strategies);
  for (const MetricLog& entry : log) summarizer.Add(entry);
  return summarizer.Summaries();
}

MetricSummarizer::MetricSummarizer(std::span<const MetricStrategy> strategies)
    : running_(strategies.size()) {
  for (const MetricStrategy& strategy : strategies)
    summaries_.push_back({strategy.name, strategy.type});
}

std::optional<size_t> MetricSummarizer::Find(std::string_view name) const {
  const auto it = std::find_if(summaries_.begin(), summaries_.end(),
                               [&](const MetricSummary& s) { return s.name == name; });
  if (it == summaries_.end()) return std::nullopt;
  return static_cast<size_t>(it - summaries_.begin());
}

void MetricSummarizer::Add(const MetricLog& entry) {
  const size_t index = added_++;
  if (!failure_.ok()) return;
  const std::optional<size_t> metric = Find(entry.name);
  if (!metric) return;
  const auto time = ParseRfc3339(entry.timestamp);
  if (!time) {
    failure_ = absl::InvalidArgumentError(
        fmt::format("observation {} (metric \"{}\"): timestamp \"{}\" is not RFC 3339", index,
                    entry.name, entry.timestamp));
    return;
  }
  Update(*metric, entry.value, *time);
}

void MetricSummarizer::Add(std::string_view name, std::string_view value, KatibTime time) {
  ++added_;
  if (!failure_.ok()) return;
  if (const std::optional<size_t> metric = Find(name)) Update(*metric, value, time);
}

void MetricSummarizer::Update(size_t metric, std::string_view value, KatibTime time) {
  MetricSummary& summary = summaries_[metric];
  Running& state = running_[metric];
  if (const auto number = ParseGoFloat(value)) {
    // Katib compares with < and >, so NaN never replaces a first value.
    if (!state.min || *number < *state.min) state.min = *number, summary.min = value;
    if (!state.max || *number > *state.max) state.max = *number, summary.max = value;
  }
  if (!state.latest_time || *state.latest_time <= time) {
    state.latest_time = time;
    summary.latest = value;
  }
}

absl::StatusOr<std::vector<MetricSummary>> MetricSummarizer::Summaries() const {
  if (!failure_.ok()) return failure_;
  return summaries_;
}

}  // namespace hpsearch::metrics
