#include "suggestion/internal/gaussian_process.h"

#include <cmath>
#include <vector>

#include "gtest/gtest.h"

namespace hpsearch::suggestion::internal {
namespace {

// `n` random points of [0,1]^3.
Eigen::MatrixXd Points(Eigen::Index n) { return (Eigen::MatrixXd::Random(n, 3).array() + 1) / 2; }

// Standardized targets of a smooth function at `x`.
Eigen::VectorXd Targets(const Eigen::MatrixXd& x) {
  const Eigen::VectorXd y = (x.col(0).array() * 6).sin() + x.col(1).array().square();
  return (y.array() - y.mean()) / std::sqrt((y.array() - y.mean()).square().mean());
}

bool Never() { return false; }

TEST(GaussianProcessTest, ScreenBoundsAndThenMatchesThePosterior) {
  // Screen's sd bound is never below the exact sd, and its exact sd is
  // Predict's.
  const Eigen::MatrixXd x = Points(120);
  const Eigen::VectorXd y = Targets(x);
  absl::StatusOr<GaussianProcess> gp = GaussianProcess::Fit(x, y, Never);
  ASSERT_TRUE(gp.ok());
  const Eigen::MatrixXd candidates = Points(300);
  Eigen::VectorXd mean, sd;
  gp->Predict(candidates, &mean, &sd);
  GaussianProcess::Screen screen(*gp, candidates);
  std::vector<Eigen::Index> all(300);
  for (Eigen::Index i = 0; i < 300; ++i) all[static_cast<size_t>(i)] = i;
  screen.Refine(all);
  for (Eigen::Index i = 0; i < 300; ++i) {
    EXPECT_NEAR(screen.mean()(i), mean(i), 1e-9);
    EXPECT_GE(screen.sd_bound()(i), sd(i) - 1e-9);
    EXPECT_NEAR(screen.sd(i), sd(i), 1e-9);
  }
  // The neighbourhood is the model itself when it holds every observation.
  const GaussianProcess::Neighbourhood whole = gp->Near(candidates.row(0).transpose(), 500);
  Eigen::VectorXd near_mean, near_sd;
  whole.Predict(candidates, &near_mean, &near_sd);
  EXPECT_TRUE(near_mean.isApprox(mean));
  EXPECT_TRUE(near_sd.isApprox(sd));
  // A warm start from the fit's own hyperparameters predicts as it does
  // (the likelihood is flat along some of them: x2 plays no part).
  FitOptions options;
  options.warm_start = gp->log_hyperparameters();
  absl::StatusOr<GaussianProcess> warm = GaussianProcess::Fit(x, y, Never, options);
  ASSERT_TRUE(warm.ok());
  Eigen::VectorXd warm_mean, warm_sd;
  warm->Predict(candidates, &warm_mean, &warm_sd);
  EXPECT_LT((warm_mean - mean).cwiseAbs().maxCoeff(), 0.05);
  EXPECT_LT((warm_sd - sd).cwiseAbs().maxCoeff(), 0.05);
}

TEST(GaussianProcessTest, AddBlockIsAddOneByOne) {
  // Over several blocks of the factorization, duplicates included (an
  // observed point again, and one new point twice): the same posterior,
  // with room made at the fit or without.
  const Eigen::MatrixXd x = Points(300);
  const Eigen::VectorXd y = Targets(x);
  Eigen::MatrixXd added = Points(400);
  added.row(7) = x.row(3);
  added.row(200) = added.row(199);
  const Eigen::VectorXd added_y = Targets(added);
  absl::StatusOr<GaussianProcess> one_by_one = GaussianProcess::Fit(x, y, Never);
  ASSERT_TRUE(one_by_one.ok());
  FitOptions options;
  options.room = added.rows() + 1;
  absl::StatusOr<GaussianProcess> block = GaussianProcess::Fit(x, y, Never, options);
  ASSERT_TRUE(block.ok());
  ASSERT_EQ(block->log_hyperparameters(), one_by_one->log_hyperparameters());

  for (Eigen::Index i = 0; i < added.rows(); ++i) {
    one_by_one->Add(added.row(i).transpose(), added_y(i));
  }
  ASSERT_TRUE(block->AddBlock(added, added_y, Never).ok());
  const Eigen::VectorXd last = Eigen::VectorXd::Constant(3, 0.5);
  one_by_one->Add(last, 0);
  block->Add(last, 0);
  ASSERT_EQ(block->rows(), 701);

  const Eigen::MatrixXd candidates = Points(200);
  Eigen::VectorXd mean, sd, block_mean, block_sd;
  one_by_one->Predict(candidates, &mean, &sd);
  block->Predict(candidates, &block_mean, &block_sd);
  EXPECT_LT((block_mean - mean).cwiseAbs().maxCoeff(), 1e-7);
  EXPECT_LT((block_sd - sd).cwiseAbs().maxCoeff(), 1e-7);
}

TEST(GaussianProcessTest, AddBlockStopsWhenCancelledAndLeavesTheModel) {
  const Eigen::MatrixXd x = Points(50);
  absl::StatusOr<GaussianProcess> gp = GaussianProcess::Fit(x, Targets(x), Never);
  ASSERT_TRUE(gp.ok());
  const Eigen::MatrixXd added = Points(1000);
  const Eigen::MatrixXd candidates = Points(20);
  Eigen::VectorXd mean, sd;
  gp->Predict(candidates, &mean, &sd);

  // Polled between blocks of rows: the third poll ends it.
  int polls = 0;
  EXPECT_EQ(gp->AddBlock(added, Targets(added), [&] { return ++polls >= 3; }).code(),
            absl::StatusCode::kCancelled);
  EXPECT_EQ(polls, 3);
  EXPECT_EQ(gp->rows(), 50);
  Eigen::VectorXd after_mean, after_sd;
  gp->Predict(candidates, &after_mean, &after_sd);
  EXPECT_EQ(after_mean, mean);
  EXPECT_EQ(after_sd, sd);

  // So is the factorization that ends a fit: 1000 rows, its last polls.
  const Eigen::MatrixXd many = Points(1000);
  const Eigen::VectorXd y = Targets(many);
  FitOptions options;
  options.warm_start = gp->log_hyperparameters();
  int fit_polls = 0;
  const auto count = [&] {
    ++fit_polls;
    return false;
  };
  ASSERT_TRUE(GaussianProcess::Fit(many, y, count, options).ok());
  polls = 0;
  EXPECT_EQ(GaussianProcess::Fit(many, y, [&] { return ++polls >= fit_polls - 2; }, options)
                .status()
                .code(),
            absl::StatusCode::kCancelled);
  EXPECT_EQ(polls, fit_polls - 2);
}

}  // namespace
}  // namespace hpsearch::suggestion::internal
