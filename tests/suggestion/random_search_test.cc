#include "suggestion/random_search.h"

#include <map>
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
using ::testing::Key;
using testing::Request;

constexpr char kExperiment[] = R"pb(
  experiment {
    name: "random-example"
    spec {
      parameter_specs {
        parameters { name: "lr" parameter_type: DOUBLE feasible_space { min: "0.001" max: "0.1" distribution: LOG_UNIFORM } }
        parameters { name: "layers" parameter_type: INT feasible_space { min: "1" max: "8" } }
        parameters { name: "optimizer" parameter_type: CATEGORICAL feasible_space { list: "sgd" list: "adam" list: "ftrl" } }
      }
      objective { type: MAXIMIZE objective_metric_name: "accuracy" }
      algorithm { algorithm_name: "random" algorithm_settings { name: "random_state" value: "10" } }
    }
  })pb";

std::vector<std::string> Flatten(const pb::GetSuggestionsReply& reply) {
  std::vector<std::string> out;
  for (const auto& assignments : reply.parameter_assignments()) {
    std::string line;
    for (const auto& a : assignments.assignments()) line += a.name() + "=" + a.value() + " ";
    out.push_back(line);
  }
  return out;
}

std::vector<std::string> MustSuggest(const pb::GetSuggestionsRequest& request) {
  absl::StatusOr<pb::GetSuggestionsReply> reply = Suggest(request);
  EXPECT_TRUE(reply.ok()) << reply.status();
  EXPECT_EQ(reply->parameter_assignments_size(), request.current_request_number());
  return Flatten(*reply);
}

TEST(RandomSearchTest, UnitSequenceIsPinned) {
  // Pinned so that a platform or library change that alters the sequence
  // (and with it every seeded experiment) fails loudly.
  const std::vector<double> unit = RandomUnitPoint(10, 0, 2);
  const std::vector<double> expected = {0x1.c7da5a6cb564p-4, 0x1.d4dd4f86a20a2p-1};
  EXPECT_EQ(unit, expected);
  EXPECT_EQ(SeedFromExperimentName("random-example"), 17958547794337401785ULL);
}

TEST(RandomSearchTest, SameRequestSameAnswer) {
  const pb::GetSuggestionsRequest request = Request(kExperiment, 4, 4);
  EXPECT_EQ(MustSuggest(request), MustSuggest(request));
}

TEST(RandomSearchTest, CallsContinueTheSequence) {
  const std::vector<std::string> all = MustSuggest(Request(kExperiment, 8, 8));
  EXPECT_EQ(std::set<std::string>(all.begin(), all.end()).size(), all.size());
  const std::vector<std::string> first = MustSuggest(Request(kExperiment, 5, 5));
  const std::vector<std::string> second = MustSuggest(Request(kExperiment, 3, 8));
  EXPECT_EQ(first, std::vector<std::string>(all.begin(), all.begin() + 5));
  EXPECT_EQ(second, std::vector<std::string>(all.begin() + 5, all.end()));
}

TEST(RandomSearchTest, WithoutTotalTheTrialCountGivesThePosition) {
  const std::vector<std::string> all = MustSuggest(Request(kExperiment, 3, 3));
  pb::GetSuggestionsRequest first = Request(kExperiment, 1, 0);
  absl::StatusOr<pb::GetSuggestionsReply> reply = Suggest(first);
  ASSERT_TRUE(reply.ok());
  pb::GetSuggestionsRequest next = Request(kExperiment, 2, 0);
  testing::AddTrial(next, *reply, 0, pb::TrialStatus::RUNNING);
  EXPECT_EQ(MustSuggest(next), std::vector<std::string>(all.begin() + 1, all.end()));
}

// Katib deletes trials when parallelTrialCount is lowered (by creation time,
// not always the newest) and counts its requests from those left: the
// positions of trials it kept come round again, and are passed over.
TEST(RandomSearchTest, NeverSuggestsAPointATrialHoldsAfterKatibDeletedTrials) {
  const pb::GetSuggestionsReply six = *Suggest(Request(kExperiment, 6, 6));
  pb::GetSuggestionsRequest request = Request(kExperiment, 1, 5);
  for (int kept : {0, 2, 4, 5}) testing::AddTrial(request, six, kept, pb::TrialStatus::RUNNING);
  const std::vector<std::string> next = MustSuggest(request);
  const std::vector<std::string> held = Flatten(six);
  EXPECT_EQ(std::count(held.begin(), held.end(), next.front()), 0) << next.front();
  // The first position no trial holds: the seventh.
  EXPECT_EQ(next, std::vector<std::string>{MustSuggest(Request(kExperiment, 7, 7)).back()});
}

// A double with min == max is a constant, not a continuous range: every
// point is the same, and it must still come back.
TEST(RandomSearchTest, AConstantDoubleRepeatsItsOnePoint) {
  const std::string experiment = testing::ExperimentText("constant", "random", R"pb(
    parameters { name: "c" parameter_type: DOUBLE feasible_space { min: "0.5" max: "0.5" } })pb");
  const pb::GetSuggestionsReply first = *Suggest(Request(experiment, 1, 1));
  pb::GetSuggestionsRequest next = Request(experiment, 2, 3);
  testing::AddTrial(next, first, 0, pb::TrialStatus::RUNNING);
  EXPECT_EQ(MustSuggest(next), std::vector<std::string>(2, "c=0.5 "));
}

// Without a continuous parameter, points repeat by chance, as in hyperopt.
TEST(RandomSearchTest, AFiniteSpaceRepeatsPointsByChance) {
  const pb::GetSuggestionsRequest coin = Request(testing::ExperimentText("coin", "random", R"pb(
    parameters { name: "side" parameter_type: CATEGORICAL feasible_space { list: "heads" list: "tails" } })pb"),
                                                 8, 8);
  const std::vector<std::string> tosses = MustSuggest(coin);
  ASSERT_NE(std::find(tosses.begin(), tosses.end() - 1, tosses.back()), tosses.end() - 1);  // held before
  pb::GetSuggestionsRequest next = Request(testing::ExperimentText("coin", "random", R"pb(
    parameters { name: "side" parameter_type: CATEGORICAL feasible_space { list: "heads" list: "tails" } })pb"),
                                           1, 8);
  const pb::GetSuggestionsReply all = *Suggest(coin);
  for (int i = 0; i < 7; ++i) testing::AddTrial(next, all, i, pb::TrialStatus::RUNNING);
  EXPECT_EQ(MustSuggest(next), std::vector<std::string>{tosses.back()});
}

TEST(RandomSearchTest, SeedChangesTheSequence) {
  pb::GetSuggestionsRequest other = Request(kExperiment, 4, 4);
  other.mutable_experiment()->mutable_spec()->mutable_algorithm()
      ->mutable_algorithm_settings(0)->set_value("11");
  EXPECT_NE(MustSuggest(Request(kExperiment, 4, 4)), MustSuggest(other));
}

TEST(RandomSearchTest, WithoutRandomStateTheNameSeeds) {
  pb::GetSuggestionsRequest unseeded = Request(kExperiment, 4, 4);
  unseeded.mutable_experiment()->mutable_spec()->mutable_algorithm()->clear_algorithm_settings();
  const std::vector<std::string> first = MustSuggest(unseeded);
  EXPECT_EQ(first, MustSuggest(unseeded));
  unseeded.mutable_experiment()->set_name("another-experiment");
  EXPECT_NE(first, MustSuggest(unseeded));
}

TEST(RandomSearchTest, CoversAllCategoriesAndStaysInBounds) {
  const pb::GetSuggestionsReply reply = *Suggest(Request(kExperiment, 300, 300));
  std::set<std::string> optimizers, layers;
  for (const auto& assignments : reply.parameter_assignments()) {
    const double lr = std::stod(assignments.assignments(0).value());
    EXPECT_GE(lr, 0.001);
    EXPECT_LE(lr, 0.1);
    layers.insert(assignments.assignments(1).value());
    optimizers.insert(assignments.assignments(2).value());
  }
  EXPECT_EQ(layers.size(), 8);
  EXPECT_EQ(optimizers, (std::set<std::string>{"sgd", "adam", "ftrl"}));
}

// As Katib's random (hyperopt's quniform), a stepped number is a uniform
// sample rounded to a multiple of the step: max comes out, and an end value
// is drawn only from the half step beside it.
TEST(RandomSearchTest, SteppedNumbersAreMultiplesOfTheStepAsInKatib) {
  constexpr int kSamples = 1800;
  const pb::GetSuggestionsReply reply = *Suggest(Request(testing::ExperimentText("stepped", "random", R"pb(
    parameters { name: "lr" parameter_type: DOUBLE feasible_space { min: "0" max: "0.3" step: "0.1" } }
    parameters { name: "n" parameter_type: INT feasible_space { min: "1" max: "10" step: "3" } })pb"),
                                                         kSamples, kSamples));
  std::map<std::string, int> lr, n;
  for (const auto& assignments : reply.parameter_assignments()) {
    ++lr[assignments.assignments(0).value()];
    ++n[assignments.assignments(1).value()];
  }
  // round(uniform(0, 0.3) / 0.1): 0 and 0.3 with probability 1/6, 0.1 and
  // 0.2 with 1/3 each.
  ASSERT_THAT(lr, ElementsAre(Key("0.0"), Key("0.1"), Key("0.2"), Key("0.3")));
  EXPECT_NEAR(lr["0.0"], kSamples / 6, 60);
  EXPECT_NEAR(lr["0.1"], kSamples / 3, 60);
  EXPECT_NEAR(lr["0.2"], kSamples / 3, 60);
  EXPECT_NEAR(lr["0.3"], kSamples / 6, 60);
  // round(uniform(1, 10) / 3) * 3: 0 (clipped to min) with probability
  // 0.5/9, 3 and 6 with 3/9, 9 with 2.5/9. Not the grid 1, 4, 7, 10.
  ASSERT_THAT(n, ElementsAre(Key("1"), Key("3"), Key("6"), Key("9")));
  EXPECT_NEAR(n["1"], kSamples / 18, 40);
  EXPECT_NEAR(n["9"], kSamples * 5 / 18, 60);
}

}  // namespace
}  // namespace hpsearch::suggestion
