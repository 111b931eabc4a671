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
  struct Running {
    std::optional<double> min, max;
    std::optional<KatibTime> latest_time;
  };
  std::vector<MetricSummary> summaries;
  std::vector<Running> running(strategies.size());
  for (const MetricStrategy& strategy : strategies)
    summaries.push_back({strategy.name, strategy.type});

  for (size_t i = 0; i < log.size(); ++i) {
    const MetricLog& entry = log[i];
    const auto it = std::find_if(summaries.begin(), summaries.end(),
                                 [&](const MetricSummary& s) { return s.name == entry.name; });
    if (it == summaries.end()) continue;
    MetricSummary& summary = *it;
    Running& state = running[it - summaries.begin()];
    if (const auto number = ParseGoFloat(entry.value)) {
      // Katib compares with < and >, so NaN never replaces a first value.
      if (!state.min || *number < *state.min) state.min = *number, summary.min = entry.value;
      if (!state.max || *number > *state.max) state.max = *number, summary.max = entry.value;
    }
    const auto time = ParseRfc3339(entry.timestamp);
    if (!time) {
      return absl::InvalidArgumentError(
          fmt::format("observation {} (metric \"{}\"): timestamp \"{}\" is not RFC 3339", i,
                      entry.name, entry.timestamp));
    }
    if (!state.latest_time || *state.latest_time <= *time) {
      state.latest_time = time;
      summary.latest = entry.value;
    }
  }
  return summaries;
}

}  // namespace hpsearch::metrics
