// The durable record of experiments, trials and their observation logs: one
// SQLite file in WAL mode, shared by `hpsearch run` (the writer), `hpsearch
// trials` and `hpsearch db-manager` (readers, possibly other processes).
//
// Durability: every write method is one transaction. By default it is
// committed with synchronous=FULL (fsync) before it returns, so a kill -9 or
// a power loss at any moment keeps everything a method reported as done, and
// reopening finds a consistent store. Writes that are cheap to redo may ask
// for Durability::kProcessCrash instead: committed to the WAL without fsync,
// they survive a kill -9 of the process (the OS has them) but a power loss
// may drop them; it never corrupts the store, and the next kPowerLoss write
// (or Sync()) makes them durable too. After a power loss the store holds a
// prefix of the commits, in order: never a later one without an earlier one.
// Trials a killed engine left Running are still Running: the runner decides
// what to do with them (ListTrials shows them).
//
// Concurrency: one writer connection, serialised by a mutex, so an
// ObjectiveStore may be shared by threads; reads go through a pool of
// read-only connections and run in parallel with each other and with the
// writer (WAL snapshots: a reader sees whole batches or none of them).
// Other processes may open the same file at the same time.
//
// Schema: versioned with PRAGMA user_version and upgraded in place by a list
// of migration steps; a file written by a newer hpsearch is refused.
//
// Times are microseconds since the Unix epoch (Katib's DB keeps DATETIME(6)).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "metrics/metric_log.h"
#include "metrics/metric_strategy.h"

namespace hpsearch::metrics {

// The schema version this build writes; Open migrates older files to it.
inline constexpr int kStoreSchemaVersion = 2;

enum class Durability {
  kPowerLoss,     // fsync before returning
  kProcessCrash,  // handed to the OS: survives the process, not the machine
};

struct ExperimentRecord {
  std::string name;
  std::string spec;  // the experiment as started (YAML text)
  int64_t created_us = 0;
  std::string status;  // free text owned by the runner, e.g. "Running"

  bool operator==(const ExperimentRecord&) const = default;
};

enum class TrialStatus {
  kCreated,
  kRunning,
  kSucceeded,
  kFailed,
  kKilled,
  kEarlyStopped,
  kMetricsUnavailable
};

// Katib's condition names: "Created", "Running", ..., "MetricsUnavailable".
std::string_view TrialStatusName(TrialStatus status);
std::optional<TrialStatus> ParseTrialStatus(std::string_view name);

struct TrialRecord {
  std::string experiment;
  std::string name;
  // Parameter name -> value, as Katib's ParameterAssignment (stored as JSON).
  std::vector<std::pair<std::string, std::string>> assignments;
  TrialStatus status = TrialStatus::kCreated;
  std::string reason;
  std::string message;
  std::optional<int64_t> start_us, end_us;
  std::optional<int> exit_code;
  // The device it ran on as `hpsearch gpus` labels it: "0", or "0:3" for
  // MIG device 3 of GPU 0.
  std::optional<std::string> gpu_device;
  std::optional<int64_t> gpu_memory_budget_bytes, gpu_peak_memory_bytes;
  std::optional<double> gpu_mean_utilization;  // percent
  // The objective under its metric strategy: Katib's text and, when it is a
  // number, the number.
  std::optional<std::string> objective_value;
  std::optional<double> objective_numeric;

  bool operator==(const TrialRecord&) const = default;
};

// One stored observation. `time_us` is the timestamp truncated to
// microseconds; `numeric` is the value as a Go float when it is one.
struct StoredObservation {
  std::string trial;
  int64_t seq = 0;  // order of arrival within the trial, from 0
  int64_t time_us = 0;
  std::string metric;
  std::string value;
  std::optional<double> numeric;

  bool operator==(const StoredObservation&) const = default;
};

// Filters of a trial's log; empty/unset fields match everything. Times are
// inclusive, as in Katib's GetObservationLog.
struct ObservationQuery {
  std::string metric;
  std::optional<int64_t> start_us, end_us;
};

class ObjectiveStore {
 public:
  struct Options {
    // No writes; never creates or migrates the file. Works where this
    // process may not create files beside it (a read-only mount, another
    // user's results).
    bool read_only = false;
  };

  // Opens (creating when writable) the store at `path`. A read-only open of
  // a file whose writer has not committed its schema yet waits up to 2 s
  // for it. Errors: FAILED_PRECONDITION for a schema newer than
  // kStoreSchemaVersion or a read-only open of an unmigrated file;
  // UNAVAILABLE when that wait ends with no schema; PERMISSION_DENIED for a
  // writable open of a file this process may not write; UNAVAILABLE/INTERNAL
  // for SQLite errors, with the path and SQLite's message.
  static absl::StatusOr<std::unique_ptr<ObjectiveStore>> Open(const std::string& path,
                                                              Options options);
  static absl::StatusOr<std::unique_ptr<ObjectiveStore>> Open(const std::string& path) {
    return Open(path, Options{});
  }

  ~ObjectiveStore();
  ObjectiveStore(const ObjectiveStore&) = delete;
  ObjectiveStore& operator=(const ObjectiveStore&) = delete;

  const std::string& path() const;

  // Experiments. PutExperiment inserts or replaces by name.
  absl::Status PutExperiment(const ExperimentRecord& experiment);
  absl::StatusOr<std::optional<ExperimentRecord>> GetExperiment(std::string_view name);
  // Every experiment, in the order they were first stored.
  absl::StatusOr<std::vector<ExperimentRecord>> ListExperiments();
  absl::Status SetExperimentStatus(std::string_view name, std::string_view status);

  // Trials. PutTrial inserts or replaces by name (a state transition writes
  // the whole record); ListTrials returns them in creation order.
  absl::Status PutTrial(const TrialRecord& trial, Durability durability = Durability::kPowerLoss);
  // PutTrial for several trials in one transaction: all or none, and one
  // fsync for kPowerLoss (group commit).
  absl::Status PutTrials(std::span<const TrialRecord> trials,
                         Durability durability = Durability::kPowerLoss);
  absl::StatusOr<std::optional<TrialRecord>> GetTrial(std::string_view name);
  absl::StatusOr<std::vector<TrialRecord>> ListTrials(std::string_view experiment);
  // The trial with the best numeric objective; ties go to the earlier trial.
  absl::StatusOr<std::optional<TrialRecord>> BestTrial(std::string_view experiment,
                                                       ObjectiveDirection direction);

  // Observation logs, keyed by trial name alone as in Katib (a log may exist
  // for a trial this store has no record of). AppendObservations stores the
  // batch in one transaction, all or nothing; a timestamp that is not RFC
  // 3339 fails it with INVALID_ARGUMENT naming the entry.
  absl::Status AppendObservations(std::string_view trial, std::span<const MetricLog> batch,
                                  Durability durability = Durability::kPowerLoss);
  // Makes `log` the trial's whole log, in one transaction (a collector that
  // learns that what it stored is no longer what the trial reports).
  absl::Status ReplaceObservations(std::string_view trial, std::span<const MetricLog> log,
                                   Durability durability = Durability::kPowerLoss);
  // A trial's log ordered by time, then arrival.
  absl::StatusOr<std::vector<StoredObservation>> GetObservations(
      std::string_view trial, const ObservationQuery& query = {});
  // GetObservations one observation at a time, for logs too long to load:
  // hands each to `visit` as it is read, and keeps none.
  absl::Status ForEachObservation(std::string_view trial, const ObservationQuery& query,
                                  absl::FunctionRef<void(const StoredObservation&)> visit);
  // Every observation of `metric` across the experiment's trials, by trial
  // creation order, then time, then arrival.
  absl::StatusOr<std::vector<StoredObservation>> MetricHistory(std::string_view experiment,
                                                               std::string_view metric);
  absl::Status DeleteObservations(std::string_view trial);

  // Makes every write committed before the call durable against power loss,
  // as if each had asked for kPowerLoss: one fsync of the write-ahead log,
  // where SQLite keeps committed transactions until it checkpoints them
  // into the database file (and it syncs that file when it does). It takes
  // no lock, so it may run on another thread while writes go on; those it
  // overlaps may or may not be covered. Lets a caller commit with
  // kProcessCrash, carry on, and pay the disk's latency once for a group.
  absl::Status Sync();

  // Deferred commits, for a writer that makes many small writes and can say
  // when they belong together (the runner: everything of one loop turn).
  // From DeferCommits on, write methods no longer commit each: they join one
  // transaction, begun by the first of them, that Commit() commits as
  // kProcessCrash (Sync() makes it durable). Until then no reader sees them,
  // and closing the store drops them, as a kill -9 would. The transaction
  // is all or nothing: a write that fails once begun (SQLite's error, or a
  // record it finds missing) rolls back the ones before it, and every write
  // after it, then Commit(), returns its failure (after which writes begin a
  // new transaction). A write refused on its arguments before it begins
  // (INVALID_ARGUMENT: a bad timestamp) changes nothing.
  // The store's own reads, like every reader's, see only what is committed.
  void DeferCommits();
  // Commits the pending writes (none: OK); their failure if one failed.
  absl::Status Commit();

 private:
  class Impl;
  explicit ObjectiveStore(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace hpsearch::metrics
