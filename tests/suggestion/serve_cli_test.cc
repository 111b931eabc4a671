// `hpsearch serve` as a process: --help, serving, SIGTERM/SIGINT, bind errors.
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"

extern char** environ;

namespace hpsearch::suggestion {
namespace {

using ::testing::HasSubstr;

const std::string kHpsearch = std::string(HPSEARCH_BIN_DIR) + "/hpsearch";

// A child process whose stderr (and stdout) the test reads line by line.
class Child {
 public:
  explicit Child(std::vector<std::string> args) {
    args.insert(args.begin(), kHpsearch);
    int fds[2];
    EXPECT_EQ(pipe(fds), 0);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, fds[1], STDERR_FILENO);
    posix_spawn_file_actions_adddup2(&actions, fds[1], STDOUT_FILENO);
    posix_spawn_file_actions_addclose(&actions, fds[0]);
    std::vector<char*> argv;
    for (std::string& arg : args) argv.push_back(arg.data());
    argv.push_back(nullptr);
    EXPECT_EQ(posix_spawn(&pid_, kHpsearch.c_str(), &actions, nullptr, argv.data(), environ), 0);
    posix_spawn_file_actions_destroy(&actions);
    close(fds[1]);
    output_ = fdopen(fds[0], "r");
  }
  ~Child() {
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
    if (output_ != nullptr) fclose(output_);
  }

  // Reads until a line contains `marker` and returns that line, or "" when
  // the output ends first. Everything read is kept in output().
  std::string WaitFor(const std::string& marker) {
    char line[4096];
    while (fgets(line, sizeof(line), output_) != nullptr) {
      text_ += line;
      if (!marker.empty() && std::string(line).find(marker) != std::string::npos) return line;
    }
    return "";
  }

  // Sends `signal` (if non-zero), reads the rest of the output, and returns
  // the exit status, or -1 when killed by a signal.
  int Finish(int signal = 0) {
    if (signal != 0) kill(pid_, signal);
    WaitFor("");
    int status = 0;
    waitpid(pid_, &status, 0);
    pid_ = -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }

  const std::string& output() const { return text_; }

 private:
  pid_t pid_ = -1;
  FILE* output_ = nullptr;
  std::string text_;
};

// The port from serve's "... (port N)" line, or "" when it never came.
std::string WaitForPort(Child& child) {
  const std::string line = child.WaitFor("(port ");
  if (line.empty()) return "";
  const size_t start = line.find("(port ") + 6;
  return line.substr(start, line.find(')', start) - start);
}

TEST(ServeCliTest, HelpListsEveryFlag) {
  Child child({"serve", "--help"});
  EXPECT_EQ(child.Finish(), 0);
  for (const char* flag :
       {"--address", "--log-level", "--shutdown-grace", "--list-algorithms", "--help"}) {
    EXPECT_THAT(child.output(), HasSubstr(flag));
  }
  EXPECT_THAT(child.output(), HasSubstr("0.0.0.0:6789"));
}

TEST(ServeCliTest, ListsAlgorithmsAndTheirSettings) {
  Child child({"serve", "--list-algorithms"});
  EXPECT_EQ(child.Finish(), 0);
  EXPECT_THAT(child.output(), HasSubstr("| `random` | `random_state` | an integer >= 0 |"));
  EXPECT_THAT(child.output(), HasSubstr("| `grid` | `random_state` |"));
}

TEST(ServeCliTest, ServesHealthAndStopsCleanlyOnSignals) {
  for (int signal : {SIGTERM, SIGINT}) {
    Child child({"serve", "--address", "127.0.0.1:0"});
    const std::string port = WaitForPort(child);
    ASSERT_FALSE(port.empty()) << child.output();

    {  // The client hangs up before the signal, as Katib's probes do.
      auto health = grpc::health::v1::Health::NewStub(
          grpc::CreateChannel("127.0.0.1:" + port, grpc::InsecureChannelCredentials()));
      grpc::ClientContext context;
      grpc::health::v1::HealthCheckRequest request;
      request.set_service("manager.v1beta1.Suggestion");
      grpc::health::v1::HealthCheckResponse response;
      ASSERT_TRUE(health->Check(&context, request, &response).ok());
      EXPECT_EQ(response.status(), grpc::health::v1::HealthCheckResponse::SERVING);
    }

    EXPECT_EQ(child.Finish(signal), 0) << child.output();
    EXPECT_THAT(child.output(), HasSubstr("stopped"));
  }
}

TEST(ServeCliTest, PortInUseIsAClearError) {
  Child first({"serve", "--address", "127.0.0.1:0"});
  const std::string port = WaitForPort(first);
  ASSERT_FALSE(port.empty()) << first.output();
  Child second({"serve", "--address", "127.0.0.1:" + port});
  EXPECT_EQ(second.Finish(), 1);
  EXPECT_THAT(second.output(), HasSubstr("cannot listen on 127.0.0.1:" + port));
  EXPECT_EQ(first.Finish(SIGTERM), 0);
}

TEST(ServeCliTest, RejectsBadFlags) {
  Child child({"serve", "--log-level", "loud"});
  EXPECT_EQ(child.Finish(), 2);
  EXPECT_THAT(child.output(), HasSubstr("--log-level"));
}

// gRPC itself would listen on 443 without a port and wrap 99999 around.
TEST(ServeCliTest, RejectsAddressesWithoutAValidPort) {
  for (const auto& [address, why] : {std::pair{"127.0.0.1", "expected HOST:PORT"},
                                     std::pair{"127.0.0.1:99999", "port \"99999\" is not a number from 0 to 65535"},
                                     std::pair{"::1:6789", "an IPv6 host goes in brackets"}}) {
    Child child({"serve", "--address", address});
    EXPECT_EQ(child.Finish(), 2) << address;
    EXPECT_THAT(child.output(), HasSubstr(why));
  }
}

}  // namespace
}  // namespace hpsearch::suggestion
