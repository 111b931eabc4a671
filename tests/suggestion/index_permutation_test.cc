#include "suggestion/internal/index_permutation.h"

#include <algorithm>
#include <cstdint>
#include <limits>
#include <numeric>
#include <set>
#include <vector>

#include "gtest/gtest.h"

namespace hpsearch::suggestion::internal {
namespace {

std::vector<uint64_t> Order(uint64_t size, uint64_t seed) {
  const IndexPermutation permutation(size, seed);
  std::vector<uint64_t> order(size);
  for (uint64_t position = 0; position < size; ++position) order[position] = permutation(position);
  return order;
}

TEST(IndexPermutationTest, IsABijectionOfEverySize) {
  std::vector<uint64_t> sizes(300);
  std::iota(sizes.begin(), sizes.end(), 1);
  // Around powers of four, where the network's domain grows.
  for (uint64_t size : {1023, 1024, 1025, 4095, 4096, 4097, 65536, 65537}) sizes.push_back(size);
  for (uint64_t size : sizes) {
    for (uint64_t seed : {0, 1, 42}) {
      std::vector<uint64_t> order = Order(size, seed);
      std::sort(order.begin(), order.end());
      std::vector<uint64_t> expected(size);
      std::iota(expected.begin(), expected.end(), 0);
      ASSERT_EQ(order, expected) << "size " << size << ", seed " << seed;
    }
  }
}

TEST(IndexPermutationTest, TheSeedDecidesTheOrder) {
  EXPECT_EQ(Order(1000, 7), Order(1000, 7));
  EXPECT_NE(Order(1000, 7), Order(1000, 8));
}

// Optuna's GridSampler takes a uniformly random unvisited point each time;
// over seeds, our first point is as uniform: a chi-squared test with 44
// degrees of freedom, whose 0.1% critical value is 78.7.
TEST(IndexPermutationTest, TheFirstPointIsUniformOverSeeds) {
  constexpr uint64_t kSize = 45;
  constexpr int kSeeds = 9000;
  for (uint64_t position : {0, 1, 44}) {
    std::vector<int> counts(kSize);
    for (uint64_t seed = 0; seed < kSeeds; ++seed) ++counts[IndexPermutation(kSize, seed)(position)];
    const double expected = static_cast<double>(kSeeds) / kSize;
    double chi_squared = 0;
    for (int count : counts) chi_squared += (count - expected) * (count - expected) / expected;
    EXPECT_LT(chi_squared, 78.7) << "position " << position;
  }
}

// An affine map (a * i + b mod size) moves by the same stride at every step.
TEST(IndexPermutationTest, ConsecutivePositionsShowNoStride) {
  constexpr uint64_t kSize = 1000;
  const std::vector<uint64_t> order = Order(kSize, 3);
  std::set<uint64_t> strides;
  for (size_t i = 1; i < order.size(); ++i) strides.insert((order[i] + kSize - order[i - 1]) % kSize);
  EXPECT_GT(strides.size(), kSize / 2);
}

TEST(IndexPermutationTest, HandlesTheLargestSizes) {
  for (uint64_t size : {std::numeric_limits<uint64_t>::max(), (uint64_t{1} << 63) + 1}) {
    const IndexPermutation permutation(size, 5);
    std::set<uint64_t> seen;
    for (uint64_t position : {uint64_t{0}, uint64_t{1}, uint64_t{2}, size / 2, size - 1}) {
      const uint64_t index = permutation(position);
      EXPECT_LT(index, size);
      seen.insert(index);
    }
    EXPECT_EQ(seen.size(), 5u);
  }
}

}  // namespace
}  // namespace hpsearch::suggestion::internal
