#include "suggestion/suggest.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
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

// 1,000 parameters times 10,000 suggestions: an 18 KB request that asked
// for a 280 MB reply, which no Katib client would accept.
TEST(SuggestTest, RefusesARequestWhoseReplyWouldOutgrowKatibsClient) {
  pb::GetSuggestionsRequest request = Request(kExperiment, kMaxRequestNumber, 0);
  auto* parameters = request.mutable_experiment()->mutable_spec()->mutable_parameter_specs();
  for (int i = 0; i < 1000; ++i) *parameters->add_parameters() = parameters->parameters(0);
  for (int i = 0; i < parameters->parameters_size(); ++i) {
    parameters->mutable_parameters(i)->set_name("x" + std::to_string(i));
  }
  const absl::Status status = StatusOf(request);
  EXPECT_EQ(status.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(status.message(), HasSubstr("10000 suggestions of 1001 parameters would make a reply of about"));
  EXPECT_THAT(status.message(), HasSubstr("bytes, over the 4194304 (4 MiB) a Katib client accepts; ask for at most 1"));
  request.set_current_request_number(100);
  EXPECT_TRUE(StatusOf(request).ok());
}

TEST(SuggestTest, RejectsAnEmptyRequest) {
  const absl::Status status = StatusOf(Request("", 1, 1));
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("unknown algorithm name"));
}

TEST(SuggestTest, RejectsTrialsWhoseValuesAreNotNumbers) {
  pb::GetSuggestionsRequest request = Request(kExperiment, 1, 2);
  testing::AddTrial(request,
                    testing::ParseText<pb::GetSuggestionsReply>(
                        "parameter_assignments { assignments { name: 'x' value: 'three' } }"),
                    0, pb::TrialStatus::SUCCEEDED, "0.1");
  const absl::Status status = StatusOf(request);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("trial e-1: parameter x: value \"three\" is not feasible"));
}

TEST(SuggestTest, RejectsATrialNamedTwice) {
  pb::GetSuggestionsRequest request = Request(kExperiment, 1, 2);
  for (const char* x : {"0.5", "7"}) {  // the second is not even feasible
    testing::AddTrial(request,
                      testing::ParseText<pb::GetSuggestionsReply>(
                          absl::StrCat("parameter_assignments { assignments { name: 'x' value: '", x, "' } }")),
                      0, pb::TrialStatus::SUCCEEDED, "0.1");
    request.mutable_trials()->rbegin()->set_name("e-1");
  }
  const absl::Status status = StatusOf(request);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("trial e-1 appears more than once in the request"));
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

// A call with many trials is noticed cancelled while it reads them, before
// the algorithm (which would not check for one suggestion) runs.
TEST(SuggestTest, HonoursCancellationWhileReadingTrials) {
  // Grid, which checks for cancellation only every few thousand points.
  pb::GetSuggestionsRequest request = Request(kExperiment, 1, 1001);
  pb::ExperimentSpec* spec = request.mutable_experiment()->mutable_spec();
  spec->mutable_algorithm()->set_algorithm_name("grid");
  pb::ParameterSpec* x = spec->mutable_parameter_specs()->mutable_parameters(0);
  x->set_parameter_type(pb::INT);
  x->mutable_feasible_space()->set_min("0");
  x->mutable_feasible_space()->set_max("100000");
  const auto point = testing::ParseText<pb::GetSuggestionsReply>(
      "parameter_assignments { assignments { name: 'x' value: '5' } }");
  for (int i = 0; i < 1000; ++i) testing::AddTrial(request, point, 0, pb::TrialStatus::SUCCEEDED, "0.1");
  EXPECT_TRUE(Suggest(request).ok());
  EXPECT_EQ(Suggest(request, {.cancelled = [] { return true; }}).status().code(), absl::StatusCode::kCancelled);
}

// A Bayesian optimization experiment past its initial points, so the answer
// depends on every trial's point, state and objective.
constexpr char kBayesianExperiment[] = R"pb(
  experiment {
    name: "bo"
    spec {
      parameter_specs {
        parameters { name: "x" parameter_type: DOUBLE feasible_space { min: "-1" max: "1" } }
        parameters { name: "n" parameter_type: INT feasible_space { min: "1" max: "9" } }
      }
      objective { type: MINIMIZE objective_metric_name: "loss" }
      algorithm {
        algorithm_name: "bayesianoptimization"
        algorithm_settings { name: "n_initial_points" value: "3" }
        algorithm_settings { name: "random_state" value: "7" }
      }
    }
  })pb";

std::vector<AssignmentView> Views(const std::vector<pb::ParameterAssignment>& assignments) {
  std::vector<AssignmentView> views;
  for (const pb::ParameterAssignment& a : assignments) views.push_back({a.name(), a.value()});
  return views;
}

TEST(ExperimentSuggesterTest, AnswersAsSuggestDoesForTheSameTrials) {
  pb::GetSuggestionsRequest request = Request(kBayesianExperiment, 2, 0);
  absl::StatusOr<ExperimentSuggester> suggester =
      ExperimentSuggester::Create(request.experiment());
  ASSERT_TRUE(suggester.ok()) << suggester.status();
  for (int call = 0; call < 6; ++call) {
    request.set_total_request_number(request.trials_size() + 2);
    absl::StatusOr<pb::GetSuggestionsReply> expected = Suggest(request);
    ASSERT_TRUE(expected.ok()) << expected.status();
    auto suggested = suggester->Suggest(2, static_cast<uint64_t>(request.trials_size()));
    ASSERT_TRUE(suggested.ok()) << suggested.status();
    ASSERT_EQ(suggested->size(), 2u);
    for (int i = 0; i < 2; ++i) {
      pb::GetSuggestionsReply::ParameterAssignments got;
      for (const pb::ParameterAssignment& a : (*suggested)[static_cast<size_t>(i)]) *got.add_assignments() = a;
      EXPECT_EQ(got.DebugString(), expected->parameter_assignments(i).DebugString()) << "call " << call;
    }
    // The suggester sees each trial start, then end, as `hpsearch run`
    // tells it; Suggest() sees the end state only. The first of the two
    // succeeds, the second fails: both stay in the input.
    for (int i = 0; i < 2; ++i) {
      const bool succeeded = i == 0;
      const std::string loss = std::to_string(0.1 * call);
      testing::AddTrial(request, *expected, i,
                        succeeded ? pb::TrialStatus::SUCCEEDED : pb::TrialStatus::FAILED, loss);
      const pb::Trial& trial = request.trials(request.trials_size() - 1);
      const std::vector<AssignmentView> point = Views((*suggested)[static_cast<size_t>(i)]);
      ASSERT_TRUE(suggester->Observe(trial.name(), point, pb::TrialStatus::RUNNING, "").ok());
      ASSERT_TRUE(suggester->Observe(trial.name(), point, trial.status().condition(), loss).ok());
    }
  }
}

TEST(ExperimentSuggesterTest, UpdatesTrialsKeepingTheirPoints) {
  absl::StatusOr<ExperimentSuggester> suggester =
      ExperimentSuggester::Create(testing::ParseText<pb::GetSuggestionsRequest>(R"pb(
        experiment {
          name: "g"
          spec {
            parameter_specs {
              parameters { name: "n" parameter_type: INT feasible_space { min: "1" max: "3" } }
            }
            objective { type: MINIMIZE objective_metric_name: "loss" }
            algorithm { algorithm_name: "grid" }
          }
        })pb").experiment());
  ASSERT_TRUE(suggester.ok()) << suggester.status();
  auto next = [&] {
    auto suggested = suggester->Suggest(1, 0, {.shortfall = SuggestOptions::Shortfall::kReturnFewer});
    EXPECT_TRUE(suggested.ok()) << suggested.status();
    return suggested->empty() ? std::string("none") : std::string(suggested->front().front().value());
  };
  const AssignmentView one[] = {{"n", "1"}};
  const AssignmentView two[] = {{"n", "2"}};
  ASSERT_TRUE(suggester->Observe("g-1", one, pb::TrialStatus::RUNNING, "").ok());
  ASSERT_TRUE(suggester->Observe("g-2", two, pb::TrialStatus::RUNNING, "").ok());
  EXPECT_EQ(next(), "3");
  // An update keeps the point read the first time.
  ASSERT_TRUE(suggester->Observe("g-1", two, pb::TrialStatus::METRICSUNAVAILABLE, "").ok());
  EXPECT_EQ(next(), "3");
  const AssignmentView three[] = {{"n", "3"}};
  ASSERT_TRUE(suggester->Observe("g-3", three, pb::TrialStatus::SUCCEEDED, "0.1").ok());
  EXPECT_EQ(next(), "none");
}

TEST(ExperimentSuggesterTest, RefusesInfeasibleTrialsAndBadCounts) {
  absl::StatusOr<ExperimentSuggester> suggester =
      ExperimentSuggester::Create(Request(kExperiment, 1, 1).experiment());
  ASSERT_TRUE(suggester.ok()) << suggester.status();
  const AssignmentView unparsable[] = {{"x", "three"}};
  const absl::Status status = suggester->Observe("e-9", unparsable, pb::TrialStatus::SUCCEEDED, "1");
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("trial e-9: parameter x: value \"three\" is not feasible"));
  EXPECT_EQ(suggester->Suggest(0, 0).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(suggester->Suggest(3, 0).ok());
}

TEST(ExperimentSuggesterTest, RefusesABadExperiment) {
  EXPECT_THAT(ExperimentSuggester::Create(Request("", 1, 1).experiment()).status().message(),
              HasSubstr("unknown algorithm name"));
}

}  // namespace
}  // namespace hpsearch::suggestion
