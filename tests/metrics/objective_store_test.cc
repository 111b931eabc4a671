#include "metrics/objective_store.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <grp.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <thread>

namespace hpsearch::metrics {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

// A fresh store path in a per-test temporary directory.
class ObjectiveStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = std::filesystem::temp_directory_path() /
           (std::string("hpsearch_store_") + info->name() + "_" + std::to_string(getpid()));
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    path_ = (dir_ / "store.db").string();
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::unique_ptr<ObjectiveStore> OpenStore(ObjectiveStore::Options options = {}) {
    auto store = ObjectiveStore::Open(path_, options);
    EXPECT_TRUE(store.ok()) << store.status();
    return store.ok() ? *std::move(store) : nullptr;
  }

  // Runs raw SQL on the file, outside the store.
  void RawSql(const std::string& sql) {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(path_.c_str(), &db), SQLITE_OK);
    char* error = nullptr;
    EXPECT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &error), SQLITE_OK) << error;
    sqlite3_free(error);
    sqlite3_close(db);
  }

  std::filesystem::path dir_;
  std::string path_;
};

// Runs `reader` in a child process that may not create files in `dir`, as
// someone reading another user's results: as root the child becomes nobody
// (`dir` and its files are root's, others may read them); otherwise `dir`
// is read-only while the child runs. `beside` runs in this process
// meanwhile. Returns what `reader` returns, or nullopt where no process can
// become another user. Open no store across the fork: SQLite's state would
// go with it.
std::optional<std::string> ReadWithoutWriteAccess(const std::filesystem::path& dir,
                                                  const std::function<std::string()>& reader,
                                                  const std::function<void()>& beside = [] {}) {
  namespace fs = std::filesystem;
  const bool root = geteuid() == 0;
  for (const auto& entry : fs::directory_iterator(dir)) {
    fs::permissions(entry.path(), fs::perms::group_read | fs::perms::others_read, fs::perm_options::add);
  }
  const fs::perms shared = fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                           fs::perms::others_read | fs::perms::others_exec;
  fs::permissions(dir, root ? shared : shared & ~fs::perms::owner_write);
  int result[2];
  if (pipe(result) != 0) return "pipe: " + std::string(std::strerror(errno));
  const pid_t child = fork();
  if (child == 0) {
    close(result[0]);
    constexpr uid_t kNobody = 65534;
    if (root && (setgroups(0, nullptr) != 0 || setresgid(kNobody, kNobody, kNobody) != 0 ||
                 setresuid(kNobody, kNobody, kNobody) != 0)) {
      _exit(77);
    }
    const std::string outcome = reader();
    const ssize_t written = write(result[1], outcome.data(), outcome.size());
    _exit(written == static_cast<ssize_t>(outcome.size()) ? 0 : 1);
  }
  close(result[1]);
  beside();
  std::string outcome;
  char buffer[4096];
  for (ssize_t n; (n = read(result[0], buffer, sizeof buffer)) > 0;) outcome.append(buffer, n);
  close(result[0]);
  int status = 0;
  waitpid(child, &status, 0);
  fs::permissions(dir, shared);
  if (WIFEXITED(status) && WEXITSTATUS(status) == 77) return std::nullopt;
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    return "the reader died: status " + std::to_string(status);
  }
  return outcome;
}

// The trials a store lists for "exp", by name, or why it cannot.
std::string TrialNames(ObjectiveStore& store) {
  const auto trials = store.ListTrials("exp");
  if (!trials.ok()) return trials.status().ToString();
  std::string names;
  for (const TrialRecord& trial : *trials) names += (names.empty() ? "" : " ") + trial.name;
  return names;
}

TrialRecord Trial(std::string name, TrialStatus status, std::optional<double> objective) {
  TrialRecord trial;
  trial.experiment = "exp";
  trial.name = std::move(name);
  trial.assignments = {{"lr", "0.01"}, {"optimizer", "adam \"quoted\""}};
  trial.status = status;
  if (objective) {
    trial.objective_value = std::to_string(*objective);
    trial.objective_numeric = objective;
  }
  return trial;
}

// n observations of `metric` at seconds base, base + 1, ... (mod 60), with
// those numbers as values.
std::vector<MetricLog> Batch(int n, const std::string& metric, int base) {
  std::vector<MetricLog> batch;
  for (int i = base; i < base + n; ++i) {
    char timestamp[32];
    std::snprintf(timestamp, sizeof timestamp, "2024-01-01T00:00:%02dZ", i % 60);
    batch.push_back({timestamp, metric, std::to_string(i)});
  }
  return batch;
}

TEST_F(ObjectiveStoreTest, ExperimentsRoundTrip) {
  auto store = OpenStore();
  const ExperimentRecord experiment{"exp", "apiVersion: kubeflow.org/v1beta1\n", 1700000000000000,
                                    "Running"};
  ASSERT_TRUE(store->PutExperiment(experiment).ok());
  EXPECT_EQ(*store->GetExperiment("exp"), experiment);
  ASSERT_TRUE(store->SetExperimentStatus("exp", "Succeeded").ok());
  EXPECT_EQ((*store->GetExperiment("exp"))->status, "Succeeded");
  EXPECT_EQ(*store->GetExperiment("other"), std::nullopt);
  EXPECT_EQ(store->SetExperimentStatus("other", "x").code(), absl::StatusCode::kNotFound);
}

TEST_F(ObjectiveStoreTest, ListsExperimentsInTheOrderFirstStored) {
  auto store = OpenStore();
  EXPECT_TRUE(store->ListExperiments()->empty());
  const ExperimentRecord second{"b", "spec b", 2, "Running"};
  const ExperimentRecord first{"a", "spec a", 1, "Running"};
  ASSERT_TRUE(store->PutExperiment(second).ok());
  ASSERT_TRUE(store->PutExperiment(first).ok());
  ASSERT_TRUE(store->PutExperiment(second).ok());  // an update keeps its place
  EXPECT_EQ(*store->ListExperiments(), (std::vector<ExperimentRecord>{second, first}));
}

TEST_F(ObjectiveStoreTest, TrialsRoundTripKeepOrderAndFindTheBest) {
  auto store = OpenStore();
  TrialRecord full = Trial("t1", TrialStatus::kSucceeded, 0.5);
  full.reason = "TrialSucceeded";
  full.message = "exit 0";
  full.start_us = 10;
  full.end_us = 20;
  full.exit_code = 0;
  full.gpu_device = "1:2";
  full.gpu_memory_budget_bytes = int64_t{8} << 30;
  full.gpu_peak_memory_bytes = int64_t{3} << 30;
  full.gpu_mean_utilization = 87.5;
  ASSERT_TRUE(store->PutTrial(full).ok());
  ASSERT_TRUE(store->PutTrial(Trial("t2", TrialStatus::kRunning, std::nullopt)).ok());
  ASSERT_TRUE(store->PutTrial(Trial("t3", TrialStatus::kSucceeded, 0.25)).ok());
  ASSERT_TRUE(store->PutTrial(Trial("t4", TrialStatus::kFailed, 0.25)).ok());
  // A state transition rewrites the record but keeps its place.
  TrialRecord t2 = Trial("t2", TrialStatus::kSucceeded, 0.75);
  ASSERT_TRUE(store->PutTrial(t2).ok());

  EXPECT_EQ(*store->GetTrial("t1"), full);
  const auto trials = store->ListTrials("exp");
  ASSERT_TRUE(trials.ok());
  ASSERT_EQ(trials->size(), 4u);
  EXPECT_EQ((*trials)[1], t2);
  EXPECT_EQ((*trials)[3].name, "t4");
  EXPECT_EQ((*store->BestTrial("exp", ObjectiveDirection::kMinimize))->name, "t3");  // tie: earlier
  EXPECT_EQ((*store->BestTrial("exp", ObjectiveDirection::kMaximize))->name, "t2");
  EXPECT_EQ(*store->BestTrial("none", ObjectiveDirection::kMaximize), std::nullopt);
  EXPECT_TRUE(store->ListTrials("none")->empty());
}

TEST_F(ObjectiveStoreTest, PutTrialsWritesAGroupInOneTransaction) {
  auto store = OpenStore();
  ASSERT_TRUE(store->PutTrial(Trial("t1", TrialStatus::kRunning, std::nullopt),
                              Durability::kProcessCrash).ok());
  std::vector<TrialRecord> ended = {Trial("t1", TrialStatus::kSucceeded, 0.5),
                                    Trial("t2", TrialStatus::kFailed, std::nullopt),
                                    Trial("t3", TrialStatus::kSucceeded, 0.25)};
  ASSERT_TRUE(store->PutTrials(ended, Durability::kProcessCrash).ok());
  ASSERT_TRUE(store->PutTrials({}).ok());
  EXPECT_EQ(*store->ListTrials("exp"), ended);

  auto reader = OpenStore({.read_only = true});
  EXPECT_EQ(reader->PutTrials(ended).code(), absl::StatusCode::kFailedPrecondition);
}

TEST_F(ObjectiveStoreTest, DeferredWritesAreOneTransactionSeenOnceCommitted) {
  auto store = OpenStore();
  auto reader = OpenStore({.read_only = true});
  store->DeferCommits();
  ASSERT_TRUE(store->PutTrial(Trial("t1", TrialStatus::kRunning, std::nullopt)).ok());
  ASSERT_TRUE(store->AppendObservations("t1", Batch(2, "loss", 0)).ok());
  ASSERT_TRUE(store->AppendObservations("t1", Batch(1, "loss", 2)).ok());
  ASSERT_TRUE(store->PutTrials({{Trial("t1", TrialStatus::kSucceeded, 0.5), Trial("t2", TrialStatus::kRunning, {})}})
                  .ok());
  EXPECT_EQ(TrialNames(*reader), "");
  EXPECT_TRUE(reader->GetObservations("t1")->empty());

  ASSERT_TRUE(store->Commit().ok());
  EXPECT_EQ(TrialNames(*reader), "t1 t2");
  EXPECT_EQ(reader->GetTrial("t1")->value().status, TrialStatus::kSucceeded);
  EXPECT_EQ(reader->GetObservations("t1")->size(), 3u);  // appended in order, one log
  EXPECT_TRUE(store->Commit().ok());                     // nothing pending

  // Still deferred: closing drops what was not committed, as a kill -9 would.
  ASSERT_TRUE(store->PutTrial(Trial("t3", TrialStatus::kRunning, std::nullopt)).ok());
  store.reset();
  EXPECT_EQ(TrialNames(*OpenStore({.read_only = true})), "t1 t2");
}

TEST_F(ObjectiveStoreTest, AFailedDeferredWriteLosesItsTransactionAndCommitSaysWhy) {
  auto store = OpenStore();
  // A write that fails inside SQLite, after the writes before it went in.
  RawSql("CREATE TRIGGER poison BEFORE INSERT ON observation_logs WHEN NEW.metric_name = 'poison' "
         "BEGIN SELECT RAISE(ABORT, 'poisoned'); END");
  store->DeferCommits();
  ASSERT_TRUE(store->PutTrial(Trial("t1", TrialStatus::kRunning, std::nullopt)).ok());
  // Refused before it is written, it leaves the transaction as it was.
  std::vector<MetricLog> undated = Batch(1, "loss", 0);
  undated[0].timestamp = "yesterday";
  EXPECT_EQ(store->AppendObservations("t1", undated).code(), absl::StatusCode::kInvalidArgument);
  ASSERT_TRUE(store->AppendObservations("t1", Batch(1, "loss", 0)).ok());
  const absl::Status failed = store->AppendObservations("t1", Batch(1, "poison", 1));
  EXPECT_THAT(failed.ToString(), HasSubstr("poisoned"));
  // Not written on its own either: the transaction it would join is gone.
  EXPECT_EQ(store->PutTrial(Trial("t2", TrialStatus::kRunning, std::nullopt)), failed);
  EXPECT_EQ(store->Commit(), failed);
  EXPECT_EQ(TrialNames(*store), "");
  EXPECT_TRUE(store->GetObservations("t1")->empty());

  ASSERT_TRUE(store->PutTrial(Trial("t3", TrialStatus::kRunning, std::nullopt)).ok());
  ASSERT_TRUE(store->Commit().ok());
  EXPECT_EQ(TrialNames(*store), "t3");
}

TEST_F(ObjectiveStoreTest, SyncRunsBesideWritesAndKeepsEverything) {
  auto store = OpenStore();
  std::atomic<bool> done = false;
  std::thread syncer([&] {
    while (!done) EXPECT_TRUE(store->Sync().ok());
  });
  for (int i = 0; i < 50; ++i) {
    ASSERT_TRUE(store->PutTrial(Trial("t" + std::to_string(i), TrialStatus::kSucceeded, i),
                                Durability::kProcessCrash).ok());
    ASSERT_TRUE(store->AppendObservations("t" + std::to_string(i), Batch(3, "loss", i),
                                          Durability::kProcessCrash).ok());
  }
  done = true;
  syncer.join();
  ASSERT_TRUE(store->Sync().ok());
  store.reset();

  auto reopened = OpenStore({.read_only = true});
  EXPECT_EQ(reopened->ListTrials("exp")->size(), 50u);
  EXPECT_EQ(reopened->GetObservations("t49")->size(), 3u);
  EXPECT_EQ(reopened->Sync().code(), absl::StatusCode::kFailedPrecondition);
}

TEST_F(ObjectiveStoreTest, CommitsAndSyncsWithNoDescriptorLeft) {
  auto store = OpenStore();
  // In use already, as the engine's is (UBSan's first check of a type needs
  // a pipe of its own).
  ASSERT_TRUE(store->PutTrial(Trial("t0", TrialStatus::kRunning, std::nullopt), Durability::kProcessCrash).ok());
  // The engine's trials may take every descriptor the process may open.
  rlimit original{};
  ASSERT_EQ(getrlimit(RLIMIT_NOFILE, &original), 0);
  rlimit lowered = original;
  lowered.rlim_cur = std::min<rlim_t>(original.rlim_cur, 256);
  ASSERT_EQ(setrlimit(RLIMIT_NOFILE, &lowered), 0);
  std::vector<int> taken;
  for (int fd; (fd = dup(STDERR_FILENO)) >= 0;) taken.push_back(fd);
  EXPECT_EQ(errno, EMFILE);

  absl::Status put = store->PutTrial(Trial("t1", TrialStatus::kSucceeded, 0.5), Durability::kProcessCrash);
  absl::Status sync = store->Sync();
  for (int fd : taken) close(fd);
  ASSERT_EQ(setrlimit(RLIMIT_NOFILE, &original), 0);
  EXPECT_TRUE(put.ok()) << put;
  EXPECT_TRUE(sync.ok()) << sync;
  store.reset();
  EXPECT_EQ(OpenStore({.read_only = true})->ListTrials("exp")->size(), 2u);
}

TEST_F(ObjectiveStoreTest, TrialStatusNamesAreKatibs) {
  EXPECT_EQ(TrialStatusName(TrialStatus::kMetricsUnavailable), "MetricsUnavailable");
  EXPECT_EQ(ParseTrialStatus("EarlyStopped"), TrialStatus::kEarlyStopped);
  EXPECT_FALSE(ParseTrialStatus("running"));
}

TEST_F(ObjectiveStoreTest, ObservationsBatchesAndQueries) {
  auto store = OpenStore();
  ASSERT_TRUE(store->PutTrial(Trial("t1", TrialStatus::kRunning, std::nullopt)).ok());
  ASSERT_TRUE(store->AppendObservations("t1", Batch(3, "loss", 0)).ok());
  ASSERT_TRUE(store->AppendObservations("t1", Batch(2, "acc", 1)).ok());
  ASSERT_TRUE(store
                  ->AppendObservations(
                      "t1", std::vector<MetricLog>{{"2024-01-01T00:00:00.5Z", "loss", "-"}})
                  .ok());
  ASSERT_TRUE(store->AppendObservations("elsewhere", Batch(1, "loss", 9)).ok());

  const auto all = store->GetObservations("t1");
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 6u);
  // Ordered by time, then arrival.
  EXPECT_EQ((*all)[0], (StoredObservation{"t1", 0, 1704067200000000, "loss", "0", 0.0}));
  EXPECT_EQ((*all)[1], (StoredObservation{"t1", 5, 1704067200500000, "loss", "-", std::nullopt}));
  EXPECT_EQ((*all)[2].seq, 1);
  EXPECT_EQ((*all)[3].seq, 3);

  const auto loss = store->GetObservations("t1", {"loss", std::nullopt, std::nullopt});
  EXPECT_EQ(loss->size(), 4u);
  const auto window = store->GetObservations("t1", {"", 1704067200500000, 1704067201000000});
  ASSERT_EQ(window->size(), 3u);  // inclusive at both ends
  EXPECT_EQ((*window)[0].value, "-");
  EXPECT_EQ((*window)[2].metric, "acc");

  ASSERT_TRUE(store->PutTrial(Trial("t2", TrialStatus::kRunning, std::nullopt)).ok());
  ASSERT_TRUE(store->AppendObservations("t2", Batch(1, "loss", 7)).ok());
  const auto history = store->MetricHistory("exp", "loss");
  ASSERT_EQ(history->size(), 5u);  // not "elsewhere", which has no trial record
  EXPECT_EQ(history->back().trial, "t2");

  ASSERT_TRUE(store->DeleteObservations("t1").ok());
  EXPECT_TRUE(store->GetObservations("t1")->empty());
  EXPECT_EQ(store->GetObservations("t2")->size(), 1u);
}

TEST_F(ObjectiveStoreTest, ABadTimestampRejectsTheWholeBatch) {
  auto store = OpenStore();
  std::vector<MetricLog> batch = Batch(3, "loss", 0);
  batch[2].timestamp = "2024-01-01 00:00:00";
  const absl::Status status = store->AppendObservations("t1", batch);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(status.message()), HasSubstr("observation 2 of trial \"t1\""));
  EXPECT_TRUE(store->GetObservations("t1")->empty());
}

TEST_F(ObjectiveStoreTest, ReplaceObservationsMakesTheBatchTheWholeLogOrChangesNothing) {
  auto store = OpenStore();
  ASSERT_TRUE(store->AppendObservations("t1", Batch(5, "loss", 0)).ok());
  ASSERT_TRUE(store->AppendObservations("t2", Batch(1, "loss", 9)).ok());
  ASSERT_TRUE(store->ReplaceObservations("t1", Batch(2, "loss", 3)).ok());
  const auto replaced = store->GetObservations("t1");
  ASSERT_TRUE(replaced.ok());
  ASSERT_EQ(replaced->size(), 2u);
  EXPECT_EQ((*replaced)[0], (StoredObservation{"t1", 0, 1704067203000000, "loss", "3", 3.0}));
  EXPECT_EQ((*replaced)[1].value, "4");
  EXPECT_EQ(store->GetObservations("t2")->size(), 1u);

  std::vector<MetricLog> bad = Batch(3, "loss", 7);
  bad[1].timestamp = "yesterday";
  EXPECT_EQ(store->ReplaceObservations("t1", bad).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(store->GetObservations("t1")->size(), 2u);
}

TEST_F(ObjectiveStoreTest, SurvivesReopenAndIsWal) {
  {
    auto store = OpenStore();
    ASSERT_TRUE(store->PutTrial(Trial("t1", TrialStatus::kRunning, std::nullopt)).ok());
    ASSERT_TRUE(store->AppendObservations("t1", Batch(4, "loss", 0)).ok());
  }
  auto store = OpenStore();
  EXPECT_EQ((*store->GetTrial("t1"))->status, TrialStatus::kRunning);
  EXPECT_EQ(store->GetObservations("t1")->size(), 4u);
  ASSERT_TRUE(store->AppendObservations("t1", Batch(1, "loss", 30)).ok());
  EXPECT_EQ(store->GetObservations("t1")->back().seq, 4);  // sequence continues
  EXPECT_TRUE(std::filesystem::exists(path_ + "-wal"));
}

TEST_F(ObjectiveStoreTest, ReadOnlyStoreReadsAndRefusesWrites) {
  {
    auto store = OpenStore();
    ASSERT_TRUE(store->PutTrial(Trial("t1", TrialStatus::kSucceeded, 1.0)).ok());
  }
  auto reader = OpenStore({.read_only = true});
  EXPECT_EQ(reader->ListTrials("exp")->size(), 1u);
  EXPECT_EQ(reader->PutTrial(Trial("t2", TrialStatus::kCreated, std::nullopt)).code(),
            absl::StatusCode::kFailedPrecondition);
  const auto missing = ObjectiveStore::Open((dir_ / "absent.db").string(), {.read_only = true});
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kNotFound);
}

// Another user's results, or a read-only mount: a store closed cleanly has
// no -wal or -shm file, and the reader may not create them.
TEST_F(ObjectiveStoreTest, ReadOnlyOpenReadsAStoreItsReaderCannotWriteBeside) {
  {
    auto store = OpenStore();
    ASSERT_TRUE(store->PutTrial(Trial("t1", TrialStatus::kSucceeded, 1.0)).ok());
    ASSERT_TRUE(store->PutTrial(Trial("t2", TrialStatus::kFailed, std::nullopt)).ok());
  }
  const auto listed = ReadWithoutWriteAccess(dir_, [&]() -> std::string {
    auto reader = ObjectiveStore::Open(path_, {.read_only = true});
    if (!reader.ok()) return reader.status().ToString();
    const auto best = (*reader)->BestTrial("exp", ObjectiveDirection::kMinimize);
    return TrialNames(**reader) + ", best " + (best.ok() && *best ? (*best)->name : "none");
  });
  if (!listed) GTEST_SKIP() << "no process can become another user here";
  EXPECT_EQ(*listed, "t1 t2, best t1");
  EXPECT_FALSE(std::filesystem::exists(path_ + "-wal"));
  EXPECT_FALSE(std::filesystem::exists(path_ + "-shm"));
}

// A run that starts there (as a user who may write) after such a reader
// opened the store: the reader's next read sees its commits, which are in
// the new -wal file only.
TEST_F(ObjectiveStoreTest, AReaderThatCannotWriteBesideSeesAWriterThatStartsLater) {
  { ASSERT_TRUE(OpenStore()->PutTrial(Trial("t1", TrialStatus::kSucceeded, 1.0)).ok()); }
  int opened[2], written[2];
  ASSERT_EQ(pipe(opened), 0);
  ASSERT_EQ(pipe(written), 0);
  std::unique_ptr<ObjectiveStore> writer;
  const auto listed = ReadWithoutWriteAccess(
      dir_,
      [&]() -> std::string {
        auto reader = ObjectiveStore::Open(path_, {.read_only = true});
        if (!reader.ok()) return reader.status().ToString();
        std::string seen = TrialNames(**reader);
        char byte = 0;
        if (write(opened[1], "o", 1) != 1 || read(written[0], &byte, 1) != 1) return "no writer";
        return seen + ", then " + TrialNames(**reader);
      },
      [&] {
        // The child's ends: a reader that fails ends the wait.
        close(opened[1]);
        close(written[0]);
        char byte = 0;
        if (read(opened[0], &byte, 1) != 1) return;
        // Where the reader's folder was made read-only: the writer's may be written.
        std::filesystem::permissions(dir_, std::filesystem::perms::owner_write,
                                     std::filesystem::perm_options::add);
        writer = OpenStore();
        EXPECT_TRUE(writer->PutTrial(Trial("t2", TrialStatus::kRunning, std::nullopt)).ok());
        EXPECT_TRUE(write(written[1], "w", 1) == 1);
      });
  close(opened[0]);
  close(written[1]);
  if (!listed) GTEST_SKIP() << "no process can become another user here";
  EXPECT_EQ(*listed, "t1, then t1 t2");
}

TEST_F(ObjectiveStoreTest, AWritableOpenOfAStoreItMayNotWriteSaysSo) {
  { OpenStore(); }
  std::filesystem::permissions(path_, std::filesystem::perms::owner_write,
                               std::filesystem::perm_options::remove);
  const auto opened = ReadWithoutWriteAccess(dir_, [&]() -> std::string {
    auto store = ObjectiveStore::Open(path_);
    return store.ok() ? "opened" : store.status().ToString();
  });
  if (!opened) GTEST_SKIP() << "no process can become another user here";
  EXPECT_EQ(*opened, "PERMISSION_DENIED: " + path_ + ": cannot write it: Permission denied");
}

// `hpsearch trials` in the first moments of a run: the file exists, its
// schema is not committed yet.
TEST_F(ObjectiveStoreTest, ReadOnlyOpenWaitsForAStoreItsWriterIsCreating) {
  RawSql("PRAGMA journal_mode = WAL;");
  std::thread writer([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    ASSERT_TRUE(OpenStore()->PutTrial(Trial("t1", TrialStatus::kRunning, std::nullopt)).ok());
  });
  const auto reader = ObjectiveStore::Open(path_, {.read_only = true});
  writer.join();
  ASSERT_TRUE(reader.ok()) << reader.status();
  EXPECT_EQ(TrialNames(**reader), "t1");
}

TEST_F(ObjectiveStoreTest, ReadOnlyOpenOfAFileWithoutSchemaIsNotTakenForAnOldStore) {
  RawSql("PRAGMA journal_mode = WAL;");
  const auto reader = ObjectiveStore::Open(path_, {.read_only = true});
  EXPECT_EQ(reader.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(std::string(reader.status().message()),
              HasSubstr(path_ + ": no store schema yet: its writer is still creating it (try again)"));
  EXPECT_THAT(std::string(reader.status().message()), Not(HasSubstr("migrate")));
}

TEST_F(ObjectiveStoreTest, MigratesAVersion1Store) {
  // Version 1 as released: no GPU columns.
  RawSql(R"sql(
    CREATE TABLE experiments (name TEXT PRIMARY KEY, spec TEXT NOT NULL, created_us INTEGER NOT NULL,
                              status TEXT NOT NULL);
    CREATE TABLE trials (name TEXT NOT NULL UNIQUE, experiment TEXT NOT NULL, assignments TEXT NOT NULL,
                         status TEXT NOT NULL, reason TEXT NOT NULL, message TEXT NOT NULL, start_us INTEGER,
                         end_us INTEGER, exit_code INTEGER, objective_value TEXT, objective_numeric REAL);
    CREATE INDEX trials_by_experiment ON trials (experiment);
    CREATE TABLE observation_logs (trial_name TEXT NOT NULL, seq INTEGER NOT NULL, time_us INTEGER NOT NULL,
                                   metric_name TEXT NOT NULL, value TEXT NOT NULL, numeric REAL,
                                   PRIMARY KEY (trial_name, seq)) WITHOUT ROWID;
    INSERT INTO trials VALUES ('old', 'exp', '[{"name":"lr","value":"0.1"}]', 'Succeeded', '', '', 1, 2, 0,
                               '0.5', 0.5);
    PRAGMA user_version = 1;
  )sql");
  // A reader does not migrate; it says how to.
  const auto reader = ObjectiveStore::Open(path_, {.read_only = true});
  EXPECT_EQ(reader.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(reader.status().message()), HasSubstr("open it writable once"));

  auto store = OpenStore();
  const auto old = store->GetTrial("old");
  ASSERT_TRUE(old.ok() && old->has_value()) << old.status();
  EXPECT_EQ((*old)->assignments, (std::vector<std::pair<std::string, std::string>>{{"lr", "0.1"}}));
  EXPECT_EQ((*old)->gpu_device, std::nullopt);
  TrialRecord gpu = Trial("new", TrialStatus::kRunning, std::nullopt);
  gpu.gpu_device = "0";
  ASSERT_TRUE(store->PutTrial(gpu).ok());
  EXPECT_EQ((*store->GetTrial("new"))->gpu_device, "0");
}

TEST_F(ObjectiveStoreTest, RefusesANewerSchema) {
  RawSql("PRAGMA user_version = 99;");
  const auto store = ObjectiveStore::Open(path_);
  EXPECT_EQ(store.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(store.status().message()),
              HasSubstr("store schema version 99 is newer than this hpsearch supports (2)"));
}

TEST_F(ObjectiveStoreTest, ErrorsSayWhatFailedWithoutAWallOfSql) {
  { OpenStore(); }
  RawSql("DROP TABLE trials;");
  auto store = OpenStore();
  const auto trials = store->ListTrials("exp");
  ASSERT_FALSE(trials.ok());
  const std::string message(trials.status().message());
  EXPECT_THAT(message, HasSubstr(path_ + ": SELECT: no such table: trials"));
  EXPECT_THAT(message, Not(HasSubstr("FROM")));
}

TEST_F(ObjectiveStoreTest, RefusesAFileThatIsNotAStore) {
  {
    std::FILE* f = std::fopen(path_.c_str(), "w");
    std::fputs(
        "this is not a database, just text long enough to fill a header.........................",
        f);
    std::fclose(f);
  }
  const auto store = ObjectiveStore::Open(path_);
  EXPECT_FALSE(store.ok());
  EXPECT_THAT(std::string(store.status().message()), HasSubstr(path_));
}

TEST_F(ObjectiveStoreTest, ConcurrentReadersSeeWholeBatches) {
  auto store = OpenStore();
  constexpr int kBatches = 40, kBatchSize = 50;
  std::atomic<bool> done{false};
  std::atomic<int> reads{0};
  std::vector<std::thread> readers;
  std::atomic<bool> torn{false};
  for (int r = 0; r < 2; ++r) {
    readers.emplace_back([&] {
      size_t last = 0;
      // At least a few reads even if the writer finishes first.
      while (!done.load() || reads.load() < 4) {
        const auto log = store->GetObservations("t1");
        if (!log.ok() || log->size() % kBatchSize != 0 || log->size() < last) torn = true;
        last = log.ok() ? log->size() : last;
        ++reads;
      }
    });
  }
  // Another process's reader would see the same: open a second store too.
  auto second = OpenStore({.read_only = true});
  for (int b = 0; b < kBatches; ++b) {
    ASSERT_TRUE(store->AppendObservations("t1", Batch(kBatchSize, "loss", b)).ok());
    const size_t seen = second->GetObservations("t1")->size();
    EXPECT_EQ(seen, static_cast<size_t>((b + 1) * kBatchSize));
  }
  done = true;
  for (auto& reader : readers) reader.join();
  EXPECT_FALSE(torn.load());
  EXPECT_EQ(store->GetObservations("t1")->size(), static_cast<size_t>(kBatches * kBatchSize));
}

}  // namespace
}  // namespace hpsearch::metrics
