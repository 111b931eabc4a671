// `hpsearch gpus` as a user runs it. Without an NVIDIA driver (the build
// machine) it says trials run on CPU and exits 0.
#include <dlfcn.h>
#include <sys/wait.h>

#include <cstdio>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace {

using ::testing::HasSubstr;

struct Result {
  int exit_code = -1;
  std::string out;
};

Result RunShell(const std::string& command) {
  Result result;
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return result;
  char buffer[4096];
  size_t n = 0;
  while ((n = fread(buffer, 1, sizeof(buffer), pipe)) > 0) result.out.append(buffer, n);
  const int status = pclose(pipe);
  if (WIFEXITED(status)) result.exit_code = WEXITSTATUS(status);
  return result;
}

bool DriverPresent() {
  void* library = dlopen("libnvidia-ml.so.1", RTLD_NOW | RTLD_LOCAL);
  if (library == nullptr) return false;
  dlclose(library);
  return true;
}

const std::string kHpsearch = std::string(HPSEARCH_BIN_DIR) + "/hpsearch";

TEST(GpusCommandTest, WithoutDriverSaysCpuModeAndExitsZero) {
  if (DriverPresent()) GTEST_SKIP() << "an NVIDIA driver is installed";
  const Result result = RunShell(kHpsearch + " gpus 2>&1");
  EXPECT_EQ(result.exit_code, 0) << result.out;
  EXPECT_THAT(result.out, HasSubstr("no NVIDIA GPU: cannot load libnvidia-ml.so.1"));
  EXPECT_THAT(result.out, HasSubstr("; trials run on CPU\n"));
}

TEST(GpusCommandTest, HiddenByCudaVisibleDevicesSaysCpuMode) {
  const Result result = RunShell("CUDA_VISIBLE_DEVICES= " + kHpsearch + " gpus 2>&1");
  EXPECT_EQ(result.exit_code, 0) << result.out;
  EXPECT_THAT(result.out, HasSubstr("no NVIDIA GPU: "));
  EXPECT_THAT(result.out, HasSubstr("trials run on CPU"));
}

TEST(GpusCommandTest, IsListedInHelp) {
  const Result result = RunShell(kHpsearch + " --help 2>&1");
  EXPECT_EQ(result.exit_code, 0);
  EXPECT_THAT(result.out, HasSubstr("gpus"));
}

}  // namespace
