#include "metrics/objective_store.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <map>
#include <mutex>
#include <thread>
#include <utility>

#include "fmt/format.h"
#include "metrics/go_float.h"
#include "metrics/internal/sqlite.h"
#include "metrics/katib_time.h"
#include "nlohmann/json.hpp"

namespace hpsearch::metrics {
namespace {

using internal::Connection;
using internal::Statement;

// Migration step i takes the schema from version i to i + 1. Append only:
// released steps never change, so any older file can be brought up to date.
constexpr std::string_view kMigrations[] = {
    // 0 -> 1: experiments, trials, observation logs.
    R"sql(
      CREATE TABLE experiments (
        name TEXT PRIMARY KEY,
        spec TEXT NOT NULL,
        created_us INTEGER NOT NULL,
        status TEXT NOT NULL);
      CREATE TABLE trials (
        name TEXT NOT NULL UNIQUE,
        experiment TEXT NOT NULL,
        assignments TEXT NOT NULL,
        status TEXT NOT NULL,
        reason TEXT NOT NULL,
        message TEXT NOT NULL,
        start_us INTEGER,
        end_us INTEGER,
        exit_code INTEGER,
        objective_value TEXT,
        objective_numeric REAL);
      CREATE INDEX trials_by_experiment ON trials (experiment);
      CREATE TABLE observation_logs (
        trial_name TEXT NOT NULL,
        seq INTEGER NOT NULL,
        time_us INTEGER NOT NULL,
        metric_name TEXT NOT NULL,
        value TEXT NOT NULL,
        numeric REAL,
        PRIMARY KEY (trial_name, seq)) WITHOUT ROWID;
      -- No index on time: a trial's rows are found by the key prefix and
      -- sorted in memory, and a second index would halve the ingest rate.
    )sql",
    // 1 -> 2: GPU accounting per trial.
    R"sql(
      -- A device label: "0" is stored as the integer, "0:3" as text.
      ALTER TABLE trials ADD COLUMN gpu_device INTEGER;
      ALTER TABLE trials ADD COLUMN gpu_memory_budget_bytes INTEGER;
      ALTER TABLE trials ADD COLUMN gpu_peak_memory_bytes INTEGER;
      ALTER TABLE trials ADD COLUMN gpu_mean_utilization REAL;
    )sql",
};
static_assert(std::size(kMigrations) == kStoreSchemaVersion);

constexpr std::string_view kTrialColumns =
    "experiment, name, assignments, status, reason, message, start_us, end_us, exit_code, "
    "gpu_device, gpu_memory_budget_bytes, gpu_peak_memory_bytes, gpu_mean_utilization, "
    "objective_value, objective_numeric";

constexpr std::string_view kObservationColumns =
    "trial_name, seq, time_us, metric_name, value, numeric";

constexpr std::string_view kTrialStatusNames[] = {
    "Created", "Running", "Succeeded", "Failed", "Killed", "EarlyStopped", "MetricsUnavailable"};

std::string AssignmentsToJson(const std::vector<std::pair<std::string, std::string>>& assignments) {
  nlohmann::json array = nlohmann::json::array();
  for (const auto& [name, value] : assignments) array.push_back({{"name", name}, {"value", value}});
  return array.dump();
}

absl::StatusOr<std::vector<std::pair<std::string, std::string>>> AssignmentsFromJson(
    const std::string& text, std::string_view trial) {
  std::vector<std::pair<std::string, std::string>> assignments;
  try {
    for (const auto& item : nlohmann::json::parse(text)) {
      assignments.emplace_back(item.at("name").get<std::string>(),
                               item.at("value").get<std::string>());
    }
  } catch (const nlohmann::json::exception& e) {
    return absl::DataLossError(
        fmt::format("trial {}: stored assignments are corrupt: {}", trial, e.what()));
  }
  return assignments;
}

ExperimentRecord ReadExperiment(const Statement& row) {
  return ExperimentRecord{row.Text(0), row.Text(1), row.Int64(2), row.Text(3)};
}

absl::StatusOr<TrialRecord> ReadTrial(const Statement& row) {
  TrialRecord trial;
  trial.experiment = row.Text(0);
  trial.name = row.Text(1);
  auto assignments = AssignmentsFromJson(row.Text(2), trial.name);
  if (!assignments.ok()) return assignments.status();
  trial.assignments = *std::move(assignments);
  const auto status = ParseTrialStatus(row.Text(3));
  if (!status) {
    return absl::DataLossError(
        fmt::format("trial {}: unknown status \"{}\"", trial.name, row.Text(3)));
  }
  trial.status = *status;
  trial.reason = row.Text(4);
  trial.message = row.Text(5);
  trial.start_us = row.OptionalInt64(6);
  trial.end_us = row.OptionalInt64(7);
  trial.exit_code = row.OptionalInt64(8);
  trial.gpu_device = row.OptionalText(9);
  trial.gpu_memory_budget_bytes = row.OptionalInt64(10);
  trial.gpu_peak_memory_bytes = row.OptionalInt64(11);
  trial.gpu_mean_utilization = row.OptionalDouble(12);
  trial.objective_value = row.OptionalText(13);
  trial.objective_numeric = row.OptionalDouble(14);
  return trial;
}

StoredObservation ReadObservation(const Statement& row) {
  return {row.Text(0), row.Int64(1), row.Int64(2), row.Text(3), row.Text(4), row.OptionalDouble(5)};
}

// Calls `visit` with each row of `stmt`, stopping at the first error.
absl::Status ForEachRow(Statement& stmt, absl::FunctionRef<absl::Status(const Statement&)> visit) {
  while (true) {
    absl::StatusOr<bool> row = stmt.Step();
    if (!row.ok()) return row.status();
    if (!*row) return absl::OkStatus();
    if (absl::Status status = visit(stmt); !status.ok()) return status;
  }
}

// Collects every row of `stmt` through `read`.
template <typename T, typename Read>
absl::StatusOr<std::vector<T>> ReadAll(Statement& stmt, Read read) {
  std::vector<T> rows;
  absl::Status status = ForEachRow(stmt, [&](const Statement& row) -> absl::Status {
    if constexpr (std::is_same_v<decltype(read(row)), T>) {
      rows.push_back(read(row));
    } else {
      auto value = read(row);
      if (!value.ok()) return value.status();
      rows.push_back(*std::move(value));
    }
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return rows;
}

#define HPSEARCH_RETURN_IF_ERROR(expr)          \
  do {                                          \
    if (absl::Status _st = (expr); !_st.ok()) { \
      return _st;                               \
    }                                           \
  } while (0)

// Each entry's time in microseconds; INVALID_ARGUMENT naming the first
// whose timestamp is not RFC 3339.
absl::StatusOr<std::vector<int64_t>> ObservationTimes(std::string_view trial,
                                                      std::span<const MetricLog> batch) {
  std::vector<int64_t> times;
  times.reserve(batch.size());
  for (size_t i = 0; i < batch.size(); ++i) {
    const auto time = ParseRfc3339(batch[i].timestamp);
    if (!time) {
      return absl::InvalidArgumentError(
          fmt::format("observation {} of trial \"{}\": timestamp \"{}\" is not RFC 3339", i, trial,
                      batch[i].timestamp));
    }
    times.push_back(time->micros());
  }
  return times;
}

absl::Status Migrate(Connection& db) {
  HPSEARCH_RETURN_IF_ERROR(db.Exec("BEGIN IMMEDIATE"));
  auto rollback_on_error = [&](absl::Status status) {
    if (!status.ok()) (void)db.Exec("ROLLBACK");
    return status;
  };
  absl::StatusOr<int64_t> version = db.QueryInt("PRAGMA user_version");
  if (!version.ok()) return rollback_on_error(version.status());
  if (*version > kStoreSchemaVersion) {
    return rollback_on_error(
        absl::FailedPreconditionError(fmt::format("{}: store schema version {} is newer than this "
                                                  "hpsearch supports ({}); use a newer hpsearch",
                                                  db.path(), *version, kStoreSchemaVersion)));
  }
  for (int64_t step = *version; step < kStoreSchemaVersion; ++step) {
    HPSEARCH_RETURN_IF_ERROR(rollback_on_error(db.Exec(kMigrations[step])));
  }
  HPSEARCH_RETURN_IF_ERROR(
      rollback_on_error(db.Exec(fmt::format("PRAGMA user_version = {}", kStoreSchemaVersion))));
  return rollback_on_error(db.Exec("COMMIT"));
}

// The write-ahead log of a store in WAL mode (SQLite creates it with the
// first transaction), opened for Sync(), its directory entry made durable.
absl::StatusOr<int> OpenDurableWal(const std::string& store, const std::string& wal_path) {
  int fd = open(wal_path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    return absl::UnavailableError(
        fmt::format("{}: cannot open its write-ahead log {}: {}", store, wal_path, std::strerror(errno)));
  }
  std::string dir = std::filesystem::path(wal_path).parent_path().string();
  int dir_fd = open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  int error = dir_fd < 0 || fsync(dir_fd) != 0 ? errno : 0;
  if (dir_fd >= 0) close(dir_fd);
  // EINVAL: a file system that cannot sync directories, and need not.
  if (error != 0 && error != EINVAL) {
    close(fd);
    return absl::UnavailableError(
        fmt::format("{}: cannot sync directory {}: {}", store, dir, std::strerror(error)));
  }
  return fd;
}

// 0 when this process may write `path` (a file, or a folder to create files
// in), else the errno the kernel gives: its check, so root, read-only mounts
// and ACLs count as they do for a write.
int WriteError(const std::string& path) {
  return faccessat(AT_FDCWD, path.c_str(), W_OK, AT_EACCESS) == 0 ? 0 : errno;
}

// A read-only connection, and whether it reads the file as immutable.
struct Reader {
  Connection db;
  bool immutable = false;
};

// SQLite reads a file in WAL mode only with its -wal and -shm files beside
// it (the log and the log's index), creating them when they are missing. A
// store whose last connection closed cleanly has neither (that connection
// copies the log into the file and deletes both), so where this process
// cannot create files (a read-only mount, another user's folder) SQLite
// cannot read it at all. Then nothing is writing it: a writer keeps both
// files while it has the store open, and neither exists. The file alone holds
// every commit and nothing changes it, so it may be read as immutable: no
// locks, no -wal or -shm.
//
// A writer starting later (one that may write there) commits to its new log
// only; the file changes when it copies the log back, after ~4 MB of log or
// when it closes. So each read opens afresh, never pooled (an immutable
// connection trusts its cached pages for good), and one that finds the
// files reads SQLite's usual way, the log included. Only a read begun before
// a writer started and still going when it first copied its log could see
// the file change under it.
absl::StatusOr<Reader> OpenReader(const std::string& path) {
  absl::StatusOr<Connection> db = Connection::Open(path, SQLITE_OPEN_READONLY);
  if (!db.ok()) return db.status();
  // SQLite opens the -wal and -shm files at the first read.
  absl::Status status = db->QueryInt("PRAGMA user_version").status();
  if (status.ok()) return Reader{.db = *std::move(db), .immutable = false};
  // Beside the file that symbolic links lead to, as SQLite names them.
  const std::string wal = db->WalPath();
  const std::string shm = wal.substr(0, wal.size() - 3) + "shm";
  auto exists = [](const std::string& file) {
    std::error_code error;
    return std::filesystem::exists(file, error) || error;  // in doubt, it does
  };
  if (exists(wal) || exists(shm) || WriteError(std::filesystem::path(wal).parent_path().string()) == 0) {
    return status;
  }
  absl::StatusOr<Connection> immutable = Connection::OpenImmutable(path);
  if (!immutable.ok()) return immutable.status();
  return Reader{.db = *std::move(immutable), .immutable = true};
}

}  // namespace

std::string_view TrialStatusName(TrialStatus status) {
  return kTrialStatusNames[static_cast<int>(status)];
}

std::optional<TrialStatus> ParseTrialStatus(std::string_view name) {
  for (size_t i = 0; i < std::size(kTrialStatusNames); ++i) {
    if (kTrialStatusNames[i] == name) return static_cast<TrialStatus>(i);
  }
  return std::nullopt;
}

class ObjectiveStore::Impl {
 public:
  // `wal_fd`: the writer's write-ahead log, open for Sync(); -1 read-only.
  Impl(std::string path, std::optional<Connection> writer, int wal_fd)
      : path_(std::move(path)), wal_fd_(wal_fd), writer_(std::move(writer)) {}
  ~Impl() {
    if (wal_fd_ >= 0) close(wal_fd_);
  }
  Impl(const Impl&) = delete;
  Impl& operator=(const Impl&) = delete;

  const std::string& path() const { return path_; }

  // The writer's statement for `sql`, prepared once and kept: a hot write
  // (a trial's state, a batch of observations, a transaction's BEGIN and
  // COMMIT) then costs no SQL parsing. Only under write_mutex_; the
  // statement comes back reset.
  absl::StatusOr<Statement*> Prepared(Connection& db, std::string_view sql) {
    auto it = prepared_.find(sql);
    if (it == prepared_.end()) {
      absl::StatusOr<Statement> stmt = db.Prepare(sql);
      if (!stmt.ok()) return stmt.status();
      it = prepared_.emplace(std::string(sql), *std::move(stmt)).first;
    }
    return &it->second;
  }

  // Appends `batch` to the trial's log, each entry at its time in `times`
  // (microseconds). Only inside Write().
  absl::Status InsertObservations(Connection& db, std::string_view trial,
                                  std::span<const MetricLog> batch,
                                  std::span<const int64_t> times) {
    absl::StatusOr<Statement*> next_seq =
        Prepared(db, "SELECT COALESCE(MAX(seq) + 1, 0) FROM observation_logs WHERE trial_name = ?");
    if (!next_seq.ok()) return next_seq.status();
    (*next_seq)->Bind(1, trial);
    absl::StatusOr<bool> row = (*next_seq)->Step();
    int64_t seq = row.ok() ? (*next_seq)->Int64(0) : 0;
    (*next_seq)->Reset();
    if (!row.ok()) return row.status();
    static const std::string kInsert = fmt::format(
        "INSERT INTO observation_logs ({}) VALUES (?, ?, ?, ?, ?, ?)", kObservationColumns);
    absl::StatusOr<Statement*> insert = Prepared(db, kInsert);
    if (!insert.ok()) return insert.status();
    for (size_t i = 0; i < batch.size(); ++i) {
      Statement& observation = **insert;
      observation.Bind(1, trial);
      observation.Bind(2, seq++);
      observation.Bind(3, times[i]);
      observation.Bind(4, batch[i].name);
      observation.Bind(5, batch[i].value);
      observation.Bind(6, ParseGoFloat(batch[i].value));
      HPSEARCH_RETURN_IF_ERROR(observation.Run());
    }
    return absl::OkStatus();
  }

  // Only inside Write().
  absl::Status DeleteObservations(Connection& db, std::string_view trial) {
    absl::StatusOr<Statement*> remove =
        Prepared(db, "DELETE FROM observation_logs WHERE trial_name = ?");
    if (!remove.ok()) return remove.status();
    (*remove)->Bind(1, trial);
    return (*remove)->Run();
  }

  absl::Status Sync() {
    if (!writer_)
      return absl::FailedPreconditionError(fmt::format("{}: store opened read-only", path_));
    // What synchronous=FULL does at each commit, once for all commits so far.
    if (fdatasync(wal_fd_) != 0) {
      return absl::UnavailableError(
          fmt::format("{}: cannot sync its write-ahead log: {}", path_, std::strerror(errno)));
    }
    return absl::OkStatus();
  }

  // Runs `body(writer)` inside one IMMEDIATE transaction, rolling back when
  // it fails, committed with the given durability; with deferred commits,
  // inside the pending transaction instead, and left uncommitted.
  template <typename Body>
  absl::Status Write(Body&& body, Durability durability = Durability::kPowerLoss) {
    if (!writer_)
      return absl::FailedPreconditionError(fmt::format("{}: store opened read-only", path_));
    std::lock_guard lock(write_mutex_);
    if (deferred_) return WritePending(body);
    HPSEARCH_RETURN_IF_ERROR(SetDurability(durability));
    HPSEARCH_RETURN_IF_ERROR(Transaction("BEGIN IMMEDIATE"));
    absl::Status status = body(*writer_);
    if (status.ok()) status = Transaction("COMMIT");
    if (!status.ok()) (void)Transaction("ROLLBACK");
    return status;
  }

  void DeferCommits() {
    std::lock_guard lock(write_mutex_);
    deferred_ = true;
  }

  absl::Status Commit() {
    if (!writer_)
      return absl::FailedPreconditionError(fmt::format("{}: store opened read-only", path_));
    std::lock_guard lock(write_mutex_);
    absl::Status status = std::exchange(pending_failure_, absl::OkStatus());
    if (!pending_) return status;
    pending_ = false;
    status = Transaction("COMMIT");
    if (!status.ok()) (void)Transaction("ROLLBACK");
    return status;
  }

  // Runs `body(reader)` on a pooled read-only connection, or on a fresh
  // immutable one where OpenReader needs it.
  template <typename Body>
  auto Read(Body&& body) -> decltype(body(std::declval<Connection&>())) {
    absl::StatusOr<Reader> reader = AcquireReader();
    if (!reader.ok()) return reader.status();
    auto result = body(reader->db);
    if (reader->immutable) return result;  // see OpenReader
    std::lock_guard lock(reader_mutex_);
    idle_readers_.push_back(std::move(reader->db));
    return result;
  }

 private:
  absl::StatusOr<Reader> AcquireReader() {
    {
      std::lock_guard lock(reader_mutex_);
      if (!idle_readers_.empty()) {
        Connection reader = std::move(idle_readers_.back());
        idle_readers_.pop_back();
        return Reader{.db = std::move(reader), .immutable = false};
      }
    }
    return OpenReader(path_);
  }

  // BEGIN, COMMIT or ROLLBACK on the writer, under write_mutex_.
  absl::Status Transaction(std::string_view sql) {
    absl::StatusOr<Statement*> statement = Prepared(*writer_, sql);
    if (!statement.ok()) return statement.status();
    return (*statement)->Run();
  }

  // Under write_mutex_.
  absl::Status SetDurability(Durability durability) {
    if (durability == durability_) return absl::OkStatus();
    // In WAL mode NORMAL commits without fsync; FULL syncs the WAL, and with
    // it every commit before.
    HPSEARCH_RETURN_IF_ERROR(writer_->Exec(durability == Durability::kPowerLoss ? "PRAGMA synchronous = FULL"
                                                                                : "PRAGMA synchronous = NORMAL"));
    durability_ = durability;
    return absl::OkStatus();
  }

  // Write() with deferred commits, under write_mutex_: the pending
  // transaction is all or nothing, so a write that fails rolls back the
  // writes before it too, and the writes after it fail until Commit().
  template <typename Body>
  absl::Status WritePending(Body&& body) {
    if (!pending_failure_.ok()) return pending_failure_;
    absl::Status status = absl::OkStatus();
    if (!pending_) {
      status = SetDurability(Durability::kProcessCrash);
      if (status.ok()) status = Transaction("BEGIN IMMEDIATE");
      pending_ = status.ok();
    }
    if (status.ok()) status = body(*writer_);
    if (status.ok()) return status;
    if (pending_) (void)Transaction("ROLLBACK");
    pending_ = false;
    pending_failure_ = status;
    return status;
  }

  const std::string path_;
  // Held from Open on, so that making commits durable never needs a new
  // descriptor: trials may have taken the last one.
  const int wal_fd_;
  std::mutex write_mutex_;
  std::optional<Connection> writer_;
  // The writer's, under write_mutex_; finalized before the writer closes.
  std::map<std::string, Statement, std::less<>> prepared_;
  Durability durability_ = Durability::kPowerLoss;  // the writer's synchronous setting
  // Deferred commits (all under write_mutex_): whether they are on, whether
  // the pending transaction is open, and the failure that rolled it back.
  bool deferred_ = false;
  bool pending_ = false;
  absl::Status pending_failure_;
  std::mutex reader_mutex_;
  std::vector<Connection> idle_readers_;
};

ObjectiveStore::ObjectiveStore(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
ObjectiveStore::~ObjectiveStore() = default;

const std::string& ObjectiveStore::path() const { return impl_->path(); }

absl::StatusOr<std::unique_ptr<ObjectiveStore>> ObjectiveStore::Open(const std::string& path,
                                                                     Options options) {
  if (options.read_only) {
    // A writer creates the file, then its schema in one transaction: version
    // 0 is a store still being created (released stores start at 1), worth
    // a moment's wait.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
    absl::StatusOr<int64_t> version = 0;
    while (true) {
      absl::StatusOr<Reader> reader = OpenReader(path);
      if (!reader.ok()) return reader.status();
      version = reader->db.QueryInt("PRAGMA user_version");
      if (!version.ok()) return version.status();
      if (*version != 0) break;
      if (std::chrono::steady_clock::now() >= deadline) {
        return absl::UnavailableError(fmt::format("{}: no store schema yet: its writer is still creating it "
                                                  "(try again), or stopped before it could",
                                                  path));
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    if (*version != kStoreSchemaVersion) {
      return absl::FailedPreconditionError(
          fmt::format("{}: store schema version {}, this hpsearch reads version {}{}", path,
                      *version, kStoreSchemaVersion,
                      *version < kStoreSchemaVersion ? " (open it writable once to migrate it)"
                                                     : " (use a newer hpsearch)"));
    }
    return std::unique_ptr<ObjectiveStore>(
        new ObjectiveStore(std::make_unique<Impl>(path, std::nullopt, -1)));
  }
  absl::StatusOr<Connection> db =
      Connection::Open(path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
  if (!db.ok()) return db.status();
  // SQLite reads a file it may not write, and says so only at the first
  // write ("attempt to write a readonly database"): say why now.
  if (db->ReadOnly()) {
    const int error = WriteError(path);
    return absl::PermissionDeniedError(
        fmt::format("{}: cannot write it: {}", path, error != 0 ? std::strerror(error) : "opened read-only"));
  }
  // WAL lets readers (other processes too) run beside the writer; FULL syncs
  // the log at every commit so a committed transaction survives power loss.
  {
    absl::StatusOr<Statement> wal = db->Prepare("PRAGMA journal_mode = WAL");
    if (!wal.ok()) return wal.status();
    absl::StatusOr<bool> row = wal->Step();
    if (!row.ok()) return row.status();
    if (!*row || wal->Text(0) != "wal") {
      return absl::FailedPreconditionError(
          fmt::format("{}: cannot switch the store to WAL mode", path));
    }
  }
  HPSEARCH_RETURN_IF_ERROR(db->Exec("PRAGMA synchronous = FULL"));
  HPSEARCH_RETURN_IF_ERROR(Migrate(*db));
  absl::StatusOr<int> wal_fd = OpenDurableWal(path, db->WalPath());
  if (!wal_fd.ok()) return wal_fd.status();
  return std::unique_ptr<ObjectiveStore>(
      new ObjectiveStore(std::make_unique<Impl>(path, *std::move(db), *wal_fd)));
}

absl::Status ObjectiveStore::PutExperiment(const ExperimentRecord& experiment) {
  return impl_->Write([&](Connection& db) -> absl::Status {
    absl::StatusOr<Statement> stmt = db.Prepare(
        "INSERT INTO experiments (name, spec, created_us, status) VALUES (?, ?, ?, ?) "
        "ON CONFLICT (name) DO UPDATE SET spec = excluded.spec, created_us = excluded.created_us, "
        "status = excluded.status");
    if (!stmt.ok()) return stmt.status();
    stmt->Bind(1, experiment.name);
    stmt->Bind(2, experiment.spec);
    stmt->Bind(3, experiment.created_us);
    stmt->Bind(4, experiment.status);
    return stmt->Run();
  });
}

absl::StatusOr<std::optional<ExperimentRecord>> ObjectiveStore::GetExperiment(
    std::string_view name) {
  return impl_->Read([&](Connection& db) -> absl::StatusOr<std::optional<ExperimentRecord>> {
    absl::StatusOr<Statement> stmt =
        db.Prepare("SELECT name, spec, created_us, status FROM experiments WHERE name = ?");
    if (!stmt.ok()) return stmt.status();
    stmt->Bind(1, name);
    auto experiments = ReadAll<ExperimentRecord>(*stmt, ReadExperiment);
    if (!experiments.ok()) return experiments.status();
    if (experiments->empty()) return std::nullopt;
    return std::move(experiments->front());
  });
}

absl::StatusOr<std::vector<ExperimentRecord>> ObjectiveStore::ListExperiments() {
  return impl_->Read([&](Connection& db) -> absl::StatusOr<std::vector<ExperimentRecord>> {
    absl::StatusOr<Statement> stmt =
        db.Prepare("SELECT name, spec, created_us, status FROM experiments ORDER BY rowid");
    if (!stmt.ok()) return stmt.status();
    return ReadAll<ExperimentRecord>(*stmt, ReadExperiment);
  });
}

absl::Status ObjectiveStore::SetExperimentStatus(std::string_view name, std::string_view status) {
  return impl_->Write([&](Connection& db) -> absl::Status {
    absl::StatusOr<Statement> stmt = db.Prepare("UPDATE experiments SET status = ? WHERE name = ?");
    if (!stmt.ok()) return stmt.status();
    stmt->Bind(1, status);
    stmt->Bind(2, name);
    HPSEARCH_RETURN_IF_ERROR(stmt->Run());
    absl::StatusOr<int64_t> changed = db.QueryInt("SELECT changes()");
    if (!changed.ok()) return changed.status();
    if (*changed == 0) return absl::NotFoundError(fmt::format("no experiment named \"{}\"", name));
    return absl::OkStatus();
  });
}

absl::Status ObjectiveStore::PutTrial(const TrialRecord& trial, Durability durability) {
  return PutTrials(std::span<const TrialRecord>(&trial, 1), durability);
}

absl::Status ObjectiveStore::PutTrials(std::span<const TrialRecord> trials, Durability durability) {
  static const std::string kUpsert = fmt::format(
      "INSERT INTO trials ({}{}", kTrialColumns,
      ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (name) DO UPDATE SET "
      "experiment = excluded.experiment, assignments = excluded.assignments, "
      "status = excluded.status, reason = excluded.reason, message = excluded.message, "
      "start_us = excluded.start_us, end_us = excluded.end_us, exit_code = excluded.exit_code, "
      "gpu_device = excluded.gpu_device, "
      "gpu_memory_budget_bytes = excluded.gpu_memory_budget_bytes, "
      "gpu_peak_memory_bytes = excluded.gpu_peak_memory_bytes, "
      "gpu_mean_utilization = excluded.gpu_mean_utilization, "
      "objective_value = excluded.objective_value, "
      "objective_numeric = excluded.objective_numeric");
  if (trials.empty()) return absl::OkStatus();
  return impl_->Write([&](Connection& db) -> absl::Status {
    absl::StatusOr<Statement*> stmt = impl_->Prepared(db, kUpsert);
    if (!stmt.ok()) return stmt.status();
    auto as_int64 = [](const std::optional<int>& v) {
      return v ? std::optional<int64_t>(*v) : std::nullopt;
    };
    for (const TrialRecord& trial : trials) {
      Statement& upsert = **stmt;
      upsert.Bind(1, trial.experiment);
      upsert.Bind(2, trial.name);
      upsert.Bind(3, AssignmentsToJson(trial.assignments));
      upsert.Bind(4, TrialStatusName(trial.status));
      upsert.Bind(5, trial.reason);
      upsert.Bind(6, trial.message);
      upsert.Bind(7, trial.start_us);
      upsert.Bind(8, trial.end_us);
      upsert.Bind(9, as_int64(trial.exit_code));
      upsert.Bind(10, trial.gpu_device);
      upsert.Bind(11, trial.gpu_memory_budget_bytes);
      upsert.Bind(12, trial.gpu_peak_memory_bytes);
      upsert.Bind(13, trial.gpu_mean_utilization);
      upsert.Bind(14, trial.objective_value);
      upsert.Bind(15, trial.objective_numeric);
      HPSEARCH_RETURN_IF_ERROR(upsert.Run());
    }
    return absl::OkStatus();
  }, durability);
}

absl::StatusOr<std::optional<TrialRecord>> ObjectiveStore::GetTrial(std::string_view name) {
  return impl_->Read([&](Connection& db) -> absl::StatusOr<std::optional<TrialRecord>> {
    absl::StatusOr<Statement> stmt =
        db.Prepare(fmt::format("SELECT {} FROM trials WHERE name = ?", kTrialColumns));
    if (!stmt.ok()) return stmt.status();
    stmt->Bind(1, name);
    auto trials = ReadAll<TrialRecord>(*stmt, ReadTrial);
    if (!trials.ok()) return trials.status();
    if (trials->empty()) return std::nullopt;
    return std::move(trials->front());
  });
}

absl::StatusOr<std::vector<TrialRecord>> ObjectiveStore::ListTrials(std::string_view experiment) {
  return impl_->Read([&](Connection& db) -> absl::StatusOr<std::vector<TrialRecord>> {
    absl::StatusOr<Statement> stmt = db.Prepare(
        fmt::format("SELECT {} FROM trials WHERE experiment = ? ORDER BY rowid", kTrialColumns));
    if (!stmt.ok()) return stmt.status();
    stmt->Bind(1, experiment);
    return ReadAll<TrialRecord>(*stmt, ReadTrial);
  });
}

absl::StatusOr<std::optional<TrialRecord>> ObjectiveStore::BestTrial(std::string_view experiment,
                                                                     ObjectiveDirection direction) {
  return impl_->Read([&](Connection& db) -> absl::StatusOr<std::optional<TrialRecord>> {
    absl::StatusOr<Statement> stmt = db.Prepare(
        fmt::format("SELECT {} FROM trials WHERE experiment = ? AND objective_numeric IS NOT NULL "
                    "ORDER BY objective_numeric {}, rowid LIMIT 1",
                    kTrialColumns, direction == ObjectiveDirection::kMinimize ? "ASC" : "DESC"));
    if (!stmt.ok()) return stmt.status();
    stmt->Bind(1, experiment);
    auto trials = ReadAll<TrialRecord>(*stmt, ReadTrial);
    if (!trials.ok()) return trials.status();
    if (trials->empty()) return std::nullopt;
    return std::move(trials->front());
  });
}

absl::Status ObjectiveStore::AppendObservations(std::string_view trial,
                                                std::span<const MetricLog> batch,
                                                Durability durability) {
  absl::StatusOr<std::vector<int64_t>> times = ObservationTimes(trial, batch);
  if (!times.ok()) return times.status();
  return impl_->Write(
      [&](Connection& db) { return impl_->InsertObservations(db, trial, batch, *times); },
      durability);
}

absl::Status ObjectiveStore::ReplaceObservations(std::string_view trial,
                                                 std::span<const MetricLog> log,
                                                 Durability durability) {
  absl::StatusOr<std::vector<int64_t>> times = ObservationTimes(trial, log);
  if (!times.ok()) return times.status();
  return impl_->Write([&](Connection& db) -> absl::Status {
    HPSEARCH_RETURN_IF_ERROR(impl_->DeleteObservations(db, trial));
    return impl_->InsertObservations(db, trial, log, *times);
  }, durability);
}

absl::StatusOr<std::vector<StoredObservation>> ObjectiveStore::GetObservations(
    std::string_view trial, const ObservationQuery& query) {
  std::vector<StoredObservation> log;
  HPSEARCH_RETURN_IF_ERROR(ForEachObservation(
      trial, query, [&](const StoredObservation& observation) { log.push_back(observation); }));
  return log;
}

absl::Status ObjectiveStore::ForEachObservation(
    std::string_view trial, const ObservationQuery& query,
    absl::FunctionRef<void(const StoredObservation&)> visit) {
  return impl_->Read([&](Connection& db) -> absl::Status {
    absl::StatusOr<Statement> stmt = db.Prepare(fmt::format(
        "SELECT {}{}", kObservationColumns,
        " FROM observation_logs WHERE trial_name = ?1 AND (?2 = '' OR metric_name = ?2) "
        "AND (?3 IS NULL OR time_us >= ?3) AND (?4 IS NULL OR time_us <= ?4) ORDER BY time_us, "
        "seq"));
    if (!stmt.ok()) return stmt.status();
    stmt->Bind(1, trial);
    stmt->Bind(2, query.metric);
    stmt->Bind(3, query.start_us);
    stmt->Bind(4, query.end_us);
    return ForEachRow(*stmt, [&](const Statement& row) {
      visit(ReadObservation(row));
      return absl::OkStatus();
    });
  });
}

absl::StatusOr<std::vector<StoredObservation>> ObjectiveStore::MetricHistory(
    std::string_view experiment, std::string_view metric) {
  return impl_->Read([&](Connection& db) -> absl::StatusOr<std::vector<StoredObservation>> {
    absl::StatusOr<Statement> stmt = db.Prepare(
        "SELECT o.trial_name, o.seq, o.time_us, o.metric_name, o.value, o.numeric "
        "FROM observation_logs o JOIN trials t ON t.name = o.trial_name "
        "WHERE t.experiment = ? AND o.metric_name = ? ORDER BY t.rowid, o.time_us, o.seq");
    if (!stmt.ok()) return stmt.status();
    stmt->Bind(1, experiment);
    stmt->Bind(2, metric);
    return ReadAll<StoredObservation>(*stmt, ReadObservation);
  });
}

absl::Status ObjectiveStore::Sync() { return impl_->Sync(); }

void ObjectiveStore::DeferCommits() { impl_->DeferCommits(); }

absl::Status ObjectiveStore::Commit() { return impl_->Commit(); }

absl::Status ObjectiveStore::DeleteObservations(std::string_view trial) {
  return impl_->Write([&](Connection& db) { return impl_->DeleteObservations(db, trial); });
}

}  // namespace hpsearch::metrics
