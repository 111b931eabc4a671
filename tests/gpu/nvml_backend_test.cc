// The NVML backend degrades cleanly on a machine without an NVIDIA driver.
#include "gpu/nvml_backend.h"

#include <dlfcn.h>

#include <optional>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace hpsearch::gpu {
namespace {

using ::testing::HasSubstr;

bool DriverPresent() {
  void* library = dlopen("libnvidia-ml.so.1", RTLD_NOW | RTLD_LOCAL);
  if (library == nullptr) return false;
  dlclose(library);
  return true;
}

TEST(OpenNvmlTest, WithoutDriverIsUnavailableNamingTheLibrary) {
  if (DriverPresent()) GTEST_SKIP() << "an NVIDIA driver is installed";
  absl::StatusOr<std::unique_ptr<GpuBackend>> backend = OpenNvml();
  ASSERT_FALSE(backend.ok());
  EXPECT_EQ(backend.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(backend.status().message(), HasSubstr("libnvidia-ml.so.1"));
}

TEST(OpenNvmlTest, WithDriverHonoursCudaVisibleDevices) {
  if (!DriverPresent()) GTEST_SKIP() << "no NVIDIA driver";
  absl::StatusOr<std::unique_ptr<GpuBackend>> all = OpenNvml(std::nullopt);
  if (!all.ok()) GTEST_SKIP() << all.status();  // driver installed but not usable
  absl::StatusOr<std::unique_ptr<GpuBackend>> none = OpenNvml(std::string(""));
  ASSERT_TRUE(none.ok()) << none.status();
  EXPECT_EQ((*none)->DeviceCount(), 0);
  for (int i = 0; i < (*all)->DeviceCount(); ++i) {
    absl::StatusOr<GpuDevice> device = (*all)->Device(i);
    ASSERT_TRUE(device.ok()) << device.status();
    EXPECT_THAT(device->uuid, ::testing::StartsWith("GPU-"));
    EXPECT_GE(device->total_bytes, device->free_bytes);
    EXPECT_TRUE((*all)->Processes(i).ok());
  }
}

}  // namespace
}  // namespace hpsearch::gpu
