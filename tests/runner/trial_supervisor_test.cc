#include "runner/trial_supervisor.h"

#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>

#include <algorithm>
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
using test_util::ProcessReaped;
using test_util::ReadFile;

using ::testing::HasSubstr;
using namespace std::chrono_literals;

class TrialSupervisorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = test_util::FreshTestDir();
  }

  TrialSupervisor::Callbacks Recording() {
    return {.on_output = [this](const std::string& trial, OutputStream stream,
                                std::string_view chunk) {
              (stream == OutputStream::kStdout ? stdout_ : stderr_)[trial].append(chunk);
            },
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

  // Launches tests/runner/fake_trial.cc with `args`, in the environment
  // variable the supervisor tells trials apart by.
  absl::Status LaunchFake(TrialSupervisor& supervisor, const std::string& trial,
                          std::vector<std::string> args) {
    args.insert(args.begin(), HPSEARCH_FAKE_TRIAL);
    LaunchSpec spec{.argv = std::move(args),
                    .env = {"PATH=/usr/bin:/bin", std::string(kTrialVariable) + "=" + trial},
                    .working_dir = dir_};
    return supervisor.Launch(trial, spec, Log(trial, "stdout"), Log(trial, "stderr"));
  }

  // Fake trial flags to start a process that escapes the trial's process
  // group in `style` (setsid or daemon) and sleeps for a minute.
  static std::vector<std::string> Escaping(const std::string& trial, const std::string& style) {
    return {"--escape-child=60", "--escape-style=" + style, "--escape-pid-file=" + trial + ".escapee"};
  }

  // The pid of the trial's escaped process, once the trial has written it.
  pid_t EscapeePid(TrialSupervisor& supervisor, const std::string& trial) {
    std::filesystem::path file = dir_ / (trial + ".escapee");
    for (int i = 0; i < 1000 && ReadFile(file).empty(); ++i) supervisor.Poll(10ms);
    return std::stoi(ReadFile(file));
  }

  // Polls until the trial has printed its first epoch: it has escaped by then.
  void PollUntilStarted(TrialSupervisor& supervisor, const std::string& trial) {
    for (int i = 0; i < 1000 && stdout_[trial].find("epoch=1") == std::string::npos; ++i) {
      supervisor.Poll(10ms);
    }
  }

  // Polls for up to ten seconds until `pid` is dead and reaped.
  static bool PollUntilReaped(TrialSupervisor& supervisor, pid_t pid) {
    for (int i = 0; i < 1000 && !ProcessReaped(pid); ++i) supervisor.Poll(10ms);
    return ProcessReaped(pid);
  }

  static constexpr const char* kTrialVariable = "HPSEARCH_TRIAL_NAME";

  std::filesystem::path Log(const std::string& trial, const std::string& stream) const {
    return dir_ / (trial + "." + stream + ".log");
  }

  // Waits (up to a minute) until the trial has made `file` in its working
  // directory. Poll is not called meanwhile, so no timeout is enforced
  // before the trial has got that far, however slowly it starts.
  void WaitForFile(const std::string& file) const {
    for (int i = 0; i < 6000 && !std::filesystem::exists(dir_ / file); ++i) std::this_thread::sleep_for(10ms);
    ASSERT_TRUE(std::filesystem::exists(dir_ / file)) << file;
  }

  static void RunToCompletion(TrialSupervisor& supervisor) {
    while (supervisor.running() > 0) supervisor.Poll(100ms);
  }

  std::filesystem::path dir_;
  std::map<std::string, std::string> stdout_;
  std::map<std::string, std::string> stderr_;
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
  EXPECT_EQ(stderr_["a"], "warn\n");
  EXPECT_EQ(stdout_["b"], "loss=2\n");
  EXPECT_EQ(stderr_["b"], "");
  EXPECT_EQ(ReadFile(Log("a", "stdout")), "loss=1\n");
  EXPECT_EQ(ReadFile(Log("a", "stderr")), "warn\n");
  // A log is created when there is something to write.
  EXPECT_FALSE(std::filesystem::exists(Log("b", "stderr")));
  EXPECT_TRUE(ends_.at("a").exit.success());
  EXPECT_EQ(ends_.at("b").exit.exit_code, 4);
  EXPECT_FALSE(ends_.at("b").timed_out);
  EXPECT_NE(ends_.at("b").exited_at, std::chrono::steady_clock::time_point{});
}

// A trial can end on its own while the run stops (its goal reached by
// another trial); signalling its leftover zombie must not make it "stopped".
TEST_F(TrialSupervisorTest, ATrialThatEndedOnItsOwnIsNotCountedAsStopped) {
  TrialSupervisor supervisor(Recording());
  ASSERT_TRUE(Launch(supervisor, "done", "echo loss=1").ok());
  ASSERT_TRUE(Launch(supervisor, "also-done", "echo loss=2").ok());
  for (const char* trial : {"done", "also-done"}) {
    siginfo_t info;
    // Waits for its end without reaping it: the supervisor has not seen it yet.
    ASSERT_EQ(waitid(P_PID, *supervisor.ProcessId(trial), &info, WEXITED | WNOWAIT), 0);
  }
  supervisor.Stop("done");
  supervisor.StopAll(1s);
  for (const char* trial : {"done", "also-done"}) {
    EXPECT_FALSE(ends_.at(trial).stopped) << trial;
    EXPECT_TRUE(ends_.at(trial).exit.success()) << trial;
  }
  EXPECT_EQ(stdout_["done"], "loss=1\n");
}

TEST_F(TrialSupervisorTest, DeliversEveryByteOfALargeOutput) {
  TrialSupervisor supervisor(Recording());
  ASSERT_TRUE(Launch(supervisor, "big",
                     "head -c 3000000 /dev/zero | tr '\\0' x; echo; head -c 2000000 /dev/zero >&2").ok());
  RunToCompletion(supervisor);
  EXPECT_EQ(stdout_["big"].size(), 3000001u);
  EXPECT_EQ(std::filesystem::file_size(Log("big", "stdout")), 3000001u);
  EXPECT_EQ(stderr_["big"].size(), 2000000u);
  EXPECT_EQ(std::filesystem::file_size(Log("big", "stderr")), 2000000u);
}

TEST_F(TrialSupervisorTest, TimeoutTerminatesTheTrial) {
  TrialSupervisor supervisor(Recording());
  ASSERT_TRUE(Launch(supervisor, "slow", "echo started; touch started; exec sleep 60", 200ms).ok());
  ASSERT_NO_FATAL_FAILURE(WaitForFile("started"));
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
                     "trap '' TERM; touch ready; while true; do sleep 0.05; done", 200ms)
                  .ok());
  ASSERT_NO_FATAL_FAILURE(WaitForFile("ready"));
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

TEST_F(TrialSupervisorTest, EscapedDescendantIsKilledAndReapedWhenItsTrialEnds) {
  TrialSupervisor supervisor(Recording(), 5s, kTrialVariable);
  std::vector<std::string> args = Escaping("leaver", "setsid");
  args.push_back("--epochs=1");
  ASSERT_TRUE(LaunchFake(supervisor, "leaver", args).ok());
  RunToCompletion(supervisor);
  EXPECT_TRUE(ends_.at("leaver").exit.success());
  EXPECT_TRUE(PollUntilReaped(supervisor, EscapeePid(supervisor, "leaver")));
}

TEST_F(TrialSupervisorTest, RunningTrialsDaemonLivesUntilItsTrialEnds) {
  TrialSupervisor supervisor(Recording(), 5s, kTrialVariable);
  std::vector<std::string> args = Escaping("owner", "daemon");
  args.insert(args.end(), {"--mode=hang", "--epochs=1"});
  ASSERT_TRUE(LaunchFake(supervisor, "owner", args).ok());
  pid_t daemon = EscapeePid(supervisor, "owner");
  PollUntilStarted(supervisor, "owner");  // the daemon is an orphan by then
  // Another trial's end makes the supervisor look at its adopted orphans.
  ASSERT_TRUE(LaunchFake(supervisor, "brief", {"--epochs=1"}).ok());
  while (!ends_.contains("brief")) supervisor.Poll(100ms);
  EXPECT_TRUE(ProcessExists(daemon));

  supervisor.Stop("owner");
  RunToCompletion(supervisor);
  EXPECT_TRUE(ends_.at("owner").stopped);
  EXPECT_TRUE(PollUntilReaped(supervisor, daemon));
}

TEST_F(TrialSupervisorTest, AnAdoptedProcessEndingLeavesTrialExitCodesAlone) {
  TrialSupervisor supervisor(Recording(), 5s, kTrialVariable);
  // The daemon ends (and is reaped by the supervisor) while its trial runs.
  ASSERT_TRUE(LaunchFake(supervisor, "parent", {"--escape-child=0", "--escape-style=daemon",
                                                "--escape-pid-file=parent.escapee", "--mode=fail",
                                                "--epochs=2", "--sleep-ms=200"})
                  .ok());
  pid_t daemon = EscapeePid(supervisor, "parent");
  RunToCompletion(supervisor);
  EXPECT_FALSE(ends_.at("parent").exit.signaled);
  EXPECT_EQ(ends_.at("parent").exit.exit_code, 3);
  EXPECT_TRUE(PollUntilReaped(supervisor, daemon));
}

TEST_F(TrialSupervisorTest, StopAllLeavesNoEscapedDescendantEvenOneThatCannotBeTold) {
  TrialSupervisor supervisor(Recording(), 5s, kTrialVariable);
  std::vector<std::string> named = Escaping("named", "daemon");
  std::vector<std::string> anonymous = Escaping("anonymous", "daemon");
  anonymous.push_back("--escape-env=none");
  for (auto* args : {&named, &anonymous}) args->insert(args->end(), {"--mode=hang", "--epochs=1"});
  ASSERT_TRUE(LaunchFake(supervisor, "named", named).ok());
  ASSERT_TRUE(LaunchFake(supervisor, "anonymous", anonymous).ok());
  std::vector<pid_t> escapees = {EscapeePid(supervisor, "named"), EscapeePid(supervisor, "anonymous")};
  PollUntilStarted(supervisor, "named");
  PollUntilStarted(supervisor, "anonymous");

  supervisor.StopAll(5s);
  EXPECT_EQ(supervisor.running(), 0u);
  for (pid_t escapee : escapees) EXPECT_TRUE(ProcessReaped(escapee)) << escapee;
}

TEST_F(TrialSupervisorTest, DestructionLeavesNoEscapedDescendant) {
  pid_t escapee;
  {
    TrialSupervisor supervisor(Recording(), 5s, kTrialVariable);
    std::vector<std::string> args = Escaping("left", "setsid");
    args.insert(args.end(), {"--mode=hang", "--epochs=1"});
    ASSERT_TRUE(LaunchFake(supervisor, "left", args).ok());
    escapee = EscapeePid(supervisor, "left");
  }
  EXPECT_TRUE(ProcessReaped(escapee));
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

// A closed terminal or ssh session must stop the trials, not orphan them.
TEST_F(TrialSupervisorTest, HangupIsAnInterruptToo) {
  TrialSupervisor supervisor(Recording());
  raise(SIGHUP);
  std::optional<int> signal;
  for (int i = 0; i < 50 && !signal; ++i) signal = supervisor.Poll(100ms);
  ASSERT_TRUE(signal.has_value());
  EXPECT_EQ(*signal, SIGHUP);
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

TEST_F(TrialSupervisorTest, TrialsLeaveDescriptorsForTheirLogsAndTheEngine) {
  TrialSupervisor supervisor(Recording());
  rlimit original{};
  ASSERT_EQ(getrlimit(RLIMIT_NOFILE, &original), 0);
  rlimit lowered = original;
  lowered.rlim_cur = std::min<rlim_t>(original.rlim_cur, 64);
  ASSERT_EQ(setrlimit(RLIMIT_NOFILE, &lowered), 0);
  // The trials print only after the last launch was refused (the go folder
  // made, which takes no descriptor): their logs open when every descriptor
  // not spoken for is taken.
  std::vector<std::string> started;
  absl::Status refused;
  for (int i = 0; i < 64 && refused.ok(); ++i) {
    std::string trial = "t" + std::to_string(i);
    refused = Launch(supervisor, trial, "while [ ! -e go ]; do sleep 0.01; done; echo out; echo err >&2");
    if (refused.ok()) started.push_back(trial);
  }
  absl::Status spare = CheckFreeDescriptors(4);
  std::filesystem::create_directory(dir_ / "go");
  RunToCompletion(supervisor);
  ASSERT_EQ(setrlimit(RLIMIT_NOFILE, &original), 0);

  EXPECT_EQ(refused.code(), absl::StatusCode::kResourceExhausted) << refused;
  EXPECT_THAT(refused.message(), HasSubstr("needs 8 free file descriptors: Too many open files"));
  EXPECT_TRUE(spare.ok()) << spare;
  EXPECT_THAT(started, ::testing::SizeIs(::testing::Gt(1)));
  for (const std::string& trial : started) {
    EXPECT_EQ(ReadFile(Log(trial, "stdout")), "out\n") << trial;
    EXPECT_EQ(ReadFile(Log(trial, "stderr")), "err\n") << trial;
  }
}

TEST_F(TrialSupervisorTest, TrialNamesAreUnique) {
  TrialSupervisor supervisor(Recording());
  ASSERT_TRUE(Launch(supervisor, "same", "exec sleep 60").ok());
  EXPECT_EQ(Launch(supervisor, "same", "true").code(), absl::StatusCode::kAlreadyExists);
  supervisor.StopAll(1s);
}

}  // namespace
}  // namespace hpsearch::runner
