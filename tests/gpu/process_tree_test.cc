// Matching GPU processes to the trials they belong to.
#include "gpu/process_tree.h"

#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <optional>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "tests/gpu/fake_backend.h"

namespace hpsearch::gpu {
namespace {

using ::hpsearch::gpu::testing::FakeProcessTable;

TEST(FindTrialRootTest, GroupMembersAndDescendantsBelongToTheirTrial) {
  FakeProcessTable table;
  table.Add(100, 1, 100);  // trial A: a launcher script, group leader
  table.Add(101, 100, 100);  // its python child, same group
  table.Add(102, 101, 102);  // a grandchild that made its own group
  table.Add(200, 1, 200);  // trial B
  table.Add(300, 1, 300);  // someone else's process
  const std::vector<int64_t> roots = {100, 200};
  EXPECT_EQ(FindTrialRoot(table, 100, roots), 100);
  EXPECT_EQ(FindTrialRoot(table, 101, roots), 100);
  EXPECT_EQ(FindTrialRoot(table, 102, roots), 100);
  EXPECT_EQ(FindTrialRoot(table, 200, roots), 200);
  EXPECT_EQ(FindTrialRoot(table, 300, roots), std::nullopt);
  EXPECT_EQ(FindTrialRoot(table, 999, roots), std::nullopt);  // not in this PID namespace
}

TEST(FindTrialRootTest, OrphansKeepTheirGroupAndCyclesEnd) {
  FakeProcessTable table;
  table.Add(100, 1, 100);
  table.Add(150, 1, 100);  // reparented to init after its parent died
  table.Add(7, 8, 7);      // a cycle, as a racy read could show
  table.Add(8, 7, 8);
  const std::vector<int64_t> roots = {100};
  EXPECT_EQ(FindTrialRoot(table, 150, roots), 100);
  EXPECT_EQ(FindTrialRoot(table, 7, roots), std::nullopt);
}

TEST(EnvironmentValueTest, FindsTheFirstEntryOfExactlyThatName) {
  std::vector<std::string> env = {"AB=2", "A=1", "A=3", "B="};
  EXPECT_EQ(EnvironmentValue(env, "A"), "1");
  EXPECT_EQ(EnvironmentValue(env, "AB"), "2");
  EXPECT_EQ(EnvironmentValue(env, "B"), "");
  EXPECT_EQ(EnvironmentValue(env, "C"), std::nullopt);
}

TEST(ProcfsProcessTableTest, ReadsThisProcess) {
  const ProcfsProcessTable table("HPSEARCH_TRIAL_NAME");
  std::optional<ProcessInfo> self = table.Lookup(getpid());
  ASSERT_TRUE(self.has_value());
  EXPECT_EQ(self->parent, getppid());
  EXPECT_EQ(self->group, getpgrp());
  EXPECT_EQ(table.Lookup(-5), std::nullopt);
}

TEST(ProcfsProcessTableTest, ReadsTheTrialMarkAProcessStartedWith) {
  char program[] = "sleep";
  char duration[] = "30";
  char* argv[] = {program, duration, nullptr};
  char longer_name[] = "HPSEARCH_TRIAL_NAMES=not-this";
  char mark[] = "HPSEARCH_TRIAL_NAME=trial-7";
  char* envp[] = {longer_name, mark, nullptr};
  pid_t child = 0;
  ASSERT_EQ(posix_spawn(&child, "/bin/sleep", nullptr, nullptr, argv, envp), 0);
  // posix_spawn returns once the exec has begun: the new environment shows
  // in /proc a moment later.
  const ProcfsProcessTable table("HPSEARCH_TRIAL_NAME");
  std::optional<std::string> read = table.TrialMark(child);
  for (int attempt = 0; attempt < 500 && !read.has_value(); ++attempt) {
    usleep(10'000);
    read = table.TrialMark(child);
  }
  EXPECT_EQ(read, "trial-7");
  EXPECT_EQ(ProcfsProcessTable("OTHER_VARIABLE").TrialMark(child), std::nullopt);
  EXPECT_EQ(table.TrialMark(-5), std::nullopt);
  kill(child, SIGKILL);
  waitpid(child, nullptr, 0);
}

}  // namespace
}  // namespace hpsearch::gpu
