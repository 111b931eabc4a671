#include "runner/workdir_lock.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <optional>
#include <string>

#include "absl/strings/str_cat.h"

namespace hpsearch::runner {
namespace {

using ::testing::HasSubstr;

TEST(WorkdirLockTest, OneHolderAtATimeNamedByPid) {
  char pattern[] = "/tmp/hpsearch-lock-XXXXXX";
  ASSERT_NE(mkdtemp(pattern), nullptr);
  const std::filesystem::path workdir(pattern);
  {
    std::optional<absl::StatusOr<WorkdirLock>> first(WorkdirLock::Acquire(workdir));
    ASSERT_TRUE(first->ok()) << first->status();
    absl::StatusOr<WorkdirLock> second = WorkdirLock::Acquire(workdir);
    ASSERT_FALSE(second.ok());
    EXPECT_EQ(second.status().code(), absl::StatusCode::kFailedPrecondition);
    EXPECT_THAT(second.status().message(),
                HasSubstr(absl::StrCat("is in use by another hpsearch run (pid ", getpid(), ")")));
    // The folder is locked, not the file that names the holder.
    std::filesystem::remove(workdir / "run.lock");
    absl::StatusOr<WorkdirLock> third = WorkdirLock::Acquire(workdir);
    EXPECT_EQ(third.status().code(), absl::StatusCode::kFailedPrecondition);
    EXPECT_THAT(third.status().message(), HasSubstr("is in use by another hpsearch run; wait"));
    first.reset();  // released, as when the holder exits
    EXPECT_TRUE(WorkdirLock::Acquire(workdir).ok());
  }
  std::filesystem::remove_all(workdir);
}

TEST(WorkdirLockTest, AMissingWorkdirIsAClearError) {
  absl::StatusOr<WorkdirLock> lock = WorkdirLock::Acquire("/nonexistent/hpsearch/workdir");
  ASSERT_FALSE(lock.ok());
  EXPECT_THAT(lock.status().message(), HasSubstr("cannot open workdir /nonexistent/hpsearch/workdir: No such file"));
}

}  // namespace
}  // namespace hpsearch::runner
