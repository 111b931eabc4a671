#include "suggestion/bayesian_optimization.h"

#include <algorithm>
#include <bit>
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
#include "suggestion/grid_search.h"
#include "suggestion/internal/acquisition.h"
#include "suggestion/internal/gaussian_process.h"
#include "suggestion/internal/halton.h"
#include "suggestion/internal/model_cache.h"
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
            "rejected.",
     .katib_refusal = "base_estimator $0 is not supported in Bayesian optimization"},
    {.name = "n_initial_points",
     .type = SettingType::kInt,
     .default_value = "10",
     .min = 0,
     .doc = "Suggestions taken from a space-filling (randomized Halton) "
            "design before the model is used.",
     .katib_refusal = "n_initial_points should be great or equal than zero"},
    {.name = "acq_func",
     .type = SettingType::kChoice,
     .default_value = "gp_hedge",
     .choices = kAcquisitions,
     .doc = "Acquisition function: EI, PI, LCB or gp_hedge (a choice among "
            "the three per suggestion). EIps and PIps are rejected: they need "
            "the trials' run time.",
     .katib_refusal = "acq_func $0 is not supported in Bayesian optimization"},
    {.name = "acq_optimizer",
     .type = SettingType::kChoice,
     .default_value = "auto",
     .choices = kAcquisitionOptimizers,
     .doc = "sampling: best of dense quasi-random candidates; auto and lbfgs: "
            "the same, then a local search from the best few (compass steps on "
            "continuous parameters, neighbouring values on the others).",
     .katib_refusal = "acq_optimizer $0 is not supported in Bayesian optimization"},
    {.name = "random_state",
     .type = SettingType::kInt,
     .min = 0,
     .doc = "Seed of the design and candidates. Without it the seed is "
            "derived from the experiment name.",
     .katib_refusal = "random_state should be great or equal than zero"},
};

enum class Acquisition { kExpectedImprovement, kProbabilityOfImprovement, kLowerConfidenceBound };
constexpr Acquisition kHedgePortfolio[] = {Acquisition::kExpectedImprovement,
                                           Acquisition::kProbabilityOfImprovement,
                                           Acquisition::kLowerConfidenceBound};

// skopt's defaults, in units of the objective's standard deviation.
constexpr double kXi = 0.01;
constexpr double kKappa = 1.96;
constexpr int kQuasiRandomCandidates = 1024;
// Candidates around each of the best few trials, at this spread.
constexpr int kBestTrialsPerturbed = 5;
constexpr int kPerturbationsPerTrial = 64;
constexpr double kPerturbationSd = 0.05;
// A finite space with at most this many untried points is searched
// exhaustively: every untried point is a candidate.
constexpr uint64_t kExhaustiveCandidates = 2048;
constexpr int kRefinementStarts = 3;
constexpr int kMaxRefinementSteps = 40;
constexpr double kInitialStep = 0.1;
constexpr double kMinStep = 1.0 / 8192;
// The local search conditions its variance on this many nearest
// observations (all of them below), see GaussianProcess::Near.
constexpr Eigen::Index kLocalPoints = 200;
// Further design positions tried when a design point is already taken.
constexpr int kDesignRetries = 64;
constexpr uint64_t kDesignRetryStride = 1000003;
// Salts that separate the random streams drawn from one seed.
constexpr uint64_t kCandidateSalt = 0x6a09e667f3bcc909ULL;
constexpr uint64_t kPerturbationSalt = 0xbb67ae8584caa73bULL;
constexpr uint64_t kHedgeSalt = 0x3c6ef372fe94f82bULL;
// The model cache: experiments remembered, and how much the observations
// may grow after a full fit before the next one.
// Bounded: at most kCacheCapacity * kSnapshotsPerExperiment * (trials * 8
// bytes + a little), 1.5 MiB at 1000 trials each.
constexpr size_t kCacheCapacity = 64;
constexpr size_t kSnapshotsPerExperiment = 3;
constexpr double kRefitGrowth = 1.25;

absl::Status Cancelled() { return absl::CancelledError("the call was cancelled"); }

using internal::ModelCache;

// Trials far worse than the rest (a loss of 1e4 from a run that blew up)
// would stretch the scale the model sees until the differences among the
// others vanish beside them, and with them what tells good regions from
// fair ones. Values beyond Tukey's outer fence, the third quartile plus
// three interquartile ranges, are taken as the fence: still the worst, no
// longer the scale. Only the bad side: a far better trial is the find.
void ClipFarWorseValues(Eigen::VectorXd& y) {
  if (y.size() < 4) return;
  std::vector<double> sorted(y.begin(), y.end());
  std::sort(sorted.begin(), sorted.end());
  auto quantile = [&](double q) {  // linear interpolation, as numpy's default
    const double at = q * static_cast<double>(sorted.size() - 1);
    const size_t below = static_cast<size_t>(at);
    const size_t above = std::min(below + 1, sorted.size() - 1);
    return sorted[below] + (at - static_cast<double>(below)) * (sorted[above] - sorted[below]);
  };
  const double q1 = quantile(0.25), q3 = quantile(0.75);
  if (q3 > q1) y = y.cwiseMin(q3 + 3 * (q3 - q1));
}

ModelCache& Cache() {
  static ModelCache* const cache = new ModelCache(kCacheCapacity, kSnapshotsPerExperiment);
  return *cache;
}

// The cache key: the experiment's name, search space and objective.
std::string CacheKey(const pb::Experiment& experiment) {
  std::string key = experiment.name();
  key += '\n';
  key += experiment.spec().parameter_specs().SerializeAsString();
  key += '\n';
  key += std::to_string(static_cast<int>(experiment.spec().objective().type()));
  return key;
}

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
      : input_(input), space_(*input.space), seed_(seed) {
    Eigen::Index column = 0;
    for (const Parameter& p : space_.parameters()) {
      Dimension dimension{.column = column};
      dimension.finite = p.cardinality.has_value();
      if (p.type == ParameterType::kCategorical) {
        dimension.categories = static_cast<Eigen::Index>(*p.cardinality);
        dimension.one_hot = dimension.categories >= 3;
      }
      column += dimension.one_hot ? dimension.categories : 1;
      dimensions_.push_back(dimension);
    }
    features_ = column;
  }

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
        // A design saturated with taken points (a finite space nearly
        // used up): the remaining points themselves.
        if (!point) point = AnyUntakenPoint();
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
  // Where a parameter's unit coordinate goes among the model's features.
  struct Dimension {
    Eigen::Index column = 0;
    bool finite = false;
    // Categorical parameters: their number of elements; with 3 or more,
    // one feature per element (one-hot), as unordered values deserve.
    Eigen::Index categories = 0;
    bool one_hot = false;
  };

  struct Scored {
    double value;
    Eigen::VectorXd unit;
  };

  void ReadTrials() {
    const bool maximize =
        input_.experiment->spec().objective().type() == pb::MAXIMIZE;
    std::vector<std::vector<double>> diverged;
    for (const TrialPoint& trial : input_.trials) {
      taken_.insert(trial.point);
      if (trial.objective && std::isfinite(*trial.objective)) {
        observed_x_.push_back(space_.Encode(trial.point));
        observed_y_.push_back(maximize ? -*trial.objective : *trial.objective);
      } else if (trial.condition == pb::TrialStatus::SUCCEEDED) {
        diverged.push_back(space_.Encode(trial.point));
      } else if (trial.condition == pb::TrialStatus::CREATED ||
                 trial.condition == pb::TrialStatus::RUNNING ||
                 trial.condition == pb::TrialStatus::UNKNOWN) {
        pending_.push_back(space_.Encode(trial.point));
      }
    }
    // A trial that succeeded with an objective that is no finite number
    // (loss=nan or inf: Katib's default filter records "" for nan) most
    // likely diverged there. Ignored, it would teach the model nothing, and
    // the search would keep probing the region; it counts as the worst value
    // seen, the usual stand-in.
    if (!observed_y_.empty()) {
      const double worst = *std::max_element(observed_y_.begin(), observed_y_.end());
      for (std::vector<double>& unit : diverged) {
        observed_x_.push_back(std::move(unit));
        observed_y_.push_back(worst);
      }
    }
  }

  // The model's features of points given as unit-cube rows.
  Eigen::MatrixXd Features(const Eigen::MatrixXd& units) const {
    Eigen::MatrixXd features = Eigen::MatrixXd::Zero(units.rows(), features_);
    for (size_t j = 0; j < dimensions_.size(); ++j) {
      const Dimension& dimension = dimensions_[j];
      const Eigen::Index column = static_cast<Eigen::Index>(j);
      if (!dimension.one_hot) {
        features.col(dimension.column) = units.col(column);
        continue;
      }
      for (Eigen::Index i = 0; i < units.rows(); ++i) {
        const Eigen::Index k = std::clamp<Eigen::Index>(
            static_cast<Eigen::Index>(units(i, column) * static_cast<double>(dimension.categories)),
            0, dimension.categories - 1);
        features(i, dimension.column + k) = 1;
      }
    }
    return features;
  }

  Eigen::VectorXd Snap(const Eigen::VectorXd& unit) const {
    const std::vector<double> snapped = space_.Encode(
        space_.Decode(std::span<const double>(unit.data(), unit.size())));
    return Eigen::Map<const Eigen::VectorXd>(snapped.data(), snapped.size());
  }

  Point DecodeRow(const Eigen::VectorXd& unit) const {
    return space_.Decode(std::span<const double>(unit.data(), unit.size()));
  }

  Eigen::VectorXd EncodeRow(const Point& point) const {
    const std::vector<double> unit = space_.Encode(point);
    return Eigen::Map<const Eigen::VectorXd>(unit.data(), unit.size());
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

  // Every untaken point of a finite space in grid order, if there are at
  // most kExhaustiveCandidates of them.
  std::optional<std::vector<Point>> RemainingPoints() const {
    const std::optional<uint64_t> size = GridSize(space_);
    if (!size || *size > taken_.size() + kExhaustiveCandidates) return std::nullopt;
    std::vector<Point> remaining;
    std::vector<uint64_t> index(space_.dimensions(), 0);
    for (uint64_t k = 0; k < *size; ++k) {
      Point point(space_.dimensions());
      for (size_t j = 0; j < point.size(); ++j) point[j] = space_.GridValue(j, index[j]);
      if (!taken_.contains(point)) remaining.push_back(std::move(point));
      for (size_t j = 0; j < index.size(); ++j) {
        if (++index[j] < *space_.parameters()[j].cardinality) break;
        index[j] = 0;
      }
    }
    return remaining;
  }

  std::optional<Point> AnyUntakenPoint() const {
    std::optional<std::vector<Point>> remaining = RemainingPoints();
    if (!remaining || remaining->empty()) return std::nullopt;
    return std::move(remaining->front());
  }

  // A hash of each observation (its unit point and value), sorted.
  std::vector<uint64_t> ObservationHashes() const {
    std::vector<uint64_t> hashes;
    hashes.reserve(observed_y_.size());
    for (size_t i = 0; i < observed_y_.size(); ++i) {
      uint64_t hash = 0x9e3779b97f4a7c15ULL;
      auto mix = [&hash](double value) {
        hash ^= std::bit_cast<uint64_t>(value);
        hash *= 0xff51afd7ed558ccdULL;
        hash ^= hash >> 33;
      };
      for (double coordinate : observed_x_[i]) mix(coordinate);
      mix(observed_y_[i]);
      hashes.push_back(hash);
    }
    std::sort(hashes.begin(), hashes.end());
    return hashes;
  }

  // Fits the GP to the scaled observations (warm-started from the
  // cache when it knows the experiment), then adds the pending points at
  // the worst value (0) as the constant liar.
  absl::Status FitModel() {
    const Eigen::Index n = static_cast<Eigen::Index>(observed_y_.size());
    const Eigen::Index d = static_cast<Eigen::Index>(space_.dimensions());
    Eigen::MatrixXd x(n, d);
    Eigen::VectorXd y(n);
    for (Eigen::Index i = 0; i < n; ++i) {
      x.row(i) = Eigen::Map<const Eigen::RowVectorXd>(observed_x_[i].data(), d);
      y(i) = observed_y_[i];
    }
    // Scaled by the standard deviation, shifted so that the worst value is
    // 0, the GP's prior mean: unexplored regions are expected to be as bad
    // as the worst trial, not average, which keeps EI and PI from spending
    // trials on the corners of the space (where the variance is largest),
    // and makes the constant liar the pessimistic one (the worst value),
    // which spreads batches further.
    // Divided by the largest magnitude first: objectives near the largest
    // doubles would overflow the squares below. The result does not depend
    // on the objective's scale.
    if (const double scale = y.cwiseAbs().maxCoeff(); scale > 0) y /= scale;
    ClipFarWorseValues(y);
    const double mean = y.mean();
    const double sd = std::sqrt((y.array() - mean).square().mean());
    const double worst = y.maxCoeff();
    y = (y.array() - worst) / (sd > 0 ? sd : 1.0);
    best_ = y.minCoeff();
    best_trials_.resize(n);
    std::iota(best_trials_.begin(), best_trials_.end(), 0);
    std::stable_sort(best_trials_.begin(), best_trials_.end(),
                     [&](Eigen::Index a, Eigen::Index b) { return y(a) < y(b); });
    best_trials_.resize(std::min<size_t>(best_trials_.size(), kBestTrialsPerturbed));
    observed_matrix_ = x;

    const std::string key = CacheKey(*input_.experiment);
    ModelCache::Snapshot snapshot{.log_hyperparameters = {},
                                  .observations = ObservationHashes(),
                                  .full_fit_rows = observed_y_.size()};
    // Room for the running trials and this call's points, added below and
    // as they are chosen.
    internal::FitOptions options{.warm_start = {},
                                 .room = static_cast<Eigen::Index>(pending_.size()) + input_.count};
    if (std::optional<ModelCache::Snapshot> start = Cache().Find(key, snapshot.observations);
        start && static_cast<double>(observed_y_.size()) <=
                     kRefitGrowth * static_cast<double>(start->full_fit_rows)) {
      options.warm_start = std::move(start->log_hyperparameters);
      snapshot.full_fit_rows = start->full_fit_rows;
    }
    absl::StatusOr<internal::GaussianProcess> gp =
        internal::GaussianProcess::Fit(Features(x), y, input_.cancelled, options);
    if (!gp.ok()) return gp.status();
    gp_.emplace(*std::move(gp));
    snapshot.log_hyperparameters = gp_->log_hyperparameters();
    Cache().Put(key, std::move(snapshot));
    // All at once: one by one, each would cost a full pass over the factor.
    Eigen::MatrixXd pending(static_cast<Eigen::Index>(pending_.size()), d);
    for (size_t i = 0; i < pending_.size(); ++i) {
      pending.row(static_cast<Eigen::Index>(i)) =
          Eigen::Map<const Eigen::RowVectorXd>(pending_[i].data(), d);
    }
    pending_.clear();
    return gp_->AddBlock(Features(pending), Eigen::VectorXd::Zero(pending.rows()),
                         input_.cancelled);
  }

  void AddPending(const Point& point) {
    std::vector<double> unit = space_.Encode(point);
    if (gp_) {
      gp_->Add(Features(Eigen::Map<const Eigen::RowVectorXd>(unit.data(), unit.size()))
                   .row(0)
                   .transpose(),
               0.0);
    } else {
      pending_.push_back(std::move(unit));
    }
  }

  // The acquisition to maximize at a point with posterior (mean, sd).
  double ScoreOne(Acquisition acquisition, double mean, double sd) const {
    const double z = (best_ - mean - kXi) / sd;
    switch (acquisition) {
      case Acquisition::kExpectedImprovement:
        return std::log(sd) + internal::LogH(z);
      case Acquisition::kProbabilityOfImprovement:
        return internal::LogNormalCdf(z);
      case Acquisition::kLowerConfidenceBound:
        break;
    }
    return -(mean - kKappa * sd);
  }

  Eigen::VectorXd Score(Acquisition acquisition, const Eigen::VectorXd& mean,
                        const Eigen::VectorXd& sd) const {
    Eigen::VectorXd value(mean.size());
    for (Eigen::Index i = 0; i < mean.size(); ++i) {
      value(i) = ScoreOne(acquisition, mean(i), sd(i));
    }
    return value;
  }

  // An upper bound of the acquisition at a point with posterior mean
  // `mean` and sd at most `sd_bound`: every acquisition grows with the sd
  // but PI where the mean already beats the target, bounded there by
  // log 1 = 0.
  double ScoreBound(Acquisition acquisition, double mean, double sd_bound) const {
    if (acquisition == Acquisition::kProbabilityOfImprovement && best_ - mean - kXi >= 0) {
      return 0;
    }
    return ScoreOne(acquisition, mean, sd_bound);
  }

  Eigen::VectorXd Evaluate(Acquisition acquisition, const Eigen::MatrixXd& units) const {
    Eigen::VectorXd mean, sd;
    gp_->Predict(Features(units), &mean, &sd);
    return Score(acquisition, mean, sd);
  }

  // The `count` candidates of highest acquisition, best first, with their
  // exact values: exact standard deviations are computed, in blocks, only
  // for candidates whose bound could still place them among those.
  absl::StatusOr<std::vector<std::pair<double, Eigen::Index>>> Best(
      Acquisition acquisition, internal::GaussianProcess::Screen* screen, size_t count) const {
    const Eigen::Index m = screen->mean().size();
    Eigen::VectorXd bound(m);
    for (Eigen::Index i = 0; i < m; ++i) {
      bound(i) = ScoreBound(acquisition, screen->mean()(i), screen->sd_bound()(i));
    }
    std::vector<Eigen::Index> order(static_cast<size_t>(m));
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(),
                     [&](Eigen::Index a, Eigen::Index b) { return bound(a) > bound(b); });
    std::vector<std::pair<double, Eigen::Index>> best;  // sorted, at most count
    auto settle = [&](Eigen::Index i) {
      const std::pair<double, Eigen::Index> entry{
          ScoreOne(acquisition, screen->mean()(i), screen->sd(i)), i};
      auto at = std::upper_bound(best.begin(), best.end(), entry,
                                 [](const auto& a, const auto& b) {
                                   return a.first > b.first ||
                                          (a.first == b.first && a.second < b.second);
                                 });
      best.insert(at, entry);
      if (best.size() > count) best.pop_back();
    };
    constexpr size_t kBlock = 64;
    size_t cursor = 0;
    while (cursor < order.size()) {
      if (best.size() >= count && best.back().first >= bound(order[cursor])) break;
      if (input_.cancelled()) return Cancelled();
      std::vector<Eigen::Index> block;
      for (size_t i = cursor; i < order.size() && block.size() < kBlock; ++i) {
        if (!screen->exact(order[i])) block.push_back(order[i]);
      }
      screen->Refine(block);
      // Settle the candidates up to the end of the block, stopping early
      // once no later bound can enter the best.
      const size_t end = block.empty() ? order.size()
                                       : static_cast<size_t>(std::find(order.begin(), order.end(),
                                                                       block.back()) -
                                                             order.begin()) + 1;
      for (; cursor < end; ++cursor) {
        if (best.size() >= count && best.back().first >= bound(order[cursor])) break;
        settle(order[cursor]);
      }
    }
    return best;
  }

  // Untaken, distinct candidates for this position, as unit rows: every
  // remaining point of a nearly used-up finite space (`exhaustive`), or
  // quasi-random points plus perturbations of the best trials, snapped to
  // feasible values.
  Eigen::MatrixXd Candidates(uint64_t position, bool* exhaustive) const {
    const Eigen::Index d = static_cast<Eigen::Index>(space_.dimensions());
    std::vector<Eigen::VectorXd> rows;
    if (std::optional<std::vector<Point>> remaining = RemainingPoints()) {
      *exhaustive = true;
      for (const Point& point : *remaining) rows.push_back(EncodeRow(point));
    } else {
      *exhaustive = false;
      std::set<Point> seen;
      auto add = [&](const Eigen::VectorXd& unit) {
        const Eigen::VectorXd snapped = Snap(unit);
        Point point = DecodeRow(snapped);
        if (taken_.contains(point) || !seen.insert(std::move(point)).second) return;
        rows.push_back(snapped);
      };
      const uint64_t candidate_seed = seed_ ^ kCandidateSalt ^ position;
      for (int i = 0; i < kQuasiRandomCandidates; ++i) {
        const std::vector<double> unit = internal::HaltonPoint(
            candidate_seed, static_cast<uint64_t>(i), space_.dimensions());
        add(Eigen::Map<const Eigen::VectorXd>(unit.data(), d));
      }
      const int perturbed = static_cast<int>(best_trials_.size()) * kPerturbationsPerTrial;
      for (int i = 0; i < perturbed; ++i) {
        const std::vector<double> uniform = RandomUnitPoint(
            seed_ ^ kPerturbationSalt, position * 1000003 + static_cast<uint64_t>(i),
            space_.dimensions());
        Eigen::VectorXd unit =
            observed_matrix_.row(best_trials_[static_cast<size_t>(i / kPerturbationsPerTrial)])
                .transpose();
        for (Eigen::Index j = 0; j < d; ++j) {
          // Clamp so the quantile of 0 is finite.
          const double u = std::clamp(uniform[static_cast<size_t>(j)], 1e-12, 1 - 1e-12);
          unit(j) = std::clamp(unit(j) + kPerturbationSd * internal::NormalQuantile(u), 0.0, 1.0);
        }
        add(unit);
      }
    }
    Eigen::MatrixXd units(static_cast<Eigen::Index>(rows.size()), d);
    for (size_t i = 0; i < rows.size(); ++i) {
      units.row(static_cast<Eigen::Index>(i)) = rows[i].transpose();
    }
    return units;
  }

  // The points one move away from `unit`: a compass step of `step` along
  // each continuous parameter, the next grid value up and down of ordered
  // finite ones, every other element of categorical ones.
  Eigen::MatrixXd Neighbours(const Eigen::VectorXd& unit, double step) const {
    const Point point = DecodeRow(unit);
    std::vector<Eigen::VectorXd> rows;
    for (size_t j = 0; j < dimensions_.size(); ++j) {
      const Eigen::Index column = static_cast<Eigen::Index>(j);
      if (!dimensions_[j].finite) {
        for (double delta : {-step, step}) {
          Eigen::VectorXd moved = unit;
          moved(column) = std::clamp(unit(column) + delta, 0.0, 1.0);
          if (moved(column) != unit(column)) rows.push_back(Snap(moved));
        }
        continue;
      }
      const uint64_t cardinality = *space_.parameters()[j].cardinality;
      const uint64_t index = space_.GridIndex(j, point[j]);
      auto add_index = [&](uint64_t k) {
        Point moved = point;
        moved[j] = space_.GridValue(j, k);
        rows.push_back(EncodeRow(moved));
      };
      if (dimensions_[j].categories > 0) {
        for (uint64_t k = 0; k < cardinality; ++k) {
          if (k != index) add_index(k);
        }
      } else {
        if (index > 0) add_index(index - 1);
        if (index + 1 < cardinality) add_index(index + 1);
      }
    }
    Eigen::MatrixXd neighbours(static_cast<Eigen::Index>(rows.size()), unit.size());
    for (size_t i = 0; i < rows.size(); ++i) {
      neighbours.row(static_cast<Eigen::Index>(i)) = rows[i].transpose();
    }
    return neighbours;
  }

  // Local search from `start`: moves to the best neighbour while it
  // improves, halving the continuous step otherwise. Scores with the
  // variance of the observations near `start` (exact up to kLocalPoints).
  absl::StatusOr<Eigen::VectorXd> Refine(Acquisition acquisition,
                                         const Eigen::VectorXd& start) const {
    const internal::GaussianProcess::Neighbourhood near =
        gp_->Near(Features(start.transpose()).row(0).transpose(), kLocalPoints);
    auto evaluate = [&](const Eigen::MatrixXd& units) {
      Eigen::VectorXd mean, sd;
      near.Predict(Features(units), &mean, &sd);
      return Score(acquisition, mean, sd);
    };
    Eigen::VectorXd unit = start;
    double value = evaluate(unit.transpose())(0);
    const bool continuous =
        std::any_of(dimensions_.begin(), dimensions_.end(),
                    [](const Dimension& dimension) { return !dimension.finite; });
    double step = kInitialStep;
    for (int iteration = 0; iteration < kMaxRefinementSteps; ++iteration) {
      if (input_.cancelled()) return Cancelled();
      const Eigen::MatrixXd neighbours = Neighbours(unit, step);
      if (neighbours.rows() == 0) break;
      const Eigen::VectorXd values = evaluate(neighbours);
      Eigen::Index best;
      if (values.maxCoeff(&best) > value) {
        value = values(best);
        unit = neighbours.row(best).transpose();
      } else if (continuous && step >= kMinStep) {
        step /= 2;
      } else {
        break;
      }
    }
    return unit;
  }

  // The best untaken point for one acquisition, if any, from the screened
  // candidates (all untaken): the best candidate, or a point refined from
  // one of the best few.
  absl::StatusOr<std::optional<Scored>> Nominee(Acquisition acquisition,
                                               const Eigen::MatrixXd& candidates,
                                               internal::GaussianProcess::Screen* screen,
                                               bool exhaustive) const {
    const absl::StatusOr<std::vector<std::pair<double, Eigen::Index>>> top =
        Best(acquisition, screen, kRefinementStarts);
    if (!top.ok()) return top.status();
    if (top->empty()) return std::nullopt;
    Scored best{(*top)[0].first, candidates.row((*top)[0].second).transpose()};
    if (refine_ && !exhaustive) {
      for (const auto& [value, index] : *top) {
        absl::StatusOr<Eigen::VectorXd> refined =
            Refine(acquisition, candidates.row(index).transpose());
        if (!refined.ok()) return refined.status();
        if (taken_.contains(DecodeRow(*refined))) continue;
        const double refined_value = Evaluate(acquisition, refined->transpose())(0);
        if (refined_value > best.value) best = Scored{refined_value, *std::move(refined)};
      }
    }
    return best;
  }

  absl::StatusOr<std::optional<Point>> ModelPoint(const std::string& acquisition,
                                                  uint64_t position) const {
    bool exhaustive = false;
    const Eigen::MatrixXd candidates = Candidates(position, &exhaustive);
    if (candidates.rows() == 0) return std::nullopt;
    internal::GaussianProcess::Screen screen(*gp_, Features(candidates));
    if (input_.cancelled()) return Cancelled();
    if (acquisition != "gp_hedge") {
      const Acquisition single = acquisition == "EI"   ? Acquisition::kExpectedImprovement
                                 : acquisition == "PI" ? Acquisition::kProbabilityOfImprovement
                                                       : Acquisition::kLowerConfidenceBound;
      absl::StatusOr<std::optional<Scored>> nominee =
          Nominee(single, candidates, &screen, exhaustive);
      if (!nominee.ok()) return nominee.status();
      if (!*nominee) return std::nullopt;
      return DecodeRow((*nominee)->unit);
    }
    // gp_hedge: each acquisition nominates a point; one is drawn with
    // probability softmax(-predicted mean), skopt's gain with the sums over
    // past calls replaced by the current model's view (no state is kept).
    std::vector<Eigen::VectorXd> nominees;
    for (Acquisition member : kHedgePortfolio) {
      absl::StatusOr<std::optional<Scored>> nominee =
          Nominee(member, candidates, &screen, exhaustive);
      if (!nominee.ok()) return nominee.status();
      if (*nominee) nominees.push_back((*nominee)->unit);
    }
    if (nominees.empty()) return std::nullopt;
    Eigen::MatrixXd rows(static_cast<Eigen::Index>(nominees.size()), candidates.cols());
    for (size_t i = 0; i < nominees.size(); ++i) {
      rows.row(static_cast<Eigen::Index>(i)) = nominees[i].transpose();
    }
    Eigen::VectorXd nominee_mean, nominee_sd;
    gp_->Predict(Features(rows), &nominee_mean, &nominee_sd);
    const Eigen::ArrayXd weights = (-(nominee_mean.array() - nominee_mean.minCoeff())).exp();
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
  std::vector<Dimension> dimensions_;
  Eigen::Index features_ = 0;
  bool refine_ = true;
  // Every trial's point and every point of this batch so far.
  std::set<Point> taken_;
  std::vector<std::vector<double>> observed_x_;
  std::vector<double> observed_y_;
  // Encoded points awaiting the liar until the model exists.
  std::vector<std::vector<double>> pending_;
  std::optional<internal::GaussianProcess> gp_;
  double best_ = 0;  // scaled
  Eigen::MatrixXd observed_matrix_;  // unit rows of the observations
  std::vector<Eigen::Index> best_trials_;
};

absl::StatusOr<std::vector<Point>> Suggest(const AlgorithmInput& input) {
  return Optimizer(input, ExperimentSeed(input)).Run();
}

}  // namespace

const AlgorithmDefinition& BayesianOptimization() {
  static const AlgorithmDefinition kDefinition = {
      .name = "bayesianoptimization",
      .settings = kSettings,
      .doc = "Gaussian-process Bayesian optimization.",
      .validate = Validate,
      // A finite space with fewer points than maxTrialCount would spend the
      // rest on repeats: rejected as grid rejects it.
      .max_trial_count_within_space = true,
      .suggest = Suggest,
  };
  return kDefinition;
}

void ClearBayesianOptimizationCache() { Cache().Clear(); }

size_t BayesianOptimizationCacheSize() { return Cache().size(); }

}  // namespace hpsearch::suggestion
