#include "suggestion/suggest.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/suggestion/test_util.h"

namespace hpsearch::suggestion {
namespace {

namespace pb = ::api::v1::beta1;
using ::testing::HasSubstr;
using testing::Request;

constexpr char kExperiment[] = R"pb(
  experiment {
    name: "e"
    spec {
      parameter_specs {
        parameters { name: "x" parameter_type: DOUBLE feasible_space { min: "-1" max: "1" } }
      }
      objective { type: MINIMIZE objective_metric_name: "loss" }
      algorithm { algorithm_name: "random" }
    }
  })pb";

absl::Status StatusOf(const pb::GetSuggestionsRequest& request) {
  return Suggest(request).status();
}

TEST(SuggestTest, RejectsBadCounts) {
  for (int current : {0, -1, kMaxRequestNumber + 1}) {
    const absl::Status status = StatusOf(Request(kExperiment, current, 10));
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(status.message(), HasSubstr("current_request_number is " + std::to_string(current)));
  }
  EXPECT_THAT(StatusOf(Request(kExperiment, 1, -5)).message(),
              HasSubstr("total_request_number is -5"));
  EXPECT_TRUE(StatusOf(Request(kExperiment, kMaxRequestNumber, kMaxRequestNumber)).ok());
}

TEST(SuggestTest, RejectsAnEmptyRequest) {
  const absl::Status status = StatusOf(Request("", 1, 1));
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("unknown algorithm name"));
}

TEST(SuggestTest, RejectsTrialsOutsideTheSpace) {
  pb::GetSuggestionsRequest request = Request(kExperiment, 1, 2);
  testing::AddTrial(request,
                    testing::ParseText<pb::GetSuggestionsReply>(
                        "parameter_assignments { assignments { name: 'x' value: '3' } }"),
                    0, pb::TrialStatus::SUCCEEDED, "0.1");
  const absl::Status status = StatusOf(request);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("trial e-1: parameter x: value \"3\" is not feasible"));
}

TEST(SuggestTest, UnavailableObjectivesAreNotErrors) {
  pb::GetSuggestionsRequest request = Request(kExperiment, 2, 3);
  testing::AddTrial(request,
                    testing::ParseText<pb::GetSuggestionsReply>(
                        "parameter_assignments { assignments { name: 'x' value: '0.5' } }"),
                    0, pb::TrialStatus::SUCCEEDED, "unavailable");
  absl::StatusOr<pb::GetSuggestionsReply> reply = Suggest(request);
  ASSERT_TRUE(reply.ok()) << reply.status();
  EXPECT_EQ(reply->parameter_assignments_size(), 2);
  EXPECT_FALSE(reply->has_algorithm());
}

TEST(SuggestTest, HonoursCancellation) {
  EXPECT_EQ(Suggest(Request(kExperiment, 5, 5), {.cancelled = [] { return true; }}).status().code(),
            absl::StatusCode::kCancelled);
}

}  // namespace
}  // namespace hpsearch::suggestion
