#include "suggestion/internal/index_permutation.h"

#include <bit>

#include "suggestion/random_search.h"

namespace hpsearch::suggestion::internal {

IndexPermutation::IndexPermutation(uint64_t size, uint64_t seed) : size_(size) {
  // Bits of the largest index, rounded up to an even number.
  const int bits = size > 1 ? std::bit_width(size - 1) : 0;
  half_bits_ = (bits + 1) / 2;
  half_mask_ = half_bits_ == 0 ? 0 : ~uint64_t{0} >> (64 - half_bits_);
  const uint64_t key = SplitMix64(seed);
  for (int round = 0; round < kRounds; ++round) {
    round_keys_[round] = SplitMix64(key + static_cast<uint64_t>(round));
  }
}

uint64_t IndexPermutation::operator()(uint64_t position) const {
  uint64_t index = Network(position);
  while (index >= size_) index = Network(index);
  return index;
}

uint64_t IndexPermutation::Network(uint64_t x) const {
  uint64_t left = x >> half_bits_;
  uint64_t right = x & half_mask_;
  for (const uint64_t round_key : round_keys_) {
    const uint64_t mixed = left ^ (SplitMix64(right ^ round_key) & half_mask_);
    left = right;
    right = mixed;
  }
  return (left << half_bits_) | right;
}

}  // namespace hpsearch::suggestion::internal
