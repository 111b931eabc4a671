#include "suggestion/internal/halton.h"

#include <cmath>

#include "suggestion/random_search.h"

namespace hpsearch::suggestion::internal {
namespace {

std::vector<uint64_t> FirstPrimes(size_t count) {
  std::vector<uint64_t> primes;
  for (uint64_t n = 2; primes.size() < count; ++n) {
    bool prime = true;
    for (uint64_t p : primes) {
      if (p * p > n) break;
      if (n % p == 0) {
        prime = false;
        break;
      }
    }
    if (prime) primes.push_back(n);
  }
  return primes;
}

double RadicalInverse(uint64_t index, uint64_t base) {
  const double inverse_base = 1.0 / static_cast<double>(base);
  double scale = inverse_base;
  double value = 0;
  for (; index > 0; index /= base) {
    value += static_cast<double>(index % base) * scale;
    scale *= inverse_base;
  }
  return value;
}

}  // namespace

std::vector<double> HaltonPoint(uint64_t seed, uint64_t index, size_t dimensions) {
  const std::vector<uint64_t> primes = FirstPrimes(dimensions);
  // The shift is the seed's first random-search point: any fixed function
  // of the seed would do.
  std::vector<double> point = RandomUnitPoint(seed, 0, dimensions);
  for (size_t i = 0; i < dimensions; ++i) {
    const double shifted = point[i] + RadicalInverse(index, primes[i]);
    point[i] = shifted - std::floor(shifted);
  }
  return point;
}

}  // namespace hpsearch::suggestion::internal
