// Acquisition functions of the Bayesian optimizer, for minimization, in
// terms of the posterior mean and standard deviation at a point.
#pragma once

namespace hpsearch::suggestion::internal {

// log h(z) with h(z) = phi(z) + z * Phi(z), accurate for every finite z:
// expected improvement is sigma * h((best - mean - xi) / sigma), and its
// plain form underflows to 0 (a flat, useless acquisition) once z is below
// about -38, which happens far from the incumbent.
double LogH(double z);

// log Phi(z), finite down to z = -1e150 (probability of improvement).
double LogNormalCdf(double z);

}  // namespace hpsearch::suggestion::internal
