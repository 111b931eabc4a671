// Collecting one trial's metrics into the objective store, as it runs.
//
// The local equivalent of Katib's metrics collector sidecar: with the StdOut
// collector the runner hands over the trial's stdout as it arrives; with the
// File collector the trial's metrics file is followed. Either way the text
// goes through the metrics parser, and what it yields is appended to the
// store in one batch per Flush, so a killed engine loses at most the last
// tick's lines, never a batch it reported stored.
#pragma once

#include <cstdio>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "api/experiment.h"
#include "metrics/metric_log.h"
#include "metrics/metrics_parser.h"
#include "metrics/objective_store.h"

namespace hpsearch::runner {

// How an experiment's trials' metrics are collected here: what the parser
// looks for, and the File collector's path (unset: the StdOut collector).
struct CollectorSetup {
  metrics::ParserOptions parser;
  std::optional<std::filesystem::path> metrics_file;
};

// From spec.objective and spec.metricsCollectorSpec. Fails with
// UNIMPLEMENTED for the collector kinds that need a cluster.
absl::StatusOr<CollectorSetup> CollectorSetupOf(const api::Experiment& experiment);

class TrialCollector {
 public:
  // `metrics_file` unset: the StdOut collector (feed with OnStdout);
  // set: the File collector following that path.
  static absl::StatusOr<TrialCollector> Create(const metrics::ParserOptions& options,
                                               std::string trial,
                                               std::optional<std::filesystem::path> metrics_file);

  // A chunk of the trial's stdout; ignored by the File collector.
  void OnStdout(std::string_view chunk);

  // Reads what the followed file gained and stores what was parsed so far.
  absl::Status Flush(metrics::ObjectiveStore& store);

  // After the trial ended: parses the rest and stores it, adding Katib's
  // "unavailable" record when the objective never appeared.
  absl::Status Finish(metrics::ObjectiveStore& store);

  // Everything collected, in order: the trial's observation log.
  const std::vector<metrics::MetricLog>& log() const { return log_; }
  const metrics::MetricsParser& parser() const { return parser_; }

 private:
  TrialCollector(metrics::MetricsParser parser, std::string trial,
                 std::optional<std::filesystem::path> metrics_file)
      : parser_(std::move(parser)), trial_(std::move(trial)), metrics_file_(std::move(metrics_file)) {}
  void FollowFile();
  absl::Status StoreNewRecords(metrics::ObjectiveStore& store);

  metrics::MetricsParser parser_;
  std::string trial_;
  std::optional<std::filesystem::path> metrics_file_;
  std::uintmax_t file_offset_ = 0;
  std::vector<metrics::MetricLog> log_;
  size_t stored_ = 0;  // log_[0, stored_) is in the store
};

}  // namespace hpsearch::runner
