#include "suggestion/bayesian_optimization.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <map>
#include <numbers>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "suggestion/internal/acquisition.h"
#include "suggestion/internal/gaussian_process.h"
#include "suggestion/internal/halton.h"
#include "suggestion/suggest.h"
#include "tests/suggestion/test_util.h"

namespace hpsearch::suggestion {
namespace {

namespace pb = ::api::v1::beta1;
using ::testing::HasSubstr;
using testing::Request;

// An experiment over x1 in [-5, 10], x2 in [0, 15] with `settings` (text of
// algorithm_settings entries) and `algorithm`.
std::string BraninExperiment(const std::string& algorithm, const std::string& settings) {
  return R"pb(
    experiment {
      name: "branin"
      spec {
        parameter_specs {
          parameters { name: "x1" parameter_type: DOUBLE feasible_space { min: "-5" max: "10" } }
          parameters { name: "x2" parameter_type: DOUBLE feasible_space { min: "0" max: "15" } }
        }
        objective { type: MINIMIZE objective_metric_name: "loss" }
        algorithm { algorithm_name: ")pb" +
         algorithm + "\" " + settings + R"pb( }
      }
    })pb";
}

// Every parameter kind; 4 * 3 * 2 = 24 points for the list and int ones.
std::string MixedExperiment(const std::string& settings) {
  return R"pb(
    experiment {
      name: "mixed"
      spec {
        parameter_specs {
          parameters { name: "lr" parameter_type: DOUBLE feasible_space { min: "0.0001" max: "0.1" distribution: LOG_UNIFORM } }
          parameters { name: "layers" parameter_type: INT feasible_space { min: "1" max: "7" step: "2" } }
          parameters { name: "batch" parameter_type: DISCRETE feasible_space { list: "16" list: "32" list: "64" } }
          parameters { name: "optimizer" parameter_type: CATEGORICAL feasible_space { list: "sgd" list: "adam" } }
        }
        objective { type: MAXIMIZE objective_metric_name: "accuracy" }
        algorithm { algorithm_name: "bayesianoptimization" )pb" +
         settings + R"pb( }
      }
    })pb";
}

// n in 1..4 and o in {a, b, c}: 12 points.
std::string SmallExperiment(const std::string& initial_points) {
  return absl::StrCat(R"pb(
    experiment {
      name: "small"
      spec {
        parameter_specs {
          parameters { name: "n" parameter_type: INT feasible_space { min: "1" max: "4" } }
          parameters { name: "o" parameter_type: CATEGORICAL feasible_space { list: "a" list: "b" list: "c" } }
        }
        objective { type: MINIMIZE objective_metric_name: "loss" }
        algorithm { algorithm_name: "bayesianoptimization"
                    algorithm_settings { name: "n_initial_points" value: ")pb",
                      initial_points, R"pb(" } }
      }
    })pb");
}

// Minimizing over x in [0, 1], seeded with `random_state`.
std::string UnitIntervalExperiment(const std::string& name, int random_state) {
  return absl::StrCat(R"pb(
    experiment {
      name: ")pb", name, R"pb("
      spec {
        parameter_specs {
          parameters { name: "x" parameter_type: DOUBLE feasible_space { min: "0" max: "1" } }
        }
        objective { type: MINIMIZE objective_metric_name: "loss" }
        algorithm { algorithm_name: "bayesianoptimization"
                    algorithm_settings { name: "random_state" value: ")pb", random_state, R"pb(" } }
      }
    })pb");
}

std::map<std::string, std::string> Values(
    const pb::GetSuggestionsReply::ParameterAssignments& assignments) {
  std::map<std::string, std::string> values;
  for (const auto& a : assignments.assignments()) values[a.name()] = a.value();
  return values;
}

std::string Key(const pb::GetSuggestionsReply::ParameterAssignments& assignments) {
  std::string key;
  for (const auto& a : assignments.assignments()) key += a.value() + " ";
  return key;
}

using Objective = std::function<double(const std::map<std::string, std::string>&)>;

// Runs `evaluations` trials of `experiment` in batches of `batch`, each
// batch evaluated before the next is asked for, as Katib's controller does
// with parallelTrialCount = batch. Returns the objective values in order.
std::vector<double> ClosedLoop(const std::string& experiment, int evaluations, int batch,
                               const Objective& objective) {
  std::vector<double> values;
  pb::GetSuggestionsRequest request = Request(experiment, batch, 0);
  while (static_cast<int>(values.size()) < evaluations) {
    request.set_current_request_number(batch);
    request.set_total_request_number(static_cast<int>(values.size()) + batch);
    absl::StatusOr<pb::GetSuggestionsReply> reply = Suggest(request);
    EXPECT_TRUE(reply.ok()) << reply.status();
    if (!reply.ok()) break;
    for (int i = 0; i < reply->parameter_assignments_size(); ++i) {
      values.push_back(objective(Values(reply->parameter_assignments(i))));
      testing::AddTrial(request, *reply, i, pb::TrialStatus::SUCCEEDED,
                        absl::StrCat(values.back()));
    }
  }
  return values;
}

double Branin(const std::map<std::string, std::string>& values) {
  const double x1 = std::stod(values.at("x1")), x2 = std::stod(values.at("x2"));
  const double b = 5.1 / (4 * std::numbers::pi * std::numbers::pi);
  const double c = 5 / std::numbers::pi;
  const double t = 1 / (8 * std::numbers::pi);
  return std::pow(x2 - b * x1 * x1 + c * x1 - 6, 2) + 10 * (1 - t) * std::cos(x1) + 10;
}
constexpr double kBraninMinimum = 0.397887;

TEST(BayesianOptimizationTest, RejectsSettingsItCannotHonour) {
  pb::Experiment experiment = testing::ParseText<pb::GetSuggestionsRequest>(
      BraninExperiment("bayesianoptimization",
                       R"(algorithm_settings { name: "base_estimator" value: "RF" })"))
                                  .experiment();
  absl::Status status = ValidateSettings(experiment);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("base_estimator RF is not supported"));
  EXPECT_THAT(status.message(), HasSubstr("Gaussian process only"));

  experiment.mutable_spec()->mutable_algorithm()->mutable_algorithm_settings(0)->set_name(
      "acq_func");
  experiment.mutable_spec()->mutable_algorithm()->mutable_algorithm_settings(0)->set_value(
      "EIps");
  status = ValidateSettings(experiment);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("acq_func EIps is not supported"));

  experiment.mutable_spec()->mutable_algorithm()->mutable_algorithm_settings(0)->set_value(
      "XI");
  // Katib's words, then what the setting takes.
  EXPECT_EQ(ValidateSettings(experiment).message(),
            "acq_func XI is not supported in Bayesian optimization (it must be one of gp_hedge, LCB, EI, PI, EIps, "
            "PIps)");

  experiment.mutable_spec()->mutable_algorithm()->mutable_algorithm_settings(0)->set_name(
      "n_initial_points");
  experiment.mutable_spec()->mutable_algorithm()->mutable_algorithm_settings(0)->set_value(
      "-1");
  EXPECT_EQ(ValidateSettings(experiment).message(), "n_initial_points should be great or equal than zero");
  experiment.mutable_spec()->mutable_algorithm()->mutable_algorithm_settings(0)->set_value("many");
  EXPECT_EQ(ValidateSettings(experiment).message(),
            "failed to validate n_initial_points(many): must be an integer >= 0");
}

TEST(BayesianOptimizationTest, RejectsAFiniteSpaceSmallerThanMaxTrialCount) {
  // 12 points: a 13th trial could never be suggested, and every call after
  // the 12th would fail, so the experiment is rejected up front, as grid
  // rejects it.
  pb::Experiment experiment =
      testing::ParseText<pb::GetSuggestionsRequest>(SmallExperiment("3")).experiment();
  experiment.mutable_spec()->set_max_trial_count(13);
  const absl::Status status = ValidateSettings(experiment);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(status.message(), "Max Trial Count: 13 > all possible search combinations: 12");
  experiment.mutable_spec()->set_max_trial_count(12);
  EXPECT_TRUE(ValidateSettings(experiment).ok());
  // A continuous parameter makes the space infinite.
  experiment = testing::ParseText<pb::GetSuggestionsRequest>(MixedExperiment("")).experiment();
  experiment.mutable_spec()->set_max_trial_count(1000);
  EXPECT_TRUE(ValidateSettings(experiment).ok());
}

TEST(BayesianOptimizationTest, AcceptsSkoptSettings) {
  for (const char* settings : {
           R"(algorithm_settings { name: "base_estimator" value: "GP" }
              algorithm_settings { name: "n_initial_points" value: "0" }
              algorithm_settings { name: "acq_func" value: "LCB" }
              algorithm_settings { name: "acq_optimizer" value: "lbfgs" }
              algorithm_settings { name: "random_state" value: "3" })",
           R"(algorithm_settings { name: "acq_func" value: "PI" }
              algorithm_settings { name: "acq_optimizer" value: "sampling" })",
           R"(algorithm_settings { name: "acq_func" value: "EI" })",
           ""}) {
    const pb::Experiment experiment = testing::ParseText<pb::GetSuggestionsRequest>(
                                          MixedExperiment(settings))
                                          .experiment();
    EXPECT_TRUE(ValidateSettings(experiment).ok()) << settings;
  }
}

TEST(BayesianOptimizationTest, LogHIsAccurateEverywhere) {
  for (double z : {-0.5, 0.0, 1.0, 5.0}) {
    const double h = std::exp(-z * z / 2) / std::sqrt(2 * std::numbers::pi) +
                     z * 0.5 * std::erfc(-z / std::numbers::sqrt2);
    EXPECT_NEAR(internal::LogH(z), std::log(h), 1e-12) << z;
  }
  // Continuous across the branch points and finite far in the tail, where
  // h(z) ~ phi(z) / z^2.
  for (double z : {-1.0, -10.0}) {
    EXPECT_NEAR(internal::LogH(std::nextafter(z, 0.0)), internal::LogH(z), 1e-6) << z;
  }
  const double z = -1e4;
  EXPECT_NEAR(internal::LogH(z), -z * z / 2 - 0.5 * std::log(2 * std::numbers::pi) -
                                     2 * std::log(-z),
              1e-6);
  EXPECT_NEAR(internal::LogNormalCdf(-40), -804.608442013754, 1e-6);
  EXPECT_NEAR(internal::LogNormalCdf(std::nextafter(-30.0, 0.0)), internal::LogNormalCdf(-30),
              1e-6);
}

TEST(BayesianOptimizationTest, InitialPointsAreTheHaltonDesign) {
  const std::string experiment = MixedExperiment(
      R"(algorithm_settings { name: "n_initial_points" value: "5" }
         algorithm_settings { name: "random_state" value: "11" })");
  absl::StatusOr<pb::GetSuggestionsReply> reply = Suggest(Request(experiment, 5, 5));
  ASSERT_TRUE(reply.ok()) << reply.status();
  const pb::GetSuggestionsRequest request = Request(experiment, 1, 1);
  absl::StatusOr<SearchSpace> space =
      SearchSpace::FromProto(request.experiment().spec().parameter_specs());
  ASSERT_TRUE(space.ok());
  for (int k = 0; k < 5; ++k) {
    const Point expected = space->Decode(internal::HaltonPoint(11, k, 4));
    EXPECT_EQ(Key(reply->parameter_assignments(k)),
              Key([&] {
                pb::GetSuggestionsReply::ParameterAssignments a;
                for (auto& assignment : space->ToAssignments(expected)) {
                  *a.add_assignments() = assignment;
                }
                return a;
              }()))
        << k;
  }
}

TEST(BayesianOptimizationTest, DeterministicAndFeasibleWithoutRepeats) {
  const std::string experiment = MixedExperiment(
      R"(algorithm_settings { name: "n_initial_points" value: "4" }
         algorithm_settings { name: "random_state" value: "5" })");
  // 24 list/int combinations, continuous lr: run 30 trials in batches of 3,
  // with some failed and some still running.
  pb::GetSuggestionsRequest request = Request(experiment, 3, 0);
  absl::StatusOr<SearchSpace> space =
      SearchSpace::FromProto(request.experiment().spec().parameter_specs());
  ASSERT_TRUE(space.ok());
  std::set<std::string> seen;
  for (int round = 0; round < 10; ++round) {
    request.set_total_request_number(request.trials_size() + 3);
    absl::StatusOr<pb::GetSuggestionsReply> reply = Suggest(request);
    ASSERT_TRUE(reply.ok()) << reply.status();
    absl::StatusOr<pb::GetSuggestionsReply> again = Suggest(request);
    ASSERT_TRUE(again.ok());
    ASSERT_EQ(reply->parameter_assignments_size(), 3);
    for (int i = 0; i < 3; ++i) {
      const auto& assignments = reply->parameter_assignments(i);
      EXPECT_EQ(Key(assignments), Key(again->parameter_assignments(i)));
      EXPECT_TRUE(seen.insert(Key(assignments)).second) << "repeated " << Key(assignments);
      EXPECT_TRUE(space->ParseAssignments("t", ViewAssignments(assignments.assignments())).ok())
          << Key(assignments);
      const auto values = Values(assignments);
      const double accuracy = -std::pow(std::log10(std::stod(values.at("lr"))) + 2, 2) +
                              std::stod(values.at("layers")) / 10 +
                              (values.at("optimizer") == "adam" ? 0.5 : 0);
      // One trial of three fails; the last round's stay running.
      const auto condition = round == 9 ? pb::TrialStatus::RUNNING
                             : i == 2   ? pb::TrialStatus::FAILED
                                        : pb::TrialStatus::SUCCEEDED;
      testing::AddTrial(request, *reply, i, condition,
                        condition == pb::TrialStatus::SUCCEEDED ? absl::StrCat(accuracy) : "");
    }
  }
  // Points asked while the last batch is running differ from it.
  request.set_total_request_number(request.trials_size() + 3);
  absl::StatusOr<pb::GetSuggestionsReply> reply = Suggest(request);
  ASSERT_TRUE(reply.ok()) << reply.status();
  for (const auto& assignments : reply->parameter_assignments()) {
    EXPECT_TRUE(seen.insert(Key(assignments)).second) << "repeated " << Key(assignments);
  }
}

TEST(BayesianOptimizationTest, ExhaustsAFiniteSpaceWithoutRepeats) {
  const std::string experiment = SmallExperiment("3");
  pb::GetSuggestionsRequest request = Request(experiment, 2, 0);
  std::set<std::string> seen;
  for (int round = 0; round < 6; ++round) {
    request.set_total_request_number(request.trials_size() + 2);
    absl::StatusOr<pb::GetSuggestionsReply> reply = Suggest(request);
    ASSERT_TRUE(reply.ok()) << reply.status();
    for (int i = 0; i < reply->parameter_assignments_size(); ++i) {
      EXPECT_TRUE(seen.insert(Key(reply->parameter_assignments(i))).second);
      testing::AddTrial(request, *reply, i, pb::TrialStatus::SUCCEEDED,
                        Values(reply->parameter_assignments(i)).at("n"));
    }
  }
  EXPECT_EQ(seen.size(), 12u);
  request.set_total_request_number(request.trials_size() + 1);
  request.set_current_request_number(1);
  EXPECT_EQ(Suggest(request).status().code(), absl::StatusCode::kOutOfRange);
}

TEST(BayesianOptimizationTest, BatchesSpreadOut) {
  // After 15 evaluations the model concentrates near Branin's minima; a
  // batch of 5 must still not pile onto one point: the liar (the worst
  // value) pushes each next point away from the earlier ones.
  const std::string experiment = BraninExperiment(
      "bayesianoptimization", R"(algorithm_settings { name: "random_state" value: "2" })");
  pb::GetSuggestionsRequest request = Request(experiment, 1, 0);
  for (int i = 0; i < 15; ++i) {
    request.set_total_request_number(i + 1);
    absl::StatusOr<pb::GetSuggestionsReply> reply = Suggest(request);
    ASSERT_TRUE(reply.ok()) << reply.status();
    testing::AddTrial(request, *reply, 0, pb::TrialStatus::SUCCEEDED,
                      absl::StrCat(Branin(Values(reply->parameter_assignments(0)))));
  }
  request.set_current_request_number(5);
  request.set_total_request_number(20);
  absl::StatusOr<pb::GetSuggestionsReply> batch = Suggest(request);
  ASSERT_TRUE(batch.ok()) << batch.status();
  ASSERT_EQ(batch->parameter_assignments_size(), 5);
  double closest = INFINITY;
  for (int a = 0; a < 5; ++a) {
    for (int b = 0; b < a; ++b) {
      const auto va = Values(batch->parameter_assignments(a));
      const auto vb = Values(batch->parameter_assignments(b));
      // Distance in the unit square (x1 spans 15, x2 spans 15).
      closest = std::min(closest, std::hypot(std::stod(va.at("x1")) - std::stod(vb.at("x1")),
                                             std::stod(va.at("x2")) - std::stod(vb.at("x2"))) /
                                      15);
    }
  }
  EXPECT_GT(closest, 0.05) << "closest pair " << closest;
}

TEST(BayesianOptimizationTest, BeatsRandomSearchOnBranin) {
  // 30 evaluations, 10 of them the initial design, in batches of 2.
  double bayesian_regret = 0, random_regret = 0;
  for (int seed = 1; seed <= 4; ++seed) {
    const std::string settings = absl::StrCat(
        R"(algorithm_settings { name: "random_state" value: ")", seed, "\" }");
    const std::vector<double> bayesian =
        ClosedLoop(BraninExperiment("bayesianoptimization", settings), 30, 2, Branin);
    const std::vector<double> random =
        ClosedLoop(BraninExperiment("random", settings), 30, 2, Branin);
    bayesian_regret += *std::min_element(bayesian.begin(), bayesian.end()) - kBraninMinimum;
    random_regret += *std::min_element(random.begin(), random.end()) - kBraninMinimum;
  }
  EXPECT_LT(bayesian_regret, 0.2 * random_regret)
      << "mean regret " << bayesian_regret / 4 << " vs random " << random_regret / 4;
  EXPECT_LT(bayesian_regret / 4, 0.1);
}

TEST(BayesianOptimizationTest, ObjectivesNearTheLargestDoublesWorkAsWell) {
  // Branin times 1e306 (up to 3e308, past what a square can hold): the
  // search must go as well as on Branin itself.
  const std::string settings = R"(algorithm_settings { name: "random_state" value: "3" })";
  const std::vector<double> plain =
      ClosedLoop(BraninExperiment("bayesianoptimization", settings), 25, 1, Branin);
  const std::vector<double> huge = ClosedLoop(
      BraninExperiment("bayesianoptimization", settings), 25, 1,
      [](const std::map<std::string, std::string>& values) { return 5e305 * Branin(values); });
  const double plain_regret = *std::min_element(plain.begin(), plain.end()) - kBraninMinimum;
  const double huge_regret = *std::min_element(huge.begin(), huge.end()) / 5e305 - kBraninMinimum;
  EXPECT_LT(huge_regret, 2 * plain_regret + 0.05) << "plain regret " << plain_regret;
}

TEST(BayesianOptimizationTest, SameAnswersWithAWarmOrAnEmptyCache) {
  // The cache only warm-starts fits, from snapshots of strict subsets of a
  // call's observations: the same sequence of calls gives the same points
  // after it was emptied, and again with it full of the first run's fits.
  const std::string experiment = BraninExperiment(
      "bayesianoptimization", R"(algorithm_settings { name: "random_state" value: "3" })");
  ClearBayesianOptimizationCache();
  const std::vector<double> first = ClosedLoop(experiment, 24, 2, Branin);
  const std::vector<double> warm = ClosedLoop(experiment, 24, 2, Branin);
  ClearBayesianOptimizationCache();
  const std::vector<double> cold = ClosedLoop(experiment, 24, 2, Branin);
  EXPECT_EQ(first, warm);
  EXPECT_EQ(first, cold);
  EXPECT_EQ(BayesianOptimizationCacheSize(), 1u);
}

TEST(BayesianOptimizationTest, CacheIsBounded) {
  ClearBayesianOptimizationCache();
  for (int e = 0; e < 80; ++e) {
    std::string experiment = BraninExperiment(
        "bayesianoptimization", R"(algorithm_settings { name: "n_initial_points" value: "2" })");
    experiment.replace(experiment.find("\"branin\""), 8, absl::StrCat("\"branin-", e, "\""));
    ClosedLoop(experiment, 3, 1, Branin);
  }
  EXPECT_GT(BayesianOptimizationCacheSize(), 0u);
  EXPECT_LE(BayesianOptimizationCacheSize(), 64u);
}

TEST(BayesianOptimizationTest, LearnsAnUnorderedCategorical) {
  // The best element sits between bad ones, which an ordinal encoding of
  // the list makes hard to model; one-hot features make it a level of its
  // own. After the 10-point design, the model should mostly ask for it.
  const std::string experiment = R"pb(
    experiment {
      name: "categorical"
      spec {
        parameter_specs {
          parameters { name: "x" parameter_type: DOUBLE feasible_space { min: "0" max: "1" } }
          parameters { name: "c" parameter_type: CATEGORICAL
                       feasible_space { list: "a" list: "b" list: "c" list: "d" list: "e" list: "f" } }
        }
        objective { type: MINIMIZE objective_metric_name: "loss" }
        algorithm { algorithm_name: "bayesianoptimization"
                    algorithm_settings { name: "random_state" value: "1" } }
      }
    })pb";
  const std::map<std::string, double> level = {{"a", 3}, {"b", 0}, {"c", 3},
                                               {"d", 2.5}, {"e", 3}, {"f", 2}};
  int best_level = 0;
  pb::GetSuggestionsRequest request = Request(experiment, 1, 0);
  for (int i = 0; i < 30; ++i) {
    request.set_total_request_number(i + 1);
    absl::StatusOr<pb::GetSuggestionsReply> reply = Suggest(request);
    ASSERT_TRUE(reply.ok()) << reply.status();
    const auto values = Values(reply->parameter_assignments(0));
    const double x = std::stod(values.at("x"));
    if (i >= 15 && values.at("c") == "b") ++best_level;
    testing::AddTrial(request, *reply, 0, pb::TrialStatus::SUCCEEDED,
                      absl::StrCat(level.at(values.at("c")) + (x - 0.3) * (x - 0.3)));
  }
  EXPECT_GE(best_level, 10) << "of the last 15 suggestions";
}

// Below x = 0.4 training diverges: loss=nan, which Katib's default filter
// records as "", and the trial succeeds without a number. Counted as the
// worst value seen, the region is left alone; ignored, it was probed again
// and again, as the slope leads into it.
TEST(BayesianOptimizationTest, StaysAwayFromWhereTrialsDiverged) {
  const std::string experiment = UnitIntervalExperiment("diverging", 7);
  int diverged = 0;
  pb::GetSuggestionsRequest request = Request(experiment, 1, 0);
  for (int i = 0; i < 25; ++i) {
    request.set_total_request_number(i + 1);
    absl::StatusOr<pb::GetSuggestionsReply> reply = Suggest(request);
    ASSERT_TRUE(reply.ok()) << reply.status();
    const double x = std::stod(Values(reply->parameter_assignments(0)).at("x"));
    if (i >= 10 && x < 0.4) ++diverged;
    testing::AddTrial(request, *reply, 0, pb::TrialStatus::SUCCEEDED, x < 0.4 ? "" : absl::StrCat(x));
  }
  EXPECT_LE(diverged, 2) << "of the last 15 suggestions";
}

// A trial far worse than the rest (a loss of 1e4 from a run that blew up)
// is the worst trial, and no more: it must not flatten the differences among
// the others, which tell the model where the good region is.
TEST(BayesianOptimizationTest, AFarWorseTrialDoesNotHideWhereTheGoodRegionIs) {
  const std::string experiment = UnitIntervalExperiment("blow-up", 3);
  const std::vector<double> losses = ClosedLoop(experiment, 40, 1, [](const auto& values) {
    const double x = std::stod(values.at("x"));
    return x > 0.85 ? 1e4 : (x - 0.3) * (x - 0.3);
  });
  ASSERT_THAT(losses, ::testing::Contains(1e4)) << "the initial design reaches the region that blows up";
  const int near_the_optimum =
      static_cast<int>(std::count_if(losses.end() - 20, losses.end(), [](double loss) { return loss < 0.01; }));
  EXPECT_GE(near_the_optimum, 15) << "of the last 20 trials within 0.1 of the optimum";
}

TEST(BayesianOptimizationTest, ReturnsTheLastPointsOfAFiniteSpace) {
  // 4 * 3 points, 10 of them tried: the remaining two come back, in the
  // design phase (a design saturated with taken points) and in the model
  // phase (every remaining point is a candidate).
  for (const std::string initial : {"100", "2"}) {
    const std::string experiment = SmallExperiment(initial);
    pb::GetSuggestionsRequest request = Request(experiment, 2, 12);
    std::set<std::string> all;
    int added = 0;
    for (int n = 1; n <= 4; ++n) {
      for (const std::string o : {"a", "b", "c"}) {
        all.insert(absl::StrCat(n, " ", o, " "));
        if (added == 10) continue;
        ++added;
        pb::GetSuggestionsReply fake;
        auto* assignments = fake.add_parameter_assignments();
        auto* a = assignments->add_assignments();
        a->set_name("n");
        a->set_value(absl::StrCat(n));
        a = assignments->add_assignments();
        a->set_name("o");
        a->set_value(o);
        all.erase(Key(*assignments));
        testing::AddTrial(request, fake, 0, pb::TrialStatus::SUCCEEDED, absl::StrCat(n));
      }
    }
    absl::StatusOr<pb::GetSuggestionsReply> reply = Suggest(request);
    ASSERT_TRUE(reply.ok()) << reply.status();
    ASSERT_EQ(reply->parameter_assignments_size(), 2);
    std::set<std::string> got = {Key(reply->parameter_assignments(0)),
                                 Key(reply->parameter_assignments(1))};
    EXPECT_EQ(got, all) << "n_initial_points " << initial;
  }
}

TEST(BayesianOptimizationTest, HonoursCancellation) {
  pb::GetSuggestionsRequest request = Request(
      BraninExperiment("bayesianoptimization",
                       R"(algorithm_settings { name: "n_initial_points" value: "2" })"),
      2, 2);
  SuggestOptions options;
  options.cancelled = [] { return true; };
  EXPECT_EQ(Suggest(request, options).status().code(), absl::StatusCode::kCancelled);
  // Cancelled during the model fit, after the design is read.
  absl::StatusOr<pb::GetSuggestionsReply> design = Suggest(request);
  ASSERT_TRUE(design.ok());
  testing::AddTrial(request, *design, 0, pb::TrialStatus::SUCCEEDED, "1");
  testing::AddTrial(request, *design, 1, pb::TrialStatus::SUCCEEDED, "2");
  request.set_total_request_number(3);
  request.set_current_request_number(1);
  int polls = 0;
  options.cancelled = [&] { return ++polls > 2; };
  EXPECT_EQ(Suggest(request, options).status().code(), absl::StatusCode::kCancelled);
}

TEST(BayesianOptimizationTest, StopsAtTheFirstCancelledPollWithManyPendingTrials) {
  // 200 observations and 500 trials still running, asking for 2 points:
  // wherever the cancellation comes (the fit, the factorization, the
  // running trials' block update, the acquisition's search), the call
  // returns CANCELLED at that poll.
  const std::string experiment = BraninExperiment(
      "bayesianoptimization", R"(algorithm_settings { name: "random_state" value: "4" })");
  pb::GetSuggestionsRequest request = Request(
      BraninExperiment("random", R"(algorithm_settings { name: "random_state" value: "4" })"),
      700, 700);
  absl::StatusOr<pb::GetSuggestionsReply> points = Suggest(request);
  ASSERT_TRUE(points.ok()) << points.status();
  request = Request(experiment, 2, 702);
  for (int i = 0; i < 200; ++i) {
    testing::AddTrial(request, *points, i, pb::TrialStatus::SUCCEEDED,
                      absl::StrCat(Branin(Values(points->parameter_assignments(i)))));
  }
  for (int i = 200; i < 700; ++i) testing::AddTrial(request, *points, i, pb::TrialStatus::RUNNING);
  SuggestOptions options;
  int total = 0;
  options.cancelled = [&] {
    ++total;
    return false;
  };
  ClearBayesianOptimizationCache();
  ASSERT_TRUE(Suggest(request, options).ok());
  for (int cancel_at : {1, total / 4, total / 2, 3 * total / 4, total - 1, total}) {
    ClearBayesianOptimizationCache();
    int polls = 0;
    options.cancelled = [&] { return ++polls >= cancel_at; };
    EXPECT_EQ(Suggest(request, options).status().code(), absl::StatusCode::kCancelled)
        << "cancelled at poll " << cancel_at << " of " << total;
    EXPECT_EQ(polls, cancel_at);
  }
}

}  // namespace
}  // namespace hpsearch::suggestion
