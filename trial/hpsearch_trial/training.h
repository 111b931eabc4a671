// Training and evaluation loops over LabeledImages.
#ifndef HPSEARCH_TRIAL_HPSEARCH_TRIAL_TRAINING_H_
#define HPSEARCH_TRIAL_HPSEARCH_TRIAL_TRAINING_H_

#include <torch/nn/modules/container/sequential.h>
#include <torch/optim/optimizer.h>

#include <cstdint>
#include <memory>
#include <random>
#include <string_view>
#include <vector>

#include "trial/hpsearch_trial/fashion_mnist.h"

namespace hpsearch::trial {

// Mean cross-entropy and fraction of correct predictions over a data set.
struct EpochMetrics {
  double loss = 0;
  double accuracy = 0;
};

// "sgd" (with momentum) or "adam" (its default betas) over `parameters`,
// both with L2 `weight_decay`. Throws std::invalid_argument for other kinds.
std::unique_ptr<torch::optim::Optimizer> MakeOptimizer(std::string_view kind,
                                                       std::vector<torch::Tensor> parameters,
                                                       double lr, double momentum,
                                                       double weight_decay);

// One pass over `data` (on the model's device) in mini-batches, in an order
// shuffled with `rng`, which the caller seeds and keeps across epochs. Our
// own Fisher-Yates keeps the order the same on every standard library. The
// metrics are those seen while training (dropout on, weights moving), as
// Keras reports them.
EpochMetrics TrainEpoch(torch::nn::Sequential& model, torch::optim::Optimizer& optimizer,
                        const LabeledImages& data, int64_t batch_size, std::mt19937_64& rng);

// Metrics of `model` in eval mode (no dropout, no gradients) on `data`.
// Leaves the model in eval mode.
EpochMetrics Evaluate(torch::nn::Sequential& model, const LabeledImages& data);

}  // namespace hpsearch::trial

#endif  // HPSEARCH_TRIAL_HPSEARCH_TRIAL_TRAINING_H_
