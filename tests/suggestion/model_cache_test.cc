#include "suggestion/internal/model_cache.h"

#include <gtest/gtest.h>

namespace hpsearch::suggestion::internal {
namespace {

ModelCache::Snapshot Fitted(double log_scale, std::vector<uint64_t> observations) {
  return {.log_hyperparameters = Eigen::VectorXd::Constant(1, log_scale),
          .observations = std::move(observations),
          .full_fit_rows = 0};
}

TEST(ModelCacheTest, StartsFromTheLargestStrictSubsetOnly) {
  ModelCache cache(4, 3);
  cache.Put("exp", Fitted(1, {1, 2}));
  cache.Put("exp", Fitted(2, {1, 2, 3}));
  cache.Put("exp", Fitted(3, {1, 9}));
  std::optional<ModelCache::Snapshot> found = cache.Find("exp", {1, 2, 3, 4});
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->log_hyperparameters(0), 2);
  // The same observations again (a retried request) do not start from
  // themselves: the answer must not depend on the retry.
  found = cache.Find("exp", {1, 2, 3});
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->log_hyperparameters(0), 1);
  EXPECT_FALSE(cache.Find("exp", {5, 6, 7}).has_value());
  EXPECT_FALSE(cache.Find("other", {1, 2, 3}).has_value());
}

TEST(ModelCacheTest, ForgetsTheLeastRecentlyUsedExperimentAndTheOldestSnapshot) {
  ModelCache cache(2, 2);
  cache.Put("a", Fitted(1, {1}));
  cache.Put("b", Fitted(1, {1}));
  EXPECT_TRUE(cache.Find("a", {1, 2}).has_value());  // a is now the most recent
  cache.Put("c", Fitted(1, {1}));
  EXPECT_EQ(cache.size(), 2u);
  EXPECT_FALSE(cache.Find("b", {1, 2}).has_value());
  EXPECT_TRUE(cache.Find("a", {1, 2}).has_value());

  cache.Put("a", Fitted(2, {1, 2}));
  cache.Put("a", Fitted(3, {1, 2, 3}));  // the {1} snapshot goes
  EXPECT_EQ(cache.Find("a", {1, 2, 4})->log_hyperparameters(0), 2);
  EXPECT_FALSE(cache.Find("a", {1, 5}).has_value());
  cache.Clear();
  EXPECT_EQ(cache.size(), 0u);
}

}  // namespace
}  // namespace hpsearch::suggestion::internal
