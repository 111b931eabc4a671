#include "runner/trial_command.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace hpsearch::runner {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

api::Experiment TrainingExperiment() {
  api::Experiment experiment;
  api::TrialTemplate& trial_template = experiment.spec.trial_template.emplace();
  trial_template.primary_container_name = "training";
  trial_template.trial_parameters = {
      {.name = "learningRate", .description = "", .reference = "lr"},
      {.name = "optimizer", .description = "", .reference = "optimizer"},
      {.name = "trialName", .description = "", .reference = "${trialSpec.Name}"},
      {.name = "kind", .description = "", .reference = "${trialSpec.Kind}"},
      {.name = "team", .description = "", .reference = "${trialSpec.Labels[team]}"},
  };
  api::TrialSpec& spec = trial_template.trial_spec.emplace();
  spec.api_version = "batch/v1";
  spec.kind = "Job";
  spec.yaml = "apiVersion: batch/v1\nkind: Job\nmetadata:\n  labels:\n    team: vision\n";
  spec.containers = {
      {.name = "sidecar", .image = "", .command = {"sleep"}, .args = {}, .env = {}, .cluster_only = {}},
      {.name = "training",
       .image = "ghcr.io/hpsearch/hpsearch:latest",
       .command = {"hpsearch-trial"},
       .args = {"--lr=${trialParameters.learningRate}", "--optimizer",
                "${trialParameters.optimizer}", "--name=${trialParameters.trialName}-${trialParameters.kind}"},
       .env = {{"TEAM", "${trialParameters.team}"}, {"PLAIN", "x"}},
       .cluster_only = {}},
  };
  return experiment;
}

TrialIdentity Trial(std::map<std::string, std::string> assignments) {
  return {.name = "exp-abc123", .namespace_ = "default", .assignments = std::move(assignments)};
}

TEST(BuildTrialCommandTest, SubstitutesAssignmentsAndMetadataIntoThePrimaryContainer) {
  auto command = BuildTrialCommand(TrainingExperiment(), Trial({{"lr", "0.01"}, {"optimizer", "adam"}}));
  ASSERT_TRUE(command.ok()) << command.status();
  EXPECT_THAT(command->argv, ElementsAre("hpsearch-trial", "--lr=0.01", "--optimizer", "adam",
                                         "--name=exp-abc123-Job"));
  ASSERT_EQ(command->env.size(), 2u);
  EXPECT_EQ(command->env[0], (api::NameValue{"TEAM", "vision"}));
  EXPECT_EQ(command->env[1], (api::NameValue{"PLAIN", "x"}));
}

TEST(BuildTrialCommandTest, HostileValuesStayOneVerbatimArgument) {
  const std::string hostile = "a b'\"; rm -rf / $(touch x) $(PLAIN) $$ `id` ${HOME} ${trialParameters.optimizer}";
  auto command = BuildTrialCommand(TrainingExperiment(), Trial({{"lr", hostile}, {"optimizer", "sgd"}}));
  ASSERT_TRUE(command.ok()) << command.status();
  // Substituted text is never scanned again, so a value that looks like a
  // placeholder stays as written.
  EXPECT_EQ(command->argv[1], "--lr=" + hostile);
  EXPECT_EQ(command->argv.size(), 5u);
}

// Kubernetes expands $(NAME) from the container's env in its command, args
// and later env values; a local run does the same.
TEST(BuildTrialCommandTest, ExpandsTheContainersVariablesAsKubernetesDoes) {
  api::Experiment experiment = TrainingExperiment();
  api::Container& training = experiment.spec.trial_template->trial_spec->containers[1];
  training.env.push_back({"OUT", "/runs/$(TEAM)/${trialParameters.optimizer}"});
  training.args = {"--out=$(OUT)", "$$(OUT)", "$(HOME)", "--lr=${trialParameters.learningRate}"};
  auto command = BuildTrialCommand(experiment, Trial({{"lr", "$(OUT)"}, {"optimizer", "adam"}}));
  ASSERT_TRUE(command.ok()) << command.status();
  EXPECT_EQ(command->env[2], (api::NameValue{"OUT", "/runs/vision/adam"}));
  // A value not defined stays as written; a parameter's value is not expanded.
  EXPECT_THAT(command->argv, ElementsAre("hpsearch-trial", "--out=/runs/vision/adam", "$(OUT)", "$(HOME)",
                                         "--lr=$(OUT)"));
}

TEST(ExpandContainerVariablesTest, FollowsKubernetesRules) {
  const std::map<std::string, std::string> variables = {{"A", "1"}, {"EMPTY", ""}};
  EXPECT_EQ(ExpandContainerVariables("$(A)-$(EMPTY)-$(B)", variables), "1--$(B)");
  EXPECT_EQ(ExpandContainerVariables("$$(A) $$ $a $( $(A", variables), "$(A) $ $a $( $(A");
  EXPECT_EQ(ExpandContainerVariables("cost: 5$", variables), "cost: 5$");
}

TEST(BuildTrialCommandTest, MissingAssignmentIsNamed) {
  auto command = BuildTrialCommand(TrainingExperiment(), Trial({{"lr", "0.1"}}));
  EXPECT_EQ(command.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(command.status().message(), HasSubstr("optimizer"));
  EXPECT_THAT(command.status().message(), HasSubstr("exp-abc123"));
}

TEST(BuildTrialCommandTest, MissingLabelIsAnIllegalMetadataReference) {
  api::Experiment experiment = TrainingExperiment();
  experiment.spec.trial_template->trial_spec->yaml = "kind: Job\n";
  auto command = BuildTrialCommand(experiment, Trial({{"lr", "0.1"}, {"optimizer", "sgd"}}));
  EXPECT_THAT(command.status().message(),
              HasSubstr("illegal reference of trial metadata: ${trialSpec.Labels[team]}"));
}

TEST(BuildTrialCommandTest, RequiresAPrimaryContainerWithACommandLine) {
  api::Experiment experiment = TrainingExperiment();
  experiment.spec.trial_template->primary_container_name = "nope";
  EXPECT_THAT(BuildTrialCommand(experiment, Trial({})).status().message(),
              HasSubstr("no container named nope"));

  experiment = TrainingExperiment();
  experiment.spec.trial_template->trial_spec->containers[1].command.clear();
  experiment.spec.trial_template->trial_spec->containers[1].args.clear();
  EXPECT_THAT(BuildTrialCommand(experiment, Trial({{"lr", "1"}, {"optimizer", "sgd"}})).status().message(),
              HasSubstr("has no command nor args: in a cluster the image's entrypoint would run"));
  // Args alone are the command line of an image without an entrypoint,
  // but not when they start with a flag for one.
  experiment.spec.trial_template->trial_spec->containers[1].args = {"train", "--lr=${trialParameters.learningRate}"};
  EXPECT_TRUE(BuildTrialCommand(experiment, Trial({{"lr", "1"}, {"optimizer", "sgd"}})).ok());
  experiment.spec.trial_template->trial_spec->containers[1].args = {"--job_type=Train"};
  EXPECT_THAT(BuildTrialCommand(experiment, Trial({{"lr", "1"}, {"optimizer", "sgd"}})).status().message(),
              HasSubstr("has no command and its args start with a flag (--job_type=Train)"));

  EXPECT_FALSE(BuildTrialCommand(api::Experiment{}, Trial({})).ok());
}

TEST(SubstituteTrialParametersTest, ReplacesEveryPlaceholderAndKeepsOtherText) {
  std::map<std::string, std::string> values = {{"a", "1"}, {"b", "two"}};
  EXPECT_EQ(*SubstituteTrialParameters("x=${trialParameters.a},${trialParameters.b}${trialParameters.a}", values),
            "x=1,two1");
  EXPECT_EQ(*SubstituteTrialParameters("${HOME} ${trialParameters.a", values), "${HOME} ${trialParameters.a");
  EXPECT_THAT(SubstituteTrialParameters("${trialParameters.c}", values).status().message(),
              HasSubstr("${trialParameters.c} is not a defined trial parameter"));
}

}  // namespace
}  // namespace hpsearch::runner
