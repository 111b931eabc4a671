#include "suggestion/grid_search.h"

#include <set>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "suggestion/suggest.h"
#include "tests/suggestion/test_util.h"

namespace hpsearch::suggestion {
namespace {

namespace pb = ::api::v1::beta1;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing::Request;

// 3 x 2 x 2 = 12 points.
constexpr char kExperiment[] = R"pb(
  experiment {
    name: "grid-example"
    spec {
      parameter_specs {
        parameters { name: "lr" parameter_type: DOUBLE feasible_space { min: "0.01" max: "0.03" step: "0.01" } }
        parameters { name: "n" parameter_type: INT feasible_space { min: "2" max: "5" step: "2" } }
        parameters { name: "o" parameter_type: CATEGORICAL feasible_space { list: "sgd" list: "adam" } }
      }
      objective { type: MINIMIZE objective_metric_name: "loss" }
      max_trial_count: 12
      algorithm { algorithm_name: "grid" }
    }
  })pb";

std::string Key(const pb::GetSuggestionsReply::ParameterAssignments& assignments) {
  std::string key;
  for (const auto& a : assignments.assignments()) key += a.value() + " ";
  return key;
}

std::vector<std::string> Keys(const pb::GetSuggestionsReply& reply) {
  std::vector<std::string> keys;
  for (const auto& assignments : reply.parameter_assignments()) keys.push_back(Key(assignments));
  return keys;
}

TEST(GridSearchTest, EnumeratesInProductOrder) {
  absl::StatusOr<pb::GetSuggestionsReply> reply = Suggest(Request(kExperiment, 12, 12));
  ASSERT_TRUE(reply.ok()) << reply.status();
  EXPECT_THAT(Keys(*reply),
              ElementsAre("0.01 2 sgd ", "0.01 2 adam ", "0.01 4 sgd ", "0.01 4 adam ",
                          "0.02 2 sgd ", "0.02 2 adam ", "0.02 4 sgd ", "0.02 4 adam ",
                          "0.03 2 sgd ", "0.03 2 adam ", "0.03 4 sgd ", "0.03 4 adam "));
  EXPECT_EQ(reply->parameter_assignments(0).assignments(0).name(), "lr");
}

TEST(GridSearchTest, GridValuesFollowKatib) {
  auto space = SearchSpace::FromProto(testing::Specs(R"pb(
    parameters { name: "i" parameter_type: INT feasible_space { min: "1" max: "10" step: "3" } }
    parameters { name: "d" parameter_type: DOUBLE feasible_space { min: "0.5" max: "1.6" step: "0.5" } }
    parameters { name: "c" parameter_type: DISCRETE feasible_space { list: "1" list: "10" list: "100" } })pb"));
  ASSERT_TRUE(space.ok());
  // range(1, 11, 3) = 1 4 7 10; arange(0.5, 2.1, 0.5) minus 2.0 = 0.5 1.0 1.5.
  EXPECT_EQ(space->parameters()[0].cardinality, 4);
  EXPECT_EQ(space->parameters()[1].cardinality, 3);
  EXPECT_EQ(GridSize(*space), 36);
}

TEST(GridSearchTest, ContinuesFromTrialsInAnyState) {
  const pb::GetSuggestionsReply all = *Suggest(Request(kExperiment, 12, 12));
  pb::GetSuggestionsRequest request = Request(kExperiment, 3, 8);
  // Five points delivered earlier, in an order other than the grid's and in
  // every state a trial can be in.
  testing::AddTrial(request, all, 0, pb::TrialStatus::SUCCEEDED, "0.5");
  testing::AddTrial(request, all, 3, pb::TrialStatus::RUNNING);
  testing::AddTrial(request, all, 1, pb::TrialStatus::FAILED);
  testing::AddTrial(request, all, 5, pb::TrialStatus::CREATED);
  testing::AddTrial(request, all, 6, pb::TrialStatus::EARLYSTOPPED, "0.7");
  absl::StatusOr<pb::GetSuggestionsReply> reply = Suggest(request);
  ASSERT_TRUE(reply.ok()) << reply.status();
  EXPECT_THAT(Keys(*reply), ElementsAre(Key(all.parameter_assignments(2)),
                                         Key(all.parameter_assignments(4)),
                                         Key(all.parameter_assignments(7))));
}

// Katib sends no MetricsUnavailable trial: its point must not come back.
TEST(GridSearchTest, SkipsThePointsOfTrialsLeftOutOfTheRequest) {
  const pb::GetSuggestionsReply all = *Suggest(Request(kExperiment, 12, 12));
  pb::GetSuggestionsRequest request = Request(kExperiment, 2, 6);  // 4 delivered
  testing::AddTrial(request, all, 0, pb::TrialStatus::SUCCEEDED, "0.5");
  testing::AddTrial(request, all, 2, pb::TrialStatus::SUCCEEDED, "0.4");
  testing::AddTrial(request, all, 3, pb::TrialStatus::RUNNING);
  absl::StatusOr<pb::GetSuggestionsReply> reply = Suggest(request);
  ASSERT_TRUE(reply.ok()) << reply.status();
  EXPECT_THAT(Keys(*reply), ElementsAre(Key(all.parameter_assignments(4)), Key(all.parameter_assignments(5))));
}

TEST(GridSearchTest, RecognisesKatibsNoisyDoubles) {
  pb::GetSuggestionsRequest request = Request(kExperiment, 1, 2);
  pb::GetSuggestionsReply katib = testing::ParseText<pb::GetSuggestionsReply>(R"pb(
    parameter_assignments { assignments { name: "lr" value: "0.01" } assignments { name: "n" value: "2" }
                            assignments { name: "o" value: "sgd" } })pb");
  testing::AddTrial(request, katib, 0, pb::TrialStatus::RUNNING);
  katib.mutable_parameter_assignments(0)->mutable_assignments(0)->set_value("0.010000000000000002");
  katib.mutable_parameter_assignments(0)->mutable_assignments(2)->set_value("adam");
  testing::AddTrial(request, katib, 0, pb::TrialStatus::RUNNING);
  absl::StatusOr<pb::GetSuggestionsReply> reply = Suggest(request);
  ASSERT_TRUE(reply.ok()) << reply.status();
  EXPECT_THAT(Keys(*reply), ElementsAre("0.01 4 sgd "));
}

TEST(GridSearchTest, NeverRepeatsUntilExhausted) {
  std::set<std::string> seen;
  pb::GetSuggestionsRequest request = Request(kExperiment, 1, 0);
  for (int round = 0; round < 4; ++round) {
    request.set_current_request_number(3);
    request.set_total_request_number(3 * (round + 1));
    absl::StatusOr<pb::GetSuggestionsReply> reply = Suggest(request);
    ASSERT_TRUE(reply.ok()) << reply.status();
    for (int i = 0; i < 3; ++i) {
      EXPECT_TRUE(seen.insert(Key(reply->parameter_assignments(i))).second);
      testing::AddTrial(request, *reply, i, pb::TrialStatus::SUCCEEDED, "1");
    }
  }
  EXPECT_EQ(seen.size(), 12);
  request.set_current_request_number(1);
  absl::StatusOr<pb::GetSuggestionsReply> exhausted = Suggest(request);
  EXPECT_EQ(exhausted.status().code(), absl::StatusCode::kOutOfRange);
  EXPECT_THAT(exhausted.status().message(),
              HasSubstr("search space exhausted: algorithm grid has 0 new points left for 1 requested"));
}

TEST(GridSearchTest, ShortfallIsAnErrorUnlessFewerAreAllowed) {
  const pb::GetSuggestionsReply all = *Suggest(Request(kExperiment, 12, 12));
  pb::GetSuggestionsRequest request = Request(kExperiment, 3, 13);
  for (int i = 0; i < 10; ++i) testing::AddTrial(request, all, i, pb::TrialStatus::RUNNING);
  EXPECT_EQ(Suggest(request).status().code(), absl::StatusCode::kOutOfRange);
  absl::StatusOr<pb::GetSuggestionsReply> fewer =
      Suggest(request, {.shortfall = SuggestOptions::Shortfall::kReturnFewer});
  ASSERT_TRUE(fewer.ok()) << fewer.status();
  EXPECT_THAT(Keys(*fewer), ElementsAre(Key(all.parameter_assignments(10)),
                                         Key(all.parameter_assignments(11))));
}

TEST(GridSearchTest, HonoursCancellation) {
  pb::GetSuggestionsRequest request = testing::Request(R"pb(
    experiment { name: "big" spec {
      parameter_specs {
        parameters { name: "a" parameter_type: INT feasible_space { min: "0" max: "100000" } } }
      algorithm { algorithm_name: "grid" } } })pb", 10000, 10000);
  absl::StatusOr<pb::GetSuggestionsReply> reply =
      Suggest(request, {.cancelled = [] { return true; }});
  EXPECT_EQ(reply.status().code(), absl::StatusCode::kCancelled);
}

}  // namespace
}  // namespace hpsearch::suggestion
