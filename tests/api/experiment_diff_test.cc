#include "api/experiment_diff.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace hpsearch::api {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

TEST(ChangedFields, NamesWhatDiffers) {
  Experiment before;
  before.metadata.name = "e";
  before.spec.max_trial_count = 10;
  before.spec.parameters.push_back({.name = "lr", .parameter_type = "double", .feasible_space = {}});
  EXPECT_THAT(ChangedFields(before, before), IsEmpty());

  Experiment after = before;
  after.spec.max_trial_count = 12;
  after.spec.parameters[0].feasible_space.max = "0.5";
  after.metadata.annotations["hpsearch.kubeflow.org/gpu-memory"] = "4Gi";
  EXPECT_THAT(ChangedFields(before, after),
              ElementsAre("metadata.annotations", "spec.parameters", "spec.maxTrialCount"));
}

}  // namespace
}  // namespace hpsearch::api
