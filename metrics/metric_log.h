// One observation as Katib records it: api.v1.beta1.MetricLog without the
// protobuf. Values stay text, as in Katib's DB: the collector stores what the
// trial printed, and only the metric strategies decide what counts as a number.
#pragma once

#include <string>
#include <string_view>

namespace hpsearch::metrics {

struct MetricLog {
  std::string timestamp;  // RFC 3339 text, kZeroTimestamp when unknown
  std::string name;
  std::string value;

  bool operator==(const MetricLog&) const = default;
};

// Katib's consts.UnavailableMetricValue: recorded for the objective when a
// trial never reported it, and the value of a strategy with no numeric input.
inline constexpr std::string_view kUnavailableValue = "unavailable";

}  // namespace hpsearch::metrics
