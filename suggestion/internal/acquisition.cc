#include "suggestion/internal/acquisition.h"

#include <cmath>
#include <numbers>

namespace hpsearch::suggestion::internal {
namespace {

const double kLogSqrtTwoPi = 0.5 * std::log(2 * std::numbers::pi);

// exp(x^2) * erfc(x) for 0 <= x <= 26, where erfc does not underflow.
double Erfcx(double x) { return std::exp(x * x) * std::erfc(x); }

}  // namespace

double LogH(double z) {
  if (z > -1) {
    // No cancellation: z * Phi(z) >= -0.16 while phi(z) >= 0.24.
    return std::log(std::exp(-0.5 * z * z - kLogSqrtTwoPi) +
                    z * 0.5 * std::erfc(-z / std::numbers::sqrt2));
  }
  if (z > -10) {
    // h(z) = phi(z) * (1 - sqrt(pi/2) |z| erfcx(|z|/sqrt2)); the bracket is
    // at least 1/z^2 >= 0.01 here, so it keeps all but two digits.
    const double bracket =
        1 - std::sqrt(std::numbers::pi / 2) * -z * Erfcx(-z / std::numbers::sqrt2);
    return -0.5 * z * z - kLogSqrtTwoPi + std::log(bracket);
  }
  // Asymptotic series of the bracket: 1/z^2 - 3/z^4 + 15/z^6 - 105/z^8 +
  // 945/z^10, relative error below 1e-6 for z <= -10.
  const double w = 1 / (z * z);
  const double bracket = w * (1 + w * (-3 + w * (15 + w * (-105 + w * 945))));
  return -0.5 * z * z - kLogSqrtTwoPi + std::log(bracket);
}

double LogNormalCdf(double z) {
  if (z > -30) return std::log(0.5 * std::erfc(-z / std::numbers::sqrt2));
  // Phi(z) = phi(z) / |z| * (1 - 1/z^2 + 3/z^4 - ...).
  const double w = 1 / (z * z);
  return -0.5 * z * z - kLogSqrtTwoPi - std::log(-z) +
         std::log1p(w * (-1 + w * (3 - 15 * w)));
}

}  // namespace hpsearch::suggestion::internal
