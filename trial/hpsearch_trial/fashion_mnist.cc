#include "trial/hpsearch_trial/fashion_mnist.h"

#include <torch/torch.h>

#include <algorithm>
#include <stdexcept>
#include <string>
#include <system_error>

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

// `dir`/`name`.gz as Debian ships it, else `dir`/`name` as gunzip leaves it.
std::filesystem::path FindIdxFile(const std::filesystem::path& dir, const std::string& name) {
  const std::filesystem::path gzipped = dir / (name + ".gz");
  const std::filesystem::path plain = dir / name;
  for (const std::filesystem::path& path : {gzipped, plain}) {
    std::error_code error;
    // A name that cannot be checked (no permission) is the reader's to report on.
    if (std::filesystem::exists(path, error) || error) return path;
  }
  throw std::runtime_error("neither " + gzipped.string() + " nor " + plain.string() + " exists");
}

}  // namespace

LabeledImages LoadFashionMnist(const std::filesystem::path& data_dir, Split split, int64_t limit) {
  if (!std::filesystem::is_directory(data_dir)) {
    throw std::runtime_error("data folder '" + data_dir.string() +
                             "' not found (apt-get install dataset-fashion-mnist, or pass --data-dir)");
  }
  const std::string prefix = split == Split::kTrain ? "train" : "t10k";
  const std::filesystem::path images_path = FindIdxFile(data_dir, prefix + "-images-idx3-ubyte");
  const std::filesystem::path labels_path = FindIdxFile(data_dir, prefix + "-labels-idx1-ubyte");
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
