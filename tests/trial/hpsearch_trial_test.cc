// End-to-end tests of the hpsearch-trial binary: brief real training runs
// (a few thousand images, a few epochs, one thread) and its command line.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <torch/cuda.h>
#include <torch/serialize.h>

#include <sys/wait.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "metrics/metric_log.h"
#include "metrics/metrics_parser.h"
#include "tests/trial/test_files.h"
#include "tests/trial/trial_process.h"
#include "trial/hpsearch_trial/fashion_mnist.h"
#include "trial/hpsearch_trial/models.h"
#include "trial/hpsearch_trial/training.h"

namespace hpsearch::trial {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Key;
using ::testing::StartsWith;
using test_support::IdxBytes;
using test_support::RunTrial;
using test_support::TempDir;
using test_support::TrialRun;
using test_support::WriteFile;

constexpr int kEpochs = 3;
constexpr int64_t kValLimit = 2000;
constexpr char kDataDir[] = "/usr/share/datasets/fashion-mnist";

// A quick, seeded run of `model` on `device`; `extra` flags come last.
std::vector<std::string> QuickArgs(const std::string& model, const std::string& device,
                                   std::vector<std::string> extra = {}) {
  std::vector<std::string> args = {"--model=" + model,   "--device=" + device,
                                   "--train-limit=2000", "--val-limit=" + std::to_string(kValLimit),
                                   "--epochs=3",         "--threads=1",
                                   "--seed=1"};
  args.insert(args.end(), extra.begin(), extra.end());
  return args;
}

using EpochMetricsByName = std::map<std::string, double>;

// Every epoch's metrics as hpsearch's Katib-compatible collector (default
// filter) reads stdout; fails the test unless each line is exactly one
// epoch's five metrics with finite values.
std::vector<EpochMetricsByName> KatibMetrics(const TrialRun& run) {
  metrics::ParserOptions options;
  options.metric_names = {"val_accuracy", "val_loss", "loss", "accuracy", "epoch"};
  metrics::MetricsParser parser = metrics::MetricsParser::Create(std::move(options)).value();
  parser.Feed(run.out);
  parser.Finish();
  EXPECT_THAT(parser.warnings(), IsEmpty());

  std::vector<EpochMetricsByName> epochs;
  for (const metrics::MetricLog& record : parser.TakeRecords()) {
    if (record.name == "epoch") epochs.emplace_back();
    if (epochs.empty()) {
      ADD_FAILURE() << "metric before the first epoch: " << record.name << "=" << record.value;
      continue;
    }
    size_t parsed = 0;
    const double value = std::stod(record.value, &parsed);
    EXPECT_EQ(parsed, record.value.size()) << record.name << "=" << record.value;
    EXPECT_TRUE(std::isfinite(value)) << record.name << "=" << record.value;
    epochs.back()[record.name] = value;
  }
  EXPECT_EQ(epochs.size(), run.out_lines.size()) << run.out;
  for (const EpochMetricsByName& epoch : epochs) {
    EXPECT_THAT(epoch, ElementsAre(Key("accuracy"), Key("epoch"), Key("loss"),
                                   Key("val_accuracy"), Key("val_loss")));
  }
  return epochs;
}

// What a working training script must show.
void ExpectLearns(const TrialRun& run) {
  ASSERT_EQ(run.exit_code, 0) << run.err;
  std::vector<EpochMetricsByName> epochs = KatibMetrics(run);
  ASSERT_EQ(epochs.size(), kEpochs) << run.out;
  for (int i = 0; i < kEpochs; ++i) EXPECT_EQ(epochs[i]["epoch"], i + 1);
  EXPECT_LT(epochs.back()["loss"], epochs.front()["loss"]);
  EXPECT_LT(epochs.back()["val_loss"], epochs.front()["val_loss"]);
  // Chance is 10%.
  EXPECT_GT(epochs.back()["val_accuracy"], 0.6);
  EXPECT_GT(epochs.back()["accuracy"], 0.6);
}

TEST(HpsearchTrialTest, MlpLearnsOnCpu) { ExpectLearns(RunTrial(QuickArgs("mlp", "cpu"))); }

TEST(HpsearchTrialTest, CnnLearnsOnCpuWithAdam) {
  ExpectLearns(RunTrial(QuickArgs("cnn", "cpu", {"--optimizer=adam", "--lr=0.002"})));
}

TEST(HpsearchTrialTest, SameSeedPrintsSameMetrics) {
  const TrialRun first = RunTrial(QuickArgs("mlp", "cpu"));
  const TrialRun second = RunTrial(QuickArgs("mlp", "cpu"));
  ASSERT_EQ(first.exit_code, 0) << first.err;
  EXPECT_EQ(first.out, second.out);
  const TrialRun other_seed = RunTrial(QuickArgs("mlp", "cpu", {"--seed=2"}));
  EXPECT_NE(first.out, other_seed.out);
}

// Trains a CNN on `device` with --checkpoint, loads the file on the CPU as
// docs/trial.md says, and expects the loaded model to score what the last
// line printed, within the given tolerances.
void ExpectCheckpointReproducesLastEpoch(const std::string& device, double accuracy_tolerance,
                                         double relative_loss_tolerance) {
  const TempDir dir;
  const std::filesystem::path checkpoint = dir / "model.pt";
  const TrialRun run =
      RunTrial(QuickArgs("cnn", device, {"--hidden=48", "--checkpoint", checkpoint.string()}));
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EpochMetricsByName last_epoch = KatibMetrics(run).back();

  torch::nn::Sequential model = MakeModel("cnn", 48, 0.2);
  torch::load(model, checkpoint.string(), torch::kCPU);
  const EpochMetrics loaded = Evaluate(model, LoadFashionMnist(kDataDir, Split::kTest, kValLimit));
  EXPECT_NEAR(loaded.accuracy, last_epoch["val_accuracy"], accuracy_tolerance);
  EXPECT_NEAR(loaded.loss, last_epoch["val_loss"],
              relative_loss_tolerance * last_epoch["val_loss"]);
  EXPECT_FALSE(std::filesystem::exists(checkpoint.string() + ".partial"));
}

TEST(HpsearchTrialTest, CheckpointLoadsBackWithSameValidationAccuracy) {
  // The line has 6 significant digits.
  ExpectCheckpointReproducesLastEpoch("cpu", 1e-6, 1e-5);
}

TEST(HpsearchTrialTest, CheckpointWrittenOnCudaLoadsOnCpu) {
  if (!torch::cuda::is_available()) GTEST_SKIP() << "no CUDA GPU: CUDA checkpoints not tested";
  // cuDNN's convolutions (TF32 on recent GPUs) and the CPU's round
  // differently, which can flip a near-tie prediction or two; a checkpoint
  // that did not load would score about 10%.
  ExpectCheckpointReproducesLastEpoch("cuda", 0.01, 0.01);
}

// A bad --checkpoint once showed only after the first epoch, whose metrics
// Katib had already recorded, and a folder there left PATH.partial behind.
TEST(HpsearchTrialTest, BadCheckpointFailsBeforeTrainingNamingTheFlag) {
  const TempDir dir;
  WriteFile(dir / "file", "x", /*gzip=*/false);
  std::filesystem::create_directory(dir / "folder");
  const std::vector<std::pair<std::filesystem::path, std::string>> cases = {
      {dir / "missing" / "model.pt", "no folder " + (dir / "missing").string()},
      {dir / "file" / "model.pt", (dir / "file").string() + " is not a folder"},
      {dir / "folder", "is a folder, not a file"},
      // sysfs takes no new files, even from root.
      {"/sys/model.pt", "cannot write in folder /sys"},
  };
  for (const auto& [path, why] : cases) {
    const TrialRun run = RunTrial(QuickArgs("mlp", "cpu", {"--checkpoint", path.string()}));
    EXPECT_EQ(run.exit_code, 1) << path;
    EXPECT_THAT(run.err, HasSubstr("--checkpoint " + path.string() + ": " + why));
    EXPECT_THAT(run.out, IsEmpty()) << path;
  }
  EXPECT_FALSE(std::filesystem::exists(dir / "folder.partial"));
  EXPECT_TRUE(std::filesystem::is_empty(dir / "folder"));
}

TEST(HpsearchTrialTest, HelpListsEveryFlagAndExitsZero) {
  const TrialRun run = RunTrial({"--help"});
  EXPECT_EQ(run.exit_code, 0);
  for (const char* flag :
       {"--lr=", "--momentum=", "--optimizer=", "--batch-size=", "--epochs=", "--hidden=",
        "--dropout=", "--weight-decay=", "--model=", "--device=", "--gpu-memory-fraction=",
        "--seed=", "--train-limit=", "--val-limit=", "--checkpoint=", "--threads=",
        "--data-dir=", "--help"}) {
    EXPECT_THAT(run.out, HasSubstr(flag));
  }
  EXPECT_THAT(run.err, IsEmpty());
}

// Each message in full is checked in flags_test.cc; here, that the binary
// reports it and exits 2 without training. The quick flags come first, so
// that a regression trains briefly rather than a whole default run.
TEST(HpsearchTrialTest, BadFlagsExitTwoNamingTheFlag) {
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
      {{"--bogus=1"}, "unknown flag --bogus"},
      {{"--epochs=1", "--lr"}, "--lr: missing value"},
      {{"--lr", "abc"}, "--lr: expected a number"},
      {{"--dropout", "1.0"}, "--dropout: must be in [0, 1)"},
      // Numbers LibTorch cannot take once failed inside it (exit 1, naming
      // no flag) or ran truncated (4294967297 threads as 1).
      {{"--lr", "1e39"}, "--lr: must be in (0, 1e+37]"},
      {{"--optimizer=adam", "--lr=3.5e37"}, "--lr: must be in (0, 1e+37]"},
      {{"--weight-decay", "1e300"}, "--weight-decay: must be in [0, 1e+37]"},
      {{"--threads", "4294967297"}, "--threads: must be in [0, "},
      {{"--threads=2147483648"}, "--threads: must be in [0, "},
  };
  for (const auto& [args, message] : cases) {
    const TrialRun run = RunTrial(QuickArgs("mlp", "cpu", args));
    EXPECT_EQ(run.exit_code, 2) << message;
    EXPECT_THAT(run.err, HasSubstr(message));
    EXPECT_THAT(run.out, IsEmpty()) << message;
  }
}

TEST(HpsearchTrialTest, MissingDataDirIsClearRuntimeError) {
  const TrialRun run = RunTrial({"--device=cpu", "--data-dir=/nonexistent/fashion"});
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_THAT(run.err, HasSubstr("data folder '/nonexistent/fashion' not found"));
  EXPECT_THAT(run.out, IsEmpty());
}

// A metrics line lost to a full disk must not pass for a successful trial.
TEST(HpsearchTrialTest, MetricsThatCannotBeWrittenFailTheTrial) {
  std::string command = std::string(HPSEARCH_BIN_DIR) + "/hpsearch-trial";
  for (const std::string& arg : QuickArgs("mlp", "cpu", {"--epochs=1", "--train-limit=200"})) {
    command += " " + arg;
  }
  const int status = std::system((command + " >/dev/full 2>/dev/null").c_str());
  ASSERT_TRUE(WIFEXITED(status)) << status;
  EXPECT_EQ(WEXITSTATUS(status), 1);
}

// The reader of its output gone (`| head -1` that has its line): exit 1,
// as for a full disk, not death by SIGPIPE.
TEST(HpsearchTrialTest, MetricsWithNoOneReadingFailTheTrial) {
  const TempDir dir;
  std::string command = std::string(HPSEARCH_BIN_DIR) + "/hpsearch-trial";
  for (const std::string& arg : QuickArgs("mlp", "cpu", {"--epochs=1", "--train-limit=200"})) {
    command += " " + arg;
  }
  const std::string status_file = (dir / "status").string();
  ASSERT_EQ(std::system(("(" + command + " 2>/dev/null; echo $? >" + status_file + ") | true").c_str()), 0);
  std::string status;
  std::getline(std::ifstream(status_file), status);
  EXPECT_EQ(status, "1");
}

// What a normal gunzip leaves: the names without .gz, which the loader once
// did not look for.
TEST(HpsearchTrialTest, TrainsOnGunzippedFiles) {
  const TempDir dir;
  constexpr uint32_t kImages = 20;
  std::vector<uint8_t> labels(kImages);
  for (uint32_t i = 0; i < kImages; ++i) labels[i] = static_cast<uint8_t>(i % 10);
  for (const std::string split : {"train", "t10k"}) {
    WriteFile(dir / (split + "-images-idx3-ubyte"),
              IdxBytes({kImages, 28, 28}, std::vector<uint8_t>(kImages * 784, 128)),
              /*gzip=*/false);
    WriteFile(dir / (split + "-labels-idx1-ubyte"), IdxBytes({kImages}, labels), /*gzip=*/false);
  }
  const TrialRun run =
      RunTrial(QuickArgs("mlp", "cpu", {"--epochs=1", "--data-dir", dir.path().string()}));
  EXPECT_EQ(run.exit_code, 0) << run.err;
  EXPECT_THAT(run.out_lines, ElementsAre(StartsWith("epoch=1 ")));

  std::filesystem::remove(dir / "train-images-idx3-ubyte");
  const TrialRun missing = RunTrial(QuickArgs("mlp", "cpu", {"--data-dir", dir.path().string()}));
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_THAT(missing.err, HasSubstr("neither " + (dir / "train-images-idx3-ubyte.gz").string() +
                                     " nor " + (dir / "train-images-idx3-ubyte").string() +
                                     " exists"));
}

// A corrupt header claiming 5,000,000 images once had the trial allocate
// and zero 3.9 GB before it noticed the data was short: an OOM kill in a
// pod rather than an error naming the file.
TEST(HpsearchTrialTest, IdxHeaderClaimingMoreThanTheFileFailsWithinMemory) {
  const TempDir dir;
  const std::filesystem::path images = dir / "train-images-idx3-ubyte.gz";
  WriteFile(images, IdxBytes({5'000'000, 28, 28}, std::vector<uint8_t>(1000)));
  WriteFile(dir / "train-labels-idx1-ubyte.gz", IdxBytes({5'000'000}, {}));
  const TrialRun run = RunTrial(QuickArgs("mlp", "cpu", {"--data-dir", dir.path().string()}));
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_THAT(run.err, HasSubstr(images.string() + ": truncated: header promises 3920000000"));
  // LibTorch alone takes about 200 MB.
  EXPECT_LT(run.peak_rss_kb, 1 << 20) << "KB";
}

TEST(HpsearchTrialTest, CudaRequestWithoutGpuIsClearError) {
  if (torch::cuda::is_available()) GTEST_SKIP() << "a CUDA GPU is available";
  const TrialRun run = RunTrial(QuickArgs("mlp", "cuda"));
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_THAT(run.err, HasSubstr("--device cuda: no CUDA GPU is available"));
}

TEST(HpsearchTrialTest, AutoDeviceWithoutGpuSaysCpu) {
  if (torch::cuda::is_available()) GTEST_SKIP() << "a CUDA GPU is available";
  const TrialRun run = RunTrial(QuickArgs("mlp", "auto", {"--epochs=1"}));
  EXPECT_EQ(run.exit_code, 0) << run.err;
  EXPECT_THAT(run.err, HasSubstr("no CUDA GPU available, training on CPU"));
}

TEST(HpsearchTrialTest, LearnsOnCudaWithinMemoryCap) {
  if (!torch::cuda::is_available()) GTEST_SKIP() << "no CUDA GPU: CUDA training not tested";
  const TrialRun run = RunTrial(QuickArgs("cnn", "cuda", {"--gpu-memory-fraction=0.25"}));
  ExpectLearns(run);
  EXPECT_THAT(run.err, HasSubstr("GPU memory capped at fraction 0.25"));
}

TEST(HpsearchTrialTest, ExceedingGpuMemoryCapExitsThree) {
  if (!torch::cuda::is_available()) GTEST_SKIP() << "no CUDA GPU: memory cap not tested";
  // 0.001 of any current GPU is far below the ~190 MB of training images.
  const TrialRun run = RunTrial(
      {"--device=cuda", "--gpu-memory-fraction=0.001", "--model=cnn", "--batch-size=60000"});
  EXPECT_EQ(run.exit_code, 3) << run.err;
  EXPECT_THAT(run.err, HasSubstr("GPU memory budget exceeded"));
}

}  // namespace
}  // namespace hpsearch::trial
