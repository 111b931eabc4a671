#include "trial/hpsearch_trial/checkpoint.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "tests/trial/test_files.h"
#include "trial/hpsearch_trial/models.h"

namespace hpsearch::trial {
namespace {

using test_support::TempDir;

TEST(CheckpointTest, SavesThroughPartialFile) {
  const TempDir dir;
  CheckCheckpointPath(dir / "model.pt");
  SaveCheckpoint(MakeModel("mlp", 8, 0.2), dir / "model.pt");
  EXPECT_TRUE(std::filesystem::is_regular_file(dir / "model.pt"));
  EXPECT_FALSE(std::filesystem::exists(dir / "model.pt.partial"));
}

// A folder appearing at the path mid-run once left model.pt.partial behind.
TEST(CheckpointTest, FailedSaveLeavesNothing) {
  const TempDir dir;
  std::filesystem::create_directory(dir / "model.pt");
  EXPECT_ANY_THROW(SaveCheckpoint(MakeModel("mlp", 8, 0.2), dir / "model.pt"));
  EXPECT_FALSE(std::filesystem::exists(dir / "model.pt.partial"));
  EXPECT_TRUE(std::filesystem::is_empty(dir / "model.pt"));
}

TEST(CheckpointTest, CheckLeavesNothing) {
  const TempDir dir;
  CheckCheckpointPath(dir / "model.pt");
  EXPECT_TRUE(std::filesystem::is_empty(dir.path()));
}

}  // namespace
}  // namespace hpsearch::trial
