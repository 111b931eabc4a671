// Budgets, placement (packing, spreading, waiting) and a trial's GPU env.
#include "gpu/placement.h"

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/gpu/fake_backend.h"

namespace hpsearch::gpu {
namespace {

using ::hpsearch::gpu::testing::FakeBackend;
using ::hpsearch::gpu::testing::kGiB;
using ::hpsearch::gpu::testing::MakeDevice;
using ::testing::Optional;

TEST(ForeignUsedBytesTest, SubtractsOurTrialsFromUsedMemory) {
  const GpuDevice device = MakeDevice(0, 16, 10);  // 6 GiB used
  FakeBackend backend({device});
  backend.SetProcesses(0, {{.pid = 100, .used_bytes = 2 * kGiB}, {.pid = 200, .used_bytes = 3 * kGiB}});
  const std::vector<GpuProcessMemory> processes = *backend.Processes(0);
  const std::vector<int64_t> ours = {200};
  EXPECT_EQ(ForeignUsedBytes(device, processes, ours, 0), 3 * kGiB);
  EXPECT_EQ(ForeignUsedBytes(device, processes, {}, 0), 6 * kGiB);
  // The driver's reserve is not another process.
  EXPECT_EQ(ForeignUsedBytes(device, processes, ours, kGiB / 2), 5 * kGiB / 2);
  // Inconsistent samples (usage read after free memory) never underflow.
  const std::vector<int64_t> both = {100, 200};
  EXPECT_EQ(ForeignUsedBytes(MakeDevice(0, 16, 14), processes, both, 0), 0u);
  EXPECT_EQ(ForeignUsedBytes(MakeDevice(0, 16, 14), processes, both, 4 * kGiB), 0u);
}

TEST(UnlistedUsedBytesTest, IsWhatNoListedProcessAccountsFor) {
  const std::vector<GpuProcessMemory> processes = {{.pid = 100, .used_bytes = 2 * kGiB}};
  EXPECT_EQ(UnlistedUsedBytes(MakeDevice(0, 16, 13), processes), 1 * kGiB);
  EXPECT_EQ(UnlistedUsedBytes(MakeDevice(0, 16, 16), processes), 0u);
}

// Places `count` trials one after the other; the uuid each got, or "wait".
std::vector<std::string> PlaceAll(double fraction, const std::vector<DeviceLoad>& devices, int count) {
  const MemoryBudget budget = *MemoryBudget::Fraction(fraction);
  std::vector<Placement> placed;
  std::vector<std::string> where;
  for (int i = 0; i < count; ++i) {
    std::optional<std::size_t> position = Place(budget, devices, placed);
    if (!position.has_value()) {
      where.push_back("wait");
      continue;
    }
    const GpuDevice& device = devices[*position].device;
    placed.push_back({.uuid = device.uuid, .budget_bytes = budget.BytesFor(devices[*position].capacity_bytes())});
    where.push_back(device.uuid.substr(0, 5));
  }
  return where;
}

TEST(PlaceTest, PacksOneGpuAndWaitsInsteadOfOvercommitting) {
  const std::vector<DeviceLoad> one = {{.device = MakeDevice(0, 16, 16)}};
  EXPECT_THAT(PlaceAll(0.25, one, 5), ::testing::ElementsAre("GPU-0", "GPU-0", "GPU-0", "GPU-0", "wait"));
  EXPECT_THAT(PlaceAll(0.4, one, 3), ::testing::ElementsAre("GPU-0", "GPU-0", "wait"));
}

TEST(PlaceTest, SpreadsOverGpusLeastLoadedFirst) {
  const std::vector<DeviceLoad> two = {{.device = MakeDevice(0, 16, 16)}, {.device = MakeDevice(1, 16, 16)}};
  EXPECT_THAT(PlaceAll(0.5, two, 5), ::testing::ElementsAre("GPU-0", "GPU-1", "GPU-0", "GPU-1", "wait"));
}

TEST(PlaceTest, CountsForeignProcesses) {
  // 6 GiB of GPU 0 is used by someone else: only one 8 GiB trial fits there.
  const std::vector<DeviceLoad> two = {{.device = MakeDevice(0, 16, 10), .foreign_used_bytes = 6 * kGiB},
                                       {.device = MakeDevice(1, 16, 16)}};
  EXPECT_THAT(PlaceAll(0.5, two, 4), ::testing::ElementsAre("GPU-1", "GPU-0", "GPU-1", "wait"));
  const std::vector<DeviceLoad> full = {{.device = MakeDevice(0, 16, 0), .foreign_used_bytes = 16 * kGiB}};
  EXPECT_EQ(Place(*MemoryBudget::Fraction(0.1), full, {}), std::nullopt);
}

TEST(PlaceTest, BudgetIsAFractionOfEachDevice) {
  // Half of a 40 GiB GPU is 20 GiB, of a 16 GiB one 8 GiB: two trials on
  // each. The third goes where most memory is left after it (a tie: 0 GiB on
  // each, so the lower position).
  const std::vector<DeviceLoad> mixed = {{.device = MakeDevice(0, 16, 16)}, {.device = MakeDevice(1, 40, 40)}};
  EXPECT_THAT(PlaceAll(0.5, mixed, 5), ::testing::ElementsAre("GPU-1", "GPU-0", "GPU-0", "GPU-1", "wait"));
}

TEST(PlaceTest, FractionsAreOfTheCapacityLeftByTheDriversReserve) {
  // An idle 80 GiB GPU on which the driver keeps 512 MiB: a whole-GPU
  // budget still fits, as do two halves of the rest.
  const DeviceLoad idle{.device = MakeDevice(0, 80, 80), .reserved_bytes = kGiB / 2, .foreign_used_bytes = 0};
  const std::vector<DeviceLoad> one = {idle};
  EXPECT_THAT(PlaceAll(1.0, one, 2), ::testing::ElementsAre("GPU-0", "wait"));
  EXPECT_THAT(PlaceAll(0.5, one, 3), ::testing::ElementsAre("GPU-0", "GPU-0", "wait"));
}

TEST(PlaceTest, NoDevicesMeansWait) { EXPECT_EQ(Place(*MemoryBudget::Fraction(0.5), {}, {}), std::nullopt); }

TEST(PlaceTest, AbsoluteBudgetsAreTheSameSizeOnEveryDevice) {
  // 6 GiB: two fit on the 16 GiB GPU, six on the 40 GiB one.
  const MemoryBudget six = *MemoryBudget::Bytes(6 * kGiB);
  const std::vector<DeviceLoad> mixed = {{.device = MakeDevice(0, 16, 16)}, {.device = MakeDevice(1, 40, 40)}};
  std::vector<Placement> placed;
  std::map<std::string, int> per_device;
  while (std::optional<std::size_t> where = Place(six, mixed, placed)) {
    placed.push_back({.uuid = mixed[*where].device.uuid, .budget_bytes = 6 * kGiB});
    ++per_device[mixed[*where].device.uuid.substr(0, 5)];
  }
  EXPECT_EQ(per_device["GPU-0"], 2);
  EXPECT_EQ(per_device["GPU-1"], 6);
  // Larger than the device: never placed there.
  EXPECT_EQ(Place(*MemoryBudget::Bytes(17 * kGiB), {{{.device = MakeDevice(0, 16, 16)}}}, {}), std::nullopt);
}

TEST(PlaceTest, FreedBudgetIsReused) {
  const std::vector<DeviceLoad> one = {{.device = MakeDevice(0, 16, 16)}};
  std::vector<Placement> placed = {{.uuid = one[0].device.uuid, .budget_bytes = 8 * kGiB},
                                   {.uuid = one[0].device.uuid, .budget_bytes = 8 * kGiB}};
  EXPECT_EQ(Place(*MemoryBudget::Fraction(0.5), one, placed), std::nullopt);
  placed.pop_back();  // a trial finished
  EXPECT_THAT(Place(*MemoryBudget::Fraction(0.5), one, placed), Optional(0u));
}

TEST(TrialGpuEnvTest, PinsByUuidAndCapsBelowTheBudget) {
  const GpuDevice device = MakeDevice(3, 14, 14);
  absl::StatusOr<std::vector<std::pair<std::string, std::string>>> env = TrialGpuEnv(device, 4 * kGiB);
  ASSERT_TRUE(env.ok()) << env.status();
  std::map<std::string, std::string> vars(env->begin(), env->end());
  EXPECT_EQ(vars.size(), env->size());
  EXPECT_EQ(vars["CUDA_VISIBLE_DEVICES"], device.uuid);
  // (4096 - 1024) / 14336 = 0.21428..., rounded down.
  EXPECT_EQ(vars["HPSEARCH_GPU_MEMORY_FRACTION"], "0.2142");
  EXPECT_EQ(vars["XLA_PYTHON_CLIENT_MEM_FRACTION"], "0.2142");
  EXPECT_EQ(vars["HPSEARCH_GPU_MEMORY_LIMIT_MB"], "3072");
  EXPECT_EQ(vars.count("PYTORCH_CUDA_ALLOC_CONF"), 0u);
}

TEST(TrialGpuEnvTest, MpsModeAddsTheServersLimits) {
  const GpuDevice device = MakeDevice(0, 16, 16);
  absl::StatusOr<std::vector<std::pair<std::string, std::string>>> env = TrialGpuEnv(device, 4 * kGiB, /*mps=*/true);
  ASSERT_TRUE(env.ok()) << env.status();
  std::map<std::string, std::string> vars(env->begin(), env->end());
  EXPECT_EQ(vars["CUDA_MPS_PINNED_DEVICE_MEM_LIMIT"], "0=3072M");
  EXPECT_EQ(vars["CUDA_MPS_ACTIVE_THREAD_PERCENTAGE"], "25");
  // Without MPS they are absent: a client of no MPS server must not get them.
  const std::vector<std::pair<std::string, std::string>> plain_env = *TrialGpuEnv(device, 4 * kGiB);
  std::map<std::string, std::string> plain(plain_env.begin(), plain_env.end());
  EXPECT_EQ(plain.count("CUDA_MPS_PINNED_DEVICE_MEM_LIMIT"), 0u);
  EXPECT_EQ(plain.count("CUDA_MPS_ACTIVE_THREAD_PERCENTAGE"), 0u);
}

TEST(TrialGpuEnvTest, BudgetWithinTheReserveIsRejected) {
  EXPECT_EQ(TrialGpuEnv(MakeDevice(0, 16, 16), kContextReserveBytes).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(TrialGpuEnv(MakeDevice(0, 0, 0), 4 * kGiB).status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace hpsearch::gpu
