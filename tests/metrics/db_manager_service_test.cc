// The DBManager service over a real gRPC connection on a loopback port.
#include "metrics/db_manager_service.h"

#include <gmock/gmock.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "grpc/health/v1/health.grpc.pb.h"

namespace hpsearch::metrics {
namespace {

namespace pb = api::v1::beta1;
using ::testing::HasSubstr;

class DbManagerServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("hpsearch_dbm_" +
            std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()) + "_" +
            std::to_string(getpid()));
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    auto store = ObjectiveStore::Open((dir_ / "store.db").string());
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = *std::move(store);
    auto server = DbManagerServer::Start("127.0.0.1:0", *store_);
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
    channel_ = grpc::CreateChannel("127.0.0.1:" + std::to_string(server_->port()),
                                   grpc::InsecureChannelCredentials());
    stub_ = pb::DBManager::NewStub(channel_);
  }
  void TearDown() override {
    server_.reset();
    store_.reset();
    std::filesystem::remove_all(dir_);
  }

  grpc::Status Report(const std::string& trial,
                      const std::vector<std::array<std::string, 3>>& logs) {
    pb::ReportObservationLogRequest request;
    request.set_trial_name(trial);
    for (const auto& [timestamp, name, value] : logs) {
      pb::MetricLog* log = request.mutable_observation_log()->add_metric_logs();
      log->set_time_stamp(timestamp);
      log->mutable_metric()->set_name(name);
      log->mutable_metric()->set_value(value);
    }
    grpc::ClientContext context;
    pb::ReportObservationLogReply reply;
    return stub_->ReportObservationLog(&context, request, &reply);
  }

  // Calls GetObservationLog; returns "time name=value" per entry.
  std::vector<std::string> Get(const std::string& trial, const std::string& metric = "",
                               const std::string& start = "", const std::string& end = "",
                               grpc::Status* status = nullptr) {
    pb::GetObservationLogRequest request;
    request.set_trial_name(trial);
    request.set_metric_name(metric);
    request.set_start_time(start);
    request.set_end_time(end);
    grpc::ClientContext context;
    pb::GetObservationLogReply reply;
    const grpc::Status s = stub_->GetObservationLog(&context, request, &reply);
    if (status) *status = s;
    std::vector<std::string> out;
    for (const auto& log : reply.observation_log().metric_logs()) {
      out.push_back(log.time_stamp() + " " + log.metric().name() + "=" + log.metric().value());
    }
    return out;
  }

  std::filesystem::path dir_;
  std::unique_ptr<ObjectiveStore> store_;
  std::unique_ptr<DbManagerServer> server_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<pb::DBManager::Stub> stub_;
};

TEST_F(DbManagerServiceTest, ReportGetDelete) {
  ASSERT_TRUE(Report("trial-1", {{"2024-03-04T17:55:10+01:00", "loss", "0.5"},
                                 {"2024-03-04T16:55:08.1234567Z", "accuracy", "0.8"},
                                 {"", "loss", "skipped: no timestamp"},
                                 {"0001-01-01T00:00:00Z", "loss", "unavailable"}})
                  .ok());
  ASSERT_TRUE(Report("trial-2", {{"2024-03-04T16:55:09Z", "loss", "9"}}).ok());
  // Ordered by time; UTC RFC3339Nano to the microsecond, as Katib's DB returns.
  EXPECT_THAT(Get("trial-1"), ::testing::ElementsAre("0001-01-01T00:00:00Z loss=unavailable",
                                                     "2024-03-04T16:55:08.123456Z accuracy=0.8",
                                                     "2024-03-04T16:55:10Z loss=0.5"));
  EXPECT_THAT(Get("trial-1", "loss"),
              ::testing::ElementsAre("0001-01-01T00:00:00Z loss=unavailable",
                                     "2024-03-04T16:55:10Z loss=0.5"));
  // Both bounds inclusive.
  EXPECT_THAT(Get("trial-1", "", "2024-03-04T16:55:08.123456Z", "2024-03-04T17:55:10+01:00"),
              ::testing::ElementsAre("2024-03-04T16:55:08.123456Z accuracy=0.8",
                                     "2024-03-04T16:55:10Z loss=0.5"));
  EXPECT_THAT(Get("trial-1", "", "2024-03-04T16:55:09Z"),
              ::testing::ElementsAre("2024-03-04T16:55:10Z loss=0.5"));
  EXPECT_TRUE(Get("unknown").empty());

  pb::DeleteObservationLogRequest request;
  request.set_trial_name("trial-1");
  grpc::ClientContext context;
  pb::DeleteObservationLogReply reply;
  ASSERT_TRUE(stub_->DeleteObservationLog(&context, request, &reply).ok());
  EXPECT_TRUE(Get("trial-1").empty());
  EXPECT_EQ(Get("trial-2").size(), 1u);
}

TEST_F(DbManagerServiceTest, BadRequestsAreInvalidArgument) {
  grpc::Status status = Report("", {{"2024-03-04T16:55:09Z", "loss", "1"}});
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), HasSubstr("trial_name is empty"));

  status = Report("t", {{"2024-03-04T16:55:09Z", "loss", "1"}, {"yesterday", "loss", "2"}});
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(),
              HasSubstr("observation_log.metric_logs[1].time_stamp: \"yesterday\""));
  EXPECT_TRUE(Get("t").empty());  // nothing of a refused report is kept

  pb::ReportObservationLogRequest no_metric;
  no_metric.set_trial_name("t");
  no_metric.mutable_observation_log()->add_metric_logs()->set_time_stamp("2024-03-04T16:55:09Z");
  grpc::ClientContext context;
  pb::ReportObservationLogReply reply;
  status = stub_->ReportObservationLog(&context, no_metric, &reply);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), HasSubstr("metric_logs[0].metric is missing"));

  Get("", "", "", "", &status);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  Get("t", "", "2024-13-01T00:00:00Z", "", &status);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), HasSubstr("start_time"));
  Get("t", "", "", "soon", &status);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), HasSubstr("end_time"));

  pb::DeleteObservationLogRequest del;
  grpc::ClientContext del_context;
  pb::DeleteObservationLogReply del_reply;
  EXPECT_EQ(stub_->DeleteObservationLog(&del_context, del, &del_reply).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
}

TEST_F(DbManagerServiceTest, HealthIsServingForKatibsProbes) {
  auto health = grpc::health::v1::Health::NewStub(channel_);
  for (const char* service : {"", "grpc.health.v1.Health"}) {
    grpc::health::v1::HealthCheckRequest request;
    request.set_service(service);
    grpc::health::v1::HealthCheckResponse response;
    grpc::ClientContext context;
    ASSERT_TRUE(health->Check(&context, request, &response).ok()) << service;
    EXPECT_EQ(response.status(), grpc::health::v1::HealthCheckResponse::SERVING) << service;
  }
}

TEST_F(DbManagerServiceTest, AnAddressInUseIsReported) {
  const auto second =
      DbManagerServer::Start("127.0.0.1:" + std::to_string(server_->port()), *store_);
  EXPECT_EQ(second.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(std::string(second.status().message()), HasSubstr("cannot listen on 127.0.0.1:"));
  EXPECT_THAT(std::string(second.status().message()), HasSubstr("the port is already in use"));
}

}  // namespace
}  // namespace hpsearch::metrics
