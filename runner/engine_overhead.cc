#include "runner/engine_overhead.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace hpsearch::runner {

LatencySummary SummarizeLatency(std::vector<double> samples_ms) {
  LatencySummary summary;
  summary.count = samples_ms.size();
  if (samples_ms.empty()) return summary;
  std::sort(samples_ms.begin(), samples_ms.end());
  auto rank = [&](double p) {
    size_t index = static_cast<size_t>(std::ceil(p * static_cast<double>(samples_ms.size())));
    return samples_ms[std::clamp<size_t>(index, 1, samples_ms.size()) - 1];
  };
  summary.p50_ms = rank(0.50);
  summary.p99_ms = rank(0.99);
  summary.max_ms = samples_ms.back();
  return summary;
}

std::string DescribeEngineOverhead(const EngineOverhead& overhead) {
  auto figures = [](const std::vector<double>& samples) {
    LatencySummary summary = SummarizeLatency(samples);
    return absl::StrFormat("%.2f/%.2f", summary.p50_ms, summary.p99_ms);
  };
  return absl::StrCat("engine overhead per trial, p50/p99 ms: launch to started ",
                      figures(overhead.launch_to_started_ms), ", to first line ",
                      figures(overhead.launch_to_first_line_ms), "; exit to recorded ",
                      figures(overhead.exit_to_recorded_ms), ", exit to durable ",
                      figures(overhead.exit_to_durable_ms));
}

}  // namespace hpsearch::runner
