// hpsearch-trial: trains a small network on Fashion-MNIST with the
// hyperparameters given as flags and prints one Katib metrics line per
// epoch on stdout; everything else goes to stderr. See --help, and
// docs/trial.md for the exit codes and the determinism guarantees.
#include <torch/torch.h>

#include <chrono>
#include <cmath>
#include <csignal>
#include <ctime>
#include <cstdlib>
#include <iostream>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "trial/hpsearch_trial/checkpoint.h"
#include "trial/hpsearch_trial/device.h"
#include "trial/hpsearch_trial/fashion_mnist.h"
#include "trial/hpsearch_trial/flags.h"
#include "trial/hpsearch_trial/metric_line.h"
#include "trial/hpsearch_trial/models.h"
#include "trial/hpsearch_trial/training.h"

namespace hpsearch::trial {
namespace {

constexpr int kExitRuntimeError = 1;
constexpr int kExitUsage = 2;
constexpr int kExitGpuMemoryBudget = 3;

// Wall-clock and process CPU time since construction. CPU time, summed over
// threads, shows the cost of an epoch on a machine shared with other work.
class Stopwatch {
 public:
  double WallSeconds() const {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start_).count();
  }
  double CpuSeconds() const {
    return static_cast<double>(std::clock() - cpu_start_) / CLOCKS_PER_SEC;
  }

 private:
  std::chrono::steady_clock::time_point wall_start_ = std::chrono::steady_clock::now();
  std::clock_t cpu_start_ = std::clock();
};

void Train(const TrialFlags& flags) {
  if (!flags.checkpoint.empty()) CheckCheckpointPath(flags.checkpoint);
  if (flags.threads > 0) torch::set_num_threads(static_cast<int>(flags.threads));
  torch::manual_seed(static_cast<uint64_t>(flags.seed));
  std::mt19937_64 data_order_rng(static_cast<uint64_t>(flags.seed));

  const torch::Device device = ResolveDevice(flags.device, std::cerr);
  ApplyGpuMemoryFraction(device, flags.gpu_memory_fraction, std::cerr);

  LabeledImages train = LoadFashionMnist(flags.data_dir, Split::kTrain, flags.train_limit);
  LabeledImages validation = LoadFashionMnist(flags.data_dir, Split::kTest, flags.val_limit);
  std::cerr << "hpsearch-trial: " << flags.model << " on " << device << ", " << train.size()
            << " training and " << validation.size() << " validation images from "
            << flags.data_dir << ", " << torch::get_num_threads() << " threads\n";
  train = {train.images.to(device), train.labels.to(device)};
  validation = {validation.images.to(device), validation.labels.to(device)};

  torch::nn::Sequential model = MakeModel(flags.model, flags.hidden, flags.dropout);
  model->to(device);
  auto optimizer = MakeOptimizer(flags.optimizer, model->parameters(), flags.lr, flags.momentum,
                                 flags.weight_decay);

  for (int64_t epoch = 1; epoch <= flags.epochs; ++epoch) {
    const Stopwatch training_time;
    const EpochMetrics train_metrics =
        TrainEpoch(model, *optimizer, train, flags.batch_size, data_order_rng);
    const double train_wall = training_time.WallSeconds();
    const double train_cpu = training_time.CpuSeconds();
    const Stopwatch validation_time;
    const EpochMetrics val_metrics = Evaluate(model, validation);
    if (!std::isfinite(train_metrics.loss) || !std::isfinite(val_metrics.loss)) {
      throw std::runtime_error("training diverged in epoch " + std::to_string(epoch) +
                               " (loss is not finite); try a lower --lr");
    }
    std::cout << FormatMetricLine(epoch, train_metrics, val_metrics) << std::endl;
    // A line lost (a full disk, a closed pipe) would leave the trial
    // without its objective while looking successful.
    if (!std::cout) {
      throw std::runtime_error("cannot write the metrics of epoch " + std::to_string(epoch) + " to stdout");
    }
    std::cerr << "hpsearch-trial: epoch " << epoch << " took " << train_wall << " s training ("
              << train_cpu << " s CPU), " << validation_time.WallSeconds() << " s validation ("
              << validation_time.CpuSeconds() << " s CPU)\n";
    if (!flags.checkpoint.empty()) SaveCheckpoint(model, flags.checkpoint);
  }
}

int Main(std::vector<std::string_view> args) {
  TrialFlags flags;
  try {
    flags = ParseFlags(args, std::getenv(kGpuMemoryFractionEnv));
  } catch (const UsageError& e) {
    std::cerr << "hpsearch-trial: " << e.what() << "\n";
    return kExitUsage;
  }
  if (flags.help) {
    std::cout << HelpText();
    return 0;
  }
  try {
    Train(flags);
    return 0;
  } catch (const c10::OutOfMemoryError& e) {
    std::cerr << "hpsearch-trial: GPU memory budget exceeded";
    if (flags.gpu_memory_fraction) std::cerr << " (fraction " << *flags.gpu_memory_fraction << ")";
    std::cerr << ": " << e.what_without_backtrace() << "\n";
    return kExitGpuMemoryBudget;
  } catch (const c10::Error& e) {
    std::cerr << "hpsearch-trial: error: " << e.what_without_backtrace() << "\n";
    return kExitRuntimeError;
  } catch (const std::exception& e) {
    std::cerr << "hpsearch-trial: error: " << e.what() << "\n";
    return kExitRuntimeError;
  }
}

}  // namespace
}  // namespace hpsearch::trial

int main(int argc, char** argv) {
  // Whatever read stdout gone (a closed pipe) is a metrics line that cannot
  // be written: exit 1, as for a full disk, not death by SIGPIPE.
  std::signal(SIGPIPE, SIG_IGN);
  return hpsearch::trial::Main({argv + 1, argv + argc});
}
