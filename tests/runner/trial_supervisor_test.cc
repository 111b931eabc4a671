#include "runner/trial_supervisor.h"

#include <signal.h>

#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <thread>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/runner/test_util.h"

namespace hpsearch::runner {
namespace {

using test_util::ProcessExists;
using test_util::ReadFile;

using ::testing::HasSubstr;
using namespace std::chrono_literals;

class TrialSupervisorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = test_util::FreshTestDir();
  }

  TrialSupervisor::Callbacks Recording() {
    return {.on_stdout = [this](const std::string& trial,
                                std::string_view chunk) { stdout_[trial].append(chunk); },
            .on_end = [this](const std::string& trial, const TrialEnd& end) {
              ends_.emplace(trial, end);
            }};
  }

  absl::Status Launch(TrialSupervisor& supervisor, const std::string& trial,
                      const std::string& script,
                      std::chrono::milliseconds timeout = std::chrono::milliseconds::zero()) {
    LaunchSpec spec{.argv = {"/bin/sh", "-c", script},
                    .env = {"PATH=/usr/bin:/bin"},
                    .working_dir = dir_};
    return supervisor.Launch(trial, spec, Log(trial, "stdout"), Log(trial, "stderr"), timeout);
  }

  std::filesystem::path Log(const std::string& trial, const std::string& stream) const {
    return dir_ / (trial + "." + stream + ".log");
  }

  static void RunToCompletion(TrialSupervisor& supervisor) {
    while (supervisor.running() > 0) supervisor.Poll(100ms);
  }

  std::filesystem::path dir_;
  std::map<std::string, std::string> stdout_;
  std::map<std::string, TrialEnd> ends_;
};

TEST_F(TrialSupervisorTest, RunsTrialsSideBySideAndLogsTheirOutput) {
  TrialSupervisor supervisor(Recording());
  // Each trial waits for the other's file, so they only finish if both run
  // at the same time.
  ASSERT_TRUE(Launch(supervisor, "a", "touch a.up; while [ ! -e b.up ]; do sleep 0.01; done; "
                                      "echo loss=1; echo warn >&2; exit 0").ok());
  ASSERT_TRUE(Launch(supervisor, "b", "touch b.up; while [ ! -e a.up ]; do sleep 0.01; done; "
                                      "echo loss=2; exit 4").ok());
  EXPECT_EQ(supervisor.running(), 2u);
  RunToCompletion(supervisor);

  EXPECT_EQ(stdout_["a"], "loss=1\n");
  EXPECT_EQ(stdout_["b"], "loss=2\n");
  EXPECT_EQ(ReadFile(Log("a", "stdout")), "loss=1\n");
  EXPECT_EQ(ReadFile(Log("a", "stderr")), "warn\n");
  // A log is created when there is something to write.
  EXPECT_FALSE(std::filesystem::exists(Log("b", "stderr")));
  EXPECT_TRUE(ends_.at("a").exit.success());
  EXPECT_EQ(ends_.at("b").exit.exit_code, 4);
  EXPECT_FALSE(ends_.at("b").timed_out);
  EXPECT_NE(ends_.at("b").exited_at, std::chrono::steady_clock::time_point{});
}

TEST_F(TrialSupervisorTest, DeliversEveryByteOfALargeOutput) {
  TrialSupervisor supervisor(Recording());
  ASSERT_TRUE(Launch(supervisor, "big", "head -c 3000000 /dev/zero | tr '\\0' x; echo").ok());
  RunToCompletion(supervisor);
  EXPECT_EQ(stdout_["big"].size(), 3000001u);
  EXPECT_EQ(std::filesystem::file_size(Log("big", "stdout")), 3000001u);
}

TEST_F(TrialSupervisorTest, TimeoutTerminatesTheTrial) {
  TrialSupervisor supervisor(Recording());
  ASSERT_TRUE(Launch(supervisor, "slow", "echo started; exec sleep 60", 200ms).ok());
  RunToCompletion(supervisor);
  const TrialEnd& end = ends_.at("slow");
  EXPECT_TRUE(end.timed_out);
  EXPECT_TRUE(end.exit.signaled);
  EXPECT_EQ(end.exit.signal, SIGTERM);
  EXPECT_EQ(stdout_["slow"], "started\n");
}

TEST_F(TrialSupervisorTest, TrialIgnoringSigtermIsKilledAfterTheGrace) {
  TrialSupervisor supervisor(Recording(), 100ms);
  ASSERT_TRUE(Launch(supervisor, "stubborn",
                     "trap '' TERM; echo ready; while true; do sleep 0.05; done", 200ms)
                  .ok());
  RunToCompletion(supervisor);
  EXPECT_TRUE(ends_.at("stubborn").timed_out);
  EXPECT_EQ(ends_.at("stubborn").exit.signal, SIGKILL);
}

TEST_F(TrialSupervisorTest, LeftoverChildrenDieWithTheTrial) {
  TrialSupervisor supervisor(Recording());
  ASSERT_TRUE(Launch(supervisor, "forker", "sleep 60 & echo $!").ok());
  RunToCompletion(supervisor);
  pid_t child = std::stoi(stdout_["forker"]);
  EXPECT_TRUE(ends_.at("forker").exit.success());
  for (int i = 0; i < 1000 && ProcessExists(child); ++i) std::this_thread::sleep_for(10ms);
  EXPECT_FALSE(ProcessExists(child));
}

TEST_F(TrialSupervisorTest, ProcessLeavingTheGroupDoesNotHangTheEngine) {
  TrialSupervisor supervisor(Recording());
  // setsid puts the sleeper out of reach of the group kill, still holding
  // the stdout pipe open.
  ASSERT_TRUE(Launch(supervisor, "escapee", "setsid sleep 60 & echo $!").ok());
  RunToCompletion(supervisor);
  pid_t escapee = std::stoi(stdout_["escapee"]);
  kill(escapee, SIGKILL);
  EXPECT_TRUE(ends_.at("escapee").exit.success());
}

TEST_F(TrialSupervisorTest, InterruptIsAnEventAndStopAllEndsEveryTrial) {
  TrialSupervisor supervisor(Recording());
  ASSERT_TRUE(Launch(supervisor, "one", "echo up; exec sleep 60").ok());
  ASSERT_TRUE(Launch(supervisor, "two", "echo up; exec sleep 60").ok());
  while (stdout_["one"].empty() || stdout_["two"].empty()) supervisor.Poll(100ms);

  raise(SIGINT);  // blocked, so it waits for Poll instead of killing us
  std::optional<int> signal;
  while (!signal) signal = supervisor.Poll(100ms);
  EXPECT_EQ(*signal, SIGINT);
  EXPECT_EQ(supervisor.running(), 2u);

  supervisor.StopAll(5s);
  EXPECT_EQ(supervisor.running(), 0u);
  for (const char* trial : {"one", "two"}) {
    EXPECT_TRUE(ends_.at(trial).stopped);
    EXPECT_EQ(ends_.at(trial).exit.signal, SIGTERM);
  }
}

TEST_F(TrialSupervisorTest, LaunchFailuresLeaveNothingRunning) {
  TrialSupervisor supervisor(Recording());
  LaunchSpec missing{.argv = {"/nonexistent/trainer"}, .env = {}, .working_dir = dir_};
  absl::Status status = supervisor.Launch("t", missing, Log("t", "stdout"), Log("t", "stderr"));
  EXPECT_EQ(status.code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(status.message(), HasSubstr("/nonexistent/trainer"));

  LaunchSpec fine{.argv = {"/bin/true"}, .env = {}, .working_dir = dir_};
  status = supervisor.Launch("t", fine, dir_ / "no-such-dir" / "out.log", Log("t", "stderr"));
  EXPECT_THAT(status.message(), HasSubstr("no-such-dir"));
  EXPECT_EQ(supervisor.running(), 0u);
}

TEST_F(TrialSupervisorTest, TrialNamesAreUnique) {
  TrialSupervisor supervisor(Recording());
  ASSERT_TRUE(Launch(supervisor, "same", "exec sleep 60").ok());
  EXPECT_EQ(Launch(supervisor, "same", "true").code(), absl::StatusCode::kAlreadyExists);
  supervisor.StopAll(1s);
}

}  // namespace
}  // namespace hpsearch::runner
