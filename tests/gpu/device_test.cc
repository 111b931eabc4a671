// ListDevices and CUDA_VISIBLE_DEVICES filtering, against a fake backend.
#include "gpu/device.h"

#include <optional>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/gpu/fake_backend.h"

namespace hpsearch::gpu {
namespace {

using ::hpsearch::gpu::testing::FakeBackend;
using ::hpsearch::gpu::testing::MakeDevice;

std::vector<int> Indices(const std::vector<GpuDevice>& devices) {
  std::vector<int> indices;
  for (const GpuDevice& device : devices) indices.push_back(device.index);
  return indices;
}

const std::vector<GpuDevice> kThree = {MakeDevice(0, 16, 16), MakeDevice(1, 16, 16), MakeDevice(2, 16, 16)};

TEST(ListDevicesTest, ListsEveryDeviceInOrder) {
  FakeBackend backend(kThree);
  absl::StatusOr<std::vector<GpuDevice>> devices = ListDevices(backend);
  ASSERT_TRUE(devices.ok()) << devices.status();
  EXPECT_EQ(*devices, kThree);
}

TEST(ListDevicesTest, FailsWhenADeviceDisappears) {
  FakeBackend backend(kThree);
  backend.Lose(1);
  EXPECT_EQ(ListDevices(backend).status().code(), absl::StatusCode::kUnavailable);
}

TEST(FilterVisibleTest, UnsetKeepsAll) { EXPECT_EQ(FilterVisible(kThree, std::nullopt), kThree); }

TEST(FilterVisibleTest, EmptyOrInvalidHidesAll) {
  EXPECT_THAT(FilterVisible(kThree, ""), ::testing::IsEmpty());
  EXPECT_THAT(FilterVisible(kThree, "-1"), ::testing::IsEmpty());
  EXPECT_THAT(FilterVisible(kThree, "NoDevFiles"), ::testing::IsEmpty());
}

TEST(FilterVisibleTest, IndicesInTheGivenOrder) {
  EXPECT_THAT(Indices(FilterVisible(kThree, "2,0")), ::testing::ElementsAre(2, 0));
  EXPECT_THAT(Indices(FilterVisible(kThree, " 1 ")), ::testing::ElementsAre(1));
}

TEST(FilterVisibleTest, StopsAtTheFirstInvalidOrRepeatedEntry) {
  EXPECT_THAT(Indices(FilterVisible(kThree, "1,7,0")), ::testing::ElementsAre(1));
  EXPECT_THAT(Indices(FilterVisible(kThree, "0,0,1")), ::testing::ElementsAre(0));
}

TEST(FilterVisibleTest, UuidsAndUniquePrefixes) {
  EXPECT_THAT(Indices(FilterVisible(kThree, kThree[2].uuid)), ::testing::ElementsAre(2));
  EXPECT_THAT(Indices(FilterVisible(kThree, "GPU-1aaa,gpu-0")), ::testing::ElementsAre(1, 0));
  // "GPU-" alone matches all three: ambiguous, so nothing from there on.
  EXPECT_THAT(Indices(FilterVisible(kThree, "2,GPU-")), ::testing::ElementsAre(2));
}

}  // namespace
}  // namespace hpsearch::gpu
