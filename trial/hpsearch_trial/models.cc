#include "trial/hpsearch_trial/models.h"

#include <torch/nn.h>

#include <stdexcept>
#include <string>

#include "trial/hpsearch_trial/fashion_mnist.h"

namespace hpsearch::trial {
namespace {

namespace nn = torch::nn;

void AppendClassifierHead(nn::Sequential& net, int64_t inputs, int64_t hidden, double dropout) {
  net->push_back(nn::Linear(inputs, hidden));
  net->push_back(nn::ReLU());
  net->push_back(nn::Dropout(dropout));
  net->push_back(nn::Linear(hidden, kNumClasses));
}

void AppendConvBlock(nn::Sequential& net, int64_t in_channels, int64_t out_channels) {
  net->push_back(nn::Conv2d(nn::Conv2dOptions(in_channels, out_channels, 3).padding(1)));
  net->push_back(nn::ReLU());
  net->push_back(nn::MaxPool2d(nn::MaxPool2dOptions(2)));
}

}  // namespace

torch::nn::Sequential MakeModel(std::string_view kind, int64_t hidden, double dropout) {
  nn::Sequential net;
  if (kind == "mlp") {
    net->push_back(nn::Flatten());
    AppendClassifierHead(net, kImageSide * kImageSide, hidden, dropout);
  } else if (kind == "cnn") {
    AppendConvBlock(net, 1, 16);
    AppendConvBlock(net, 16, 32);
    net->push_back(nn::Flatten());
    const int64_t pooled_side = kImageSide / 4;  // Two 2x2 pools.
    AppendClassifierHead(net, 32 * pooled_side * pooled_side, hidden, dropout);
  } else {
    throw std::invalid_argument("unknown model '" + std::string(kind) + "'");
  }
  return net;
}

}  // namespace hpsearch::trial
