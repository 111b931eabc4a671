// A pseudo-random order of [0, size) that is walked without being stored:
// the order in which grid search visits the grid.
#pragma once

#include <array>
#include <cstdint>

namespace hpsearch::suggestion::internal {

// A bijection of [0, size), a pure function of (size, seed). It is a keyed
// Feistel network on the smallest power of four >= size, whose two halves
// are then equally wide, with cycle walking: an image outside [0, size) is
// mapped again until it falls inside, which keeps the map a bijection of
// [0, size). Mapping one position takes O(1) memory and, as the network's
// domain is less than 4 * size, fewer than four passes on average, so a grid
// far larger than memory is walked from any position and nothing about the
// positions before it needs remembering. Unlike an affine map (a * i + b
// mod size), consecutive positions show no stride.
class IndexPermutation {
 public:
  IndexPermutation(uint64_t size, uint64_t seed);

  // The index at `position` (< size) of the order.
  uint64_t operator()(uint64_t position) const;

 private:
  // Enough rounds that even the 1-bit halves of a four-point domain are
  // well mixed; four suffice in theory for wide ones.
  static constexpr int kRounds = 8;

  uint64_t Network(uint64_t x) const;

  uint64_t size_;
  int half_bits_ = 0;
  uint64_t half_mask_ = 0;
  std::array<uint64_t, kRounds> round_keys_{};
};

}  // namespace hpsearch::suggestion::internal
