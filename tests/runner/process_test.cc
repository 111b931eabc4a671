#include "runner/process.h"

#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <optional>
#include <string>
#include <string_view>
#include <thread>

#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "gpu/process_tree.h"
#include "gtest/gtest.h"
#include "tests/runner/test_util.h"

namespace hpsearch::runner {
namespace {

using test_util::ProcessExists;
using test_util::ProcessReaped;

using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::UnorderedElementsAreArray;

// Reads a pipe to its end.
std::string ReadAll(int fd) {
  std::string out;
  char buffer[4096];
  while (true) {
    pollfd p{.fd = fd, .events = POLLIN, .revents = 0};
    poll(&p, 1, -1);
    ssize_t n = read(fd, buffer, sizeof buffer);
    if (n > 0) {
      out.append(buffer, n);
    } else if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
      return out;
    }
  }
}

LaunchSpec Spec(std::vector<std::string> argv) {
  return LaunchSpec{.argv = std::move(argv), .env = {"PATH=/usr/bin:/bin"}, .working_dir = {}};
}

// Polls for up to ten seconds: reparented processes are reaped by init
// asynchronously. A hang here is a failure, not a timing assertion.
bool EventuallyGone(pid_t pid) {
  for (int i = 0; i < 1000 && ProcessExists(pid); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return !ProcessExists(pid);
}

// A pid printed by `cmd & echo $!` may still be exec'ing its program, and
// /proc/PID/environ reads empty while exec builds the new one; polls for up
// to ten seconds until `name` reads back.
std::optional<std::string> EnvironmentValueOnceExeced(pid_t pid, std::string_view name) {
  std::optional<std::string> value = gpu::StartupEnvironmentValue(pid, name);
  for (int i = 0; i < 1000 && !value; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    value = gpu::StartupEnvironmentValue(pid, name);
  }
  return value;
}

TEST(TrialProcessTest, ArgumentsArriveVerbatimWithoutAShell) {
  const std::vector<std::string> hostile = {
      "a b", "it's", "\"quoted\"", "x; rm -rf /", "$(touch pwned)", "`id`", "$HOME", "*", ""};
  std::vector<std::string> argv = {"/usr/bin/printf", "%s\\n"};
  argv.insert(argv.end(), hostile.begin(), hostile.end());
  auto process = TrialProcess::Start(Spec(argv));
  ASSERT_TRUE(process.ok()) << process.status();
  std::string out = ReadAll(process->stdout_fd());
  EXPECT_TRUE(process->Wait().success());
  std::vector<std::string> lines = absl::StrSplit(out, '\n');
  lines.pop_back();  // after the final newline
  EXPECT_EQ(lines, hostile);
}

TEST(TrialProcessTest, EnvironmentIsExactlyTheOneGiven) {
  LaunchSpec spec = Spec({"/usr/bin/env"});
  spec.env = {"HPSEARCH_TRIAL_NAME=t-1", "WITH_SPACE=a b", "EMPTY="};
  auto process = TrialProcess::Start(spec);
  ASSERT_TRUE(process.ok()) << process.status();
  std::vector<std::string> lines = absl::StrSplit(ReadAll(process->stdout_fd()), '\n',
                                                  absl::SkipEmpty());
  EXPECT_THAT(lines, UnorderedElementsAreArray(spec.env));
  process->Wait();
}

// A C string ends at a NUL: the program would get less than was given.
TEST(TrialProcessTest, AnArgumentOrVariableWithANulCharacterIsRefused) {
  LaunchSpec spec = Spec({"/bin/echo", std::string("a\0b", 3)});
  absl::StatusOr<TrialProcess> in_argv = TrialProcess::Start(spec);
  EXPECT_EQ(in_argv.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(in_argv.status().message(),
            "argument 1 of the command, \"a\\000b\" holds a NUL character, which no program can be given");
  spec = Spec({"/bin/echo"});
  spec.env = {"OK=1", std::string("CUT=x\0y", 7)};
  absl::StatusOr<TrialProcess> in_env = TrialProcess::Start(spec);
  EXPECT_EQ(in_env.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(in_env.status().message(),
            "environment entry \"CUT=x\\000y\" holds a NUL character, which no program can be given");
}

TEST(TrialProcessTest, RunsInTheGivenWorkingDirectoryWithStdinClosed) {
  LaunchSpec spec = Spec({"/bin/sh", "-c", "pwd; cat; echo end >&2"});
  spec.working_dir = ::testing::TempDir();
  auto process = TrialProcess::Start(spec);
  ASSERT_TRUE(process.ok()) << process.status();
  std::string out = ReadAll(process->stdout_fd());
  EXPECT_EQ(std::filesystem::canonical(out.substr(0, out.size() - 1)),
            std::filesystem::canonical(spec.working_dir));
  EXPECT_EQ(ReadAll(process->stderr_fd()), "end\n");
  EXPECT_TRUE(process->Wait().success());
}

TEST(TrialProcessTest, ReportsExitCodes) {
  auto process = TrialProcess::Start(Spec({"/bin/sh", "-c", "exit 3"}));
  ASSERT_TRUE(process.ok());
  ExitStatus status = process->Wait();
  EXPECT_FALSE(status.success());
  EXPECT_FALSE(status.signaled);
  EXPECT_EQ(status.exit_code, 3);
  EXPECT_EQ(status.Describe(), "exit code 3");
}

TEST(TrialProcessTest, TryWaitIsNonBlockingUntilTheProcessEnds) {
  auto process = TrialProcess::Start(Spec({"/bin/sleep", "30"}));
  ASSERT_TRUE(process.ok());
  EXPECT_FALSE(process->TryWait().has_value());
  EXPECT_TRUE(process->running());
  process->SignalGroup(SIGTERM);
  ExitStatus status = process->Wait();
  EXPECT_TRUE(status.signaled);
  EXPECT_EQ(status.signal, SIGTERM);
  EXPECT_THAT(status.Describe(), HasSubstr("killed by signal 15"));
  EXPECT_EQ(process->TryWait()->signal, SIGTERM);
}

TEST(TrialProcessTest, SignalReachesTheWholeProcessGroup) {
  // The trial forks a grandchild and reports its pid.
  auto process = TrialProcess::Start(Spec({"/bin/sh", "-c", "sleep 60 & echo $!; wait"}));
  ASSERT_TRUE(process.ok());
  std::string first_line;
  char c;
  while (true) {
    pollfd p{.fd = process->stdout_fd(), .events = POLLIN, .revents = 0};
    poll(&p, 1, -1);
    if (read(process->stdout_fd(), &c, 1) == 1) {
      if (c == '\n') break;
      first_line += c;
    }
  }
  pid_t grandchild = std::stoi(first_line);
  ASSERT_TRUE(ProcessExists(grandchild));
  EXPECT_EQ(getpgid(grandchild), process->pid());
  process->SignalGroup(SIGKILL);
  process->Wait();
  EXPECT_TRUE(EventuallyGone(grandchild));
}

TEST(TrialProcessTest, DestructorKillsAndReapsARunningTrial) {
  pid_t pid;
  {
    auto process = TrialProcess::Start(Spec({"/bin/sleep", "60"}));
    ASSERT_TRUE(process.ok());
    pid = process->pid();
  }
  // Reaped by us, so the pid is gone at once rather than left a zombie.
  EXPECT_FALSE(ProcessExists(pid));
}

TEST(TrialProcessTest, MissingProgramIsNotFound) {
  auto process = TrialProcess::Start(Spec({"/nonexistent/trainer", "--lr=1"}));
  EXPECT_EQ(process.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(process.status().message(), HasSubstr("/nonexistent/trainer"));
}

TEST(TrialProcessTest, MissingWorkingDirectoryIsNamed) {
  LaunchSpec spec = Spec({"/bin/true"});
  spec.working_dir = "/nonexistent/workdir";
  auto process = TrialProcess::Start(spec);
  EXPECT_FALSE(process.ok());
  EXPECT_THAT(process.status().message(), HasSubstr("/nonexistent/workdir"));
}

TEST(TrialProcessTest, NonExecutableFileIsPermissionDenied) {
  std::filesystem::path script = test_util::FreshTestDir() / "not-executable";
  std::ofstream(script) << "#!/bin/sh\n";
  std::filesystem::permissions(script, std::filesystem::perms::owner_read);
  auto process = TrialProcess::Start(Spec({script.string()}));
  EXPECT_EQ(process.status().code(), absl::StatusCode::kPermissionDenied);
}

TEST(TrialProcessTest, EmptyArgvIsRejected) {
  EXPECT_EQ(TrialProcess::Start(Spec({})).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(ChildSubreaperTest, AdoptsOrphansThatCanBeListedToldApartAndReaped) {
  pid_t orphan;
  {
    ChildSubreaper subreaper;
    LaunchSpec spec = Spec({"/bin/sh", "-c", "setsid sleep 60 >/dev/null & echo $!"});
    spec.env.push_back("HPSEARCH_TRIAL_NAME=t-1");
    auto process = TrialProcess::Start(spec);
    ASSERT_TRUE(process.ok()) << process.status();
    orphan = std::stoi(ReadAll(process->stdout_fd()));
    process->Wait();  // the sleeper's parent is gone: it is ours now

    EXPECT_THAT(ListChildren(), Contains(orphan));
    EXPECT_EQ(EnvironmentValueOnceExeced(orphan, "HPSEARCH_TRIAL_NAME"), "t-1");
    EXPECT_EQ(gpu::StartupEnvironmentValue(orphan, "HPSEARCH_TRIAL"), std::nullopt);
    EXPECT_FALSE(ReapIfEnded(orphan));
    kill(orphan, SIGKILL);
    for (int i = 0; i < 10000 && !ReapIfEnded(orphan); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    EXPECT_TRUE(ProcessReaped(orphan));
  }
  int subreaper = -1;
  prctl(PR_GET_CHILD_SUBREAPER, &subreaper);
  EXPECT_EQ(subreaper, 0) << "restored when the ChildSubreaper goes";
}

TEST(KillProcessesMarkedUnderTest, KillsOnlyProcessesMarkedInsideTheRoot) {
  const std::filesystem::path root = test_util::FreshTestDir() / "trials";
  auto start_marked = [](std::string mark) {
    LaunchSpec spec = Spec({"/bin/sleep", "60"});
    if (!mark.empty()) spec.env.push_back("HPSEARCH_TEST_MARK=" + mark);
    auto process = TrialProcess::Start(spec);
    EXPECT_TRUE(process.ok()) << process.status();
    return *std::move(process);
  };
  TrialProcess inside = start_marked((root / "t-1").string());
  TrialProcess sibling = start_marked(root.string() + "-other/t-1");  // shares the root's text as a prefix
  TrialProcess unmarked = start_marked("");
  ASSERT_TRUE(EnvironmentValueOnceExeced(inside.pid(), "HPSEARCH_TEST_MARK"));
  ASSERT_TRUE(EnvironmentValueOnceExeced(sibling.pid(), "HPSEARCH_TEST_MARK"));
  ASSERT_TRUE(EnvironmentValueOnceExeced(unmarked.pid(), "PATH"));

  EXPECT_THAT(KillProcessesMarkedUnder("HPSEARCH_TEST_MARK", root), ElementsAre(inside.pid()));
  EXPECT_EQ(inside.Wait().signal, SIGKILL);
  EXPECT_TRUE(ProcessExists(sibling.pid()));
  EXPECT_TRUE(ProcessExists(unmarked.pid()));
}

class ResolveCommandTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = test_util::FreshTestDir();
    for (const char* dir : {"first", "second"}) std::filesystem::create_directories(root_ / dir);
    MakeExecutable(root_ / "second" / "trainer");
    MakeExecutable(root_ / "first" / "both");
    MakeExecutable(root_ / "second" / "both");
    std::ofstream(root_ / "first" / "plain") << "";
  }
  static void MakeExecutable(const std::filesystem::path& path) {
    std::ofstream(path) << "#!/bin/sh\n";
    std::filesystem::permissions(path, std::filesystem::perms::owner_all);
  }
  std::vector<std::filesystem::path> Dirs() const { return {root_ / "first", root_ / "second"}; }
  std::filesystem::path root_;
};

TEST_F(ResolveCommandTest, SearchesDirectoriesInOrder) {
  EXPECT_EQ(*ResolveCommand("trainer", Dirs()), root_ / "second" / "trainer");
  EXPECT_EQ(*ResolveCommand("both", Dirs()), root_ / "first" / "both");
}

TEST_F(ResolveCommandTest, SkipsFilesThatAreNotExecutable) {
  auto resolved = ResolveCommand("plain", Dirs());
  EXPECT_EQ(resolved.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(resolved.status().message(), HasSubstr((root_ / "second").string()));
}

TEST_F(ResolveCommandTest, TakesNamesWithASlashAsPaths) {
  EXPECT_EQ(*ResolveCommand((root_ / "second" / "trainer").string(), {}),
            root_ / "second" / "trainer");
  EXPECT_FALSE(ResolveCommand("./nope", Dirs()).ok());
}

// A trial runs in its own directory: "./train.sh" means the one beside the
// user, so it resolves to an absolute path.
TEST_F(ResolveCommandTest, ResolvesRelativePathsFromTheWorkingDirectory) {
  const std::filesystem::path before = std::filesystem::current_path();
  std::filesystem::current_path(root_);
  absl::StatusOr<std::filesystem::path> resolved = ResolveCommand("./second/trainer", {});
  std::filesystem::current_path(before);
  ASSERT_TRUE(resolved.ok()) << resolved.status();
  EXPECT_EQ(*resolved, root_ / "second" / "trainer");
}

// What is wrong, and where a relative path was looked for.
TEST_F(ResolveCommandTest, SaysWhetherAPathIsMissingOrNotExecutable) {
  const std::filesystem::path before = std::filesystem::current_path();
  std::filesystem::current_path(root_);
  const absl::Status missing = ResolveCommand("./train.sh", {}).status();
  const absl::Status plain = ResolveCommand("first/plain", {}).status();
  std::filesystem::current_path(before);
  EXPECT_EQ(missing.message(),
            (root_ / "train.sh").string() + " does not exist (./train.sh is taken from where hpsearch runs)");
  EXPECT_EQ(plain.message(), (root_ / "first/plain").string() +
                                 " is not an executable file (first/plain is taken from where hpsearch runs)");
  EXPECT_EQ(ResolveCommand((root_ / "nope").string(), {}).status().message(),
            (root_ / "nope").string() + " does not exist");
}

TEST(DefaultCommandSearchPathTest, IsPathThenTheExecutablesFolder) {
  std::vector<std::filesystem::path> dirs = DefaultCommandSearchPath();
  ASSERT_FALSE(dirs.empty());
  std::vector<std::string> path = absl::StrSplit(std::getenv("PATH"), ':', absl::SkipEmpty());
  ASSERT_EQ(dirs.size(), path.size() + 1);
  EXPECT_EQ(dirs.front(), path.front());
  EXPECT_EQ(dirs.back(), std::filesystem::read_symlink("/proc/self/exe").parent_path());
}

}  // namespace
}  // namespace hpsearch::runner
