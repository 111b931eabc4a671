// The networks hpsearch-trial trains on 1x28x28 images with 10 classes.
#ifndef HPSEARCH_TRIAL_HPSEARCH_TRIAL_MODELS_H_
#define HPSEARCH_TRIAL_HPSEARCH_TRIAL_MODELS_H_

#include <torch/nn/modules/container/sequential.h>

#include <cstdint>
#include <string_view>

namespace hpsearch::trial {

// Builds a freshly initialised network (LibTorch's default initialisation,
// drawn from torch's global generator, so torch::manual_seed fixes it):
//   "mlp": flatten, dense `hidden` + ReLU, dropout, dense 10.
//   "cnn": two blocks of 3x3 conv (16 then 32 channels) + ReLU + 2x2 max
//          pool, then flatten, dense `hidden` + ReLU, dropout, dense 10.
// Outputs are logits. A torch::nn::Sequential so that torch::save and
// torch::load work on it as is. Throws std::invalid_argument for other kinds.
torch::nn::Sequential MakeModel(std::string_view kind, int64_t hidden, double dropout);

}  // namespace hpsearch::trial

#endif  // HPSEARCH_TRIAL_HPSEARCH_TRIAL_MODELS_H_
