#include "suggestion/internal/gaussian_process.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>
#include <optional>
#include <vector>

#include "absl/status/status.h"

namespace hpsearch::suggestion::internal {
namespace {

const double kSqrt5 = std::sqrt(5.0);

// Bounds and log-normal priors (mean, sd) of the log-hyperparameters, for
// inputs in the unit cube and standardized targets.
constexpr double kMinLogLength = -4.6;  // 0.01
// Twice the cube's side: a longer length scale makes the kernel nearly flat
// along that parameter, and letting the fit go there drops parameters the
// data has merely not shown to matter yet (on Hartmann6 it kept the search
// in a local minimum).
constexpr double kMaxLogLength = 0.69;  // 2
constexpr double kMinLogSignal = -4.6;
constexpr double kMaxLogSignal = 4.6;
constexpr double kMinLogNoise = -16.1;  // 1e-7
constexpr double kMaxLogNoise = 0.0;
constexpr double kPriorLogLengthSd = 1.5;
// The prior's median length scale grows as sqrt(d) with the number of
// inputs d: 0.37 in 1-D, 1.16 in 10-D, as distances between points grow
// (after Hvarfner et al., "Vanilla Bayesian optimization performs great in
// high dimensions", 2024).
double PriorLogLength(Eigen::Index d) {
  return -1.0 + 0.5 * std::log(static_cast<double>(d));
}
constexpr double kPriorLogSignal = 0.0, kPriorLogSignalSd = 1.5;
constexpr double kPriorLogNoise = -6.9, kPriorLogNoiseSd = 3.0;

// Fitting on more points than this costs O(n^3) per step for little gain:
// the hyperparameters are fitted on an evenly strided subset.
constexpr int kMaxFitPoints = 100;
// Steps from each start, then from the best of them.
constexpr int kStartSteps = 20;
constexpr int kFinalSteps = 120;
constexpr double kAdamRate = 0.1;
// Initial common length scales of the starts, which all begin with unit
// signal and a noise variance of 0.01.
constexpr double kStartLogLengths[] = {-2.3, -1.0, 0.0};
constexpr double kStartLogNoise = -4.6;
// From a warm start: fewer, smaller steps (the data changed a little).
constexpr int kWarmSteps = 30;
constexpr double kWarmRate = 0.05;
// Observations the sd bound of GaussianProcess::Screen conditions on.
constexpr Eigen::Index kBoundNeighbours = 8;

// Squared distances between the rows of a and b, each coordinate divided
// by its length scale.
Eigen::MatrixXd ScaledSquaredDistances(const Eigen::MatrixXd& a,
                                       const Eigen::MatrixXd& b,
                                       const Eigen::VectorXd& length_scales) {
  const Eigen::RowVectorXd inverse = length_scales.cwiseInverse().transpose();
  const Eigen::MatrixXd sa = a.array().rowwise() * inverse.array();
  const Eigen::MatrixXd sb = b.array().rowwise() * inverse.array();
  Eigen::MatrixXd d2 = (-2 * sa * sb.transpose()).colwise() +
                       sa.rowwise().squaredNorm();
  d2.rowwise() += sb.rowwise().squaredNorm().transpose();
  return d2.cwiseMax(0.0);
}

// Matern-5/2 covariance from squared scaled distances.
Eigen::MatrixXd Matern52(const Eigen::MatrixXd& d2, double signal) {
  return d2.unaryExpr([signal](double s) {
    const double r = kSqrt5 * std::sqrt(s);
    return signal * (1 + r + r * r / 3) * std::exp(-r);
  });
}

// Cholesky of k + noise * I, adding growing jitter if k is numerically
// singular. Returns false only if even large jitter fails (NaN inputs).
bool Factor(Eigen::MatrixXd k, double noise, double signal,
            Eigen::LLT<Eigen::MatrixXd>* llt) {
  double jitter = 0;
  for (int attempt = 0; attempt < 8; ++attempt) {
    Eigen::MatrixXd shifted = k;
    shifted.diagonal().array() += noise + jitter;
    llt->compute(shifted);
    if (llt->info() == Eigen::Success) return true;
    jitter = jitter == 0 ? 1e-10 * signal : jitter * 10;
  }
  return false;
}

struct Objective {
  double value;
  Eigen::VectorXd gradient;
};

double Prior(double value, double mean, double sd, double* gradient) {
  *gradient += -(value - mean) / (sd * sd);
  return -0.5 * (value - mean) * (value - mean) / (sd * sd);
}

// Log marginal likelihood plus log priors at theta = (log length scales,
// log signal, log noise), and its gradient; nullopt where K cannot be
// factorized.
std::optional<Objective> Evaluate(const Eigen::MatrixXd& x, const Eigen::VectorXd& y,
                                  const Eigen::VectorXd& theta) {
  const Eigen::Index n = x.rows(), d = x.cols();
  const Eigen::VectorXd length_scales = theta.head(d).array().exp();
  const double signal = std::exp(theta(d));
  const double noise = std::exp(theta(d + 1));
  const Eigen::MatrixXd d2 = ScaledSquaredDistances(x, x, length_scales);
  const Eigen::MatrixXd k = Matern52(d2, signal);
  Eigen::LLT<Eigen::MatrixXd> llt;
  if (!Factor(k, noise, signal, &llt)) return std::nullopt;
  const Eigen::VectorXd alpha = llt.solve(y);
  const Eigen::MatrixXd w =
      alpha * alpha.transpose() - llt.solve(Eigen::MatrixXd::Identity(n, n));

  Objective objective{.value = -0.5 * y.dot(alpha) -
                               llt.matrixLLT().diagonal().array().log().sum() -
                               0.5 * static_cast<double>(n) *
                                   std::log(2 * std::numbers::pi),
                      .gradient = Eigen::VectorXd::Zero(d + 2)};
  // dK/d log l_j = signal * 5/3 * (1 + sqrt5 r) exp(-sqrt5 r) * (dx_j / l_j)^2.
  const Eigen::MatrixXd g = d2.unaryExpr([signal](double s) {
    const double r = kSqrt5 * std::sqrt(s);
    return signal * 5.0 / 3.0 * (1 + r) * std::exp(-r);
  });
  // 0.5 * sum_ab wg_ab (c_a - c_b)^2 with c = x_j / l_j and wg symmetric
  // is sum_a c_a^2 rowsum_a(wg) - c^T wg c: one product for all j.
  const Eigen::MatrixXd wg = w.cwiseProduct(g);
  const Eigen::MatrixXd scaled = x * length_scales.cwiseInverse().asDiagonal();
  const Eigen::VectorXd row_sums = wg.rowwise().sum();
  const Eigen::MatrixXd wg_scaled = wg * scaled;
  objective.gradient.head(d) =
      scaled.cwiseAbs2().transpose() * row_sums -
      scaled.cwiseProduct(wg_scaled).colwise().sum().transpose();
  objective.gradient(d) = 0.5 * w.cwiseProduct(k).sum();
  objective.gradient(d + 1) = 0.5 * noise * w.trace();

  for (Eigen::Index j = 0; j < d; ++j) {
    objective.value += Prior(theta(j), PriorLogLength(d), kPriorLogLengthSd,
                             &objective.gradient(j));
  }
  objective.value +=
      Prior(theta(d), kPriorLogSignal, kPriorLogSignalSd, &objective.gradient(d));
  objective.value += Prior(theta(d + 1), kPriorLogNoise, kPriorLogNoiseSd,
                           &objective.gradient(d + 1));
  return objective;
}

void Project(Eigen::VectorXd* theta) {
  const Eigen::Index d = theta->size() - 2;
  for (Eigen::Index j = 0; j < d; ++j) {
    (*theta)(j) = std::clamp((*theta)(j), kMinLogLength, kMaxLogLength);
  }
  (*theta)(d) = std::clamp((*theta)(d), kMinLogSignal, kMaxLogSignal);
  (*theta)(d + 1) = std::clamp((*theta)(d + 1), kMinLogNoise, kMaxLogNoise);
}

}  // namespace

absl::StatusOr<GaussianProcess> GaussianProcess::Fit(
    const Eigen::MatrixXd& x, const Eigen::VectorXd& y,
    const std::function<bool()>& cancelled, const FitOptions& options) {
  const Eigen::Index n = x.rows(), d = x.cols();
  Eigen::MatrixXd fit_x = x;
  Eigen::VectorXd fit_y = y;
  if (n > kMaxFitPoints) {
    fit_x.resize(kMaxFitPoints, d);
    fit_y.resize(kMaxFitPoints);
    for (Eigen::Index i = 0; i < kMaxFitPoints; ++i) {
      const Eigen::Index row = i * n / kMaxFitPoints;
      fit_x.row(i) = x.row(row);
      fit_y(i) = y(row);
    }
  }

  // Adam ascent from `theta` for `steps` steps; the best point seen, if any
  // was factorizable, updates (best_value, best_theta).
  double best_value = -std::numeric_limits<double>::infinity();
  Eigen::VectorXd best_theta(d + 2);
  best_theta << Eigen::VectorXd::Constant(d, PriorLogLength(d)), kPriorLogSignal,
      kPriorLogNoise;
  auto ascend = [&](Eigen::VectorXd theta, int steps, double rate) -> absl::Status {
    Eigen::VectorXd m = Eigen::VectorXd::Zero(d + 2);
    Eigen::VectorXd v = Eigen::VectorXd::Zero(d + 2);
    for (int step = 1; step <= steps; ++step) {
      if (cancelled()) return absl::CancelledError("the call was cancelled");
      const std::optional<Objective> objective = Evaluate(fit_x, fit_y, theta);
      if (!objective) break;
      if (objective->value > best_value) {
        best_value = objective->value;
        best_theta = theta;
      }
      m = 0.9 * m + 0.1 * objective->gradient;
      v = 0.999 * v + 0.001 * objective->gradient.cwiseAbs2();
      const double correction =
          std::sqrt(1 - std::pow(0.999, step)) / (1 - std::pow(0.9, step));
      theta += rate * correction *
               m.cwiseQuotient((v.cwiseSqrt().array() + 1e-8).matrix());
      Project(&theta);
    }
    return absl::OkStatus();
  };
  if (options.warm_start && options.warm_start->size() == d + 2) {
    Eigen::VectorXd theta = *options.warm_start;
    Project(&theta);
    if (absl::Status status = ascend(theta, kWarmSteps, kWarmRate); !status.ok()) {
      return status;
    }
  } else {
    for (double start : kStartLogLengths) {
      Eigen::VectorXd theta(d + 2);
      theta << Eigen::VectorXd::Constant(d, start), 0.0, kStartLogNoise;
      if (absl::Status status = ascend(theta, kStartSteps, kAdamRate); !status.ok()) {
        return status;
      }
    }
    if (absl::Status status = ascend(best_theta, kFinalSteps, kAdamRate); !status.ok()) {
      return status;
    }
  }

  GaussianProcess gp;
  gp.x_ = x;
  gp.y_ = y;
  gp.length_scales_ = best_theta.head(d).array().exp();
  gp.signal_ = std::exp(best_theta(d));
  gp.noise_ = std::exp(best_theta(d + 1));
  gp.Factorize();
  return gp;
}

Eigen::VectorXd GaussianProcess::log_hyperparameters() const {
  Eigen::VectorXd theta(length_scales_.size() + 2);
  theta << length_scales_.array().log().matrix(), std::log(signal_), std::log(noise_);
  return theta;
}

void GaussianProcess::Factorize() {
  // The hyperparameters were factorizable on the fitted points; a NaN-free
  // Gram matrix always factors with enough jitter.
  Eigen::LLT<Eigen::MatrixXd> llt;
  Factor(Matern52(ScaledSquaredDistances(x_, x_, length_scales_), signal_), noise_,
         signal_, &llt);
  cholesky_ = llt.matrixL();
  SolveWeights();
}

void GaussianProcess::SolveWeights() {
  alpha_ = cholesky_.transpose().triangularView<Eigen::Upper>().solve(
      cholesky_.triangularView<Eigen::Lower>().solve(y_));
}

void GaussianProcess::Add(const Eigen::VectorXd& x, double y) {
  const Eigen::Index n = x_.rows();
  const Eigen::VectorXd k =
      Matern52(ScaledSquaredDistances(x_, x.transpose(), length_scales_), signal_).col(0);
  const Eigen::VectorXd l = cholesky_.triangularView<Eigen::Lower>().solve(k);
  // The new pivot: the variance left after the others, plus noise; kept
  // positive like the jitter of a full factorization.
  const double pivot = std::max(signal_ + noise_ - l.squaredNorm(), 1e-10 * signal_);
  x_.conservativeResize(n + 1, Eigen::NoChange);
  x_.row(n) = x.transpose();
  y_.conservativeResize(n + 1);
  y_(n) = y;
  cholesky_.conservativeResize(n + 1, n + 1);
  cholesky_.row(n).head(n) = l.transpose();
  cholesky_.col(n).setZero();
  cholesky_(n, n) = std::sqrt(pivot);
  SolveWeights();
}

void GaussianProcess::Predict(const Eigen::MatrixXd& x, Eigen::VectorXd* mean,
                              Eigen::VectorXd* sd) const {
  const Eigen::MatrixXd k = Matern52(ScaledSquaredDistances(x, x_, length_scales_), signal_);
  *mean = k * alpha_;
  const Eigen::MatrixXd v = cholesky_.triangularView<Eigen::Lower>().solve(k.transpose());
  *sd = (signal_ - v.colwise().squaredNorm().transpose().array())
            .cwiseMax(1e-12 * signal_)
            .sqrt();
}

}  // namespace hpsearch::suggestion::internal

namespace hpsearch::suggestion::internal {

GaussianProcess::Neighbourhood GaussianProcess::Near(const Eigen::VectorXd& center,
                                                     Eigen::Index size) const {
  Neighbourhood near;
  near.gp_ = this;
  const Eigen::Index n = x_.rows();
  if (size >= n) return near;
  const Eigen::VectorXd d2 =
      ScaledSquaredDistances(x_, center.transpose(), length_scales_).col(0);
  std::vector<Eigen::Index> order(static_cast<size_t>(n));
  for (Eigen::Index i = 0; i < n; ++i) order[static_cast<size_t>(i)] = i;
  std::nth_element(order.begin(), order.begin() + size, order.end(),
                   [&](Eigen::Index a, Eigen::Index b) {
                     return d2(a) < d2(b) || (d2(a) == d2(b) && a < b);
                   });
  order.resize(static_cast<size_t>(size));
  std::sort(order.begin(), order.end());
  near.x_.resize(size, x_.cols());
  for (Eigen::Index i = 0; i < size; ++i) near.x_.row(i) = x_.row(order[static_cast<size_t>(i)]);
  Eigen::LLT<Eigen::MatrixXd> llt;
  Factor(Matern52(ScaledSquaredDistances(near.x_, near.x_, length_scales_), signal_), noise_,
         signal_, &llt);
  near.cholesky_ = llt.matrixL();
  Eigen::VectorXd y(size);
  for (Eigen::Index i = 0; i < size; ++i) y(i) = y_(order[static_cast<size_t>(i)]);
  near.alpha_ = llt.solve(y);
  return near;
}

void GaussianProcess::Neighbourhood::Predict(const Eigen::MatrixXd& x, Eigen::VectorXd* mean,
                                             Eigen::VectorXd* sd) const {
  if (x_.rows() == 0) {
    gp_->Predict(x, mean, sd);
    return;
  }
  const Eigen::MatrixXd k =
      Matern52(ScaledSquaredDistances(x, x_, gp_->length_scales_), gp_->signal_);
  *mean = k * alpha_;
  const Eigen::MatrixXd v = cholesky_.triangularView<Eigen::Lower>().solve(k.transpose());
  *sd = (gp_->signal_ - v.colwise().squaredNorm().transpose().array())
            .cwiseMax(1e-12 * gp_->signal_)
            .sqrt();
}

}  // namespace hpsearch::suggestion::internal

namespace hpsearch::suggestion::internal {

GaussianProcess::Screen::Screen(const GaussianProcess& gp, const Eigen::MatrixXd& x)
    : gp_(&gp),
      cross_(Matern52(ScaledSquaredDistances(gp.x_, x, gp.length_scales_), gp.signal_)),
      mean_(cross_.transpose() * gp.alpha_),
      sd_bound_(x.rows()),
      sd_(x.rows()),
      exact_(static_cast<size_t>(x.rows()), false) {
  const Eigen::Index n = gp.x_.rows();
  const Eigen::Index q = std::min(n, kBoundNeighbours);
  // The q largest covariances of each column, kept sorted by insertion.
  std::vector<std::pair<double, Eigen::Index>> nearest;
  Eigen::MatrixXd subset(q, gp.x_.cols());
  Eigen::VectorXd k(q);
  for (Eigen::Index i = 0; i < x.rows(); ++i) {
    nearest.clear();
    for (Eigen::Index j = 0; j < n; ++j) {
      const double c = cross_(j, i);
      if (static_cast<Eigen::Index>(nearest.size()) == q) {
        if (c <= nearest.back().first) continue;
        nearest.pop_back();
      }
      auto at = std::upper_bound(nearest.begin(), nearest.end(), c,
                                 [](double value, const auto& entry) { return value > entry.first; });
      nearest.insert(at, {c, j});
    }
    for (Eigen::Index j = 0; j < q; ++j) {
      subset.row(j) = gp.x_.row(nearest[static_cast<size_t>(j)].second);
      k(j) = nearest[static_cast<size_t>(j)].first;
    }
    Eigen::MatrixXd gram =
        Matern52(ScaledSquaredDistances(subset, subset, gp.length_scales_), gp.signal_);
    gram.diagonal().array() += gp.noise_;
    // Semi-definite at worst (duplicate points without noise): the pivoted
    // LDL^T still solves it, and the variance is floored below.
    const Eigen::LDLT<Eigen::MatrixXd> ldlt(gram);
    const double explained = k.dot(ldlt.solve(k));
    sd_bound_(i) = std::sqrt(std::max(gp.signal_ - (std::isfinite(explained) ? explained : 0.0),
                                      1e-12 * gp.signal_));
  }
  sd_ = sd_bound_;
}

void GaussianProcess::Screen::Refine(const std::vector<Eigen::Index>& rows) {
  std::vector<Eigen::Index> pending;
  for (Eigen::Index i : rows) {
    if (!exact_[static_cast<size_t>(i)]) pending.push_back(i);
  }
  if (pending.empty()) return;
  Eigen::MatrixXd k(gp_->x_.rows(), static_cast<Eigen::Index>(pending.size()));
  for (size_t j = 0; j < pending.size(); ++j) {
    k.col(static_cast<Eigen::Index>(j)) = cross_.col(pending[j]);
  }
  gp_->cholesky_.triangularView<Eigen::Lower>().solveInPlace(k);
  const Eigen::VectorXd explained = k.colwise().squaredNorm().transpose();
  for (size_t j = 0; j < pending.size(); ++j) {
    // Never above the bound: with jitter in the factor the two may differ
    // in the last digits.
    sd_(pending[j]) = std::min(
        std::sqrt(std::max(gp_->signal_ - explained(static_cast<Eigen::Index>(j)),
                           1e-12 * gp_->signal_)),
        sd_bound_(pending[j]));
    exact_[static_cast<size_t>(pending[j])] = true;
  }
}

}  // namespace hpsearch::suggestion::internal
