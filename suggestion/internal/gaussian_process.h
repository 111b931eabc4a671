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

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace hpsearch::suggestion::internal {

struct FitOptions {
  // log_hyperparameters() of an earlier fit with as many columns: the fit
  // takes a few steps from there instead of its starts.
  std::optional<Eigen::VectorXd> warm_start;
  // Rows the caller will add (AddBlock, Add): the factor is allocated with
  // room for them, so adding them copies nothing and the model never holds
  // two factors at once.
  Eigen::Index room = 0;
};

class GaussianProcess {
 public:
  // x: one point of [0,1]^d per row; y: its targets. At least one row.
  // CANCELLED when `cancelled` returns true during the fit or the
  // factorization, which polls it between blocks of rows.
  static absl::StatusOr<GaussianProcess> Fit(const Eigen::MatrixXd& x,
                                             const Eigen::VectorXd& y,
                                             const std::function<bool()>& cancelled,
                                             const FitOptions& options = {});

  // Conditions the model on more observations (a row of `x` each),
  // hyperparameters unchanged (used for the constant liar's fake
  // observations): the same model as Add for each in turn, up to rounding,
  // at the cost of one: the factor is extended by blocks of rows (L21 =
  // K21 L11^-T, L22 = chol(K22 + noise I - L21 L21^T), each pivot floored
  // as Add floors it), O(n^2 m) in matrix products. CANCELLED, with the
  // model unchanged, when `cancelled` returns true between blocks.
  absl::Status AddBlock(const Eigen::MatrixXd& x, const Eigen::VectorXd& y,
                        const std::function<bool()>& cancelled);

  // Conditions the model on one more observation: O(n^2), extending the
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
    // The points. Their covariances with the observations (rows x points
    // doubles, the size of the factor at a few thousand trials) are
    // computed a block of points at a time, and again for refined ones.
    Eigen::MatrixXd x_;
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
  // Computes the Cholesky factor, with room for `room` more rows, and the
  // weights from x_, y_ and the hyperparameters.
  absl::Status Factorize(Eigen::Index room, const std::function<bool()>& cancelled);
  void SolveWeights();
  // L, K + noise * I = L L^T: the lower triangle of cholesky_'s top-left
  // rows() x rows() corner.
  Eigen::Block<const Eigen::MatrixXd> cholesky() const {
    return cholesky_.topLeftCorner(rows(), rows());
  }

  Eigen::MatrixXd x_;
  Eigen::VectorXd y_;
  Eigen::VectorXd length_scales_;
  double signal_ = 1;
  double noise_ = 1e-6;
  // L and room for rows to come. Nothing above its diagonal blocks is read
  // or written, so those pages are never resident: the factor costs about
  // half its size.
  Eigen::MatrixXd cholesky_;
  Eigen::VectorXd alpha_;  // K^-1 y
};

}  // namespace hpsearch::suggestion::internal
