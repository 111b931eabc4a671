// A Gaussian-process regression model on the unit cube for the Bayesian
// optimizer: zero mean, Matern-5/2 kernel with one length scale per
// dimension, a signal variance and a Gaussian noise variance.
//
// Fit() chooses the hyperparameters by maximizing the log marginal
// likelihood plus weak log-normal priors (which keep them away from the
// degenerate ends when there are few points) with projected Adam steps on
// the log-parameters, using the analytic gradient: a few steps from each of
// a few fixed starts, then more from the best.
// Everything is deterministic. The targets should be standardized (mean 0,
// variance 1): the priors and bounds assume it.
//
// Example:
//   absl::StatusOr<GaussianProcess> gp = GaussianProcess::Fit(x, y, cancelled);
//   gp->Predict(candidates, &mean, &sd);
#pragma once

#include <functional>

#include <Eigen/Dense>

#include "absl/status/statusor.h"

namespace hpsearch::suggestion::internal {

class GaussianProcess {
 public:
  // x: one point of [0,1]^d per row; y: its targets. At least one row.
  // CANCELLED when `cancelled` returns true during the fit.
  static absl::StatusOr<GaussianProcess> Fit(const Eigen::MatrixXd& x,
                                             const Eigen::VectorXd& y,
                                             const std::function<bool()>& cancelled);

  // Conditions the model on one more observation, hyperparameters unchanged
  // (used for the constant liar's fake observations): O(n^2), extending the
  // Cholesky factor by one row.
  void Add(const Eigen::VectorXd& x, double y);

  // Posterior mean and standard deviation of the latent function at each
  // row of `x`.
  void Predict(const Eigen::MatrixXd& x, Eigen::VectorXd* mean,
               Eigen::VectorXd* sd) const;

  const Eigen::VectorXd& length_scales() const { return length_scales_; }
  double noise_variance() const { return noise_; }

 private:
  GaussianProcess() = default;
  // Recomputes the Cholesky factor and weights from x_, y_ and the
  // hyperparameters.
  void Factorize();
  void SolveWeights();

  Eigen::MatrixXd x_;
  Eigen::VectorXd y_;
  Eigen::VectorXd length_scales_;
  double signal_ = 1;
  double noise_ = 1e-6;
  Eigen::MatrixXd cholesky_;  // lower triangular, K + noise * I = L L^T
  Eigen::VectorXd alpha_;  // K^-1 y
};

}  // namespace hpsearch::suggestion::internal
