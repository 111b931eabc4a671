#include "trial/hpsearch_trial/fashion_mnist.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <stdexcept>

#include "tests/trial/test_files.h"

namespace hpsearch::trial {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using test_support::IdxBytes;
using test_support::TempDir;
using test_support::WriteFile;

constexpr char kDebianDataDir[] = "/usr/share/datasets/fashion-mnist";

std::string LoadError(const std::filesystem::path& dir) {
  try {
    LoadFashionMnist(dir, Split::kTest, 0);
  } catch (const std::runtime_error& e) {
    return e.what();
  }
  return "no error";
}

TEST(FashionMnistTest, LoadsLimitedNormalisedSplit) {
  LabeledImages data = LoadFashionMnist(kDebianDataDir, Split::kTest, 500);
  EXPECT_THAT(data.images.sizes(), ElementsAre(500, 1, 28, 28));
  EXPECT_EQ(data.images.dtype(), torch::kFloat32);
  EXPECT_THAT(data.labels.sizes(), ElementsAre(500));
  EXPECT_EQ(data.labels.dtype(), torch::kInt64);
  EXPECT_GE(data.labels.min().item<int64_t>(), 0);
  EXPECT_LE(data.labels.max().item<int64_t>(), 9);
  EXPECT_NEAR(data.images.mean().item<double>(), 0.0, 0.1);
  EXPECT_NEAR(data.images.std().item<double>(), 1.0, 0.1);
}

TEST(FashionMnistTest, LimitZeroOrAboveSizeMeansAll) {
  EXPECT_EQ(LoadFashionMnist(kDebianDataDir, Split::kTest, 0).size(), 10000);
  EXPECT_EQ(LoadFashionMnist(kDebianDataDir, Split::kTest, 20000).size(), 10000);
}

TEST(FashionMnistTest, MissingFolderSuggestsThePackage) {
  EXPECT_THAT(LoadError("/nonexistent/fashion"),
              HasSubstr("data folder '/nonexistent/fashion' not found (apt-get install "
                        "dataset-fashion-mnist, or pass --data-dir)"));
}

TEST(FashionMnistTest, RejectsInconsistentFiles) {
  const TempDir dir;
  WriteFile(dir / "t10k-images-idx3-ubyte.gz", IdxBytes({2, 28, 28}, std::vector<uint8_t>(2 * 784)));
  WriteFile(dir / "t10k-labels-idx1-ubyte.gz", IdxBytes({3}, {0, 1, 2}));
  EXPECT_THAT(LoadError(dir.path()), HasSubstr("has 2 images but"));

  WriteFile(dir / "t10k-labels-idx1-ubyte.gz", IdxBytes({2}, {0, 10}));
  EXPECT_THAT(LoadError(dir.path()), HasSubstr("label outside 0..9"));

  WriteFile(dir / "t10k-images-idx3-ubyte.gz", IdxBytes({0, 28, 28}, {}));
  WriteFile(dir / "t10k-labels-idx1-ubyte.gz", IdxBytes({0}, {}));
  EXPECT_THAT(LoadError(dir.path()), HasSubstr("holds no images"));

  WriteFile(dir / "t10k-images-idx3-ubyte.gz", IdxBytes({2, 32, 32}, std::vector<uint8_t>(2 * 1024)));
  EXPECT_THAT(LoadError(dir.path()), HasSubstr("images are 32x32, expected 28x28"));
}

// After gunzip the names lack .gz; the loader once looked for .gz only.
TEST(FashionMnistTest, ReadsGunzippedNamesAndPrefersGzipped) {
  const TempDir dir;
  WriteFile(dir / "t10k-images-idx3-ubyte", IdxBytes({3, 28, 28}, std::vector<uint8_t>(3 * 784)),
            /*gzip=*/false);
  WriteFile(dir / "t10k-labels-idx1-ubyte", IdxBytes({3}, {0, 1, 2}), /*gzip=*/false);
  EXPECT_EQ(LoadFashionMnist(dir.path(), Split::kTest, 0).size(), 3);

  WriteFile(dir / "t10k-images-idx3-ubyte.gz", IdxBytes({2, 28, 28}, std::vector<uint8_t>(2 * 784)));
  WriteFile(dir / "t10k-labels-idx1-ubyte.gz", IdxBytes({2}, {0, 1}));
  EXPECT_EQ(LoadFashionMnist(dir.path(), Split::kTest, 0).size(), 2);
}

TEST(FashionMnistTest, MissingFileNamesBothNamesTried) {
  const TempDir dir;
  EXPECT_EQ(LoadError(dir.path()), "neither " + (dir / "t10k-images-idx3-ubyte.gz").string() +
                                       " nor " + (dir / "t10k-images-idx3-ubyte").string() +
                                       " exists");
}

}  // namespace
}  // namespace hpsearch::trial
