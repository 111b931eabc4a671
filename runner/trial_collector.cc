#include "runner/trial_collector.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "absl/strings/str_cat.h"
#include "metrics/tfevent_collector.h"
#include "runner/internal/scoped_fd.h"

namespace hpsearch::runner {
namespace {

// How many of the last bytes read are kept to notice a file rewritten in
// place: a hypertune rewrite that dropped its oldest report has moved every
// line, so these bytes are no longer where they were.
constexpr size_t kLastBytesKept = 4096;

}  // namespace

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
        setup.source.kind = MetricsSource::Kind::kFile;
        if (collector->file_system_path->format == "JSON") setup.parser.format = metrics::MetricsFormat::kJson;
      }
      break;
    case api::CollectorKind::kTensorFlowEvent:
      if (collector->file_system_path) setup.source.kind = MetricsSource::Kind::kEventDirectory;
      break;
    default:
      return absl::UnimplementedError(absl::StrCat("spec.metricsCollectorSpec.collector.kind: ",
                                                   collector->collector_kind,
                                                   " is valid for Katib, but hpsearch run collects only StdOut, "
                                                   "File and TensorFlowEvent"));
  }
  if (collector->metrics_format) setup.parser.filters = *collector->metrics_format;
  if (setup.source.HasPath()) {
    // Katib's defaults and validation make it absolute.
    const std::filesystem::path named = std::filesystem::path(collector->file_system_path->path).lexically_normal();
    if (!named.has_relative_path()) {
      return absl::InvalidArgumentError(
          "spec.metricsCollectorSpec.source.fileSystemPath.path: / would give each trial the whole filesystem; "
          "name the folder the trial writes its metrics in");
    }
    setup.source.path = named.has_filename() ? named : named.parent_path();
  }
  return setup;
}

absl::StatusOr<TrialCollector> TrialCollector::Create(const metrics::ParserOptions& options, std::string trial,
                                                      const MetricsSource& source, TrialLogDigest digest) {
  metrics::ParserOptions parser_options = options;
  std::optional<std::filesystem::path> metrics_file;
  std::optional<std::filesystem::path> event_directory;
  switch (source.kind) {
    case MetricsSource::Kind::kOutput:
      parser_options.streams = {"stdout", "stderr"};  // indexed by OutputStream
      break;
    case MetricsSource::Kind::kFile:
      metrics_file = source.path;
      break;
    case MetricsSource::Kind::kEventDirectory:
      event_directory = source.path;
      break;
  }
  absl::StatusOr<metrics::MetricsParser> parser = metrics::MetricsParser::Create(parser_options);
  if (!parser.ok()) return parser.status();
  return TrialCollector(std::move(parser_options), *std::move(parser), std::move(trial), std::move(metrics_file),
                        std::move(event_directory), std::move(digest));
}

void TrialCollector::OnOutput(OutputStream stream, std::string_view chunk) {
  if (!metrics_file_ && !event_directory_) parser_.Feed(chunk, static_cast<size_t>(stream));
}

void TrialCollector::FollowFile() {
  if (!metrics_file_) return;
  internal::ScopedFd file(open(metrics_file_->c_str(), O_RDONLY | O_CLOEXEC));
  struct stat info;
  // Not written yet, or removed and not yet replaced: what was read stands.
  if (!file.valid() || fstat(file.get(), &info) != 0) return;
  const FileId id{.device = info.st_dev, .inode = info.st_ino};
  if (file_id_ && (id != *file_id_ || Rewritten(file.get(), info.st_size))) StartOver();
  file_id_ = id;
  ReadNewBytes(file.get());
}

bool TrialCollector::Rewritten(int fd, off_t size) const {
  if (size < file_offset_) return true;
  std::string there_now(last_bytes_.size(), '\0');
  const off_t last_bytes_at = file_offset_ - static_cast<off_t>(last_bytes_.size());
  const ssize_t read = pread(fd, there_now.data(), there_now.size(), last_bytes_at);
  return read != static_cast<ssize_t>(there_now.size()) || there_now != last_bytes_;
}

void TrialCollector::StartOver() {
  // Create accepted these options already.
  parser_ = *metrics::MetricsParser::Create(parser_options_);
  file_offset_ = 0;
  last_bytes_.clear();
  content_.clear();
  repeat_next_.reset();
  repeat_end_ = log_.size();
}

void TrialCollector::ReadNewBytes(int fd) {
  char buffer[64 * 1024];
  while (true) {
    const ssize_t n = pread(fd, buffer, sizeof buffer, file_offset_);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    const std::string_view chunk(buffer, static_cast<size_t>(n));
    parser_.Feed(chunk);
    file_offset_ += n;
    last_bytes_.append(chunk.substr(chunk.size() - std::min(chunk.size(), kLastBytesKept)));
    if (last_bytes_.size() > kLastBytesKept) last_bytes_.erase(0, last_bytes_.size() - kLastBytesKept);
  }
}

void TrialCollector::FindWhereRepeatsStart(const metrics::MetricLog& first) {
  const auto begin = log_.begin();
  const auto found = std::find(begin + static_cast<std::ptrdiff_t>(content_start_),
                               begin + static_cast<std::ptrdiff_t>(repeat_end_), first);
  repeat_next_ = static_cast<size_t>(found - begin);
  content_start_ = *repeat_next_ < repeat_end_ ? *repeat_next_ : log_.size();
}

void TrialCollector::TakeRecords() {
  for (metrics::MetricLog& record : parser_.TakeRecords()) {
    if (metrics_file_ && RepeatsCollected(record)) continue;
    digest_.Add(record);
    log_.push_back(std::move(record));
  }
}

bool TrialCollector::RepeatsCollected(const metrics::MetricLog& record) {
  if (!repeat_next_) FindWhereRepeatsStart(record);
  if (*repeat_next_ < repeat_end_ && log_[*repeat_next_] == record) {
    content_.push_back((*repeat_next_)++);
    return true;
  }
  repeat_next_ = repeat_end_;  // the content went its own way: the rest is new
  content_.push_back(log_.size());
  return false;
}

absl::Status TrialCollector::Flush(metrics::ObjectiveStore& store) {
  FollowFile();
  TakeRecords();
  return StoreNewRecords(store);
}

absl::Status TrialCollector::Finish(metrics::ObjectiveStore& store) {
  if (event_directory_) return StoreEventFiles(store);
  FollowFile();
  parser_.Finish();
  TakeRecords();
  // content_ ascends, so it is all of log_ when it is as long.
  if (!metrics_file_ || content_.size() == log_.size()) return StoreNewRecords(store);
  return StoreFileContent(store);
}

bool TrialCollector::MetricsWritten() const {
  if (event_directory_) return event_files_ > 0;
  std::error_code error;
  return !metrics_file_ || std::filesystem::exists(*metrics_file_, error);
}

absl::Status TrialCollector::StoreNewRecords(metrics::ObjectiveStore& store) {
  if (stored_ == log_.size()) return absl::OkStatus();
  // Once committed they survive a killed engine; the fsync before the
  // trial is reported finished makes them durable against power loss too.
  absl::Status status = store.AppendObservations(
      trial_, std::span<const metrics::MetricLog>(log_).subspan(stored_),
      metrics::Durability::kProcessCrash);
  if (!status.ok()) return status;
  // The File collector compares what its file holds with the log; the
  // StdOut collector has no use for stored records, which the digest has.
  if (metrics_file_) {
    stored_ = log_.size();
  } else {
    log_.clear();
  }
  return status;
}

absl::Status TrialCollector::StoreFileContent(metrics::ObjectiveStore& store) {
  std::vector<metrics::MetricLog> content;
  content.reserve(content_.size());
  for (size_t index : content_) content.push_back(std::move(log_[index]));
  log_ = std::move(content);
  digest_.Clear();
  for (const metrics::MetricLog& record : log_) digest_.Add(record);
  absl::Status status = store.ReplaceObservations(trial_, log_, metrics::Durability::kProcessCrash);
  if (status.ok()) stored_ = log_.size();
  return status;
}

absl::Status TrialCollector::StoreEventFiles(metrics::ObjectiveStore& store) {
  metrics::TfEventCollection collection = metrics::CollectTfEvents(*event_directory_, parser_options_.metric_names);
  event_warnings_ = std::move(collection.warnings);
  event_files_ = collection.event_files;
  for (metrics::MetricLog& record : collection.log) {
    digest_.Add(record);
    log_.push_back(std::move(record));
  }
  return StoreNewRecords(store);
}

}  // namespace hpsearch::runner
