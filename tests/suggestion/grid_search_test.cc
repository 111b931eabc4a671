#include "suggestion/grid_search.h"

#include <set>
#include <string>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "suggestion/suggest.h"
#include "tests/suggestion/test_util.h"

namespace hpsearch::suggestion {
namespace {

namespace pb = ::api::v1::beta1;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::UnorderedElementsAre;
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

std::vector<std::string> MustSuggestKeys(const pb::GetSuggestionsRequest& request) {
  absl::StatusOr<pb::GetSuggestionsReply> reply = Suggest(request);
  EXPECT_TRUE(reply.ok()) << reply.status();
  return reply.ok() ? Keys(*reply) : std::vector<std::string>{};
}

pb::GetSuggestionsRequest WithRandomState(pb::GetSuggestionsRequest request, const std::string& seed) {
  pb::AlgorithmSetting* setting =
      request.mutable_experiment()->mutable_spec()->mutable_algorithm()->add_algorithm_settings();
  setting->set_name("random_state");
  setting->set_value(seed);
  return request;
}

TEST(GridSearchTest, VisitsEveryPointOnce) {
  absl::StatusOr<pb::GetSuggestionsReply> reply = Suggest(Request(kExperiment, 12, 12));
  ASSERT_TRUE(reply.ok()) << reply.status();
  EXPECT_THAT(Keys(*reply), UnorderedElementsAre("0.01 2 sgd ", "0.01 2 adam ", "0.01 4 sgd ", "0.01 4 adam ",
                                                 "0.02 2 sgd ", "0.02 2 adam ", "0.02 4 sgd ", "0.02 4 adam ",
                                                 "0.03 2 sgd ", "0.03 2 adam ", "0.03 4 sgd ", "0.03 4 adam "));
  EXPECT_EQ(reply->parameter_assignments(0).assignments(0).name(), "lr");
}

// The order is a function of the seed alone: random_state, or else the
// experiment's name.
TEST(GridSearchTest, TheSeedDecidesTheOrder) {
  const pb::GetSuggestionsRequest named = Request(kExperiment, 12, 12);
  const std::vector<std::string> order = MustSuggestKeys(named);
  EXPECT_EQ(MustSuggestKeys(named), order);

  pb::GetSuggestionsRequest renamed = named;
  renamed.mutable_experiment()->set_name("grid-example-2");
  EXPECT_NE(MustSuggestKeys(renamed), order);

  const std::vector<std::string> seeded = MustSuggestKeys(WithRandomState(named, "1"));
  EXPECT_EQ(MustSuggestKeys(WithRandomState(renamed, "1")), seeded);
  EXPECT_NE(MustSuggestKeys(WithRandomState(named, "2")), seeded);
}

// Katib's own example, examples/v1beta1/hp-tuning/grid.yaml: 12 trials on
// a grid of 9 learning rates by 5 momenta. Product order would try only the
// three smallest learning rates; Katib's GridSampler, like ours, picks
// points all over the grid.
TEST(GridSearchTest, FewerTrialsThanPointsSpreadOverTheGrid) {
  const std::string katib_example = testing::ExperimentText("grid", "grid", R"pb(
    parameters { name: "lr" parameter_type: DOUBLE feasible_space { min: "0.01" max: "0.05" step: "0.005" } }
    parameters { name: "momentum" parameter_type: DOUBLE feasible_space { min: "0.5" max: "0.9" step: "0.1" } })pb");
  for (const std::string seed : {"", "0", "1", "2", "3", "4", "5", "6", "7", "8", "9"}) {
    SCOPED_TRACE(seed);
    pb::GetSuggestionsRequest request = Request(katib_example, 12, 12);
    if (!seed.empty()) request = WithRandomState(request, seed);
    absl::StatusOr<pb::GetSuggestionsReply> reply = Suggest(request);
    ASSERT_TRUE(reply.ok()) << reply.status();
    std::set<double> lrs, momenta;
    for (const auto& assignments : reply->parameter_assignments()) {
      lrs.insert(std::stod(assignments.assignments(0).value()));
      momenta.insert(std::stod(assignments.assignments(1).value()));
    }
    EXPECT_LE(*lrs.begin(), 0.02);
    EXPECT_GE(*lrs.rbegin(), 0.04);
    EXPECT_GE(lrs.size(), 5u);
    EXPECT_GE(momenta.size(), 4u);
  }
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

// Katib's grid makes numpy.arange's "0.30000000000000004"; it is 0.3.
TEST(GridSearchTest, RecognisesKatibsNoisyDoubles) {
  pb::GetSuggestionsRequest request = Request(testing::ExperimentText("noisy", "grid", R"pb(
    parameters { name: "lr" parameter_type: DOUBLE feasible_space { min: "0.1" max: "0.3" step: "0.1" } })pb"),
                                              1, 3);
  const pb::GetSuggestionsReply katib = testing::ParseText<pb::GetSuggestionsReply>(R"pb(
    parameter_assignments { assignments { name: "lr" value: "0.1" } }
    parameter_assignments { assignments { name: "lr" value: "0.30000000000000004" } })pb");
  testing::AddTrial(request, katib, 0, pb::TrialStatus::RUNNING);
  testing::AddTrial(request, katib, 1, pb::TrialStatus::RUNNING);
  EXPECT_THAT(MustSuggestKeys(request), ElementsAre("0.2 "));
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
}

// Katib's controller takes only exactly the number it asked for, and asks
// again until it gets it: the last points come with repeats of themselves
// rather than never (an experiment without maxTrialCount, three at a time,
// with two points left).
TEST(GridSearchTest, TheLastPointsComeWithRepeatsUnlessFewerAreAllowed) {
  const pb::GetSuggestionsReply all = *Suggest(Request(kExperiment, 12, 12));
  pb::GetSuggestionsRequest request = Request(kExperiment, 3, 13);
  request.mutable_experiment()->mutable_spec()->clear_max_trial_count();
  for (int i = 0; i < 10; ++i) testing::AddTrial(request, all, i, pb::TrialStatus::RUNNING);
  const std::string last = Key(all.parameter_assignments(10)), very_last = Key(all.parameter_assignments(11));
  EXPECT_THAT(MustSuggestKeys(request), ElementsAre(last, very_last, last));
  absl::StatusOr<pb::GetSuggestionsReply> fewer =
      Suggest(request, {.shortfall = SuggestOptions::Shortfall::kReturnFewer});
  ASSERT_TRUE(fewer.ok()) << fewer.status();
  EXPECT_THAT(Keys(*fewer), ElementsAre(last, very_last));
}

// A restarted experiment may raise maxTrialCount past the grid (Katib
// validates settings only before it runs): once every point is tried, the
// trials repeat in turn until Katib has its count. Without a maxTrialCount
// there is nothing to reach, and repeats would never end.
TEST(GridSearchTest, AfterTheLastPointTrialsRepeatOnlyTowardsAMaxTrialCount) {
  const pb::GetSuggestionsReply all = *Suggest(Request(kExperiment, 12, 12));
  pb::GetSuggestionsRequest request = Request(kExperiment, 2, 14);
  request.mutable_experiment()->mutable_spec()->set_max_trial_count(20);
  EXPECT_EQ(ValidateSettings(request.experiment()).message(),
            "Max Trial Count: 20 > all possible search combinations: 12");
  for (int i = 0; i < 12; ++i) testing::AddTrial(request, all, i, pb::TrialStatus::SUCCEEDED, "1");
  EXPECT_THAT(MustSuggestKeys(request), ElementsAre(Key(all.parameter_assignments(0)),
                                                    Key(all.parameter_assignments(1))));
  request.set_current_request_number(1);
  request.set_total_request_number(15);
  EXPECT_THAT(MustSuggestKeys(request), ElementsAre(Key(all.parameter_assignments(2))));

  request.mutable_experiment()->mutable_spec()->clear_max_trial_count();
  absl::StatusOr<pb::GetSuggestionsReply> exhausted = Suggest(request);
  EXPECT_EQ(exhausted.status().code(), absl::StatusCode::kOutOfRange);
  EXPECT_EQ(exhausted.status().message(),
            "search space exhausted: algorithm grid has no new points left (12 trials in the request), and the "
            "experiment has no maxTrialCount that repeated points would reach");
}

// Katib counts a trial that ended without metrics as completed, yet asks for
// another in its place; with maxTrialCount the size of the grid, its point
// is the only one left to give.
TEST(GridSearchTest, RetriesThePointsOfTrialsWithoutMetricsOnceNoNewOnesAreLeft) {
  const pb::GetSuggestionsReply all = *Suggest(Request(kExperiment, 12, 12));
  // 12 delivered before this call for 2 more; the fourth trial ended
  // MetricsUnavailable, and Katib leaves it out of the request.
  pb::GetSuggestionsRequest request = Request(kExperiment, 2, 14);
  for (int i = 0; i < 12; ++i) {
    if (i != 3) testing::AddTrial(request, all, i, pb::TrialStatus::SUCCEEDED, "1");
  }
  EXPECT_THAT(MustSuggestKeys(request), ElementsAre(Key(all.parameter_assignments(3)),
                                                    Key(all.parameter_assignments(3))));
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

// 10^18 points: the order is computed point by point, never stored.
TEST(GridSearchTest, WalksAGridFarLargerThanMemory) {
  const pb::GetSuggestionsRequest request = Request(testing::ExperimentText("huge", "grid", R"pb(
    parameters { name: "a" parameter_type: INT feasible_space { min: "1" max: "1000000" } }
    parameters { name: "b" parameter_type: INT feasible_space { min: "1" max: "1000000" } }
    parameters { name: "c" parameter_type: INT feasible_space { min: "1" max: "1000000" } })pb"),
                                                    100, 100);
  const std::vector<std::string> keys = MustSuggestKeys(request);
  EXPECT_EQ(std::set<std::string>(keys.begin(), keys.end()).size(), 100u);
}

TEST(GridSearchTest, RefusesAGridItCannotNumber) {
  std::string parameters;
  for (const char* name : {"a", "b", "c", "d", "e"}) {
    parameters += absl::StrCat("parameters { name: '", name,
                               "' parameter_type: INT feasible_space { min: '1' max: '10000' } }");
  }
  // 10^20 points.
  const pb::GetSuggestionsRequest request = Request(testing::ExperimentText("too-huge", "grid", parameters), 1, 1);
  absl::StatusOr<pb::GetSuggestionsReply> reply = Suggest(request);
  EXPECT_EQ(reply.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(reply.status().message(), HasSubstr("the grid has more than 18446744073709551615 points"));
}

}  // namespace
}  // namespace hpsearch::suggestion
