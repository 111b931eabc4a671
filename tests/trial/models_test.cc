#include "trial/hpsearch_trial/models.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <stdexcept>

namespace hpsearch::trial {
namespace {

using ::testing::ElementsAre;

class ModelsTest : public ::testing::TestWithParam<const char*> {};

TEST_P(ModelsTest, MapsImageBatchToTenLogits) {
  torch::nn::Sequential model = MakeModel(GetParam(), 32, 0.5);
  EXPECT_THAT(model->forward(torch::zeros({5, 1, 28, 28})).sizes(), ElementsAre(5, 10));
}

TEST_P(ModelsTest, SeedFixesInitialisation) {
  torch::manual_seed(7);
  torch::Tensor first = MakeModel(GetParam(), 16, 0.0)->parameters().front().clone();
  torch::manual_seed(7);
  EXPECT_TRUE(torch::equal(first, MakeModel(GetParam(), 16, 0.0)->parameters().front()));
}

INSTANTIATE_TEST_SUITE_P(Kinds, ModelsTest, ::testing::Values("mlp", "cnn"));

TEST(MakeModelTest, RejectsUnknownKind) {
  EXPECT_THROW(MakeModel("transformer", 8, 0.0), std::invalid_argument);
}

}  // namespace
}  // namespace hpsearch::trial
