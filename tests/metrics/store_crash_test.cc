// Crash consistency: a writer process is SIGKILLed mid-stream; every batch
// it reported committed must be in the store, which must open cleanly and
// pass SQLite's integrity check. Rounds alternate between the two write
// durabilities: both must survive the death of the process.
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <map>
#include <string>

#include "metrics/objective_store.h"

extern char** environ;

namespace hpsearch::metrics {
namespace {

std::string IntegrityCheck(const std::string& path) {
  sqlite3* db = nullptr;
  sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE, nullptr);
  sqlite3_stmt* stmt = nullptr;
  sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &stmt, nullptr);
  std::string result = "no result";
  if (sqlite3_step(stmt) == SQLITE_ROW)
    result = reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0));
  sqlite3_finalize(stmt);
  sqlite3_close(db);
  return result;
}

TEST(StoreCrashTest, KillNineLosesNothingCommitted) {
  const std::filesystem::path dir =
      std::filesystem::temp_directory_path() / ("hpsearch_crash_" + std::to_string(getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  const std::string store_path = (dir / "store.db").string();
  constexpr int kBatchSize = 200;

  for (int round = 0; round < 3; ++round) {
    int out[2];
    ASSERT_EQ(pipe(out), 0);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, out[1], STDOUT_FILENO);
    posix_spawn_file_actions_addclose(&actions, out[0]);
    const std::string writer = std::string(HPSEARCH_BIN_DIR) + "/store_crash_writer";
    const std::string trial_name = "t" + std::to_string(round);
    const std::string batch_size = std::to_string(kBatchSize);
    const std::string durability = round % 2 == 0 ? "power-loss" : "process-crash";
    char* argv[] = {const_cast<char*>(writer.c_str()), const_cast<char*>(store_path.c_str()),
                    const_cast<char*>(trial_name.c_str()), const_cast<char*>(batch_size.c_str()),
                    const_cast<char*>(durability.c_str()), nullptr};
    pid_t pid = 0;
    ASSERT_EQ(posix_spawn(&pid, writer.c_str(), &actions, nullptr, argv, environ), 0) << writer;
    posix_spawn_file_actions_destroy(&actions);
    close(out[1]);

    // Let it commit a few batches (more each round), then kill it while it
    // is writing the next.
    std::FILE* lines = fdopen(out[0], "r");
    long last_committed = -1;
    char line[128];
    const long kill_after = 5 + 10 * round;
    while (last_committed < kill_after && std::fgets(line, sizeof line, lines)) {
      ASSERT_EQ(std::sscanf(line, "committed %ld", &last_committed), 1) << line;
    }
    ASSERT_EQ(kill(pid, SIGKILL), 0);
    // Lines printed before the kill landed count as committed too.
    while (std::fgets(line, sizeof line, lines))
      std::sscanf(line, "committed %ld", &last_committed);
    std::fclose(lines);
    int wait_status = 0;
    ASSERT_EQ(waitpid(pid, &wait_status, 0), pid);
    ASSERT_TRUE(WIFSIGNALED(wait_status)) << "writer exited on its own: " << wait_status;

    EXPECT_EQ(IntegrityCheck(store_path), "ok");
    auto store = ObjectiveStore::Open(store_path);
    ASSERT_TRUE(store.ok()) << store.status();
    const auto log = (*store)->GetObservations(trial_name);
    ASSERT_TRUE(log.ok()) << log.status();
    std::map<long, size_t> per_batch;
    for (const StoredObservation& o : *log) ++per_batch[std::stol(o.value)];
    for (long b = 0; b <= last_committed; ++b) {
      EXPECT_EQ(per_batch[b], static_cast<size_t>(kBatchSize))
          << "batch " << b << " of round " << round;
    }
    // At most the batch in flight may have committed unreported, and batches
    // are atomic: never a partial one.
    EXPECT_LE(per_batch.rbegin()->first, last_committed + 1);
    for (const auto& [batch, count] : per_batch)
      EXPECT_EQ(count, static_cast<size_t>(kBatchSize)) << batch;
    const auto trial = (*store)->GetTrial(trial_name);
    ASSERT_TRUE(trial.ok() && trial->has_value());
    EXPECT_EQ((*trial)->status, TrialStatus::kRunning);  // left Running, visible as such
  }
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace hpsearch::metrics
