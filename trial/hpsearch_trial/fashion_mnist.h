// Fashion-MNIST as tensors, read from the IDX files Debian's
// dataset-fashion-mnist installs (or any folder holding the same names).
#ifndef HPSEARCH_TRIAL_HPSEARCH_TRIAL_FASHION_MNIST_H_
#define HPSEARCH_TRIAL_HPSEARCH_TRIAL_FASHION_MNIST_H_

#include <torch/types.h>

#include <cstdint>
#include <filesystem>

namespace hpsearch::trial {

inline constexpr int64_t kImageSide = 28;
inline constexpr int64_t kNumClasses = 10;

struct LabeledImages {
  torch::Tensor images;  // float [N, 1, 28, 28], normalised to mean 0, sd 1.
  torch::Tensor labels;  // int64 [N], class indices 0..9.

  int64_t size() const { return labels.size(0); }
};

enum class Split {
  kTrain,  // train-*: 60000 images.
  kTest,   // t10k-*: 10000 images, our validation set.
};

// Loads the first `limit` examples of `split` from `data_dir` (all when
// `limit` is 0 or above the split's size). Each file is read as
// NAME.gz, or as NAME (uncompressed, as gunzip leaves it) where there is no
// NAME.gz. Throws std::runtime_error naming the file (both names when
// neither exists) when a file is missing or malformed, or images and labels
// disagree.
LabeledImages LoadFashionMnist(const std::filesystem::path& data_dir, Split split, int64_t limit);

}  // namespace hpsearch::trial

#endif  // HPSEARCH_TRIAL_HPSEARCH_TRIAL_FASHION_MNIST_H_
