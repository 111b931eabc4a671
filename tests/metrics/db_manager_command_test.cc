// `hpsearch db-manager` as a process: it serves on the port it logs, and
// SIGTERM or SIGINT stop it cleanly with exit status 0.
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>

#include "katib/v1beta1/api.grpc.pb.h"

extern char** environ;

namespace {

namespace pb = api::v1::beta1;

class DbManagerCommandTest : public ::testing::TestWithParam<int> {};

TEST_P(DbManagerCommandTest, ServesThenStopsCleanlyOnSignal) {
  const std::filesystem::path dir =
      std::filesystem::temp_directory_path() /
      ("hpsearch_dbm_cli_" + std::to_string(getpid()) + "_" + std::to_string(GetParam()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  const std::string binary = std::string(HPSEARCH_BIN_DIR) + "/hpsearch";
  const std::string store = (dir / "store.db").string();
  // No grace: gRPC would wait it out while this test's connection is open.
  std::vector<std::string> args = {binary,      "db-manager",  "--store",          store,
                                   "--address", "127.0.0.1:0", "--shutdown-grace", "0"};
  std::vector<char*> argv;
  for (std::string& arg : args) argv.push_back(arg.data());
  argv.push_back(nullptr);

  int err[2];
  ASSERT_EQ(pipe(err), 0);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, err[1], STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&actions, err[1], STDERR_FILENO);
  posix_spawn_file_actions_addclose(&actions, err[0]);
  pid_t pid = 0;
  ASSERT_EQ(posix_spawn(&pid, binary.c_str(), &actions, nullptr, argv.data(), environ), 0);
  posix_spawn_file_actions_destroy(&actions);
  close(err[1]);

  // The first line it prints names the port it listens on. Waiting is
  // bounded only so that a broken binary fails the test instead of hanging it.
  pollfd ready{err[0], POLLIN, 0};
  if (poll(&ready, 1, 60'000) != 1) {
    kill(pid, SIGKILL);
    waitpid(pid, nullptr, 0);
    FAIL() << "hpsearch db-manager printed nothing";
  }
  std::FILE* log = fdopen(err[0], "r");
  char line[512] = {};
  ASSERT_NE(std::fgets(line, sizeof line, log), nullptr);
  const char* port_at = std::strstr(line, "(port ");
  ASSERT_NE(port_at, nullptr) << line;
  const std::string port = std::to_string(std::atoi(port_at + 6));

  auto stub = pb::DBManager::NewStub(
      grpc::CreateChannel("127.0.0.1:" + port, grpc::InsecureChannelCredentials()));
  pb::ReportObservationLogRequest report;
  report.set_trial_name("t");
  pb::MetricLog* entry = report.mutable_observation_log()->add_metric_logs();
  entry->set_time_stamp("2024-03-04T17:55:08Z");
  entry->mutable_metric()->set_name("loss");
  entry->mutable_metric()->set_value("0.5");
  {
    grpc::ClientContext context;
    pb::ReportObservationLogReply reply;
    ASSERT_TRUE(stub->ReportObservationLog(&context, report, &reply).ok());
  }
  pb::GetObservationLogRequest get;
  get.set_trial_name("t");
  grpc::ClientContext context;
  pb::GetObservationLogReply reply;
  ASSERT_TRUE(stub->GetObservationLog(&context, get, &reply).ok());
  EXPECT_EQ(reply.observation_log().metric_logs_size(), 1);

  ASSERT_EQ(kill(pid, GetParam()), 0);
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  EXPECT_TRUE(WIFEXITED(status)) << status;
  EXPECT_EQ(WEXITSTATUS(status), 0);
  std::fclose(log);
  std::filesystem::remove_all(dir);
}

INSTANTIATE_TEST_SUITE_P(Signals, DbManagerCommandTest, ::testing::Values(SIGTERM, SIGINT),
                         [](const auto& info) {
                           return info.param == SIGTERM ? "SIGTERM" : "SIGINT";
                         });

}  // namespace
