// `hpsearch gpus` as a user runs it. Without an NVIDIA driver (the build
// machine) it says trials run on CPU and exits 0; with a stand-in driver
// (tests/gpu/fake_nvml.cc) it lists what trials would be placed on.
#include <dlfcn.h>
#include <sys/wait.h>

#include <cstdio>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace {

using ::testing::ContainsRegex;
using ::testing::HasSubstr;
using ::testing::Not;

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

// `hpsearch gpus` over the stand-in driver's machine with a GPU in MIG mode.
std::string WithMigGpu(const std::string& env) {
  return "LD_LIBRARY_PATH=" FAKE_NVML_DIR " HPSEARCH_FAKE_NVML=mig " + env + " " + kHpsearch + " gpus 2>&1";
}

TEST(GpusCommandTest, ShowsMigInstancesInsteadOfTheirGpu) {
  const Result result = RunShell(WithMigGpu(""));
  EXPECT_EQ(result.exit_code, 0) << result.out;
  EXPECT_THAT(result.out,
              ContainsRegex("0:0 +Fake A100-SXM4-80GB MIG 1g.10gb +MIG-11111111-[-0-9]+ +10240 MiB +10240 MiB +n/a"));
  EXPECT_THAT(result.out,
              ContainsRegex("0:3 +Fake A100-SXM4-80GB MIG 2g.20gb +MIG-33333333-[-0-9]+ +20480 MiB +18432 MiB +n/a"));
  EXPECT_THAT(result.out, ContainsRegex("1 +Fake T4 +GPU-7474f4f4-[-0-9]+ +16384 MiB +16384 MiB +40%"));
  EXPECT_THAT(result.out, Not(HasSubstr("GPU-a100a100")));
}

TEST(GpusCommandTest, CudaVisibleDevicesMayNameAMigInstance) {
  const Result result = RunShell(WithMigGpu("CUDA_VISIBLE_DEVICES=MIG-3333"));
  EXPECT_EQ(result.exit_code, 0) << result.out;
  EXPECT_THAT(result.out, HasSubstr("MIG-33333333-"));
  EXPECT_THAT(result.out, Not(HasSubstr("MIG-11111111-")));
  EXPECT_THAT(result.out, Not(HasSubstr("Fake T4")));
}

TEST(GpusCommandTest, IsListedInHelp) {
  const Result result = RunShell(kHpsearch + " --help 2>&1");
  EXPECT_EQ(result.exit_code, 0);
  EXPECT_THAT(result.out, HasSubstr("gpus"));
}

}  // namespace
