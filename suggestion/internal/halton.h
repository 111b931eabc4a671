// A randomized Halton sequence: the quasi-random points of the Bayesian
// optimizer's initial design and of its acquisition candidates.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace hpsearch::suggestion::internal {

// The index-th point of the d-dimensional Halton sequence (radical inverses
// in the first d primes) shifted modulo 1 by a per-dimension offset derived
// from `seed` (a Cranley-Patterson rotation): consecutive indices fill
// [0,1)^d evenly, and different seeds give different, equally even designs.
// A pure function of (seed, index, dimensions).
std::vector<double> HaltonPoint(uint64_t seed, uint64_t index, size_t dimensions);

}  // namespace hpsearch::suggestion::internal
