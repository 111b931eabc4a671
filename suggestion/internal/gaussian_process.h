// A Gaussian-process regression model on the unit cube for the Bayesian
// optimizer: zero mean, Matern-5/2 kernel with one length scale per
// dimension, a signal variance and a Gaussian noise variance.
//
// Fit() chooses the hyperparameters by maximizing the log marginal
// likelihood plus weak log-normal priors (which keep them away from the
// degenerate ends when there are few points) with projected Adam steps on
// the log-parameters, using the analytic gradient: a few steps from each of
// a few fixed starts, then more from the best.
// A warm start (FitOptions::warm_start, the log-hyperparameters of an
// earlier fit to similar data) replaces the starts by a few steps from there.
// Everything is deterministic. The targets should have unit variance (the
// Bayesian optimizer shifts them so that the worst is 0, the prior mean):
// the priors and bounds assume it.
//
// Example:
//   absl::StatusOr<GaussianProcess> gp = GaussianProcess::Fit(x, y, cancelled);
//   gp->Predict(candidates, &mean, &sd);
#pragma once

#include <functional>
#include <optional>
#include <vector>

#include <Eigen/Dense>

#include "absl/status/statusor.h"

namespace hpsearch::suggestion::internal {

struct FitOptions {
  // log_hyperparameters() of an earlier fit with as many columns: the fit
  // takes a few steps from there instead of its starts.
  std::optional<Eigen::VectorXd> warm_start;
};

class GaussianProcess {
 public:
  // x: one point of [0,1]^d per row; y: its targets. At least one row.
  // CANCELLED when `cancelled` returns true during the fit.
  static absl::StatusOr<GaussianProcess> Fit(const Eigen::MatrixXd& x,
                                             const Eigen::VectorXd& y,
                                             const std::function<bool()>& cancelled,
                                             const FitOptions& options = {});

  // Conditions the model on one more observation, hyperparameters unchanged
  // (used for the constant liar's fake observations): O(n^2), extending the
  // Cholesky factor by one row.
  void Add(const Eigen::VectorXd& x, double y);

  // Posterior mean and standard deviation of the latent function at each
  // row of `x`.
  void Predict(const Eigen::MatrixXd& x, Eigen::VectorXd* mean,
               Eigen::VectorXd* sd) const;

  // The posterior at many points in two stages, for a search that needs
  // the exact standard deviation at only the best few: the mean and an
  // upper bound of the sd at every row (the sd given only the
  // `kBoundNeighbours` observations most correlated with the row, as
  // conditioning on fewer observations never lowers the variance), then
  // the exact sd of chosen rows, computed together (one blocked solve).
  class Screen {
   public:
    Screen(const GaussianProcess& gp, const Eigen::MatrixXd& x);
    const Eigen::VectorXd& mean() const { return mean_; }
    const Eigen::VectorXd& sd_bound() const { return sd_bound_; }
    // Makes sd(i) exact for each i in `rows`.
    void Refine(const std::vector<Eigen::Index>& rows);
    bool exact(Eigen::Index i) const { return exact_[static_cast<size_t>(i)]; }
    double sd(Eigen::Index i) const { return sd_(i); }

   private:
    const GaussianProcess* gp_;
    Eigen::MatrixXd cross_;  // covariances with the observations, a column per point
    Eigen::VectorXd mean_, sd_bound_, sd_;
    std::vector<bool> exact_;
  };

  // Predictions near one point, for a local search of the acquisition: the
  // posterior given only the `size` observations nearest `center` (in
  // length scales), with the same hyperparameters. That is the model itself
  // when size >= rows; otherwise a local approximation, close near
  // `center` (its variance an upper bound of the model's), at O(size^2) a
  // point instead of O(rows^2).
  class Neighbourhood {
   public:
    void Predict(const Eigen::MatrixXd& x, Eigen::VectorXd* mean,
                 Eigen::VectorXd* sd) const;

   private:
    friend class GaussianProcess;
    const GaussianProcess* gp_ = nullptr;
    Eigen::MatrixXd x_;         // the nearest observations (empty: all)
    Eigen::MatrixXd cholesky_;  // their factor
    Eigen::VectorXd alpha_;     // their weights
  };
  Neighbourhood Near(const Eigen::VectorXd& center, Eigen::Index size) const;

  Eigen::Index rows() const { return x_.rows(); }
  const Eigen::VectorXd& length_scales() const { return length_scales_; }
  double noise_variance() const { return noise_; }
  // (log length scales, log signal variance, log noise variance).
  Eigen::VectorXd log_hyperparameters() const;

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
