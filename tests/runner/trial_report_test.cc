#include "runner/trial_report.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <limits>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "absl/strings/str_split.h"

namespace hpsearch::runner {
namespace {

using ::testing::ElementsAre;
using ::testing::StartsWith;

api::Experiment Experiment(std::vector<std::string> parameters) {
  api::Experiment experiment;
  experiment.spec.objective.emplace();
  experiment.spec.objective->type = "minimize";
  experiment.spec.objective->objective_metric_name = "loss";
  for (std::string& name : parameters) {
    experiment.spec.parameters.push_back({.name = std::move(name), .parameter_type = "categorical", .feasible_space = {}});
  }
  return experiment;
}

TrialView Trial(std::string name, std::string parameter, std::string value, std::string message) {
  TrialView trial;
  trial.record.name = std::move(name);
  trial.record.status = metrics::TrialStatus::kFailed;
  trial.record.assignments = {{std::move(parameter), std::move(value)}};
  trial.record.reason = "TrialFailed";
  trial.record.message = std::move(message);
  return trial;
}

TEST(TrialReportTest, TableKeepsEachTrialOnOneAlignedLine) {
  const std::vector<TrialView> trials = {Trial("t-1", "opt", "adam", "exit code 1;\nsee log"),
                                         Trial("t-2", "opt", "ñandú", "exit code 2")};
  const std::string table = FormatTrials(trials, Experiment({"opt"}), ReportFormat::kTable);
  std::vector<std::string> lines = absl::StrSplit(table, '\n', absl::SkipEmpty());
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[1], "t-1    Failed        adam   TrialFailed  exit code 1;\\nsee log");
  EXPECT_EQ(lines[2], "t-2    Failed        ñandú  TrialFailed  exit code 2");
}

TEST(TrialReportTest, AParameterNamedLikeAColumnIsToldApart) {
  const std::vector<TrialView> trials = {Trial("t-1", "loss", "l1", "")};
  const std::string csv = FormatTrials(trials, Experiment({"loss", "message"}), ReportFormat::kCsv);
  EXPECT_THAT(csv, StartsWith("trial,status,loss,parameter.loss,parameter.message,reason,message\r\n"));
}

TEST(TrialReportTest, SortsSucceededTrialsFirstThenPartialObjectivesThenNone) {
  auto trial = [](std::string name, metrics::TrialStatus status, std::optional<double> loss) {
    TrialView view;
    view.record.name = std::move(name);
    view.record.status = status;
    view.record.objective_numeric = loss;
    return view;
  };
  using enum metrics::TrialStatus;
  std::vector<TrialView> sorted = SortedByObjective(
      {trial("crashed", kFailed, 0.01), trial("worse", kSucceeded, 0.5), trial("silent", kFailed, std::nullopt),
       trial("best", kSucceeded, 0.1), trial("stopped", kEarlyStopped, 0.3), trial("running", kRunning, 0.05)},
      Experiment({}));
  std::vector<std::string> names;
  for (const TrialView& view : sorted) names.push_back(view.record.name);
  EXPECT_THAT(names, ElementsAre("best", "worse", "crashed", "running", "stopped", "silent"));
}

// JSON has no infinity: the objective keeps the text the trial reported
// rather than becoming null.
TEST(TrialReportTest, AnInfiniteObjectiveIsWrittenAsItsText) {
  TrialView diverged = Trial("diverged", "x", "1", "");
  diverged.record.status = metrics::TrialStatus::kSucceeded;
  diverged.record.objective_value = "-Inf";
  diverged.record.objective_numeric = -std::numeric_limits<double>::infinity();
  const nlohmann::json json = nlohmann::json::parse(FormatTrials({diverged}, Experiment({"x"}), ReportFormat::kJson));
  EXPECT_EQ(json[0]["objective"], "-Inf");
}

}  // namespace
}  // namespace hpsearch::runner
