// What the engine itself adds around each trial, measured inside it
// (bench/runner.md): `hpsearch run` reports it at the end of every run and
// in summary.json.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace hpsearch::runner {

// One sample per trial, in milliseconds.
struct EngineOverhead {
  // From the engine starting to launch a trial (its directory, command,
  // environment, process) to the trial's program running (exec done): the
  // engine's share of the launch.
  std::vector<double> launch_to_started_ms;
  // ... to the trial's first line of output (stdout or stderr) arriving:
  // adds the program's own start-up until it prints.
  std::vector<double> launch_to_first_line_ms;
  // From the engine seeing a trial's process end to its result committed to
  // the store: visible to readers, and kept if the engine is killed.
  std::vector<double> exit_to_recorded_ms;
  // ... and then durable against power loss, by the one fsync shared by the
  // trials that ended together; the trial is reported finished then.
  std::vector<double> exit_to_durable_ms;
};

struct LatencySummary {
  size_t count = 0;
  double p50_ms = 0;
  double p99_ms = 0;
  double max_ms = 0;
};
// Nearest-rank percentiles of `samples_ms`.
LatencySummary SummarizeLatency(std::vector<double> samples_ms);

// One line for the user: p50/p99 of each latency.
std::string DescribeEngineOverhead(const EngineOverhead& overhead);

}  // namespace hpsearch::runner
