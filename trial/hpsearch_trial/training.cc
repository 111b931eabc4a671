#include "trial/hpsearch_trial/training.h"

#include <torch/torch.h>

#include <algorithm>
#include <stdexcept>
#include <string>
#include <utility>

namespace hpsearch::trial {
namespace {

// The evaluation batch size changes results only by rounding; small batches keep the
// CNN's activations in cache (1000 was about 1.5x slower on CPU than 100).
constexpr int64_t kEvalBatchSize = 100;

torch::Tensor ShuffledOrder(int64_t n, std::mt19937_64& rng, torch::Device device) {
  std::vector<int64_t> order(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) order[static_cast<size_t>(i)] = i;
  for (int64_t i = n - 1; i > 0; --i) {
    // Modulo bias is below 2^-40 for data sets this small.
    auto j = static_cast<int64_t>(rng() % static_cast<uint64_t>(i + 1));
    std::swap(order[static_cast<size_t>(i)], order[static_cast<size_t>(j)]);
  }
  return torch::tensor(order, torch::kInt64).to(device);
}

// Running sums kept on the data's device, read back once per pass so that
// a GPU is not synchronised after every batch.
class MetricSums {
 public:
  void Add(const torch::Tensor& logits, const torch::Tensor& labels, const torch::Tensor& mean_loss) {
    const int64_t n = labels.size(0);
    Accumulate(loss_sum_, mean_loss.detach() * static_cast<double>(n));
    Accumulate(correct_, logits.argmax(1).eq(labels).sum());
    count_ += n;
  }

  EpochMetrics Mean() const {
    if (count_ == 0) return {};
    const auto count = static_cast<double>(count_);
    return {.loss = loss_sum_.item<double>() / count, .accuracy = correct_.item<double>() / count};
  }

 private:
  static void Accumulate(torch::Tensor& sum, const torch::Tensor& value) {
    // Double sums so that the order of many small additions barely matters.
    torch::Tensor as_double = value.to(torch::kFloat64);
    sum = sum.defined() ? sum + as_double : as_double;
  }

  torch::Tensor loss_sum_;
  torch::Tensor correct_;
  int64_t count_ = 0;
};

}  // namespace

std::unique_ptr<torch::optim::Optimizer> MakeOptimizer(std::string_view kind,
                                                       std::vector<torch::Tensor> parameters,
                                                       double lr, double momentum,
                                                       double weight_decay) {
  if (kind == "sgd") {
    return std::make_unique<torch::optim::SGD>(
        std::move(parameters),
        torch::optim::SGDOptions(lr).momentum(momentum).weight_decay(weight_decay));
  }
  if (kind == "adam") {
    return std::make_unique<torch::optim::Adam>(
        std::move(parameters), torch::optim::AdamOptions(lr).weight_decay(weight_decay));
  }
  throw std::invalid_argument("unknown optimizer '" + std::string(kind) + "'");
}

EpochMetrics TrainEpoch(torch::nn::Sequential& model, torch::optim::Optimizer& optimizer,
                        const LabeledImages& data, int64_t batch_size, std::mt19937_64& rng) {
  model->train();
  const torch::Tensor order = ShuffledOrder(data.size(), rng, data.labels.device());
  MetricSums sums;
  for (int64_t start = 0; start < data.size(); start += batch_size) {
    const torch::Tensor batch = order.slice(0, start, std::min(start + batch_size, data.size()));
    const torch::Tensor images = data.images.index_select(0, batch);
    const torch::Tensor labels = data.labels.index_select(0, batch);
    optimizer.zero_grad();
    const torch::Tensor logits = model->forward(images);
    const torch::Tensor loss = torch::nn::functional::cross_entropy(logits, labels);
    loss.backward();
    optimizer.step();
    sums.Add(logits.detach(), labels, loss);
  }
  return sums.Mean();
}

EpochMetrics Evaluate(torch::nn::Sequential& model, const LabeledImages& data) {
  model->eval();
  torch::NoGradGuard no_grad;
  MetricSums sums;
  for (int64_t start = 0; start < data.size(); start += kEvalBatchSize) {
    const int64_t end = std::min(start + kEvalBatchSize, data.size());
    const torch::Tensor images = data.images.slice(0, start, end);
    const torch::Tensor labels = data.labels.slice(0, start, end);
    const torch::Tensor logits = model->forward(images);
    sums.Add(logits, labels, torch::nn::functional::cross_entropy(logits, labels));
  }
  return sums.Mean();
}

}  // namespace hpsearch::trial
