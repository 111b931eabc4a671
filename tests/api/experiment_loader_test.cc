// Loading edge cases: what the model holds after a load, and clear errors
// (never exceptions or crashes) for empty, binary, oversized, aliased and
// deeply nested input.
#include "api/experiment_loader.h"

#include <fstream>
#include <string>

#include "absl/strings/str_cat.h"
#include "api/experiment_summary.h"
#include "gpu/budget.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace hpsearch::api {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

std::string Example(const std::string& name) {
  return ReadFile(std::string(HPSEARCH_SOURCE_DIR) + "/manifests/examples/" + name);
}

// Replaces the first `from` in `text` by `to`.
void Replace(std::string& text, const std::string& from, const std::string& to) {
  text.replace(text.find(from), from.size(), to);
}

// The single diagnostic of a load, which must fail with an error or
// succeed with a warning.
Diagnostic OnlyDiagnostic(const LoadedExperiment& loaded, Severity severity) {
  EXPECT_EQ(loaded.ok(), severity == Severity::kWarning);
  EXPECT_EQ(loaded.diagnostics.size(), 1u);
  if (loaded.diagnostics.empty()) return Diagnostic{};
  EXPECT_EQ(loaded.diagnostics.front().severity, severity);
  return loaded.diagnostics.front();
}

Diagnostic OnlyError(const LoadedExperiment& loaded) { return OnlyDiagnostic(loaded, Severity::kError); }
Diagnostic OnlyWarning(const LoadedExperiment& loaded) { return OnlyDiagnostic(loaded, Severity::kWarning); }

TEST(ExperimentLoader, ReadsTheWholeModel) {
  const LoadedExperiment loaded = LoadExperimentText(Example("random.yaml"));
  ASSERT_TRUE(loaded.ok());
  const Experiment& e = *loaded.experiment;
  EXPECT_EQ(e.metadata.name, "fmnist-random");
  EXPECT_EQ(e.metadata.namespace_, "kubeflow");
  const Objective& o = *e.spec.objective;
  EXPECT_EQ(ParseObjectiveType(o.type), ObjectiveType::kMaximize);
  EXPECT_EQ(o.goal, 0.9);
  EXPECT_EQ(o.objective_metric_name, "val_accuracy");
  EXPECT_THAT(o.additional_metric_names, ElementsAre("val_loss", "accuracy", "loss"));
  EXPECT_EQ(e.spec.algorithm->algorithm_name, "random");
  EXPECT_THAT(e.spec.algorithm->algorithm_settings, ElementsAre(NameValue{"random_state", "42"}));
  EXPECT_EQ(e.spec.parallel_trial_count, 2);
  EXPECT_EQ(e.spec.max_trial_count, 8);
  EXPECT_EQ(e.spec.max_failed_trial_count, 3);
  ASSERT_EQ(e.spec.parameters.size(), 3u);
  EXPECT_EQ(e.spec.parameters[0].feasible_space.min, "0.001");
  EXPECT_EQ(e.spec.parameters[0].feasible_space.distribution, "logUniform");
  EXPECT_THAT(e.spec.parameters[2].feasible_space.list, ElementsAre("32", "64", "128"));
  const TrialTemplate& t = *e.spec.trial_template;
  ASSERT_NE(t.PrimaryContainer(), nullptr);
  EXPECT_EQ(t.PrimaryContainer()->image, "registry.example.com/hpsearch:0.1.0");
  EXPECT_THAT(t.PrimaryContainer()->command,
              testing::Contains("--lr=${trialParameters.learningRate}"));
  EXPECT_EQ(t.trial_spec->kind, "Job");
  EXPECT_THAT(t.trial_spec->yaml, HasSubstr("restartPolicy: Never"));
  EXPECT_EQ(t.trial_parameters[0].reference, "lr");
}

// gpu-shared.yaml with `fields` (indented for its training container) put
// in before the container's resources.
std::string GpuSharedWithContainerFields(const std::string& fields) {
  std::string text = Example("gpu-shared.yaml");
  const std::string anchor = "                resources:";
  Replace(text, anchor, fields + anchor);
  return text;
}

TEST(ExperimentLoader, ReadsAnnotationsAndEnv) {
  const LoadedExperiment loaded = LoadExperimentText(GpuSharedWithContainerFields(
      "                env:\n                  - name: OMP_NUM_THREADS\n"
      "                    value: \"1\"\n"));
  ASSERT_TRUE(loaded.ok());
  EXPECT_EQ(loaded.experiment->metadata.annotations.at(std::string(gpu::kGpuMemoryFractionAnnotation)),
            "0.25");
  EXPECT_THAT(loaded.experiment->spec.trial_template->PrimaryContainer()->env,
              ElementsAre(NameValue{"OMP_NUM_THREADS", "1"}));
}

TEST(ExperimentLoader, LeavesOutWhatOnlyAClusterProvidesAndNotesIt) {
  const LoadedExperiment loaded = LoadExperimentText(GpuSharedWithContainerFields(
      "                workingDir: /app\n"
      "                env:\n"
      "                  - name: WANDB_API_KEY\n"
      "                    valueFrom: {secretKeyRef: {name: wandb, key: api-key}}\n"
      "                  - name: EMPTY\n"
      "                envFrom:\n"
      "                  - configMapRef: {name: settings}\n"));
  ASSERT_TRUE(loaded.ok()) << FormatDiagnostic("gpu-shared.yaml", loaded.diagnostics.front());
  const Container& training = *loaded.experiment->spec.trial_template->PrimaryContainer();
  EXPECT_THAT(training.env, ElementsAre(NameValue{"EMPTY", ""}));
  const std::string container = "spec.trialTemplate.trialSpec.spec.template.spec.containers[0]";
  using enum ClusterOnlyField::Kind;
  EXPECT_THAT(training.cluster_only,
              ElementsAre(ClusterOnlyField{kWorkingDir, container + ".workingDir", ""},
                          ClusterOnlyField{kValueFrom, container + ".env[0].valueFrom", "WANDB_API_KEY"},
                          ClusterOnlyField{kEnvFrom, container + ".envFrom", ""}));
}

TEST(ExperimentLoader, ValueAndValueFromTogetherIsAnError) {
  const Diagnostic d = OnlyError(LoadExperimentText(GpuSharedWithContainerFields(
      "                env:\n"
      "                  - name: TOKEN\n"
      "                    value: abc\n"
      "                    valueFrom: {secretKeyRef: {name: s, key: k}}\n")));
  EXPECT_EQ(d.path, "spec.trialTemplate.trialSpec.spec.template.spec.containers[0].env[0]");
  EXPECT_THAT(d.message, HasSubstr("valueFrom may not be specified when value is not empty"));
}

// Kubernetes' rule for variable names: a name with '=' would set another
// variable (hpsearch's own, say) in the trial.
TEST(ExperimentLoader, AnEnvironmentVariableNeedsANameKubernetesTakes) {
  const std::string env = "spec.trialTemplate.trialSpec.spec.template.spec.containers[0].env[0]";
  for (const char* name : {"\"HPSEARCH_TRIAL_NAME=mine\"", "\"A\\tB\"", "\"caf\u00e9\""}) {
    const Diagnostic d = OnlyError(LoadExperimentText(GpuSharedWithContainerFields(
        absl::StrCat("                env:\n                  - name: ", name, "\n                    value: x\n"))));
    EXPECT_EQ(d.path, env + ".name") << name;
    EXPECT_EQ(d.message, "a valid environment variable name must consist only of printable ASCII characters "
                         "other than '='")
        << name;
  }
  for (const char* entry : {"- name: \"\"\n                    value: x", "- value: x"}) {
    const Diagnostic d = OnlyError(LoadExperimentText(
        GpuSharedWithContainerFields(absl::StrCat("                env:\n                  ", entry, "\n"))));
    EXPECT_EQ(d.path, env + ".name") << entry;
    EXPECT_EQ(d.message, "Required value") << entry;
  }
  // Kubernetes takes these since 1.32, and so does hpsearch.
  for (const char* name : {"my.env-name", "1ST", "WITH SPACE", "a:b"}) {
    EXPECT_TRUE(LoadExperimentText(GpuSharedWithContainerFields(absl::StrCat(
                                       "                env:\n                  - name: \"", name,
                                       "\"\n                    value: x\n")))
                    .ok())
        << name;
  }
}

TEST(ExperimentLoader, ATrialTemplateInAConfigMapIsValidButCannotRunHere) {
  std::string text = Example("random.yaml");
  text.erase(text.find("    trialSpec:"));
  // A ConfigMap's template has no kind to default the conditions from.
  text += "    successCondition: status.succeeded\n    failureCondition: status.failed\n"
          "    configMap:\n      configMapName: trial-templates\n      templatePath: defaultTrialTemplate.yaml\n";
  const Diagnostic d = OnlyWarning(LoadExperimentText(text));
  EXPECT_EQ(d.path, "spec.trialTemplate.configMap");
  EXPECT_THAT(d.message, HasSubstr("hpsearch run cannot read a ConfigMap"));
}

TEST(ExperimentLoader, TheNoneCollectorIsKatibsOldSpellingOfPush) {
  std::string text = Example("random.yaml");
  text.replace(text.find("  parameters:"), 0, "  metricsCollectorSpec:\n    collector:\n      kind: None\n");
  const Diagnostic d = OnlyWarning(LoadExperimentText(text));
  EXPECT_EQ(d.path, "spec.metricsCollectorSpec.collector.kind");
  EXPECT_THAT(d.message, HasSubstr("write Push"));
}

TEST(ExperimentLoader, OtherObjectsBesideTheExperimentAreSkipped) {
  const std::string config_map = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: settings}\ndata: {a: b}\n";
  const LoadedExperiment loaded = LoadExperimentText(config_map + "---\n" + Example("random.yaml"));
  const Diagnostic d = OnlyWarning(loaded);
  EXPECT_EQ(d.message, "skipped a ConfigMap: not an Experiment");
  EXPECT_EQ(d.position.line, 1);
  ASSERT_TRUE(loaded.ok());
  EXPECT_EQ(loaded.experiment->metadata.name, "fmnist-random");

  // Positions stay the file's.
  std::string broken = Example("random.yaml");
  broken.replace(broken.find("  maxTrialCount: 8"), 17, "  maxTrialCount: x");
  const LoadedExperiment failed = LoadExperimentText(broken + "---\n" + config_map);
  ASSERT_FALSE(failed.ok());
  const Diagnostic& error = failed.diagnostics.front();
  EXPECT_EQ(error.path, "spec.maxTrialCount");
  const std::string before = broken.substr(0, broken.find("  maxTrialCount: x"));
  EXPECT_EQ(error.position.line, std::count(before.begin(), before.end(), '\n') + 1);

  const Diagnostic none = OnlyError(LoadExperimentText(config_map + "---\napiVersion: v1\nkind: Secret\n"));
  EXPECT_EQ(none.message, "the file holds no Experiment, only ConfigMap, Secret");
}

TEST(ExperimentLoader, WarnsAboutUnknownFieldsButAccepts) {
  std::string text = Example("grid.yaml");
  text.replace(text.find("  maxTrialCount:"), 0, "  maxTrialCounts: 5\n");
  const Diagnostic d = OnlyWarning(LoadExperimentText(text));
  EXPECT_EQ(d.path, "spec.maxTrialCounts");
  EXPECT_EQ(d.message, "unknown field, ignored, as Katib ignores it");
}

// grid.yaml, whose trialSpec is a batch/v1 Job, with `from` replaced by `to`.
std::string GridWith(const std::string& from, const std::string& to) {
  std::string text = Example("grid.yaml");
  Replace(text, from, to);
  return text;
}

const std::string kGridPodSpec = "spec.trialTemplate.trialSpec.spec.template.spec";

std::vector<std::string> ErrorPaths(const LoadedExperiment& loaded) {
  std::vector<std::string> paths;
  for (const Diagnostic& d : loaded.diagnostics) {
    if (d.severity == Severity::kError) paths.push_back(d.path);
  }
  return paths;
}

// Katib's default filter reads "val/loss=0.5" as loss=0.5: the objective
// would never arrive, in a cluster as here.
TEST(ExperimentLoader, WarnsOfMetricNamesKatibsDefaultFilterCannotRead) {
  const Diagnostic objective = OnlyWarning(LoadExperimentText(GridWith("val_loss", "val/loss")));
  EXPECT_EQ(objective.path, "spec.objective.objectiveMetricName");
  EXPECT_EQ(objective.message,
            "Katib's default metrics filter reads names of letters, digits, _, | and - only, so \"val/loss\" is never "
            "collected: rename the metric, or set a filter (spec.metricsCollectorSpec.source.filter.metricsFormat)");
  EXPECT_EQ(OnlyWarning(LoadExperimentText(GridWith("- loss", "- loss.total"))).path,
            "spec.objective.additionalMetricNames[1]");
  // An empty list of filters is Katib's default filter.
  std::string no_filters = GridWith("val_loss", "val/loss");
  Replace(no_filters, "  algorithm:\n", "  metricsCollectorSpec:\n    source:\n      filter:\n        metricsFormat: []\n"
                                         "  algorithm:\n");
  EXPECT_EQ(OnlyWarning(LoadExperimentText(no_filters)).path, "spec.objective.objectiveMetricName");
  // A filter of one's own reads what it says.
  std::string text = GridWith("val_loss", "val/loss");
  Replace(text, "  algorithm:\n",
          "  metricsCollectorSpec:\n    source:\n      filter:\n        metricsFormat: [\"([\\\\w/]+)=(\\\\S+)\"]\n"
          "  algorithm:\n");
  const LoadedExperiment filtered = LoadExperimentText(text);
  EXPECT_TRUE(filtered.ok());
  EXPECT_THAT(filtered.diagnostics, testing::IsEmpty()) << FormatDiagnostic("grid.yaml", filtered.diagnostics.front());
}

// Katib's webhook converts a batch/v1 Job trial spec to Kubernetes' Job and
// refuses the experiment when a field is dropped on the way.
TEST(ExperimentLoader, UnknownFieldsOfAJobAreErrors) {
  const Diagnostic typo =
      OnlyError(LoadExperimentText(GpuSharedWithContainerFields("                comand: [x]\n")));
  EXPECT_EQ(typo.path, "spec.trialTemplate.trialSpec.spec.template.spec.containers[0].comand");
  EXPECT_EQ(typo.message,
            "unknown field of Kubernetes' Container: Katib converts a batch/v1 Job trial spec to "
            "Kubernetes' Job and refuses what does not convert");
  EXPECT_EQ(typo.position, (SourcePosition{89, 17}));

  const LoadedExperiment misplaced = LoadExperimentText(
      GridWith("            restartPolicy: Never",
               "            restartPolicy: Never\n            backoffLimit: 2\n          backofLimit: 2\n"
               "        parallelism: 1\n      metadata: {labels: {a: b}}\n      status: {}"));
  ASSERT_THAT(ErrorPaths(misplaced), ElementsAre(kGridPodSpec + ".backoffLimit",
                                                 "spec.trialTemplate.trialSpec.spec.template.backofLimit"));
  EXPECT_THAT(misplaced.diagnostics[0].message, HasSubstr("unknown field of Kubernetes' PodSpec"));
  EXPECT_THAT(misplaced.diagnostics[1].message, HasSubstr("unknown field of Kubernetes' PodTemplateSpec"));
}

TEST(ExperimentLoader, ValuesOfTheWrongShapeInAJobAreErrors) {
  const Diagnostic list =
      OnlyError(LoadExperimentText(GridWith("restartPolicy: Never", "restartPolicy: [Never]")));
  EXPECT_EQ(list.path, kGridPodSpec + ".restartPolicy");
  EXPECT_THAT(list.message, HasSubstr("expected a scalar, got a list: Katib converts a batch/v1 Job"));
  // Of the wrong shape, an empty value is that, not a value the conversion drops.
  const Diagnostic empty = OnlyError(
      LoadExperimentText(GridWith("restartPolicy: Never", "restartPolicy: Never\n            nodeSelector: \"\"")));
  EXPECT_EQ(empty.path, kGridPodSpec + ".nodeSelector");
  EXPECT_THAT(empty.message, HasSubstr("expected a mapping, got a scalar"));

  const LoadedExperiment init = LoadExperimentText(GridWith(
      "            containers:",
      "            initContainers:\n              - name: fetch\n                args: {a: b}\n"
      "              - fetch\n            containers:"));
  ASSERT_THAT(ErrorPaths(init), ElementsAre(kGridPodSpec + ".initContainers[0].args",
                                            kGridPodSpec + ".initContainers[1]"));
  EXPECT_THAT(init.diagnostics[0].message, HasSubstr("expected a list, got a mapping: Katib converts"));
  EXPECT_THAT(init.diagnostics[1].message, HasSubstr("expected a mapping, got a scalar: Katib converts"));
}

// kubectl sends an unquoted 2 as a JSON number, which Katib cannot convert to
// a string of the Container; hpsearch runs it, so that warns. Text that is no
// integer where Kubernetes has one is an error.
TEST(ExperimentLoader, ScalarsOfTheWrongJsonTypeInAJobWarnOrFail) {
  std::string text = GridWith("                  - --epochs=2", "                  - --epochs\n                  - 2");
  text.replace(text.find("        template:"), 0, "        backoffLimit: \"3\"\n");
  text.replace(text.find("            restartPolicy: Never"), 0,
               "            hostNetwork: \"false\"\n            nodeSelector: {gpu: true}\n");
  const LoadedExperiment warned = LoadExperimentText(text);
  ASSERT_TRUE(warned.ok());
  std::vector<std::string> warnings;
  for (const Diagnostic& d : warned.diagnostics) warnings.push_back(d.path + ": " + d.message);
  EXPECT_THAT(warnings,
              ElementsAre("spec.trialTemplate.trialSpec.spec.backoffLimit: Katib refuses a quoted number here "
                          "(its field is a number): write 3",
                          kGridPodSpec + ".containers[0].command[7]: Katib refuses a number here (its field is a "
                                         "string): write \"2\"",
                          kGridPodSpec + ".hostNetwork: Katib refuses a quoted boolean here (its field is a "
                                         "boolean): write false",
                          kGridPodSpec + ".nodeSelector.gpu: Katib refuses a boolean here (its field is a string): "
                                         "write \"true\""));

  const Diagnostic error =
      OnlyError(LoadExperimentText(GridWith("        template:", "        backoffLimit: three\n        template:")));
  EXPECT_EQ(error.path, "spec.trialTemplate.trialSpec.spec.backoffLimit");
  EXPECT_THAT(error.message, HasSubstr("expected an integer, got \"three\": Katib converts a batch/v1 Job"));
}

// The container parser already says what is wrong with the fields a local
// run reads; the Job check does not say it again.
TEST(ExperimentLoader, AContainerFieldOfTheWrongTypeIsReportedOnce) {
  const Diagnostic d =
      OnlyError(LoadExperimentText(GpuSharedWithContainerFields("                args: oops\n")));
  EXPECT_EQ(d.path, "spec.trialTemplate.trialSpec.spec.template.spec.containers[0].args");
  EXPECT_EQ(d.message, "expected a list, got a scalar");
}

// Resources are not converted field by field (Katib lets custom devices
// through), deeper objects are not checked, and the empty values the
// conversion keeps (pointers, structs) are fine.
TEST(ExperimentLoader, AcceptsResourcesDeeperObjectsAndKeptEmptyValuesOfAJob) {
  const LoadedExperiment loaded = LoadExperimentText(GridWith(
      "            restartPolicy: Never",
      "                securityContext: {anything: goes}\n"
      "                resources:\n"
      "                  requests: {example.com/fpga: 1, cpu: 500m}\n"
      "                  limits: {example.com/fpga: 1}\n"
      "            restartPolicy: Never\n"
      "            automountServiceAccountToken: false\n"
      "            runtimeClassName: \"\"\n"
      "            affinity: {nodeAffinity: {whatever: 1}}\n"
      "          metadata: {}\n"
      "        backoffLimit: 0"));
  EXPECT_TRUE(loaded.ok());
  EXPECT_THAT(loaded.diagnostics, testing::IsEmpty())
      << FormatDiagnostic("grid.yaml", loaded.diagnostics.front());
}

// Katib's webhook compares the Job it converted with what was written: a
// null, or an empty value Go's `omitempty` leaves out, is missing from the
// conversion and refuses the experiment. hpsearch takes them as unset.
TEST(ExperimentLoader, WarnsOfNullAndEmptyValuesAJobsConversionDoesNotKeep) {
  const LoadedExperiment loaded = LoadExperimentText(GridWith(
      "            restartPolicy: Never",
      "                workingDir: null\n"
      "                livenessProbe: ~\n"
      "                args: []\n"
      "                imagePullPolicy: \"\"\n"
      "            restartPolicy: Never\n"
      "            initContainers:\n"
      "            nodeSelector: {}\n"
      "            hostNetwork: false\n"
      "          metadata:\n"
      "        backoffLimit: null"));
  ASSERT_TRUE(loaded.ok());
  std::vector<std::string> warnings;
  for (const Diagnostic& d : loaded.diagnostics) {
    EXPECT_THAT(d.message, HasSubstr(": Katib refuses it, as converting a batch/v1 Job trial spec to "
                                     "Kubernetes' Job does not keep it: leave the field out"));
    warnings.push_back(d.path + ": " + d.message.substr(0, d.message.find(':')));
  }
  const std::string container = kGridPodSpec + ".containers[0]";
  EXPECT_THAT(warnings,
              ElementsAre(container + ".workingDir: null", container + ".livenessProbe: null",
                          container + ".args: an empty list", container + ".imagePullPolicy: an empty string",
                          kGridPodSpec + ".initContainers: null", kGridPodSpec + ".nodeSelector: an empty mapping",
                          kGridPodSpec + ".hostNetwork: false",
                          "spec.trialTemplate.trialSpec.spec.template.metadata: null",
                          "spec.trialTemplate.trialSpec.spec.backoffLimit: null"));
}

// Katib converts Jobs only: a TFJob's fields are the Training Operator's.
TEST(ExperimentLoader, AcceptsUnknownFieldsOfOtherKinds) {
  std::string text = Example("pytorchjob.yaml");
  Replace(text, "kind: PyTorchJob", "kind: TFJob");
  Replace(text, "pytorchReplicaSpecs:\n          Master:", "tfReplicaSpecs:\n          Chief:");
  Replace(text, "            replicas: 1", "            replicas: 1\n            replicaz: 1");
  Replace(text, "                    command:", "                    comand: [x]\n                    command:");
  const LoadedExperiment loaded = LoadExperimentText(text);
  EXPECT_TRUE(loaded.ok());
  EXPECT_THAT(loaded.diagnostics, testing::IsEmpty())
      << FormatDiagnostic("tfjob.yaml", loaded.diagnostics.front());
}

// Katib's webhook decodes the Experiment into its Go types: a number where
// Katib has a string, or a string where it has a number or boolean, refuses
// the whole experiment. hpsearch reads either, and warns.
TEST(ExperimentLoader, WarnsOfScalarsOfAJsonTypeKatibRefuses) {
  const Diagnostic min = OnlyWarning(LoadExperimentText(GridWith("min: \"0.01\"", "min: 0.01")));
  EXPECT_EQ(min.path, "spec.parameters[0].feasibleSpace.min");
  EXPECT_EQ(min.message, "Katib refuses a number here (its field is a string): write \"0.01\"");
  EXPECT_EQ(min.position, (SourcePosition{25, 14}));

  const Diagnostic count =
      OnlyWarning(LoadExperimentText(GridWith("maxTrialCount: 12", "maxTrialCount: \"12\"")));
  EXPECT_EQ(count.path, "spec.maxTrialCount");
  EXPECT_EQ(count.message, "Katib refuses a quoted number here (its field is a number): write 12");

  const Diagnostic goal =
      OnlyWarning(LoadExperimentText(GridWith("type: minimize", "type: minimize\n    goal: \"0.1\"")));
  EXPECT_EQ(goal.path, "spec.objective.goal");
  EXPECT_EQ(goal.message, "Katib refuses a quoted number here (its field is a number): write 0.1");

  const Diagnostic item =
      OnlyWarning(LoadExperimentText(GridWith("list: [\"64\", \"128\"]", "list: [\"64\", 128]")));
  EXPECT_EQ(item.path, "spec.parameters[2].feasibleSpace.list[1]");

  const Diagnostic label = OnlyWarning(
      LoadExperimentText(GridWith("  namespace: kubeflow", "  namespace: kubeflow\n  labels: {team: no}")));
  EXPECT_EQ(label.path, "metadata.labels.team");
  EXPECT_EQ(label.message, "Katib refuses a boolean here (its field is a string): write \"no\"");

  const Diagnostic retain = OnlyWarning(LoadExperimentText(
      GridWith("    primaryContainerName:", "    retain: \"true\"\n    primaryContainerName:")));
  EXPECT_EQ(retain.message, "Katib refuses a quoted boolean here (its field is a boolean): write true");
}

// httpGet's port is an IntOrString; a trialSpec other than a Job is not
// Katib's to decode; an explicit tag says what the value is.
TEST(ExperimentLoader, TakesEitherWhereKatibDoes) {
  for (const std::string port : {"8080", "\"8080\""}) {
    const LoadedExperiment loaded = LoadExperimentText(GridWith(
        "  parallelTrialCount:", "  metricsCollectorSpec:\n    collector: {kind: PrometheusMetric}\n"
                                 "    source: {httpGet: {path: /metrics, port: " + port + "}}\n"
                                 "  parallelTrialCount:"));
    EXPECT_THAT(loaded.diagnostics, testing::IsEmpty()) << port;
  }
  std::string pytorch = Example("pytorchjob.yaml");
  const std::string threads = "                      - --threads=1";
  pytorch.replace(pytorch.find(threads), threads.size(), threads + "\n                      - 1");
  EXPECT_THAT(LoadExperimentText(pytorch).diagnostics, testing::IsEmpty());
  EXPECT_THAT(LoadExperimentText(GridWith("maxTrialCount: 12", "maxTrialCount: !!int \"12\"")).diagnostics,
              testing::IsEmpty());
  EXPECT_THAT(LoadExperimentText(GridWith("    primaryContainerName:",
                                          "    retain: !!bool \"true\"\n    primaryContainerName:"))
                  .diagnostics,
              testing::IsEmpty());
}

// kubectl turns YAML into JSON by YAML 1.1's rules (sigs.k8s.io/yaml), which
// make more plain scalars numbers or booleans than YAML 1.2 does.
TEST(ExperimentLoader, ReadsPlainScalarsAsKubectlSendsThem) {
  auto load_note = [](const std::string& value) {
    return LoadExperimentText(GridWith(
        "  namespace: kubeflow", "  namespace: kubeflow\n  annotations:\n    example.com/note: " + value));
  };
  for (const std::string value : {"12", "-1_000", "0x1F", "0o17", "0b101", "017", "09", "1e-3", "1.", ".5",
                                  "+.inf", ".nan"}) {
    SCOPED_TRACE(value);
    EXPECT_THAT(OnlyWarning(load_note(value)).message, HasSubstr("Katib refuses a number here"));
  }
  for (const std::string value : {"yes", "Off", "n", "TRUE"}) {
    SCOPED_TRACE(value);
    EXPECT_THAT(OnlyWarning(load_note(value)).message, HasSubstr("Katib refuses a boolean here"));
  }
  for (const std::string value : {"\"12\"", "'yes'", "!!str 12", "2001-12-14", "1.2.3", "0x", "._5", "-.nan",
                                  "12abc", "nope", "v1"}) {
    SCOPED_TRACE(value);
    EXPECT_THAT(load_note(value).diagnostics, testing::IsEmpty());
  }
}

TEST(ExperimentLoader, NamesTheContainersWhenThePrimaryOneIsMissing) {
  std::string text = Example("grid.yaml");
  Replace(text, "primaryContainerName: training-container", "primaryContainerName: trainer");
  const Diagnostic d = OnlyError(LoadExperimentText(text));
  EXPECT_EQ(d.path, "spec.trialTemplate.primaryContainerName");
  EXPECT_THAT(d.message, HasSubstr("container trainer not found in spec.trialTemplate.trialSpec "
                                   "(containers: training-container)"));
}

// Katib's webhook checks Jobs only; an Argo Workflow keeps its container
// under `container:`, where no local run looks.
TEST(ExperimentLoader, OnlyWarnsOfAKindWithoutContainersLists) {
  std::string text = Example("grid.yaml");
  Replace(text, "apiVersion: batch/v1\n      kind: Job", "apiVersion: argoproj.io/v1alpha1\n      kind: Workflow");
  Replace(text, "primaryContainerName: training-container\n",
          "primaryContainerName: training-container\n"
          "    successCondition: status.phase == Succeeded\n"
          "    failureCondition: status.phase == Failed\n");
  Replace(text, "            containers:\n              - name: training-container",
          "            container:\n                name: training-container");
  const Diagnostic d = OnlyWarning(LoadExperimentText(text));
  EXPECT_EQ(d.path, "spec.trialTemplate.primaryContainerName");
  EXPECT_THAT(d.message, HasSubstr("this Workflow has none, so hpsearch run cannot run its trials"));
}

// numpy.arange stops [0, 0.3] step 0.1 at 0.2 in Katib's grid only: its
// random search can draw 0.3.
TEST(ExperimentLoader, WarnsOfARoundedOffMaxForGridOnly) {
  std::string text = Example("grid.yaml");
  Replace(text, "min: \"0.01\"", "min: \"0\"");
  Replace(text, "max: \"0.05\"", "max: \"0.3\"");
  Replace(text, "step: \"0.02\"", "step: \"0.1\"");
  const Diagnostic d = OnlyWarning(LoadExperimentText(text));
  EXPECT_EQ(d.path, "spec.parameters[0].feasibleSpace.max");
  EXPECT_THAT(d.message, HasSubstr("one value short of max (0.3)"));

  Replace(text, "algorithmName: grid", "algorithmName: random");
  const LoadedExperiment random = LoadExperimentText(text);
  ASSERT_TRUE(random.ok());
  EXPECT_THAT(random.diagnostics, testing::IsEmpty());
}

TEST(ExperimentLoader, CollectsEveryProblem) {
  std::string text = Example("grid.yaml");
  Replace(text, "maxTrialCount: 12", "maxTrialCount: -1");
  Replace(text, "type: minimize", "type: lowest");
  Replace(text, "step: \"64\"", "step: \"-64\"");
  const LoadedExperiment loaded = LoadExperimentText(text);
  EXPECT_FALSE(loaded.ok());
  std::vector<std::string> paths;
  for (const Diagnostic& d : loaded.diagnostics) paths.push_back(d.path);
  EXPECT_THAT(paths, testing::UnorderedElementsAre(
                         "spec.objective.type", "spec.maxTrialCount", "spec.parallelTrialCount",
                         "spec.maxFailedTrialCount", "spec.parameters[1].feasibleSpace.step"));
}

TEST(ExperimentLoader, MissingFile) {
  const Diagnostic d = OnlyError(LoadExperimentFile("/nonexistent/experiment.yaml"));
  EXPECT_THAT(d.message, HasSubstr("cannot open"));
}

TEST(ExperimentLoader, Directory) {
  EXPECT_THAT(OnlyError(LoadExperimentFile(HPSEARCH_TESTS_DIR)).message,
              HasSubstr("is a directory"));
}

TEST(ExperimentLoader, EmptyAndBlankText) {
  EXPECT_THAT(OnlyError(LoadExperimentText("")).message, HasSubstr("empty"));
  EXPECT_THAT(OnlyError(LoadExperimentText(" \n\n\t\n")).message, HasSubstr("empty"));
  EXPECT_THAT(OnlyError(LoadExperimentText("# only a comment\n---\n")).message,
              HasSubstr("no YAML document"));
}

TEST(ExperimentLoader, BinaryGarbage) {
  const std::string garbage("apiVersion: x\nkind: \x01\x02\xff\xfe", 24);
  const Diagnostic d = OnlyError(LoadExperimentText(garbage));
  EXPECT_THAT(d.message, HasSubstr("not a UTF-8 text file"));
  EXPECT_EQ(d.position, (SourcePosition{2, 7}));
  EXPECT_THAT(OnlyError(LoadExperimentText(std::string("\0\0\0", 3))).message,
              HasSubstr("byte 0x00 at offset 0"));
}

TEST(ExperimentLoader, OversizedText) {
  const std::string huge(kMaxExperimentFileBytes + 1, '#');
  EXPECT_THAT(OnlyError(LoadExperimentText(huge)).message, HasSubstr("limit"));
}

TEST(ExperimentLoader, NotAMapping) {
  EXPECT_THAT(OnlyError(LoadExperimentText("- a\n- b\n")).message,
              HasSubstr("expected an Experiment mapping, got a list"));
  EXPECT_THAT(OnlyError(LoadExperimentText("just words")).message, HasSubstr("got a scalar"));
}

// yaml-cpp 0.7's LoadAll loops forever on a top-level ',' (found by fuzzing).
TEST(ExperimentLoader, StrayTopLevelCommaIsAnError) {
  EXPECT_THAT(OnlyError(LoadExperimentText(",")).message, HasSubstr("stray token"));
  EXPECT_THAT(OnlyError(LoadExperimentText("apiVersion: v1\n---\n ,\n")).message,
              HasSubstr("invalid YAML"));
}

TEST(ExperimentLoader, AliasBombIsRefused) {
  std::string text = "a: &a [x, x, x, x, x, x, x, x, x, x]\n";
  for (char c = 'b'; c <= 'k'; ++c) {
    text += std::string(1, c) + ": &" + c + " [";
    for (int i = 0; i < 10; ++i) text += std::string(i ? ", *" : "*") + static_cast<char>(c - 1);
    text += "]\n";
  }
  EXPECT_THAT(OnlyError(LoadExperimentText(text)).message, HasSubstr("more than"));
}

// grid.yaml with its `hidden` parameter written as `hidden`.
std::string GridWithHidden(const std::string& hidden) {
  std::string text = Example("grid.yaml");
  Replace(text,
          "    - name: hidden\n      parameterType: int\n      feasibleSpace:\n        min: \"64\"\n"
          "        max: \"128\"\n        step: \"64\"\n",
          hidden);
  return text;
}

// kubectl reads YAML with go-yaml, which resolves merge keys: the cluster
// runs the experiment with the merged fields, so hpsearch must too.
TEST(ExperimentLoader, ResolvesMergeKeysAsKubectlDoes) {
  std::string text = GridWithHidden(
      "    - <<: {name: overridden, parameterType: int}\n"
      "      name: hidden\n"
      "      feasibleSpace:\n"
      "        <<: [*hiddenRange, {max: \"1\", step: \"64\"}]\n");
  Replace(text, "  parameters:\n", "  parameters:\n    - name: width\n      parameterType: int\n"
                                    "      feasibleSpace: &hiddenRange {min: \"64\", max: \"128\"}\n");
  const LoadedExperiment loaded = LoadExperimentText(text);
  ASSERT_TRUE(loaded.experiment.has_value());
  ASSERT_EQ(loaded.experiment->spec.parameters.size(), 4u);
  const ParameterSpec& hidden = loaded.experiment->spec.parameters[2];
  EXPECT_EQ(hidden.name, "hidden");  // the mapping's own key wins
  EXPECT_EQ(hidden.parameter_type, "int");
  // Of a list of merged mappings, the first wins.
  EXPECT_EQ(hidden.feasible_space.min, "64");
  EXPECT_EQ(hidden.feasible_space.max, "128");
  EXPECT_EQ(hidden.feasible_space.step, "64");
  for (const Diagnostic& d : loaded.diagnostics) EXPECT_THAT(d.path, Not(HasSubstr("<<"))) << d.message;
}

TEST(ExperimentLoader, AMergeOfAnythingButMappingsIsAnError) {
  const Diagnostic scalar = OnlyError(LoadExperimentText(GridWithHidden(
      "    - <<: 64\n      name: hidden\n      parameterType: int\n"
      "      feasibleSpace: {min: \"64\", max: \"128\"}\n")));
  EXPECT_EQ(scalar.path, "spec.parameters[1].<<");
  EXPECT_THAT(scalar.message, HasSubstr("takes a mapping or a list of mappings, got a scalar"));
  EXPECT_EQ(scalar.position, (SourcePosition{28, 11}));
  const Diagnostic item = OnlyError(LoadExperimentText(GridWithHidden(
      "    - <<: [{name: hidden}, [parameterType, int]]\n      parameterType: int\n"
      "      feasibleSpace: {min: \"64\", max: \"128\"}\n")));
  EXPECT_EQ(item.path, "spec.parameters[1].<<[1]");
}

// Only a plain << merges; quoted, it is a key like any other.
TEST(ExperimentLoader, AQuotedMergeKeyIsAnOrdinaryField) {
  const Diagnostic unknown = OnlyWarning(LoadExperimentText(GridWithHidden(
      "    - \"<<\": {parameterType: double}\n      name: hidden\n      parameterType: int\n"
      "      feasibleSpace: {min: \"64\", max: \"128\"}\n")));
  EXPECT_EQ(unknown.path, "spec.parameters[1].<<");
  EXPECT_THAT(unknown.message, HasSubstr("unknown field"));
}

TEST(ExperimentLoader, DeepNestingIsRefused) {
  const std::string text = "spec: " + std::string(500, '[') + std::string(500, ']') + "\n";
  const LoadedExperiment loaded = LoadExperimentText(text);
  EXPECT_FALSE(loaded.ok());
  ASSERT_FALSE(loaded.diagnostics.empty());
}

TEST(ExperimentLoader, WrongNodeTypesNameTheField) {
  std::string text = Example("grid.yaml");
  Replace(text, "    algorithmName: grid", "    algorithmName: {name: grid}");
  const LoadedExperiment loaded = LoadExperimentText(text);
  ASSERT_FALSE(loaded.ok());
  ASSERT_EQ(loaded.diagnostics.size(), 1u);
  EXPECT_EQ(loaded.diagnostics[0].path, "spec.algorithm.algorithmName");
  EXPECT_EQ(loaded.diagnostics[0].message, "expected a string, got a mapping");
}

TEST(ExperimentLoader, FormatsDiagnosticsLikeACompiler) {
  EXPECT_EQ(
      FormatDiagnostic("e.yaml",
                       {Severity::kError, "spec.maxTrialCount", "must be greater than 0", {12, 3}}),
      "e.yaml:12:3: error: spec.maxTrialCount: must be greater than 0");
  EXPECT_EQ(FormatDiagnostic("e.yaml", {Severity::kWarning, "", "odd", {}}),
            "e.yaml: warning: odd");
}

TEST(ExperimentSummary, ShowsTheSearchSpaceAndCommand) {
  const LoadedExperiment loaded = LoadExperimentText(Example("grid.yaml"));
  ASSERT_TRUE(loaded.ok());
  const std::string summary = SummarizeExperiment(*loaded.experiment);
  EXPECT_THAT(summary, HasSubstr("experiment: fmnist-grid"));
  EXPECT_THAT(summary, HasSubstr("objective: minimize val_loss"));
  EXPECT_THAT(summary, HasSubstr("lr: double [0.01, 0.05] step 0.02"));
  EXPECT_THAT(summary, HasSubstr("batch_size: categorical {64, 128}"));
  EXPECT_THAT(summary, HasSubstr("search space: 12 grid points"));
  EXPECT_THAT(summary, HasSubstr("trials: parallel 3, max 12, max failed 3"));
  EXPECT_THAT(summary, HasSubstr("trial command: hpsearch-trial --model=mlp"));
}

}  // namespace
}  // namespace hpsearch::api
