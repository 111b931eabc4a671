#include "trial/hpsearch_trial/fashion_mnist.h"

#include <torch/torch.h>

#include <algorithm>
#include <stdexcept>
#include <string>

#include "trial/hpsearch_trial/idx_file.h"

namespace hpsearch::trial {
namespace {

// Per-pixel statistics of the Fashion-MNIST training set (pixels in [0, 1]).
constexpr double kPixelMean = 0.2860;
constexpr double kPixelStd = 0.3530;

torch::Tensor ToTensor(IdxArray& array, int64_t count) {
  std::vector<int64_t> shape = array.dims;
  shape[0] = count;
  // from_blob borrows the vector's bytes; clone() gives the tensor its own.
  return torch::from_blob(array.data.data(), shape, torch::kUInt8).clone();
}

}  // namespace

LabeledImages LoadFashionMnist(const std::filesystem::path& data_dir, Split split, int64_t limit) {
  if (!std::filesystem::is_directory(data_dir)) {
    throw std::runtime_error("data folder " + data_dir.string() +
                             " not found (apt-get install dataset-fashion-mnist, or pass --data-dir)");
  }
  const std::string prefix = split == Split::kTrain ? "train" : "t10k";
  const std::filesystem::path images_path = data_dir / (prefix + "-images-idx3-ubyte.gz");
  const std::filesystem::path labels_path = data_dir / (prefix + "-labels-idx1-ubyte.gz");
  IdxArray images = ReadIdxFile(images_path, 3);
  IdxArray labels = ReadIdxFile(labels_path, 1);

  if (images.dims[1] != kImageSide || images.dims[2] != kImageSide) {
    throw std::runtime_error(images_path.string() + ": images are " +
                             std::to_string(images.dims[1]) + "x" + std::to_string(images.dims[2]) +
                             ", expected 28x28");
  }
  if (images.dims[0] != labels.dims[0]) {
    throw std::runtime_error(images_path.string() + " has " + std::to_string(images.dims[0]) +
                             " images but " + labels_path.string() + " has " +
                             std::to_string(labels.dims[0]) + " labels");
  }
  if (images.dims[0] == 0) throw std::runtime_error(images_path.string() + " holds no images");
  if (std::any_of(labels.data.begin(), labels.data.end(),
                  [](uint8_t label) { return label >= kNumClasses; })) {
    throw std::runtime_error(labels_path.string() + ": label outside 0..9");
  }

  const int64_t count = limit > 0 ? std::min(limit, images.dims[0]) : images.dims[0];
  torch::Tensor pixels = ToTensor(images, count).to(torch::kFloat32).div_(255.0);
  return {
      .images = pixels.sub_(kPixelMean).div_(kPixelStd).unsqueeze(1),
      .labels = ToTensor(labels, count).to(torch::kInt64),
  };
}

}  // namespace hpsearch::trial
