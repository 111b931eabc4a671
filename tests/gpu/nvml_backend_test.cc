// The NVML backend: it degrades cleanly on a machine without an NVIDIA
// driver, and against a stand-in driver (tests/gpu/fake_nvml.cc, loaded
// with dlopen like the real one) it places trials on MIG instances and
// measures MPS clients.
#include "gpu/nvml_backend.h"

#include <dlfcn.h>
#include <stdlib.h>

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "gmock/gmock.h"
#include "gpu/partitioner.h"
#include "gtest/gtest.h"
#include "tests/gpu/fake_backend.h"

namespace hpsearch::gpu {
namespace {

using ::hpsearch::gpu::testing::FakeProcessTable;
using ::hpsearch::gpu::testing::kGiB;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Pair;
using ::testing::UnorderedElementsAre;

constexpr uint64_t kMiB = uint64_t{1} << 20;

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
    EXPECT_THAT(device->uuid, ::testing::AnyOf(::testing::StartsWith("GPU-"), ::testing::StartsWith("MIG-")));
    EXPECT_GE(device->total_bytes, device->free_bytes);
    EXPECT_TRUE((*all)->Processes(i).ok());
  }
}

// The stand-in driver's machine `machine` (see fake_nvml.cc), through the
// libnvidia-ml.so.1 in `folder`.
std::unique_ptr<GpuBackend> OpenFakeDriver(const char* machine,
                                           const std::optional<std::string>& visible = std::nullopt,
                                           const std::string& folder = FAKE_NVML_DIR) {
  setenv("HPSEARCH_FAKE_NVML", machine, 1);
  absl::StatusOr<std::unique_ptr<GpuBackend>> backend = OpenNvmlFrom(folder + "/libnvidia-ml.so.1", visible);
  EXPECT_TRUE(backend.ok()) << backend.status();
  return backend.ok() ? *std::move(backend) : nullptr;
}

std::vector<std::string> IndexTexts(GpuBackend& backend) {
  std::vector<std::string> texts;
  absl::StatusOr<std::vector<GpuDevice>> devices = ListDevices(backend);
  EXPECT_TRUE(devices.ok()) << devices.status();
  for (const GpuDevice& device : devices.value_or(std::vector<GpuDevice>{})) texts.push_back(DeviceIndexText(device));
  return texts;
}

TEST(NvmlMigTest, EachMigInstanceIsADeviceWithItsOwnMemoryAndUuid) {
  std::unique_ptr<GpuBackend> backend = OpenFakeDriver("mig");
  ASSERT_NE(backend, nullptr);
  EXPECT_THAT(IndexTexts(*backend), ElementsAre("0:0", "0:3", "1"));
  absl::StatusOr<GpuDevice> small = backend->Device(0);
  ASSERT_TRUE(small.ok()) << small.status();
  EXPECT_EQ(small->uuid, "MIG-11111111-0000-0000-0000-000000000000");
  EXPECT_EQ(small->name, "Fake A100-SXM4-80GB MIG 1g.10gb");
  EXPECT_EQ(small->total_bytes, 10 * kGiB);
  EXPECT_EQ(small->mig, (MigSlot{.index = 0, .parent_uuid = "GPU-a100a100-0000-0000-0000-000000000000"}));
  absl::StatusOr<GpuDevice> large = backend->Device(1);
  ASSERT_TRUE(large.ok()) << large.status();
  EXPECT_EQ(large->uuid, "MIG-33333333-0000-0000-0000-000000000000");
  EXPECT_EQ(large->total_bytes, 20 * kGiB);
  EXPECT_EQ(large->free_bytes, 18 * kGiB);
  absl::StatusOr<GpuDevice> whole = backend->Device(2);
  ASSERT_TRUE(whole.ok()) << whole.status();
  EXPECT_EQ(whole->mig, std::nullopt);
  EXPECT_EQ(whole->total_bytes, 16 * kGiB);
}

TEST(NvmlMigTest, MigInstanceListsItsOwnProcessesAndHasNoUtilization) {
  std::unique_ptr<GpuBackend> backend = OpenFakeDriver("mig");
  ASSERT_NE(backend, nullptr);
  EXPECT_THAT(backend->Processes(0).value_or(std::vector<GpuProcessMemory>{{}}), IsEmpty());
  EXPECT_THAT(backend->Processes(1).value_or(std::vector<GpuProcessMemory>{}),
              ElementsAre(GpuProcessMemory{.pid = 4242, .used_bytes = 2 * kGiB}));
  EXPECT_EQ(backend->Utilization(1).status().code(), absl::StatusCode::kUnimplemented);
  absl::StatusOr<GpuUtilization> whole = backend->Utilization(2);
  ASSERT_TRUE(whole.ok()) << whole.status();
  EXPECT_EQ(whole->gpu_percent, 40);
}

TEST(NvmlMigTest, CudaVisibleDevicesNamesMigInstancesOrTheirGpu) {
  std::unique_ptr<GpuBackend> one = OpenFakeDriver("mig", "MIG-3333");
  ASSERT_NE(one, nullptr);
  EXPECT_THAT(IndexTexts(*one), ElementsAre("0:3"));
  one.reset();
  std::unique_ptr<GpuBackend> both = OpenFakeDriver("mig", "1,GPU-a100");
  ASSERT_NE(both, nullptr);
  EXPECT_THAT(IndexTexts(*both), ElementsAre("1", "0:0", "0:3"));
}

TEST(NvmlMpsTest, MpsClientsAreListedBesideTheServerOnce) {
  std::unique_ptr<GpuBackend> backend = OpenFakeDriver("mps");
  ASSERT_NE(backend, nullptr);
  absl::StatusOr<std::vector<GpuProcessMemory>> processes = backend->Processes(0);
  ASSERT_TRUE(processes.ok()) << processes.status();
  EXPECT_THAT(*processes, UnorderedElementsAre(GpuProcessMemory{.pid = 900, .used_bytes = 256 * kMiB},
                                               GpuProcessMemory{.pid = 901, .used_bytes = 5 * kGiB},
                                               GpuProcessMemory{.pid = 902, .used_bytes = 1 * kGiB}));
}

TEST(NvmlOldDriverTest, WithoutMigAndMpsFunctionsListsWholeGpusAndTheComputeList) {
  std::unique_ptr<GpuBackend> backend = OpenFakeDriver("mps", std::nullopt, FAKE_NVML_OLD_DRIVER_DIR);
  ASSERT_NE(backend, nullptr);
  EXPECT_THAT(IndexTexts(*backend), ElementsAre("0"));
  EXPECT_THAT(backend->Processes(0).value_or(std::vector<GpuProcessMemory>{}),
              ElementsAre(GpuProcessMemory{.pid = 900, .used_bytes = 256 * kMiB},
                          GpuProcessMemory{.pid = 902, .used_bytes = 1 * kGiB}));
}

// Sharing GPUs as `hpsearch run` does, over the stand-in driver.
std::unique_ptr<GpuPartitioner> Share(std::unique_ptr<GpuBackend> backend, std::unique_ptr<FakeProcessTable> table,
                                      MemoryBudget budget, bool mps = false) {
  absl::StatusOr<std::unique_ptr<GpuPartitioner>> partitioner =
      GpuPartitioner::Create(std::move(backend), std::move(table), {.budget = budget, .mps = mps});
  EXPECT_TRUE(partitioner.ok()) << partitioner.status();
  return partitioner.ok() ? *std::move(partitioner) : nullptr;
}

TEST(NvmlSharingTest, TrialsOnMigInstancesGetTheInstanceAndShareItsMemory) {
  std::unique_ptr<GpuBackend> backend = OpenFakeDriver("mig", "GPU-a100");
  ASSERT_NE(backend, nullptr);
  std::unique_ptr<GpuPartitioner> partitioner =
      Share(std::move(backend), std::make_unique<FakeProcessTable>(), *MemoryBudget::Fraction(0.5));
  ASSERT_NE(partitioner, nullptr);
  // Half of each instance: two trials fit the 10 GiB one; one fits the
  // 20 GiB one beside the 2 GiB process already there.
  std::vector<std::pair<std::string, std::string>> places;
  for (const GpuLease& lease : partitioner->Acquire(4)) {
    const std::map<std::string, std::string> env(lease.env.begin(), lease.env.end());
    places.emplace_back(env.at("CUDA_VISIBLE_DEVICES"), env.at("HPSEARCH_GPU_MEMORY_FRACTION"));
  }
  // Fractions of the instance's own memory: (budget - 1 GiB) / total.
  EXPECT_THAT(places, UnorderedElementsAre(Pair("MIG-33333333-0000-0000-0000-000000000000", "0.4500"),
                                           Pair("MIG-11111111-0000-0000-0000-000000000000", "0.4000"),
                                           Pair("MIG-11111111-0000-0000-0000-000000000000", "0.4000")));
  EXPECT_THAT(partitioner->Acquire(1), IsEmpty());
}

TEST(NvmlSharingTest, MpsClientsMemoryCountsAgainstTheirTrialsBudget) {
  auto table = std::make_unique<FakeProcessTable>();
  table->Add(900, 1, 900);  // the MPS server
  table->Add(901, 1, 901);
  table->Add(902, 1, 902);
  std::unique_ptr<GpuBackend> backend = OpenFakeDriver("mps");
  ASSERT_NE(backend, nullptr);
  std::unique_ptr<GpuPartitioner> partitioner =
      Share(std::move(backend), std::move(table), *MemoryBudget::Bytes(4 * kGiB));
  ASSERT_NE(partitioner, nullptr);
  std::vector<GpuLease> leases = partitioner->Acquire(2);
  ASSERT_EQ(leases.size(), 2u);
  partitioner->Attach(leases[0].id, 901, "trial-901");
  partitioner->Attach(leases[1].id, 902, "trial-902");
  const auto start = std::chrono::steady_clock::now();
  EXPECT_THAT(partitioner->Sample(start), IsEmpty());
  std::vector<BudgetOverrun> overruns = partitioner->Sample(start + std::chrono::seconds(4));
  ASSERT_EQ(overruns.size(), 1u);
  EXPECT_EQ(overruns[0].lease_id, leases[0].id);
  EXPECT_EQ(overruns[0].used_bytes, 5 * kGiB);
  EXPECT_EQ(partitioner->Release(leases[1].id).peak_bytes, 1 * kGiB);
}

TEST(NvmlSharingTest, UnderMpsSaysOnceForEachGpuWhoseMpsClientsCannotBeListed) {
  struct Case {
    const char* machine;
    std::string folder;
    const char* why;
  };
  for (const Case& driver : {Case{"mps-pre-volta", FAKE_NVML_DIR,
                                  "(nvmlDeviceGetMPSComputeRunningProcesses on GPU 0: Not Supported)"},
                             Case{"mps", FAKE_NVML_OLD_DRIVER_DIR,
                                  "(the driver lacks nvmlDeviceGetMPSComputeRunningProcesses)"}}) {
    SCOPED_TRACE(driver.folder + " " + driver.machine);
    std::unique_ptr<GpuBackend> backend = OpenFakeDriver(driver.machine, std::nullopt, driver.folder);
    ASSERT_NE(backend, nullptr);
    std::unique_ptr<GpuPartitioner> partitioner = Share(
        std::move(backend), std::make_unique<FakeProcessTable>(), *MemoryBudget::Bytes(4 * kGiB), /*mps=*/true);
    ASSERT_NE(partitioner, nullptr);
    EXPECT_THAT(partitioner->TakeNotices(),
                ElementsAre(::testing::AllOf(HasSubstr("cannot list the MPS clients on GPU 0 (Fake V100, GPU-0100f100"),
                                             HasSubstr(driver.why), HasSubstr("unenforced"))));
    std::vector<GpuLease> leases = partitioner->Acquire(1);
    ASSERT_EQ(leases.size(), 1u);
    partitioner->Attach(leases[0].id, 901, "trial-901");
    partitioner->Sample(std::chrono::steady_clock::now());
    EXPECT_THAT(partitioner->TakeNotices(), IsEmpty());
  }
}

TEST(NvmlSharingTest, SaysNothingOfMpsClientsWhereTheyAreListedOrMpsIsOff) {
  for (const auto& [machine, mps] : {std::pair("mps", true), std::pair("mps-pre-volta", false)}) {
    SCOPED_TRACE(machine);
    std::unique_ptr<GpuBackend> backend = OpenFakeDriver(machine);
    ASSERT_NE(backend, nullptr);
    std::unique_ptr<GpuPartitioner> partitioner =
        Share(std::move(backend), std::make_unique<FakeProcessTable>(), *MemoryBudget::Bytes(4 * kGiB), mps);
    ASSERT_NE(partitioner, nullptr);
    EXPECT_THAT(partitioner->TakeNotices(), IsEmpty());
  }
}

}  // namespace
}  // namespace hpsearch::gpu
