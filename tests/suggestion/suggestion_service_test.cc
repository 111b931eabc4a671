// The real gRPC server on a loopback port, called through generated stubs
// with requests shaped like Katib's controller's.
#include "suggestion/suggestion_service.h"

#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "google/protobuf/util/message_differencer.h"
#include "gmock/gmock.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "katib/v1beta1/api.grpc.pb.h"
#include "suggestion/suggest.h"
#include "tests/suggestion/test_util.h"

namespace hpsearch::suggestion {
namespace {

namespace pb = ::api::v1::beta1;
using ::google::protobuf::util::MessageDifferencer;
using ::testing::HasSubstr;

std::string Experiment(const std::string& name, const std::string& algorithm) {
  return R"pb(
    experiment {
      name: ")pb" + name + R"pb("
      spec {
        parameter_specs {
          parameters { name: "lr" parameter_type: DOUBLE feasible_space { min: "0.01" max: "0.05" step: "0.01" } }
          parameters { name: "units" parameter_type: INT feasible_space { min: "0" max: "399" } }
          parameters { name: "optimizer" parameter_type: CATEGORICAL feasible_space { list: "sgd" list: "adam" } }
        }
        objective { type: MAXIMIZE objective_metric_name: "accuracy" additional_metric_names: "loss" }
        parallel_trial_count: 3
        max_trial_count: 12
        algorithm { algorithm_name: ")pb" + algorithm + R"pb(" }
      }
    })pb";
}

class SuggestionServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<std::unique_ptr<SuggestionServer>> server =
        SuggestionServer::Start({.address = "127.0.0.1:0"});
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
    channel_ = grpc::CreateChannel(absl::StrCat("127.0.0.1:", server_->port()),
                                   grpc::InsecureChannelCredentials());
    stub_ = pb::Suggestion::NewStub(channel_);
  }
  void TearDown() override {
    if (server_) {
      server_->Shutdown(absl::Seconds(5));
      server_->Wait();
    }
  }

  grpc::Status Call(const pb::GetSuggestionsRequest& request, pb::GetSuggestionsReply& reply) {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(60));
    return stub_->GetSuggestions(&context, request, &reply);
  }

  grpc::Status Validate(const pb::Experiment& experiment) {
    grpc::ClientContext context;
    pb::ValidateAlgorithmSettingsRequest request;
    *request.mutable_experiment() = experiment;
    pb::ValidateAlgorithmSettingsReply reply;
    return stub_->ValidateAlgorithmSettings(&context, request, &reply);
  }

  std::unique_ptr<SuggestionServer> server_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<pb::Suggestion::Stub> stub_;
};

TEST_F(SuggestionServiceTest, AnswersLikeTheInProcessApi) {
  for (const char* algorithm : {"random", "grid"}) {
    SCOPED_TRACE(algorithm);
    pb::GetSuggestionsRequest request = testing::Request(Experiment("e", algorithm), 3, 3);
    pb::GetSuggestionsReply first;
    ASSERT_TRUE(Call(request, first).ok());
    ASSERT_EQ(first.parameter_assignments_size(), 3);

    // Katib's next call: all trials, a running one included, and the counts.
    request.set_current_request_number(2);
    request.set_total_request_number(5);
    testing::AddTrial(request, first, 0, pb::TrialStatus::SUCCEEDED, "0.91");
    testing::AddTrial(request, first, 1, pb::TrialStatus::RUNNING);
    testing::AddTrial(request, first, 2, pb::TrialStatus::FAILED);
    pb::GetSuggestionsReply reply;
    const grpc::Status status = Call(request, reply);
    ASSERT_TRUE(status.ok()) << status.error_message();
    absl::StatusOr<pb::GetSuggestionsReply> expected = Suggest(request);
    ASSERT_TRUE(expected.ok());
    EXPECT_TRUE(MessageDifferencer::Equals(reply, *expected));
    EXPECT_EQ(reply.parameter_assignments_size(), 2);
  }
}

TEST_F(SuggestionServiceTest, BadRequestsAreInvalidArgument) {
  pb::GetSuggestionsReply reply;
  grpc::Status status = Call(testing::Request(Experiment("e", "random"), 0, 0), reply);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), HasSubstr("current_request_number is 0"));

  status = Call(testing::Request(Experiment("e", "tpe"), 1, 1), reply);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), HasSubstr("unknown algorithm name tpe"));

  status = Call(pb::GetSuggestionsRequest(), reply);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
}

TEST_F(SuggestionServiceTest, ValidatesAlgorithmSettings) {
  pb::Experiment experiment =
      testing::Request(Experiment("e", "grid"), 1, 1).experiment();
  EXPECT_TRUE(Validate(experiment).ok());

  experiment.mutable_spec()->set_max_trial_count(5000);
  grpc::Status status = Validate(experiment);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(status.error_message(),
            "Max Trial Count: 5000 > all possible search combinations: 4000");

  auto* setting = experiment.mutable_spec()->mutable_algorithm()->add_algorithm_settings();
  setting->set_name("n_initial_points");
  setting->set_value("3");
  status = Validate(experiment);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(status.error_message(), "unknown setting n_initial_points for algorithm grid");
}

TEST_F(SuggestionServiceTest, HealthIsServingForKatibsProbe) {
  auto health = grpc::health::v1::Health::NewStub(channel_);
  for (const char* service : {"manager.v1beta1.Suggestion", ""}) {
    grpc::ClientContext context;
    grpc::health::v1::HealthCheckRequest request;
    request.set_service(service);
    grpc::health::v1::HealthCheckResponse response;
    ASSERT_TRUE(health->Check(&context, request, &response).ok()) << service;
    EXPECT_EQ(response.status(), grpc::health::v1::HealthCheckResponse::SERVING) << service;
  }
  grpc::ClientContext context;
  grpc::health::v1::HealthCheckRequest request;
  request.set_service("api.v1.beta1.Unknown");
  grpc::health::v1::HealthCheckResponse response;
  EXPECT_EQ(health->Check(&context, request, &response).error_code(),
            grpc::StatusCode::NOT_FOUND);
}

TEST_F(SuggestionServiceTest, RefusesAPortInUse) {
  absl::StatusOr<std::unique_ptr<SuggestionServer>> second =
      SuggestionServer::Start({.address = absl::StrCat("127.0.0.1:", server_->port())});
  EXPECT_EQ(second.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(second.status().message(), HasSubstr("cannot listen on 127.0.0.1:"));
}

// 16 clients on 4 experiments. Grid calls of one experiment are serialised
// as Katib's controller serialises them, each passing back the points it
// got, so no point may come twice; random calls run unserialised alongside.
TEST_F(SuggestionServiceTest, ServesManyExperimentsConcurrently) {
  constexpr int kExperiments = 4;
  constexpr int kClients = 16;
  constexpr int kRoundsPerClient = 40;
  struct ExperimentState {
    std::mutex mutex;
    pb::GetSuggestionsRequest request;
    std::set<std::string> seen;
  };
  std::vector<ExperimentState> experiments(kExperiments);
  for (int e = 0; e < kExperiments; ++e) {
    experiments[e].request =
        testing::Request(Experiment(absl::StrCat("exp-", e), "grid"), 2, 0);
  }
  std::mutex errors_mutex;
  std::vector<std::string> errors;
  auto record = [&](const std::string& error) {
    std::lock_guard<std::mutex> lock(errors_mutex);
    errors.push_back(error);
  };

  std::vector<std::thread> clients;
  for (int c = 0; c < kClients; ++c) {
    clients.emplace_back([&, c] {
      auto stub = pb::Suggestion::NewStub(channel_);
      ExperimentState& state = experiments[c % kExperiments];
      for (int round = 0; round < kRoundsPerClient; ++round) {
        {
          std::lock_guard<std::mutex> lock(state.mutex);
          pb::GetSuggestionsRequest& request = state.request;
          request.set_total_request_number(request.total_request_number() + 2);
          grpc::ClientContext context;
          pb::GetSuggestionsReply reply;
          grpc::Status status = stub->GetSuggestions(&context, request, &reply);
          if (!status.ok() || reply.parameter_assignments_size() != 2) {
            record("grid: " + status.error_message());
            return;
          }
          for (int i = 0; i < 2; ++i) {
            std::string key = reply.parameter_assignments(i).ShortDebugString();
            if (!state.seen.insert(key).second) record("duplicate grid point " + key);
            testing::AddTrial(request, reply, i, pb::TrialStatus::RUNNING);
          }
        }
        pb::GetSuggestionsRequest random_request = testing::Request(
            Experiment(absl::StrCat("exp-", c % kExperiments), "random"), 3, 3 * (round + 1));
        grpc::ClientContext context;
        pb::GetSuggestionsReply reply;
        grpc::Status status = stub->GetSuggestions(&context, random_request, &reply);
        if (!status.ok() || reply.parameter_assignments_size() != 3) {
          record("random: " + status.error_message());
          return;
        }
      }
    });
  }
  for (std::thread& client : clients) client.join();
  EXPECT_THAT(errors, ::testing::IsEmpty());
  for (ExperimentState& state : experiments) {
    EXPECT_EQ(state.seen.size(), 2u * kRoundsPerClient * kClients / kExperiments);
  }
}

}  // namespace
}  // namespace hpsearch::suggestion
