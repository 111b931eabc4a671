#include "suggestion/bayesian_optimization.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <Eigen/Dense>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "suggestion/internal/acquisition.h"
#include "suggestion/internal/gaussian_process.h"
#include "suggestion/internal/halton.h"
#include "suggestion/internal/normal.h"
#include "suggestion/random_search.h"

namespace hpsearch::suggestion {
namespace {

namespace pb = ::api::v1::beta1;

constexpr absl::string_view kEstimators[] = {"GP", "RF", "ET", "GBRT"};
constexpr absl::string_view kAcquisitions[] = {"gp_hedge", "LCB", "EI", "PI",
                                               "EIps", "PIps"};
constexpr absl::string_view kAcquisitionOptimizers[] = {"auto", "sampling", "lbfgs"};

constexpr SettingSpec kSettings[] = {
    {.name = "base_estimator",
     .type = SettingType::kChoice,
     .default_value = "GP",
     .choices = kEstimators,
     .doc = "Surrogate model. Only GP is supported; RF, ET and GBRT are "
            "rejected."},
    {.name = "n_initial_points",
     .type = SettingType::kInt,
     .default_value = "10",
     .min = 0,
     .doc = "Suggestions taken from a space-filling (randomized Halton) "
            "design before the model is used."},
    {.name = "acq_func",
     .type = SettingType::kChoice,
     .default_value = "gp_hedge",
     .choices = kAcquisitions,
     .doc = "Acquisition function: EI, PI, LCB or gp_hedge (a choice among "
            "the three per suggestion). EIps and PIps are rejected: they need "
            "the trials' run time."},
    {.name = "acq_optimizer",
     .type = SettingType::kChoice,
     .default_value = "auto",
     .choices = kAcquisitionOptimizers,
     .doc = "sampling: best of dense quasi-random candidates; auto and lbfgs: "
            "the same, then a local compass search from the best few."},
    {.name = "random_state",
     .type = SettingType::kInt,
     .min = 0,
     .doc = "Seed of the design and candidates. Without it the seed is "
            "derived from the experiment name."},
};

enum class Acquisition { kExpectedImprovement, kProbabilityOfImprovement, kLowerConfidenceBound };
constexpr Acquisition kHedgePortfolio[] = {Acquisition::kExpectedImprovement,
                                           Acquisition::kProbabilityOfImprovement,
                                           Acquisition::kLowerConfidenceBound};

// skopt's defaults, in standardized units of the objective.
constexpr double kXi = 0.01;
constexpr double kKappa = 1.96;
constexpr int kQuasiRandomCandidates = 1024;
// Candidates around each of the best few trials, at this spread.
constexpr int kBestTrialsPerturbed = 5;
constexpr int kPerturbationsPerTrial = 64;
constexpr double kPerturbationSd = 0.05;
constexpr int kRefinementStarts = 3;
constexpr int kMaxRefinementSteps = 30;
constexpr double kInitialStep = 0.1;
constexpr double kMinStep = 1.0 / 1024;
// Further design positions tried when a design point is already taken.
constexpr int kDesignRetries = 64;
constexpr uint64_t kDesignRetryStride = 1000003;
// Salts that separate the random streams drawn from one seed.
constexpr uint64_t kCandidateSalt = 0x6a09e667f3bcc909ULL;
constexpr uint64_t kPerturbationSalt = 0xbb67ae8584caa73bULL;
constexpr uint64_t kHedgeSalt = 0x3c6ef372fe94f82bULL;

absl::Status Cancelled() { return absl::CancelledError("the call was cancelled"); }

absl::Status Validate(const pb::Experiment&, const SearchSpace&, const Settings& settings) {
  const std::string estimator = settings.GetChoice("base_estimator").value_or("GP");
  if (estimator != "GP") {
    return absl::InvalidArgumentError(absl::StrCat(
        "base_estimator ", estimator,
        " is not supported: hpsearch's bayesianoptimization models the "
        "objective with a Gaussian process only (base_estimator GP)"));
  }
  const std::string acquisition = settings.GetChoice("acq_func").value_or("gp_hedge");
  if (acquisition == "EIps" || acquisition == "PIps") {
    return absl::InvalidArgumentError(absl::StrCat(
        "acq_func ", acquisition,
        " is not supported: it needs each trial's run time, which Katib does "
        "not send; use EI, PI, LCB or gp_hedge"));
  }
  return absl::OkStatus();
}

// State of one call: the trials read into the model's terms.
class Optimizer {
 public:
  Optimizer(const AlgorithmInput& input, uint64_t seed)
      : input_(input), space_(*input.space), seed_(seed) {}

  absl::StatusOr<std::vector<Point>> Run() {
    const int64_t initial_points = input_.settings->GetInt("n_initial_points").value_or(10);
    const std::string acquisition = input_.settings->GetChoice("acq_func").value_or("gp_hedge");
    refine_ = input_.settings->GetChoice("acq_optimizer").value_or("auto") != "sampling";
    ReadTrials();

    std::vector<Point> points;
    for (int i = 0; i < input_.count; ++i) {
      if (input_.cancelled()) return Cancelled();
      const uint64_t position = input_.first_index + static_cast<uint64_t>(i);
      std::optional<Point> point;
      if (position < static_cast<uint64_t>(initial_points) || observed_y_.size() < 2) {
        point = DesignPoint(position);
      } else {
        if (!gp_) {
          absl::Status status = FitModel();
          if (!status.ok()) return status;
        }
        absl::StatusOr<std::optional<Point>> model_point =
            ModelPoint(acquisition, position);
        if (!model_point.ok()) return model_point.status();
        point = *std::move(model_point);
      }
      if (!point) break;
      taken_.insert(*point);
      AddPending(*point);
      points.push_back(*std::move(point));
    }
    return points;
  }

 private:
  struct Scored {
    double value;
    Eigen::VectorXd unit;
  };

  void ReadTrials() {
    const bool maximize =
        input_.experiment->spec().objective().type() == pb::MAXIMIZE;
    for (const TrialPoint& trial : input_.trials) {
      taken_.insert(trial.point);
      if (trial.objective && std::isfinite(*trial.objective)) {
        observed_x_.push_back(space_.Encode(trial.point));
        observed_y_.push_back(maximize ? -*trial.objective : *trial.objective);
      } else if (trial.condition == pb::TrialStatus::CREATED ||
                 trial.condition == pb::TrialStatus::RUNNING ||
                 trial.condition == pb::TrialStatus::UNKNOWN) {
        pending_.push_back(space_.Encode(trial.point));
      }
    }
  }

  Eigen::VectorXd Snap(const Eigen::VectorXd& unit) const {
    const std::vector<double> snapped = space_.Encode(
        space_.Decode(std::span<const double>(unit.data(), unit.size())));
    return Eigen::Map<const Eigen::VectorXd>(snapped.data(), snapped.size());
  }

  Point DecodeRow(const Eigen::VectorXd& unit) const {
    return space_.Decode(std::span<const double>(unit.data(), unit.size()));
  }

  std::optional<Point> DesignPoint(uint64_t position) const {
    for (int retry = 0; retry <= kDesignRetries; ++retry) {
      Point point = space_.Decode(internal::HaltonPoint(
          seed_, position + static_cast<uint64_t>(retry) * kDesignRetryStride,
          space_.dimensions()));
      if (!taken_.contains(point)) return point;
    }
    return std::nullopt;
  }

  // Fits the GP to the standardized observations, then adds the pending
  // points at the mean (0) as the constant liar.
  absl::Status FitModel() {
    const Eigen::Index n = static_cast<Eigen::Index>(observed_y_.size());
    const Eigen::Index d = static_cast<Eigen::Index>(space_.dimensions());
    Eigen::MatrixXd x(n, d);
    Eigen::VectorXd y(n);
    for (Eigen::Index i = 0; i < n; ++i) {
      x.row(i) = Eigen::Map<const Eigen::RowVectorXd>(observed_x_[i].data(), d);
      y(i) = observed_y_[i];
    }
    const double mean = y.mean();
    const double sd = std::sqrt((y.array() - mean).square().mean());
    y = (y.array() - mean) / (sd > 0 ? sd : 1.0);
    best_ = y.minCoeff();
    best_trials_.resize(n);
    std::iota(best_trials_.begin(), best_trials_.end(), 0);
    std::stable_sort(best_trials_.begin(), best_trials_.end(),
                     [&](Eigen::Index a, Eigen::Index b) { return y(a) < y(b); });
    best_trials_.resize(std::min<size_t>(best_trials_.size(), kBestTrialsPerturbed));
    observed_matrix_ = x;

    absl::StatusOr<internal::GaussianProcess> gp =
        internal::GaussianProcess::Fit(x, y, input_.cancelled);
    if (!gp.ok()) return gp.status();
    gp_.emplace(*std::move(gp));
    for (const std::vector<double>& unit : pending_) {
      gp_->Add(Eigen::Map<const Eigen::VectorXd>(unit.data(), d), 0.0);
    }
    pending_.clear();
    return absl::OkStatus();
  }

  void AddPending(const Point& point) {
    std::vector<double> unit = space_.Encode(point);
    if (gp_) {
      gp_->Add(Eigen::Map<const Eigen::VectorXd>(unit.data(), unit.size()), 0.0);
    } else {
      pending_.push_back(std::move(unit));
    }
  }

  // The acquisition to maximize at each row of `units`.
  Eigen::VectorXd Evaluate(Acquisition acquisition, const Eigen::MatrixXd& units) const {
    Eigen::VectorXd mean, sd;
    gp_->Predict(units, &mean, &sd);
    Eigen::VectorXd value(units.rows());
    for (Eigen::Index i = 0; i < units.rows(); ++i) {
      const double z = (best_ - mean(i) - kXi) / sd(i);
      switch (acquisition) {
        case Acquisition::kExpectedImprovement:
          value(i) = std::log(sd(i)) + internal::LogH(z);
          break;
        case Acquisition::kProbabilityOfImprovement:
          value(i) = internal::LogNormalCdf(z);
          break;
        case Acquisition::kLowerConfidenceBound:
          value(i) = -(mean(i) - kKappa * sd(i));
          break;
      }
    }
    return value;
  }

  // Quasi-random candidates for this position, plus perturbations of the
  // best trials, snapped to feasible values.
  Eigen::MatrixXd Candidates(uint64_t position) const {
    const Eigen::Index d = static_cast<Eigen::Index>(space_.dimensions());
    const uint64_t candidate_seed = seed_ ^ kCandidateSalt ^ position;
    const Eigen::Index perturbed =
        static_cast<Eigen::Index>(best_trials_.size()) * kPerturbationsPerTrial;
    Eigen::MatrixXd units(kQuasiRandomCandidates + perturbed, d);
    for (Eigen::Index i = 0; i < kQuasiRandomCandidates; ++i) {
      const std::vector<double> unit =
          internal::HaltonPoint(candidate_seed, static_cast<uint64_t>(i), space_.dimensions());
      units.row(i) = Snap(Eigen::Map<const Eigen::VectorXd>(unit.data(), d)).transpose();
    }
    for (Eigen::Index i = 0; i < perturbed; ++i) {
      const std::vector<double> uniform = RandomUnitPoint(
          seed_ ^ kPerturbationSalt, position * 1000003 + static_cast<uint64_t>(i),
          space_.dimensions());
      Eigen::VectorXd unit =
          observed_matrix_.row(best_trials_[i / kPerturbationsPerTrial]).transpose();
      for (Eigen::Index j = 0; j < d; ++j) {
        // Clamp so the quantile of 0 is finite.
        const double u = std::clamp(uniform[j], 1e-12, 1 - 1e-12);
        unit(j) = std::clamp(unit(j) + kPerturbationSd * internal::NormalQuantile(u), 0.0, 1.0);
      }
      units.row(kQuasiRandomCandidates + i) = Snap(unit).transpose();
    }
    return units;
  }

  // Compass search: moves to the best of the 2d axis neighbours while it
  // improves, halving the step otherwise.
  absl::StatusOr<Scored> Refine(Acquisition acquisition, Scored start) const {
    const Eigen::Index d = start.unit.size();
    double step = kInitialStep;
    for (int iteration = 0; iteration < kMaxRefinementSteps && step >= kMinStep;
         ++iteration) {
      if (input_.cancelled()) return Cancelled();
      Eigen::MatrixXd neighbours(2 * d, d);
      for (Eigen::Index j = 0; j < d; ++j) {
        for (int sign = 0; sign < 2; ++sign) {
          Eigen::VectorXd unit = start.unit;
          unit(j) = std::clamp(unit(j) + (sign ? step : -step), 0.0, 1.0);
          neighbours.row(2 * j + sign) = Snap(unit).transpose();
        }
      }
      const Eigen::VectorXd values = Evaluate(acquisition, neighbours);
      Eigen::Index best;
      if (values.maxCoeff(&best) > start.value) {
        start = {values(best), neighbours.row(best).transpose()};
      } else {
        step /= 2;
      }
    }
    return start;
  }

  // The best untaken point for one acquisition, if any.
  absl::StatusOr<std::optional<Scored>> Nominee(Acquisition acquisition,
                                               const Eigen::MatrixXd& candidates) const {
    const Eigen::VectorXd values = Evaluate(acquisition, candidates);
    std::vector<Eigen::Index> order(static_cast<size_t>(candidates.rows()));
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(),
                     [&](Eigen::Index a, Eigen::Index b) { return values(a) > values(b); });
    std::vector<Scored> scored;
    if (refine_) {
      for (size_t i = 0; i < order.size() && i < kRefinementStarts; ++i) {
        absl::StatusOr<Scored> refined = Refine(
            acquisition, {values(order[i]), candidates.row(order[i]).transpose()});
        if (!refined.ok()) return refined.status();
        scored.push_back(*std::move(refined));
      }
      std::stable_sort(scored.begin(), scored.end(),
                       [](const Scored& a, const Scored& b) { return a.value > b.value; });
    }
    for (Eigen::Index i : order) scored.push_back({values(i), candidates.row(i).transpose()});
    for (Scored& candidate : scored) {
      if (!taken_.contains(DecodeRow(candidate.unit))) return std::move(candidate);
    }
    return std::nullopt;
  }

  absl::StatusOr<std::optional<Point>> ModelPoint(const std::string& acquisition,
                                                  uint64_t position) const {
    const Eigen::MatrixXd candidates = Candidates(position);
    if (acquisition != "gp_hedge") {
      const Acquisition single = acquisition == "EI"   ? Acquisition::kExpectedImprovement
                                 : acquisition == "PI" ? Acquisition::kProbabilityOfImprovement
                                                       : Acquisition::kLowerConfidenceBound;
      absl::StatusOr<std::optional<Scored>> nominee = Nominee(single, candidates);
      if (!nominee.ok()) return nominee.status();
      if (!*nominee) return std::nullopt;
      return DecodeRow((*nominee)->unit);
    }
    // gp_hedge: each acquisition nominates a point; one is drawn with
    // probability softmax(-predicted mean), skopt's gain with the sums over
    // past calls replaced by the current model's view (no state is kept).
    std::vector<Eigen::VectorXd> nominees;
    for (Acquisition member : kHedgePortfolio) {
      absl::StatusOr<std::optional<Scored>> nominee = Nominee(member, candidates);
      if (!nominee.ok()) return nominee.status();
      if (*nominee) nominees.push_back((*nominee)->unit);
    }
    if (nominees.empty()) return std::nullopt;
    Eigen::MatrixXd rows(static_cast<Eigen::Index>(nominees.size()), candidates.cols());
    for (size_t i = 0; i < nominees.size(); ++i) {
      rows.row(static_cast<Eigen::Index>(i)) = nominees[i].transpose();
    }
    Eigen::VectorXd mean, sd;
    gp_->Predict(rows, &mean, &sd);
    const Eigen::ArrayXd weights = (-(mean.array() - mean.minCoeff())).exp();
    double draw = RandomUnitPoint(seed_ ^ kHedgeSalt, position, 1)[0] * weights.sum();
    size_t chosen = 0;
    while (chosen + 1 < nominees.size() && draw >= weights(static_cast<Eigen::Index>(chosen))) {
      draw -= weights(static_cast<Eigen::Index>(chosen));
      ++chosen;
    }
    return DecodeRow(nominees[chosen]);
  }

  const AlgorithmInput& input_;
  const SearchSpace& space_;
  const uint64_t seed_;
  bool refine_ = true;
  // Every trial's point and every point of this batch so far.
  std::set<Point> taken_;
  std::vector<std::vector<double>> observed_x_;
  std::vector<double> observed_y_;
  // Encoded points awaiting the liar until the model exists.
  std::vector<std::vector<double>> pending_;
  std::optional<internal::GaussianProcess> gp_;
  double best_ = 0;  // standardized
  Eigen::MatrixXd observed_matrix_;
  std::vector<Eigen::Index> best_trials_;
};

absl::StatusOr<std::vector<Point>> Suggest(const AlgorithmInput& input) {
  const std::optional<int64_t> random_state = input.settings->GetInt("random_state");
  const uint64_t seed = random_state ? static_cast<uint64_t>(*random_state)
                                     : SeedFromExperimentName(input.experiment->name());
  return Optimizer(input, seed).Run();
}

}  // namespace

const AlgorithmDefinition& BayesianOptimization() {
  static const AlgorithmDefinition kDefinition = {
      .name = "bayesianoptimization",
      .settings = kSettings,
      .doc = "Gaussian-process Bayesian optimization.",
      .validate = Validate,
      .suggest = Suggest,
  };
  return kDefinition;
}

}  // namespace hpsearch::suggestion
