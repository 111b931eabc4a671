// The standard normal distribution's CDF and quantile function, which map the
// normal and logNormal parameter distributions onto the unit interval.
#pragma once

namespace hpsearch::suggestion::internal {

// P(Z <= z) for a standard normal Z.
double NormalCdf(double z);

// The z with NormalCdf(z) == p, accurate to about 1e-15 relative; -inf at
// p <= 0 and +inf at p >= 1.
double NormalQuantile(double p);

}  // namespace hpsearch::suggestion::internal
