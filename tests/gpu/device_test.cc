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
using ::hpsearch::gpu::testing::MakeMigInstance;
using ::testing::ElementsAre;

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

// GPU 0 whole; GPU 1 in MIG mode with instances in slots 0 and 2.
const std::vector<GpuDevice> kWithMig = {MakeDevice(0, 16, 16), MakeMigInstance(1, 0, 10, 10),
                                         MakeMigInstance(1, 2, 20, 20)};

std::vector<std::string> Names(const std::vector<GpuDevice>& devices) {
  std::vector<std::string> names;
  for (const GpuDevice& device : devices) names.push_back(DeviceIndexText(device));
  return names;
}

TEST(DeviceIndexTextTest, GpuOrGpuAndMigDevice) {
  EXPECT_EQ(DeviceIndexText(kWithMig[0]), "0");
  EXPECT_EQ(DeviceIndexText(kWithMig[2]), "1:2");
}

TEST(FilterVisibleTest, MigUuidNamesOneInstance) {
  EXPECT_THAT(Names(FilterVisible(kWithMig, kWithMig[2].uuid)), ElementsAre("1:2"));
  EXPECT_THAT(Names(FilterVisible(kWithMig, "mig-12,0")), ElementsAre("1:2", "0"));
  // "MIG-1" is the start of both instances' UUIDs.
  EXPECT_THAT(Names(FilterVisible(kWithMig, "0,MIG-1")), ElementsAre("0"));
  // A GPU's UUID names no MIG instance directly.
  EXPECT_THAT(FilterVisible(kWithMig, "MIG-" + kWithMig[0].uuid.substr(4)), ::testing::IsEmpty());
}

TEST(FilterVisibleTest, GpuInMigModeByIndexOrUuidIsAllItsInstances) {
  EXPECT_THAT(Names(FilterVisible(kWithMig, "1")), ElementsAre("1:0", "1:2"));
  EXPECT_THAT(Names(FilterVisible(kWithMig, "GPU-1aaa,0")), ElementsAre("1:0", "1:2", "0"));
  // "GPU-" starts GPU 0's UUID and GPU 1's: ambiguous.
  EXPECT_THAT(FilterVisible(kWithMig, "GPU-"), ::testing::IsEmpty());
}

TEST(FilterVisibleTest, AnInstanceNamedTwiceEndsTheList) {
  // GPU 1 includes the instance already named.
  EXPECT_THAT(Names(FilterVisible(kWithMig, kWithMig[1].uuid + ",1,0")), ElementsAre("1:0"));
}

TEST(MergeProcessListsTest, MpsClientsJoinTheComputeListOnce) {
  const std::vector<GpuProcessMemory> compute = {{.pid = 900, .used_bytes = 256}, {.pid = 902, .used_bytes = 100}};
  const std::vector<GpuProcessMemory> clients = {{.pid = 901, .used_bytes = 5000}, {.pid = 902, .used_bytes = 300}};
  EXPECT_THAT(MergeProcessLists(compute, clients),
              ElementsAre(GpuProcessMemory{.pid = 900, .used_bytes = 256},
                          GpuProcessMemory{.pid = 902, .used_bytes = 300},  // the larger reading
                          GpuProcessMemory{.pid = 901, .used_bytes = 5000}));
  EXPECT_EQ(MergeProcessLists(compute, {}), compute);
}

}  // namespace
}  // namespace hpsearch::gpu
