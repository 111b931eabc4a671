#include "suggestion/internal/gaussian_process.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>
#include <optional>

#include "absl/status/status.h"

namespace hpsearch::suggestion::internal {
namespace {

const double kSqrt5 = std::sqrt(5.0);

// Bounds and log-normal priors (mean, sd) of the log-hyperparameters, for
// inputs in the unit cube and standardized targets.
constexpr double kMinLogLength = -4.6;  // 0.01
constexpr double kMaxLogLength = 2.3;   // 10
constexpr double kMinLogSignal = -4.6;
constexpr double kMaxLogSignal = 4.6;
constexpr double kMinLogNoise = -16.1;  // 1e-7
constexpr double kMaxLogNoise = 0.0;
constexpr double kPriorLogLength = -1.0, kPriorLogLengthSd = 1.5;
constexpr double kPriorLogSignal = 0.0, kPriorLogSignalSd = 1.5;
constexpr double kPriorLogNoise = -6.9, kPriorLogNoiseSd = 3.0;

// Fitting on more points than this costs O(n^3) per step for little gain:
// the hyperparameters are fitted on an evenly strided subset.
constexpr int kMaxFitPoints = 150;
// Steps from each start, then from the best of them.
constexpr int kStartSteps = 20;
constexpr int kFinalSteps = 40;
constexpr double kAdamRate = 0.1;
// Initial common length scales of the starts, which all begin with unit
// signal and a noise variance of 0.01.
constexpr double kStartLogLengths[] = {-2.3, -1.0, 0.0};
constexpr double kStartLogNoise = -4.6;

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
  const Eigen::MatrixXd wg = w.cwiseProduct(g);
  for (Eigen::Index j = 0; j < d; ++j) {
    const Eigen::VectorXd column = x.col(j) / length_scales(j);
    double sum = 0;
    for (Eigen::Index b = 0; b < n; ++b) {
      for (Eigen::Index a = 0; a < n; ++a) {
        const double delta = column(a) - column(b);
        sum += wg(a, b) * delta * delta;
      }
    }
    objective.gradient(j) = 0.5 * sum;
  }
  objective.gradient(d) = 0.5 * w.cwiseProduct(k).sum();
  objective.gradient(d + 1) = 0.5 * noise * w.trace();

  for (Eigen::Index j = 0; j < d; ++j) {
    objective.value += Prior(theta(j), kPriorLogLength, kPriorLogLengthSd,
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
    const std::function<bool()>& cancelled) {
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
  best_theta << Eigen::VectorXd::Constant(d, kPriorLogLength), kPriorLogSignal,
      kPriorLogNoise;
  auto ascend = [&](Eigen::VectorXd theta, int steps) -> absl::Status {
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
      theta += kAdamRate * correction *
               m.cwiseQuotient((v.cwiseSqrt().array() + 1e-8).matrix());
      Project(&theta);
    }
    return absl::OkStatus();
  };
  for (double start : kStartLogLengths) {
    Eigen::VectorXd theta(d + 2);
    theta << Eigen::VectorXd::Constant(d, start), 0.0, kStartLogNoise;
    if (absl::Status status = ascend(theta, kStartSteps); !status.ok()) return status;
  }
  if (absl::Status status = ascend(best_theta, kFinalSteps); !status.ok()) return status;

  GaussianProcess gp;
  gp.x_ = x;
  gp.y_ = y;
  gp.length_scales_ = best_theta.head(d).array().exp();
  gp.signal_ = std::exp(best_theta(d));
  gp.noise_ = std::exp(best_theta(d + 1));
  gp.Factorize();
  return gp;
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
