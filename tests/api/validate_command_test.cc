// `hpsearch validate` as a user runs it: exit codes and output shape.
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "re2/re2.h"

namespace {

using ::testing::HasSubstr;
using ::testing::Not;

namespace fs = std::filesystem;

struct Result {
  int exit_code = -1;
  std::string out;
  std::string err;
};

std::string Slurp(const fs::path& path) {
  std::ifstream in(path);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// Unique per test and process, so tests may run in parallel, and so may two
// runs of the suite (two build folders, two checkouts) on one machine.
fs::path TempPath(const std::string& name) {
  const std::string test = testing::UnitTest::GetInstance()->current_test_info()->name();
  return fs::path(testing::TempDir()) /
         ("hpsearch_validate_" + std::to_string(getpid()) + "_" + test + "_" + name);
}

fs::path WriteTemp(const std::string& name, const std::string& content) {
  const fs::path path = TempPath(name);
  std::ofstream(path, std::ios::binary) << content;
  return path;
}

Result Validate(const std::string& args) {
  const fs::path out = TempPath("stdout"), err = TempPath("stderr");
  const std::string command = std::string(HPSEARCH_BIN_DIR) + "/hpsearch validate " + args + " >" +
                              out.string() + " 2>" + err.string();
  const int status = std::system(command.c_str());
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, Slurp(out), Slurp(err)};
}

std::string Fixture(const std::string& relative) {
  return std::string(HPSEARCH_SOURCE_DIR) + "/tests/fixtures/experiments/" + relative;
}

// Every stderr line is FILE:LINE:COL: error: ... (or warning).
void ExpectDiagnosticShape(const std::string& err, const std::string& file) {
  const RE2 shape(RE2::QuoteMeta(file) + R"((:\d+:\d+)?: (error|warning): .+)");
  std::istringstream lines(err);
  std::string line;
  int count = 0;
  while (std::getline(lines, line)) {
    EXPECT_TRUE(RE2::FullMatch(line, shape)) << line;
    ++count;
  }
  EXPECT_GT(count, 0);
}

TEST(ValidateCommand, ValidFileExitsZeroWithSummary) {
  const std::string file = std::string(HPSEARCH_SOURCE_DIR) + "/manifests/examples/grid.yaml";
  const Result run = Validate(file);
  EXPECT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(run.err, "");
  EXPECT_THAT(run.out, HasSubstr(file + ": valid"));
  EXPECT_THAT(run.out, HasSubstr("search space: 12 grid points"));
  EXPECT_THAT(run.out, HasSubstr("algorithm: grid"));
  EXPECT_THAT(run.out, HasSubstr("trial command: hpsearch-trial"));
}

TEST(ValidateCommand, InvalidFileExitsOneWithEveryError) {
  const std::string file = Fixture("invalid/max-trial-count-zero.yaml");
  const Result run = Validate(file);
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_EQ(run.out, "");
  EXPECT_THAT(run.err,
              HasSubstr(file + ":20:3: error: spec.maxTrialCount: must be greater than 0"));
  ExpectDiagnosticShape(run.err, file);
  EXPECT_EQ(std::count(run.err.begin(), run.err.end(), '\n'), 3);
}

TEST(ValidateCommand, AnyInvalidFileFailsTheRun) {
  const Result run =
      Validate(Fixture("valid/random.yaml") + " " + Fixture("invalid/kind-not-experiment.yaml"));
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_THAT(run.out, HasSubstr("valid/random.yaml: valid"));
  EXPECT_THAT(run.err, HasSubstr("kind: must be \"Experiment\", not \"Trial\""));
}

// A manifest for kubectl apply -f may hold several Experiments (and other
// objects): each is checked and summarized, its problems at their lines.
TEST(ValidateCommand, ChecksEveryExperimentOfAFile) {
  std::string broken = Slurp(Fixture("valid/random.yaml"));
  const std::string name = "name: random";
  ASSERT_NE(broken.find(name), std::string::npos);
  broken.replace(broken.find(name), name.size(), "name: broken");
  const std::string algorithm = "algorithmName: random";
  ASSERT_NE(broken.find(algorithm), std::string::npos);
  broken.replace(broken.find(algorithm), algorithm.size(), "algorithmName: rnd");
  const std::string random = Slurp(Fixture("valid/random.yaml"));
  const fs::path file = WriteTemp("several.yaml", random + "---\nkind: ConfigMap\napiVersion: v1\n---\n" + broken +
                                                        "---\n" + Slurp(Fixture("valid/grid.yaml")));
  const Result run = Validate(file.string());
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_THAT(run.out, HasSubstr(file.string() + ": random: valid\nexperiment: random"));
  EXPECT_THAT(run.out, HasSubstr(file.string() + ": grid: valid\nexperiment: grid"));
  const int config_map_line = static_cast<int>(std::count(random.begin(), random.end(), '\n')) + 2;
  EXPECT_THAT(run.err, HasSubstr(file.string() + ":" + std::to_string(config_map_line) +
                                 ":1: warning: skipped a ConfigMap: not an Experiment"));
  EXPECT_THAT(run.err,
              HasSubstr("error: spec.algorithm.algorithmName: unable to get Suggestion config data for algorithm rnd"));
  EXPECT_THAT(run.out, ::testing::Not(HasSubstr("broken")));
  ExpectDiagnosticShape(run.err, file.string());
}

TEST(ValidateCommand, WarnsOfTwoExperimentsOfOneNameInAFile) {
  const std::string random = Slurp(Fixture("valid/random.yaml"));
  const fs::path file = WriteTemp("twice.yaml", random + "---\n" + random);
  const Result run = Validate(file.string());
  EXPECT_EQ(run.exit_code, 0) << run.err;
  const int second_name_line = static_cast<int>(std::count(random.begin(), random.end(), '\n')) + 2 + 4;
  EXPECT_EQ(run.err, file.string() + ":" + std::to_string(second_name_line) +
                         ":3: warning: metadata.name: another Experiment of this file has this name and namespace "
                         "(line 5): kubectl apply sends this one as an update of that one, which Katib refuses "
                         "if more than the trial counts differ\n");
}

TEST(ValidateCommand, WarnsAboutAlgorithmsHpsearchDoesNotServe) {
  const std::string file = Fixture("valid/tpe.yaml");
  const Result run = Validate(file);
  EXPECT_EQ(run.exit_code, 0);
  EXPECT_THAT(run.err, HasSubstr(": warning: spec.algorithm.algorithmName: algorithm tpe"));
  ExpectDiagnosticShape(run.err, file);
}

// valid/random.yaml with `spec_lines` added to its spec, as file `name`.
fs::path RandomWithSpecLines(const std::string& name, const std::string& spec_lines) {
  std::string text = Slurp(Fixture("valid/random.yaml"));
  text.replace(text.find("  parameters:"), 0, spec_lines);
  return WriteTemp(name, text);
}

constexpr char kTensorFlowEventCollector[] =
    "  metricsCollectorSpec:\n    collector: {kind: TensorFlowEvent}\n"
    "    source: {fileSystemPath: {path: /train, kind: Directory}}\n";

TEST(ValidateCommand, WarnsAboutCollectorsHpsearchRunCannotUse) {
  const fs::path file = RandomWithSpecLines("prometheus.yaml",
                                            "  metricsCollectorSpec:\n    collector: {kind: PrometheusMetric}\n"
                                            "    source: {httpGet: {port: 8080, path: /metrics}}\n");
  const Result run = Validate(file.string());
  EXPECT_EQ(run.exit_code, 0) << run.err;
  EXPECT_THAT(run.err, HasSubstr(": warning: spec.metricsCollectorSpec.collector.kind: PrometheusMetric is valid "
                                 "for Katib, but hpsearch run collects only StdOut, File and TensorFlowEvent"));
  ExpectDiagnosticShape(run.err, file.string());
}

TEST(ValidateCommand, TakesTheTensorFlowEventCollectorWithoutWarning) {
  const Result run = Validate(RandomWithSpecLines("tfevent.yaml", kTensorFlowEventCollector).string());
  EXPECT_EQ(run.exit_code, 0) << run.err;
  EXPECT_THAT(run.err, Not(HasSubstr("warning")));
}

TEST(ValidateCommand, WarnsThatEarlyStoppingSeesNoTensorFlowEvents) {
  const fs::path file = RandomWithSpecLines(
      "tfevent-medianstop.yaml", std::string(kTensorFlowEventCollector) + "  earlyStopping: {algorithmName: medianstop}\n");
  const Result run = Validate(file.string());
  EXPECT_EQ(run.exit_code, 0) << run.err;
  EXPECT_THAT(run.err, HasSubstr(": warning: spec.earlyStopping: no trial is stopped early: the TensorFlowEvent "
                                 "collector reads the event files once the trial has ended"));
  ExpectDiagnosticShape(run.err, file.string());
}

TEST(ValidateCommand, WarnsThatACollectorFolderOfRootCannotRunLocally) {
  std::string collector = kTensorFlowEventCollector;
  collector.replace(collector.find("/train"), 6, "/");
  const fs::path file = RandomWithSpecLines("tfevent-root.yaml", collector);
  const Result run = Validate(file.string());
  EXPECT_EQ(run.exit_code, 0) << run.err;
  EXPECT_THAT(run.err, HasSubstr(": warning: spec.metricsCollectorSpec.source.fileSystemPath.path: / would give "
                                 "each trial the whole filesystem"));
  ExpectDiagnosticShape(run.err, file.string());
}

// Katib's webhook does not look at algorithm settings, but its suggestion
// service's ValidateAlgorithmSettings fails the experiment on them; hpsearch
// validate asks the same code before anything is deployed.
TEST(ValidateCommand, RejectsSettingsTheAlgorithmRefuses) {
  std::string text = Slurp(Fixture("valid/random.yaml"));
  const std::string algorithm = "    algorithmName: random\n";
  ASSERT_NE(text.find(algorithm), std::string::npos);
  text.replace(text.find(algorithm), algorithm.size(),
               algorithm + "    algorithmSettings:\n      - name: n_initial_points\n        value: \"5\"\n");
  const fs::path file = WriteTemp("settings.yaml", text);
  const Result run = Validate(file.string());
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_THAT(run.err, HasSubstr("error: spec.algorithm: unknown setting n_initial_points for algorithm random"));
  ExpectDiagnosticShape(run.err, file.string());
}

// The same for Katib's early-stopping service, whose
// ValidateEarlyStoppingSettings `hpsearch run` stands in for.
TEST(ValidateCommand, RejectsEarlyStoppingSettingsMedianStopRefuses) {
  std::string text = Slurp(Fixture("valid/random.yaml"));
  const std::string algorithm = "  algorithm:\n";
  ASSERT_NE(text.find(algorithm), std::string::npos);
  text.insert(text.find(algorithm),
              "  earlyStopping:\n    algorithmName: medianstop\n    algorithmSettings:\n"
              "      - name: start_step\n        value: \"0\"\n");
  const fs::path file = WriteTemp("early.yaml", text);
  const Result run = Validate(file.string());
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_THAT(run.err, HasSubstr("error: spec.earlyStopping: start_step must be greater or equal than one (>=1)"));
  ExpectDiagnosticShape(run.err, file.string());

  const std::string zero = "value: \"0\"";
  text.replace(text.find(zero), zero.size(), "value: \"2\"");
  const Result fixed = Validate(WriteTemp("early-fixed.yaml", text).string());
  EXPECT_EQ(fixed.exit_code, 0) << fixed.err;
  EXPECT_THAT(fixed.out, HasSubstr("early stopping: medianstop"));
}

// Katib's webhook converts a batch/v1 Job trial spec to Kubernetes' Job and
// refuses one with a field Kubernetes does not have; it decodes the rest
// into Go types, refusing an unquoted number for a string, which hpsearch
// reads and warns of.
TEST(ValidateCommand, RefusesWhatKatibCannotConvertAndWarnsOfWhatItCannotDecode) {
  std::string text = Slurp(Fixture("valid/random.yaml"));
  const std::string command = "                command:";
  const std::string min = "min: \"0.01\"";
  ASSERT_NE(text.find(command), std::string::npos);
  ASSERT_NE(text.find(min), std::string::npos);
  text.replace(text.find(command), command.size(), "                comand:");
  text.replace(text.find(min), min.size(), "min: 0.01");
  const fs::path file = WriteTemp("typo.yaml", text);
  const Result run = Validate(file.string());
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_THAT(run.err, HasSubstr(file.string() + ":23:14: warning: spec.parameters[0].feasibleSpace.min: "
                                                 "Katib refuses a number here (its field is a string): "
                                                 "write \"0.01\""));
  EXPECT_THAT(run.err, HasSubstr(file.string() + ":48:17: error: spec.trialTemplate.trialSpec.spec.template"
                                                 ".spec.containers[0].comand: unknown field of Kubernetes' "
                                                 "Container: Katib converts a batch/v1 Job trial spec"));
  ExpectDiagnosticShape(run.err, file.string());
}

TEST(ValidateCommand, MissingFile) {
  const Result run = Validate("/nonexistent/x.yaml");
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_EQ(run.err, "/nonexistent/x.yaml: error: cannot open: No such file or directory\n");
}

TEST(ValidateCommand, EmptyFile) {
  const fs::path file = WriteTemp("empty.yaml", "");
  const Result run = Validate(file.string());
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_THAT(run.err, HasSubstr(file.string() + ":1:1: error: file is empty"));
}

TEST(ValidateCommand, BinaryGarbage) {
  const fs::path file = WriteTemp("garbage.yaml", std::string("\x7f"
                                                              "ELF\x02\x01\x01\0\0",
                                                              9));
  const Result run = Validate(file.string());
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_THAT(run.err, HasSubstr("error: not a UTF-8 text file"));
  ExpectDiagnosticShape(run.err, file.string());
}

TEST(ValidateCommand, YamlSyntaxError) {
  const std::string file = Fixture("invalid/yaml-syntax-error.yaml");
  const Result run = Validate(file);
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_THAT(run.err, HasSubstr(": error: invalid YAML: "));
  ExpectDiagnosticShape(run.err, file);
}

TEST(ValidateCommand, NotAnExperiment) {
  const fs::path file = WriteTemp("job.yaml",
                                  "apiVersion: batch/v1\nkind: Job\nmetadata:\n"
                                  "  name: x\nspec: {}\n");
  const Result run = Validate(file.string());
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_THAT(run.err, HasSubstr(file.string() +
                                 ":1:13: error: apiVersion: must be \"kubeflow.org/v1beta1\""));
  EXPECT_THAT(run.err, HasSubstr(file.string() + ":2:7: error: kind: must be \"Experiment\""));
}

TEST(ValidateCommand, UsageErrorsExitTwo) {
  EXPECT_EQ(Validate("").exit_code, 2);
  EXPECT_EQ(Validate("--no-such-flag x.yaml").exit_code, 2);
}

}  // namespace
