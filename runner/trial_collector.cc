#include "runner/trial_collector.h"

#include <fstream>

#include "absl/strings/str_cat.h"

namespace hpsearch::runner {

absl::StatusOr<CollectorSetup> CollectorSetupOf(const api::Experiment& experiment) {
  CollectorSetup setup;
  const api::Objective& objective = *experiment.spec.objective;
  setup.parser.metric_names.push_back(objective.objective_metric_name);
  for (const std::string& name : objective.additional_metric_names) setup.parser.metric_names.push_back(name);
  const auto& collector = experiment.spec.metrics_collector_spec;
  if (!collector) return setup;
  switch (api::ParseCollectorKind(collector->collector_kind)) {
    case api::CollectorKind::kStdOut: break;
    case api::CollectorKind::kFile:
      if (collector->file_system_path) {
        setup.metrics_file = collector->file_system_path->path;
        if (collector->file_system_path->format == "JSON") setup.parser.format = metrics::MetricsFormat::kJson;
      }
      break;
    default:
      return absl::UnimplementedError(absl::StrCat("spec.metricsCollectorSpec.collector.kind: ",
                                                   collector->collector_kind,
                                                   " is not supported by hpsearch run; use StdOut or File"));
  }
  if (collector->metrics_format) setup.parser.filters = *collector->metrics_format;
  return setup;
}

absl::StatusOr<TrialCollector> TrialCollector::Create(
    const metrics::ParserOptions& options, std::string trial,
    std::optional<std::filesystem::path> metrics_file) {
  absl::StatusOr<metrics::MetricsParser> parser = metrics::MetricsParser::Create(options);
  if (!parser.ok()) return parser.status();
  return TrialCollector(*std::move(parser), std::move(trial), std::move(metrics_file));
}

void TrialCollector::OnStdout(std::string_view chunk) {
  if (!metrics_file_) parser_.Feed(chunk);
}

void TrialCollector::FollowFile() {
  if (!metrics_file_) return;
  std::ifstream file(*metrics_file_, std::ios::binary);
  if (!file) return;  // not written yet
  file.seekg(static_cast<std::streamoff>(file_offset_));
  char buffer[64 * 1024];
  while (file.read(buffer, sizeof buffer) || file.gcount() > 0) {
    parser_.Feed(std::string_view(buffer, static_cast<size_t>(file.gcount())));
    file_offset_ += static_cast<std::uintmax_t>(file.gcount());
  }
}

absl::Status TrialCollector::Flush(metrics::ObjectiveStore& store) {
  FollowFile();
  return StoreNewRecords(store);
}

absl::Status TrialCollector::Finish(metrics::ObjectiveStore& store) {
  FollowFile();
  parser_.Finish();
  return StoreNewRecords(store);
}

absl::Status TrialCollector::StoreNewRecords(metrics::ObjectiveStore& store) {
  std::vector<metrics::MetricLog> records = parser_.TakeRecords();
  log_.insert(log_.end(), records.begin(), records.end());
  if (stored_ == log_.size()) return absl::OkStatus();
  // The trial's end record, written with an fsync, makes these durable
  // against power loss too; until then they survive a killed engine.
  absl::Status status = store.AppendObservations(
      trial_, std::span<const metrics::MetricLog>(log_).subspan(stored_),
      metrics::Durability::kProcessCrash);
  if (status.ok()) stored_ = log_.size();
  return status;
}

}  // namespace hpsearch::runner
