#include "trial/hpsearch_trial/flags.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace hpsearch::trial {
namespace {

using ::testing::HasSubstr;
using ::testing::Optional;

TrialFlags Parse(std::vector<std::string_view> args, const char* env = nullptr) {
  return ParseFlags(args, env);
}

// The UsageError message for `args`, or "no error".
std::string UsageErrorFor(std::vector<std::string_view> args, const char* env = nullptr) {
  try {
    Parse(args, env);
  } catch (const UsageError& e) {
    return e.what();
  }
  return "no error";
}

TEST(FlagsTest, DefaultsWithoutArguments) {
  TrialFlags flags = Parse({});
  EXPECT_EQ(flags.lr, 0.01);
  EXPECT_EQ(flags.model, "mlp");
  EXPECT_EQ(flags.device, "auto");
  EXPECT_EQ(flags.gpu_memory_fraction, std::nullopt);
  EXPECT_FALSE(flags.help);
}

TEST(FlagsTest, AcceptsEqualsAndSpaceForms) {
  TrialFlags flags = Parse({"--lr=0.5", "--momentum", "0.25", "--model=cnn", "--optimizer", "adam",
                            "--batch-size=32", "--epochs", "7", "--checkpoint=/tmp/x.pt",
                            "--data-dir", "/data", "--seed=0"});
  EXPECT_EQ(flags.lr, 0.5);
  EXPECT_EQ(flags.momentum, 0.25);
  EXPECT_EQ(flags.model, "cnn");
  EXPECT_EQ(flags.optimizer, "adam");
  EXPECT_EQ(flags.batch_size, 32);
  EXPECT_EQ(flags.epochs, 7);
  EXPECT_EQ(flags.checkpoint, "/tmp/x.pt");
  EXPECT_EQ(flags.data_dir, "/data");
  EXPECT_EQ(flags.seed, 0);
}

TEST(FlagsTest, AcceptsScientificNotationAndNegativeLookingValues) {
  EXPECT_EQ(Parse({"--lr", "1e-3"}).lr, 1e-3);
  EXPECT_EQ(Parse({"--lr=+0.25"}).lr, 0.25);  // as Python's float() reads it
  EXPECT_EQ(Parse({"--epochs", "+3"}).epochs, 3);
  EXPECT_EQ(UsageErrorFor({"--lr=+-0.25"}), "--lr: expected a number, got '+-0.25'");
  EXPECT_EQ(UsageErrorFor({"--lr=+"}), "--lr: expected a number, got '+'");
  EXPECT_THAT(UsageErrorFor({"--weight-decay", "-1"}), HasSubstr("--weight-decay: must be in [0, 1e+37], got -1"));
}

TEST(FlagsTest, GpuMemoryFractionFromFlagOrEnvironment) {
  EXPECT_THAT(Parse({}, "0.25").gpu_memory_fraction, Optional(0.25));
  EXPECT_THAT(Parse({"--gpu-memory-fraction=0.5"}, "0.25").gpu_memory_fraction, Optional(0.5));
  EXPECT_THAT(Parse({"--gpu-memory-fraction=1"}).gpu_memory_fraction, Optional(1.0));
  EXPECT_THAT(UsageErrorFor({}, "lots"),
              HasSubstr("HPSEARCH_GPU_MEMORY_FRACTION: expected a number, got 'lots'"));
  EXPECT_EQ(Parse({}, "").gpu_memory_fraction, std::nullopt);  // VAR= is unset
  EXPECT_THAT(UsageErrorFor({"--gpu-memory-fraction=0"}),
              HasSubstr("--gpu-memory-fraction: must be in (0, 1], got 0"));
  EXPECT_THAT(UsageErrorFor({"--gpu-memory-fraction", "1.5"}),
              HasSubstr("--gpu-memory-fraction: must be in (0, 1]"));
}

// LibTorch would throw "value cannot be converted to type float without
// overflow" in the first step, naming no flag.
TEST(FlagsTest, OptimizerValuesMustFitItsFloats) {
  EXPECT_EQ(Parse({"--lr=1e37"}).lr, 1e37);
  EXPECT_EQ(UsageErrorFor({"--lr=1e39"}), "--lr: must be in (0, 1e+37], got 1e39");
  EXPECT_EQ(UsageErrorFor({"--lr=3.5e37"}), "--lr: must be in (0, 1e+37], got 3.5e37");
  EXPECT_EQ(UsageErrorFor({"--weight-decay=1e300"}),
            "--weight-decay: must be in [0, 1e+37], got 1e300");
}

// Values beyond int once ran with a truncated count (4294967297 as 1 thread)
// or failed in LibTorch; thousands spent minutes starting threads.
TEST(FlagsTest, ThreadsAreBoundedByTheCpus) {
  const int64_t max = MaxThreads();
  EXPECT_GE(max, kThreadsPerCpu);
  EXPECT_EQ(max % kThreadsPerCpu, 0);
  EXPECT_EQ(Parse({"--threads=" + std::to_string(max)}).threads, max);
  const std::string bound = "--threads: must be in [0, " + std::to_string(max) + "], got ";
  EXPECT_EQ(UsageErrorFor({"--threads=" + std::to_string(max + 1)}),
            bound + std::to_string(max + 1));
  EXPECT_EQ(UsageErrorFor({"--threads", "2147483648"}), bound + "2147483648");
  EXPECT_EQ(UsageErrorFor({"--threads=4294967297"}), bound + "4294967297");
}

TEST(FlagsTest, HelpIsAFlag) {
  EXPECT_TRUE(Parse({"--epochs=2", "--help"}).help);
  EXPECT_TRUE(Parse({"-h"}).help);
}

TEST(FlagsTest, ErrorsNameTheFlag) {
  EXPECT_EQ(UsageErrorFor({"--learning-rate=1"}), "unknown flag --learning-rate (see --help)");
  EXPECT_EQ(UsageErrorFor({"--lr"}), "--lr: missing value");
  EXPECT_EQ(UsageErrorFor({"--lr", "--epochs=2"}), "--lr: missing value");
  EXPECT_EQ(UsageErrorFor({"--lr=fast"}), "--lr: expected a number, got 'fast'");
  EXPECT_EQ(UsageErrorFor({"--lr="}), "--lr: expected a number, got ''");
  EXPECT_EQ(UsageErrorFor({"--lr=nan"}), "--lr: expected a number, got 'nan'");
  EXPECT_EQ(UsageErrorFor({"--lr=0"}), "--lr: must be in (0, 1e+37], got 0");
  EXPECT_EQ(UsageErrorFor({"--lr=0.1x"}), "--lr: expected a number, got '0.1x'");
  EXPECT_EQ(UsageErrorFor({"--epochs=1.5"}), "--epochs: expected an integer, got '1.5'");
  EXPECT_EQ(UsageErrorFor({"--epochs=0"}), "--epochs: must be >= 1, got 0");
  EXPECT_EQ(UsageErrorFor({"--dropout=1"}), "--dropout: must be in [0, 1), got 1");
  EXPECT_EQ(UsageErrorFor({"--momentum=-0.1"}), "--momentum: must be in [0, 1), got -0.1");
  EXPECT_EQ(UsageErrorFor({"--model=resnet"}), "--model: must be one of mlp|cnn, got 'resnet'");
  EXPECT_EQ(UsageErrorFor({"--device=tpu"}), "--device: must be one of auto|cpu|cuda, got 'tpu'");
  EXPECT_EQ(UsageErrorFor({"0.1"}), "unexpected argument '0.1'");
  EXPECT_EQ(UsageErrorFor({"--lr=1e-400"}), "--lr: '1e-400' is out of range for a double");
  EXPECT_EQ(UsageErrorFor({"--checkpoint="}), "--checkpoint: expected a path, got ''");
  EXPECT_EQ(UsageErrorFor({"--data-dir", ""}), "--data-dir: expected a path, got ''");
  EXPECT_EQ(Parse({"--hidden=65536"}).hidden, 65536);
  EXPECT_EQ(UsageErrorFor({"--hidden=100000000"}), "--hidden: must be in [1, 65536], got 100000000");
  EXPECT_EQ(UsageErrorFor({"--seed=99999999999999999999"}),
            "--seed: '99999999999999999999' is out of range for a 64-bit integer");
}

// As with argparse: asking for help gets it, whatever else is wrong.
TEST(FlagsTest, HelpWinsOverBadFlagsAndEnvironment) {
  EXPECT_TRUE(Parse({"--bogus", "--help"}).help);
  EXPECT_TRUE(Parse({"--lr=fast", "-h"}).help);
  EXPECT_TRUE(Parse({"--help"}, "lots").help);
}

TEST(FlagsTest, HelpGivesEveryFlagADefault) {
  const std::string help = HelpText();
  for (std::string_view flag :
       {"--lr=DOUBLE", "--momentum=DOUBLE", "--optimizer=sgd|adam", "--batch-size=INT",
        "--epochs=INT", "--hidden=INT", "--dropout=DOUBLE", "--weight-decay=DOUBLE",
        "--model=mlp|cnn", "--device=auto|cpu|cuda", "--gpu-memory-fraction=DOUBLE", "--seed=INT",
        "--train-limit=INT", "--val-limit=INT", "--checkpoint=PATH", "--threads=INT",
        "--data-dir=PATH", "-h, --help"}) {
    EXPECT_THAT(help, HasSubstr(std::string("  ") + std::string(flag) + "\n")) << flag;
  }
  EXPECT_THAT(help, HasSubstr("learning rate; in (0, 1e+37] (default: 0.01)"));
  EXPECT_THAT(help, HasSubstr("; in [0, " + std::to_string(MaxThreads()) + "] (default: 0)"));
  EXPECT_THAT(help, HasSubstr("(default: $HPSEARCH_GPU_MEMORY_FRACTION, else no cap)"));
}

}  // namespace
}  // namespace hpsearch::trial
