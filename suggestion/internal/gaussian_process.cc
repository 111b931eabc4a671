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
// Rows factorized between polls of the cancellation flag: a fraction of a
// second at a few thousand rows.
constexpr Eigen::Index kFactorBlock = 64;
// Points whose covariances GaussianProcess::Screen holds at once.
constexpr Eigen::Index kScreenBlock = 64;

using ConstRef = Eigen::Ref<const Eigen::MatrixXd>;

bool Never() { return false; }

// Squared distances between the rows of a and b, each coordinate divided
// by its length scale, into d2 (a.rows() x b.rows()).
void ScaledSquaredDistances(const ConstRef& a, const ConstRef& b,
                            const Eigen::VectorXd& length_scales,
                            Eigen::Ref<Eigen::MatrixXd> d2) {
  const Eigen::RowVectorXd inverse = length_scales.cwiseInverse().transpose();
  const Eigen::MatrixXd sa = a.array().rowwise() * inverse.array();
  const Eigen::MatrixXd sb = b.array().rowwise() * inverse.array();
  d2.noalias() = -2 * sa * sb.transpose();
  d2.colwise() += sa.rowwise().squaredNorm();
  d2.rowwise() += sb.rowwise().squaredNorm().transpose();
  d2 = d2.cwiseMax(0.0);
}

// Matern-5/2 covariance at a squared scaled distance.
double Matern52(double d2, double signal) {
  const double r = kSqrt5 * std::sqrt(d2);
  return signal * (1 + r + r * r / 3) * std::exp(-r);
}

// Covariances between the rows of a and b, into k (a.rows() x b.rows()):
// written in place, as k may be most of the memory a call uses.
void Covariances(const ConstRef& a, const ConstRef& b, const Eigen::VectorXd& length_scales,
                 double signal, Eigen::Ref<Eigen::MatrixXd> k) {
  ScaledSquaredDistances(a, b, length_scales, k);
  k = k.unaryExpr([signal](double s) { return Matern52(s, signal); });
}

Eigen::MatrixXd Covariances(const ConstRef& a, const ConstRef& b,
                            const Eigen::VectorXd& length_scales, double signal) {
  Eigen::MatrixXd k(a.rows(), b.rows());
  Covariances(a, b, length_scales, signal, k);
  return k;
}

// Writes rows [row, row + rows.rows()) of a covariance matrix, their
// columns [0, rows.cols()), into `rows`.
using FillRows = std::function<void(Eigen::Index row, Eigen::Ref<Eigen::MatrixXd> rows)>;

// The covariances between the rows of x.
FillRows CovariancesOf(const Eigen::MatrixXd& x, const Eigen::VectorXd& length_scales,
                       double signal) {
  return [&x, &length_scales, signal](Eigen::Index row, Eigen::Ref<Eigen::MatrixXd> rows) {
    Covariances(x.middleRows(row, rows.rows()), x.topRows(rows.cols()), length_scales, signal,
                rows);
  };
}

// Completes in place the Cholesky factor L of K + shift * I in the lower
// triangle of `a`, whose rows before `begin` are factored already,
// kFactorBlock rows at a time: the block's rows of K from `fill`, then
// L21 = K21 L11^-T and L22 = chol(K22 + shift * I - L21 L21^T). With
// floor > 0 a pivot below it is raised to it; otherwise a non-positive
// pivot returns false. CANCELLED when `cancelled` says so between blocks.
absl::StatusOr<bool> ExtendCholesky(Eigen::Ref<Eigen::MatrixXd> a, Eigen::Index begin,
                                    const FillRows& fill, double shift, double floor,
                                    const std::function<bool()>& cancelled) {
  for (Eigen::Index row = begin; row < a.rows(); row += kFactorBlock) {
    if (cancelled()) return absl::CancelledError("the call was cancelled");
    const Eigen::Index size = std::min(kFactorBlock, a.rows() - row);
    fill(row, a.block(row, 0, size, row + size));
    Eigen::Ref<Eigen::MatrixXd> l22 = a.block(row, row, size, size);
    l22.diagonal().array() += shift;
    if (row > 0) {
      auto l21 = a.block(row, 0, size, row);
      a.topLeftCorner(row, row).triangularView<Eigen::Lower>().transpose()
          .solveInPlace<Eigen::OnTheRight>(l21);
      l22.selfadjointView<Eigen::Lower>().rankUpdate(l21, -1.0);
    }
    if (floor <= 0) {
      const Eigen::LLT<Eigen::Ref<Eigen::MatrixXd>> llt(l22);
      if (llt.info() != Eigen::Success) return false;
      continue;
    }
    // Unblocked, to floor each pivot as it comes.
    for (Eigen::Index j = 0; j < size; ++j) {
      const auto done = l22.row(j).head(j);
      l22(j, j) = std::sqrt(std::max(l22(j, j) - done.squaredNorm(), floor));
      const Eigen::Index below = size - j - 1;
      l22.col(j).tail(below) =
          (l22.col(j).tail(below) - l22.bottomLeftCorner(below, j) * done.transpose()) /
          l22(j, j);
    }
  }
  return true;
}

// Cholesky factor, in place in `a`, of the covariances that `fill` gives
// plus noise * I, adding growing jitter if they are numerically singular.
// False only if even large jitter fails (NaN inputs).
absl::StatusOr<bool> Factor(const FillRows& fill, double noise, double signal,
                            Eigen::Ref<Eigen::MatrixXd> a,
                            const std::function<bool()>& cancelled) {
  double jitter = 0;
  for (int attempt = 0; attempt < 8; ++attempt) {
    absl::StatusOr<bool> factored = ExtendCholesky(a, 0, fill, noise + jitter, 0, cancelled);
    if (!factored.ok() || *factored) return factored;
    jitter = jitter == 0 ? 1e-10 * signal : jitter * 10;
  }
  return false;
}

// b = (L L^T)^-1 b for the lower triangle L of `l`.
template <typename Rhs>
void CholeskySolveInPlace(const ConstRef& l, Rhs& b) {
  l.triangularView<Eigen::Lower>().solveInPlace(b);
  l.transpose().triangularView<Eigen::Upper>().solveInPlace(b);
}

struct Objective {
  double value;
  Eigen::VectorXd gradient;
};

double Prior(double value, double mean, double sd, double* gradient) {
  *gradient += -(value - mean) / (sd * sd);
  return -0.5 * (value - mean) * (value - mean) / (sd * sd);
}

// The n x n matrices of Evaluate, kept from one step of the fit to the
// next instead of allocated anew each time.
struct Workspace {
  Eigen::MatrixXd d2, k, l, w, wg;
};

// Log marginal likelihood plus log priors at theta = (log length scales,
// log signal, log noise), and its gradient; nullopt where K cannot be
// factorized.
std::optional<Objective> Evaluate(const Eigen::MatrixXd& x, const Eigen::VectorXd& y,
                                  const Eigen::VectorXd& theta, Workspace* workspace) {
  const Eigen::Index n = x.rows(), d = x.cols();
  const Eigen::VectorXd length_scales = theta.head(d).array().exp();
  const double signal = std::exp(theta(d));
  const double noise = std::exp(theta(d + 1));
  auto& [d2, k, l, w, wg] = *workspace;
  d2.resize(n, n);
  ScaledSquaredDistances(x, x, length_scales, d2);
  k = d2.unaryExpr([signal](double s) { return Matern52(s, signal); });
  l.resize(n, n);
  const FillRows copy = [&](Eigen::Index row, Eigen::Ref<Eigen::MatrixXd> rows) {
    rows = k.block(row, 0, rows.rows(), rows.cols());
  };
  if (!*Factor(copy, noise, signal, l, Never)) {
    return std::nullopt;
  }
  Eigen::VectorXd alpha = y;
  CholeskySolveInPlace(l, alpha);
  // W = alpha alpha^T - K^-1.
  w.setIdentity(n, n);
  CholeskySolveInPlace(l, w);
  w *= -1;
  w.noalias() += alpha * alpha.transpose();

  Objective objective{.value = -0.5 * y.dot(alpha) -
                               l.diagonal().array().log().sum() -
                               0.5 * static_cast<double>(n) *
                                   std::log(2 * std::numbers::pi),
                      .gradient = Eigen::VectorXd::Zero(d + 2)};
  // dK/d log l_j = g * (dx_j / l_j)^2 with
  // g = signal * 5/3 * (1 + sqrt5 r) exp(-sqrt5 r).
  wg = d2.unaryExpr([signal](double s) {
    const double r = kSqrt5 * std::sqrt(s);
    return signal * 5.0 / 3.0 * (1 + r) * std::exp(-r);
  });
  // 0.5 * sum_ab wg_ab (c_a - c_b)^2 with c = x_j / l_j and wg = W o g
  // symmetric is sum_a c_a^2 rowsum_a(wg) - c^T wg c: one product for all j.
  wg.array() *= w.array();
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
  Workspace workspace;
  auto ascend = [&](Eigen::VectorXd theta, int steps, double rate) -> absl::Status {
    Eigen::VectorXd m = Eigen::VectorXd::Zero(d + 2);
    Eigen::VectorXd v = Eigen::VectorXd::Zero(d + 2);
    for (int step = 1; step <= steps; ++step) {
      if (cancelled()) return absl::CancelledError("the call was cancelled");
      const std::optional<Objective> objective = Evaluate(fit_x, fit_y, theta, &workspace);
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
  if (absl::Status status = gp.Factorize(options.room, cancelled); !status.ok()) return status;
  return gp;
}

Eigen::VectorXd GaussianProcess::log_hyperparameters() const {
  Eigen::VectorXd theta(length_scales_.size() + 2);
  theta << length_scales_.array().log().matrix(), std::log(signal_), std::log(noise_);
  return theta;
}

absl::Status GaussianProcess::Factorize(Eigen::Index room,
                                       const std::function<bool()>& cancelled) {
  const Eigen::Index n = rows();
  cholesky_.resize(n + room, n + room);
  // The hyperparameters were factorizable on the fitted points; a NaN-free
  // Gram matrix always factors with enough jitter.
  absl::StatusOr<bool> factored =
      Factor(CovariancesOf(x_, length_scales_, signal_), noise_, signal_,
             cholesky_.topLeftCorner(n, n), cancelled);
  if (!factored.ok()) return factored.status();
  SolveWeights();
  return absl::OkStatus();
}

void GaussianProcess::SolveWeights() {
  alpha_ = y_;
  CholeskySolveInPlace(cholesky(), alpha_);
}

absl::Status GaussianProcess::AddBlock(const Eigen::MatrixXd& x, const Eigen::VectorXd& y,
                                       const std::function<bool()>& cancelled) {
  const Eigen::Index n = rows(), m = x.rows();
  if (cholesky_.rows() < n + m) {
    Eigen::MatrixXd grown(n + m, n + m);
    grown.topLeftCorner(n, n).triangularView<Eigen::Lower>() = cholesky();
    cholesky_.swap(grown);
  }
  // The new rows of the factor, below the others; the model changes only
  // once they all are. Each pivot is the variance left after the earlier
  // rows, plus noise, kept positive like the jitter of a full
  // factorization.
  const FillRows fill = [&](Eigen::Index row, Eigen::Ref<Eigen::MatrixXd> rows) {
    const auto points = x.middleRows(row - n, rows.rows());
    Covariances(points, x_, length_scales_, signal_, rows.leftCols(n));
    Covariances(points, x.topRows(rows.cols() - n), length_scales_, signal_,
                rows.rightCols(rows.cols() - n));
  };
  absl::StatusOr<bool> factored = ExtendCholesky(cholesky_.topLeftCorner(n + m, n + m), n, fill,
                                                 noise_, 1e-10 * signal_, cancelled);
  if (!factored.ok()) return factored.status();
  x_.conservativeResize(n + m, Eigen::NoChange);
  x_.bottomRows(m) = x;
  y_.conservativeResize(n + m);
  y_.tail(m) = y;
  SolveWeights();
  return absl::OkStatus();
}

void GaussianProcess::Add(const Eigen::VectorXd& x, double y) {
  AddBlock(x.transpose(), Eigen::VectorXd::Constant(1, y), Never).IgnoreError();
}

void GaussianProcess::Predict(const Eigen::MatrixXd& x, Eigen::VectorXd* mean,
                              Eigen::VectorXd* sd) const {
  const Eigen::MatrixXd k = Covariances(x, x_, length_scales_, signal_);
  *mean = k * alpha_;
  const Eigen::MatrixXd v = cholesky().triangularView<Eigen::Lower>().solve(k.transpose());
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
  Eigen::VectorXd d2(n);
  ScaledSquaredDistances(x_, center.transpose(), length_scales_, d2);
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
  near.cholesky_.resize(size, size);
  (void)Factor(CovariancesOf(near.x_, length_scales_, signal_), noise_, signal_,
               near.cholesky_, Never);
  near.alpha_.resize(size);
  for (Eigen::Index i = 0; i < size; ++i) near.alpha_(i) = y_(order[static_cast<size_t>(i)]);
  CholeskySolveInPlace(near.cholesky_, near.alpha_);
  return near;
}

void GaussianProcess::Neighbourhood::Predict(const Eigen::MatrixXd& x, Eigen::VectorXd* mean,
                                             Eigen::VectorXd* sd) const {
  if (x_.rows() == 0) {
    gp_->Predict(x, mean, sd);
    return;
  }
  const Eigen::MatrixXd k = Covariances(x, x_, gp_->length_scales_, gp_->signal_);
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
      x_(x),
      mean_(x.rows()),
      sd_bound_(x.rows()),
      sd_(x.rows()),
      exact_(static_cast<size_t>(x.rows()), false) {
  const Eigen::Index n = gp.x_.rows();
  const Eigen::Index q = std::min(n, kBoundNeighbours);
  // The q largest covariances of each column, kept sorted by insertion.
  std::vector<std::pair<double, Eigen::Index>> nearest;
  Eigen::MatrixXd subset(q, gp.x_.cols());
  Eigen::VectorXd k(q);
  Eigen::MatrixXd cross;  // covariances with the observations, a column per point
  for (Eigen::Index i = 0; i < x.rows(); ++i) {
    const Eigen::Index column = i % kScreenBlock;
    if (column == 0) {
      const Eigen::Index size = std::min(kScreenBlock, x.rows() - i);
      cross.resize(n, size);
      Covariances(gp.x_, x.middleRows(i, size), gp.length_scales_, gp.signal_, cross);
      mean_.segment(i, size) = cross.transpose() * gp.alpha_;
    }
    nearest.clear();
    for (Eigen::Index j = 0; j < n; ++j) {
      const double c = cross(j, column);
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
    Eigen::MatrixXd gram = Covariances(subset, subset, gp.length_scales_, gp.signal_);
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
  Eigen::MatrixXd points(static_cast<Eigen::Index>(pending.size()), x_.cols());
  for (size_t j = 0; j < pending.size(); ++j) {
    points.row(static_cast<Eigen::Index>(j)) = x_.row(pending[j]);
  }
  Eigen::MatrixXd k = Covariances(gp_->x_, points, gp_->length_scales_, gp_->signal_);
  gp_->cholesky().triangularView<Eigen::Lower>().solveInPlace(k);
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
