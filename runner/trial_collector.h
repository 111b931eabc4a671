// Collecting one trial's metrics into the objective store, as it runs.
//
// The local equivalent of Katib's metrics collector sidecar: with the StdOut
// collector the runner hands over the trial's stdout and stderr as they
// arrive (Katib redirects both into the log it parses, `1>log 2>&1`); with
// the File collector the trial's metrics file is followed. Either way the
// text goes through the metrics parser, and what it yields is appended to the
// store in one batch per Flush (the runner commits them with its other
// writes: a killed engine loses at most the lines since its last commit,
// and that trial runs again on resume). What the runner needs of
// the log is kept in a TrialLogDigest, updated as records arrive; the StdOut
// collector keeps no record it has stored, so a trial may print any number
// of metric lines. With the TensorFlowEvent collector, as in Katib, the
// event files are read once the trial has ended.
//
// Katib's File collector stores what the file holds once the trial has
// ended: it reads the whole file then (while the trial runs it tails it only
// to echo it and for early stopping). Here the file is followed as it grows,
// and one that stops continuing what was read of it (truncated, rewritten in
// place as cloudml-hypertune does at every report, replaced by a rename) is
// read again from its start, skipping the records that repeat what was
// collected already. When the trial ends, a log that is no longer what the
// file holds is replaced by what it holds: the log Katib would store.
#pragma once

#include <sys/types.h>

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
#include "runner/metrics_source.h"
#include "runner/process.h"
#include "runner/trial_log_digest.h"

namespace hpsearch::runner {

// How an experiment's trials' metrics are collected here: what the parser
// looks for (metric_names also name what the event files are read for), and
// where.
struct CollectorSetup {
  metrics::ParserOptions parser;
  MetricsSource source;
};

// From spec.objective and spec.metricsCollectorSpec. Fails with
// UNIMPLEMENTED for the collector kinds that need a cluster, and
// INVALID_ARGUMENT for the path '/'; the message is "<field path>: <why>".
absl::StatusOr<CollectorSetup> CollectorSetupOf(const api::Experiment& experiment);

class TrialCollector {
 public:
  // `source`: the trial's own (feed the StdOut collector with OnOutput).
  // `digest`: empty, to digest the trial's log into.
  static absl::StatusOr<TrialCollector> Create(const metrics::ParserOptions& options, std::string trial,
                                               const MetricsSource& source, TrialLogDigest digest);

  // A chunk of the trial's stdout or stderr; ignored by the other collectors.
  void OnOutput(OutputStream stream, std::string_view chunk);

  // Reads what the followed file gained and stores what was parsed so far.
  absl::Status Flush(metrics::ObjectiveStore& store);

  // After the trial ended: parses the rest and stores it, adding Katib's
  // "unavailable" record when the objective never appeared.
  absl::Status Finish(metrics::ObjectiveStore& store);

  // The File collector's: everything collected, in order, the trial's
  // observation log. It only grows until Finish, which may replace it by
  // what the metrics file holds. The StdOut collector's: only the records
  // it could not store yet.
  const std::vector<metrics::MetricLog>& log() const { return log_; }
  // The whole observation log's digest, also after Finish replaced it.
  const TrialLogDigest& digest() const { return digest_; }
  // What could not be read: lines of the output or the metrics file as it
  // is now (the parser's, kMaxWarnings of them), or event files.
  const std::vector<std::string>& warnings() const {
    return event_warnings_.empty() ? parser_.warnings() : event_warnings_;
  }
  // Warnings beyond those.
  size_t suppressed_warnings() const { return parser_.suppressed_warnings(); }
  // Whether the trial wrote anything where its metrics are to be: the File
  // collector's file (now), or an event file (found by Finish). Always true
  // for the StdOut collector.
  bool MetricsWritten() const;

 private:
  struct FileId {
    dev_t device;
    ino_t inode;
    bool operator==(const FileId&) const = default;
  };

  TrialCollector(metrics::ParserOptions options, metrics::MetricsParser parser, std::string trial,
                 std::optional<std::filesystem::path> metrics_file,
                 std::optional<std::filesystem::path> event_directory, TrialLogDigest digest)
      : parser_options_(std::move(options)),
        parser_(std::move(parser)),
        trial_(std::move(trial)),
        metrics_file_(std::move(metrics_file)),
        event_directory_(std::move(event_directory)),
        digest_(std::move(digest)) {}
  void FollowFile();
  // Whether the open followed file no longer starts with what was read of
  // it: shorter than that, or other bytes where the last ones read were.
  bool Rewritten(int fd, off_t size) const;
  // Reads the file anew, from its start.
  void StartOver();
  void ReadNewBytes(int fd);
  // Moves the parser's records to log_ and the digest, skipping those that
  // repeat what the File collector read before.
  void TakeRecords();
  // Whether `record` repeats log_, noting where in log_ it is in content_.
  bool RepeatsCollected(const metrics::MetricLog& record);
  // After a StartOver: the content's repetition of log_, if any, starts at
  // the first record like its `first`, from where the previous content
  // started on (a rewrite keeps the oldest reports, or drops some).
  void FindWhereRepeatsStart(const metrics::MetricLog& first);
  absl::Status StoreNewRecords(metrics::ObjectiveStore& store);
  // Makes the log what the file holds, when it no longer holds all of it.
  absl::Status StoreFileContent(metrics::ObjectiveStore& store);
  // Stores what the event files hold.
  absl::Status StoreEventFiles(metrics::ObjectiveStore& store);

  metrics::ParserOptions parser_options_;
  metrics::MetricsParser parser_;
  std::string trial_;
  std::optional<std::filesystem::path> metrics_file_;
  std::optional<std::filesystem::path> event_directory_;
  std::vector<std::string> event_warnings_;
  size_t event_files_ = 0;  // found by Finish
  // The file being followed, how far it was read, and its last bytes read.
  std::optional<FileId> file_id_;
  off_t file_offset_ = 0;
  std::string last_bytes_;

  TrialLogDigest digest_;
  std::vector<metrics::MetricLog> log_;
  size_t stored_ = 0;  // log_[0, stored_) is in the store
  // Where each record parsed since the last StartOver is in log_: ascending,
  // and all of log_ as long as the file was never read anew.
  std::vector<size_t> content_;
  // After a StartOver, the next record is taken to repeat log_[*repeat_next_]
  // while that is below repeat_end_ (log_'s size then); unset until the
  // content's first record shows where the repetition starts.
  std::optional<size_t> repeat_next_ = 0;
  size_t repeat_end_ = 0;
  size_t content_start_ = 0;  // where in log_ the content's first record is
};

}  // namespace hpsearch::runner
