// The partitioner against simulated GPUs: several devices, foreign
// processes, a trial growing past its budget, a GPU that disappears.
#include "gpu/partitioner.h"

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/gpu/fake_backend.h"

namespace hpsearch::gpu {
namespace {

using ::hpsearch::gpu::testing::FakeBackend;
using ::hpsearch::gpu::testing::FakeProcessTable;
using ::hpsearch::gpu::testing::kGiB;
using ::hpsearch::gpu::testing::MakeDevice;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using std::chrono::seconds;

constexpr uint64_t kMiB = uint64_t{1} << 20;

// A partitioner over `devices`, keeping pointers to its fakes for the test
// to change what the "driver" reports.
struct Rig {
  FakeBackend* backend = nullptr;
  FakeProcessTable* table = nullptr;
  std::unique_ptr<GpuPartitioner> partitioner;
  std::chrono::steady_clock::time_point now = std::chrono::steady_clock::now();

  std::vector<BudgetOverrun> SampleAfter(std::chrono::milliseconds elapsed) {
    now += elapsed;
    return partitioner->Sample(now);
  }
};

Rig MakeRig(std::vector<GpuDevice> devices, MemoryBudget budget, bool mps = false) {
  Rig rig;
  auto backend = std::make_unique<FakeBackend>(std::move(devices));
  auto table = std::make_unique<FakeProcessTable>();
  rig.backend = backend.get();
  rig.table = table.get();
  absl::StatusOr<std::unique_ptr<GpuPartitioner>> partitioner = GpuPartitioner::Create(
      std::move(backend), std::move(table), {.budget = budget, .mps = mps, .over_budget_grace = seconds(3)});
  EXPECT_TRUE(partitioner.ok()) << partitioner.status();
  if (partitioner.ok()) rig.partitioner = *std::move(partitioner);
  return rig;
}

std::vector<std::string> Devices(const std::vector<GpuLease>& leases) {
  std::vector<std::string> where;
  for (const GpuLease& lease : leases) where.push_back(lease.device.uuid.substr(0, 5));
  return where;
}

TEST(GpuPartitionerTest, PacksBudgetsAndWaitsRatherThanOvercommit) {
  Rig rig = MakeRig({MakeDevice(0, 16, 16)}, *MemoryBudget::Fraction(0.25));
  std::vector<GpuLease> leases = rig.partitioner->Acquire(6);
  EXPECT_THAT(Devices(leases), ElementsAre("GPU-0", "GPU-0", "GPU-0", "GPU-0"));
  EXPECT_THAT(rig.partitioner->Acquire(1), IsEmpty());
  // A trial ends: its budget is free again.
  rig.partitioner->Release(leases[0].id);
  EXPECT_THAT(Devices(rig.partitioner->Acquire(2)), ElementsAre("GPU-0"));
}

TEST(GpuPartitionerTest, LeaseCarriesTheTrialsEnvironment) {
  Rig rig = MakeRig({MakeDevice(0, 16, 16)}, *MemoryBudget::Bytes(4 * kGiB), /*mps=*/true);
  std::vector<GpuLease> leases = rig.partitioner->Acquire(1);
  ASSERT_EQ(leases.size(), 1u);
  EXPECT_EQ(leases[0].budget_bytes, 4 * kGiB);
  const std::map<std::string, std::string> env(leases[0].env.begin(), leases[0].env.end());
  EXPECT_EQ(env.at("CUDA_VISIBLE_DEVICES"), leases[0].device.uuid);
  EXPECT_EQ(env.at("HPSEARCH_GPU_MEMORY_FRACTION"), "0.1875");
  EXPECT_EQ(env.at("CUDA_MPS_PINNED_DEVICE_MEM_LIMIT"), "0=3072M");
}

TEST(GpuPartitionerTest, SpreadsOverGpusAndCountsForeignProcesses) {
  // Someone else's process (PID 900, not ours) holds 10 GiB of GPU 1.
  Rig rig = MakeRig({MakeDevice(0, 16, 16), MakeDevice(1, 16, 16)}, *MemoryBudget::Fraction(0.25));
  rig.backend->SetProcesses(1, {{.pid = 900, .used_bytes = 10 * kGiB}});
  rig.table->Add(900, 1, 900);
  EXPECT_THAT(Devices(rig.partitioner->Acquire(8)), ElementsAre("GPU-0", "GPU-0", "GPU-0", "GPU-1", "GPU-0"));
}

TEST(GpuPartitionerTest, OurTrialsMemoryIsNotForeign) {
  // Two trials of 8 GiB on a 16 GiB GPU, each using 3 GiB through a child
  // process: the second must still fit, and a third must not.
  Rig rig = MakeRig({MakeDevice(0, 16, 16)}, *MemoryBudget::Fraction(0.5));
  std::vector<GpuLease> first = rig.partitioner->Acquire(1);
  ASSERT_EQ(first.size(), 1u);
  rig.partitioner->Attach(first[0].id, 100, "trial-100");
  rig.table->Add(100, 1, 100);
  rig.table->Add(101, 100, 100);
  rig.backend->SetProcesses(0, {{.pid = 101, .used_bytes = 3 * kGiB}});
  EXPECT_EQ(rig.partitioner->Acquire(2).size(), 1u);
  EXPECT_THAT(rig.partitioner->Acquire(1), IsEmpty());
}

// A trial's descendant that left the trial's process group (setsid) and lost
// its parent is reparented to the engine, a subreaper: outside every trial's
// tree, only the trial mark in its environment tells whose it is.
constexpr int64_t kEngine = 10;

TEST(GpuPartitionerTest, AnEscapedProcessCountsAgainstTheTrialItsMarkNames) {
  Rig rig = MakeRig({MakeDevice(0, 16, 16)}, *MemoryBudget::Fraction(0.25));  // 4 GiB each
  std::vector<GpuLease> leases = rig.partitioner->Acquire(1);
  ASSERT_EQ(leases.size(), 1u);
  rig.partitioner->Attach(leases[0].id, 100, "trial-a");
  rig.table->Add(100, kEngine, 100, "trial-a");
  rig.table->Add(150, kEngine, 150, "trial-a");  // its daemonized data loader
  rig.backend->SetProcesses(0, {{.pid = 100, .used_bytes = 3 * kGiB}, {.pid = 150, .used_bytes = 2 * kGiB}});
  EXPECT_THAT(rig.SampleAfter(seconds(1)), IsEmpty());
  const std::vector<BudgetOverrun> overruns = rig.SampleAfter(seconds(3));
  ASSERT_EQ(overruns.size(), 1u);
  EXPECT_EQ(overruns[0].lease_id, leases[0].id);
  EXPECT_EQ(overruns[0].used_bytes, 5 * kGiB);
}

TEST(GpuPartitionerTest, AnEscapedProcessCountsAgainstItsOwnTrialNotANeighbours) {
  Rig rig = MakeRig({MakeDevice(0, 16, 16)}, *MemoryBudget::Fraction(0.25));
  std::vector<GpuLease> leases = rig.partitioner->Acquire(2);
  ASSERT_EQ(leases.size(), 2u);
  rig.partitioner->Attach(leases[0].id, 100, "trial-a");
  rig.partitioner->Attach(leases[1].id, 200, "trial-b");
  rig.table->Add(100, kEngine, 100, "trial-a");
  rig.table->Add(200, kEngine, 200, "trial-b");
  rig.table->Add(250, kEngine, 250, "trial-b");
  rig.backend->SetProcesses(0, {{.pid = 100, .used_bytes = 1 * kGiB},
                                {.pid = 200, .used_bytes = 1 * kGiB},
                                {.pid = 250, .used_bytes = 2 * kGiB}});
  rig.SampleAfter(seconds(1));
  EXPECT_EQ(rig.partitioner->Release(leases[0].id).peak_bytes, 1 * kGiB);
  EXPECT_EQ(rig.partitioner->Release(leases[1].id).peak_bytes, 3 * kGiB);
}

TEST(GpuPartitionerTest, AnEscapedProcessWithoutARunningTrialsMarkIsForeign) {
  Rig rig = MakeRig({MakeDevice(0, 16, 16)}, *MemoryBudget::Fraction(0.5));  // 8 GiB each
  std::vector<GpuLease> leases = rig.partitioner->Acquire(1);
  ASSERT_EQ(leases.size(), 1u);
  rig.partitioner->Attach(leases[0].id, 100, "trial-a");
  rig.table->Add(100, kEngine, 100, "trial-a");
  rig.table->Add(300, kEngine, 300);  // no mark
  rig.table->Add(400, kEngine, 400, "trial-ended");
  rig.backend->SetProcesses(0, {{.pid = 100, .used_bytes = 1 * kGiB},
                                {.pid = 300, .used_bytes = 4 * kGiB},
                                {.pid = 400, .used_bytes = 2 * kGiB}});
  EXPECT_THAT(rig.SampleAfter(seconds(5)), IsEmpty());
  // Their 6 GiB leave no room for a second 8 GiB budget; counted as the
  // trial's, they would.
  EXPECT_THAT(rig.partitioner->Acquire(1), IsEmpty());
  EXPECT_EQ(rig.partitioner->Release(leases[0].id).peak_bytes, 1 * kGiB);
}

TEST(GpuPartitionerTest, StopsATrialThatStaysOverBudgetAndSparesItsNeighbour) {
  Rig rig = MakeRig({MakeDevice(0, 16, 16)}, *MemoryBudget::Fraction(0.25));  // 4 GiB each
  std::vector<GpuLease> leases = rig.partitioner->Acquire(2);
  ASSERT_EQ(leases.size(), 2u);
  rig.partitioner->Attach(leases[0].id, 100, "trial-100");
  rig.partitioner->Attach(leases[1].id, 200, "trial-200");
  rig.table->Add(100, 1, 100);
  rig.table->Add(200, 1, 200);
  rig.backend->SetProcesses(0, {{.pid = 100, .used_bytes = 3 * kGiB}, {.pid = 200, .used_bytes = 2 * kGiB}});
  EXPECT_THAT(rig.SampleAfter(seconds(1)), IsEmpty());
  // Trial 100 grows past 4 GiB; a blip shorter than the grace is forgiven.
  rig.backend->SetProcesses(0, {{.pid = 100, .used_bytes = 5 * kGiB}, {.pid = 200, .used_bytes = 2 * kGiB}});
  EXPECT_THAT(rig.SampleAfter(seconds(1)), IsEmpty());
  rig.backend->SetProcesses(0, {{.pid = 100, .used_bytes = 3 * kGiB}, {.pid = 200, .used_bytes = 2 * kGiB}});
  EXPECT_THAT(rig.SampleAfter(seconds(1)), IsEmpty());
  rig.backend->SetProcesses(0, {{.pid = 100, .used_bytes = 5 * kGiB + 200 * kMiB}, {.pid = 200, .used_bytes = 2 * kGiB}});
  EXPECT_THAT(rig.SampleAfter(seconds(1)), IsEmpty());
  EXPECT_THAT(rig.SampleAfter(seconds(2)), IsEmpty());
  const std::vector<BudgetOverrun> overruns = rig.SampleAfter(seconds(1));
  ASSERT_EQ(overruns.size(), 1u);
  EXPECT_EQ(overruns[0].lease_id, leases[0].id);
  EXPECT_EQ(overruns[0].Message(), "exceeded GPU memory budget: used 5.2 GiB of 4.0 GiB");
  // Reported once; the neighbour never.
  EXPECT_THAT(rig.SampleAfter(seconds(1)), IsEmpty());
  const GpuUsage over = rig.partitioner->Release(leases[0].id);
  EXPECT_EQ(over.peak_bytes, 5 * kGiB + 200 * kMiB);
  const GpuUsage neighbour = rig.partitioner->Release(leases[1].id);
  EXPECT_EQ(neighbour.peak_bytes, 2 * kGiB);
  EXPECT_EQ(neighbour.budget_bytes, 4 * kGiB);
  EXPECT_EQ(neighbour.device_uuid, leases[1].device.uuid);
}

TEST(GpuPartitionerTest, SamplesAtMostOncePerInterval) {
  Rig rig = MakeRig({MakeDevice(0, 16, 16)}, *MemoryBudget::Fraction(0.5));
  std::vector<GpuLease> leases = rig.partitioner->Acquire(1);
  rig.partitioner->Attach(leases[0].id, 100, "trial-100");
  rig.table->Add(100, 1, 100);
  rig.backend->SetProcesses(0, {{.pid = 100, .used_bytes = 1 * kGiB}});
  rig.backend->SetUtilization(0, 40);
  rig.SampleAfter(seconds(1));
  rig.backend->SetProcesses(0, {{.pid = 100, .used_bytes = 2 * kGiB}});
  rig.backend->SetUtilization(0, 90);
  rig.SampleAfter(std::chrono::milliseconds(100));  // too soon: not sampled
  rig.backend->SetProcesses(0, {{.pid = 100, .used_bytes = 1 * kGiB}});
  rig.backend->SetUtilization(0, 60);
  rig.SampleAfter(seconds(1));
  const GpuUsage usage = rig.partitioner->Release(leases[0].id);
  EXPECT_EQ(usage.peak_bytes, 1 * kGiB);
  ASSERT_TRUE(usage.mean_utilization.has_value());
  EXPECT_DOUBLE_EQ(*usage.mean_utilization, 50.0);
}

TEST(GpuPartitionerTest, AGpuThatDisappearsGetsNoTrialsAndIsReportedOnce) {
  Rig rig = MakeRig({MakeDevice(0, 16, 16), MakeDevice(1, 16, 16)}, *MemoryBudget::Fraction(0.5));
  std::vector<GpuLease> leases = rig.partitioner->Acquire(1);
  ASSERT_THAT(Devices(leases), ElementsAre("GPU-0"));
  rig.partitioner->Attach(leases[0].id, 100, "trial-100");
  rig.table->Add(100, 1, 100);
  rig.backend->Lose(0);
  EXPECT_THAT(rig.SampleAfter(seconds(1)), IsEmpty());
  EXPECT_THAT(Devices(rig.partitioner->Acquire(4)), ElementsAre("GPU-1", "GPU-1"));
  std::vector<std::string> notices = rig.partitioner->TakeNotices();
  ASSERT_EQ(notices.size(), 1u);
  EXPECT_THAT(notices[0], HasSubstr("GPU 0 (Fake GPU, GPU-0aaaaaaa"));
  EXPECT_THAT(notices[0], HasSubstr("stopped answering (GPU is lost): no new trials go there"));
  // Its trial can still be released; nothing was sampled for it.
  const GpuUsage usage = rig.partitioner->Release(leases[0].id);
  EXPECT_EQ(usage.peak_bytes, 0u);
  EXPECT_FALSE(usage.mean_utilization.has_value());
  rig.backend->Restore(0);
  EXPECT_THAT(Devices(rig.partitioner->Acquire(1)), ElementsAre("GPU-0"));
  EXPECT_THAT(rig.partitioner->TakeNotices(), ElementsAre(HasSubstr("answers again")));
}

TEST(GpuPartitionerTest, SaysOnceWhenGpuProcessesStayInAnotherPidNamespace) {
  Rig rig = MakeRig({MakeDevice(0, 16, 16)}, *MemoryBudget::Fraction(0.5));
  std::vector<GpuLease> leases = rig.partitioner->Acquire(1);
  rig.partitioner->Attach(leases[0].id, 100, "trial-100");
  rig.table->Add(100, 1, 100);
  rig.backend->SetProcesses(0, {{.pid = 4242, .used_bytes = 1 * kGiB}});  // a host PID
  // A process that just exited may linger in NVML's list for a few seconds.
  for (int i = 0; i < 4; ++i) rig.SampleAfter(seconds(1));
  EXPECT_THAT(rig.partitioner->TakeNotices(), IsEmpty());
  rig.SampleAfter(seconds(1));
  rig.SampleAfter(seconds(1));
  EXPECT_THAT(rig.partitioner->TakeNotices(), ElementsAre(HasSubstr("without the host's PID namespace")));
}

TEST(GpuPartitionerTest, TheDriversReserveLeavesRoomForAWholeGpuBudget) {
  // An idle 80 GiB GPU of which the driver keeps 1 GiB: one trial per GPU
  // (the default share for parallelTrialCount 1) must still run.
  Rig rig = MakeRig({MakeDevice(0, 80, 79)}, *MemoryBudget::Fraction(1));
  std::vector<GpuLease> leases = rig.partitioner->Acquire(2);
  ASSERT_EQ(leases.size(), 1u);
  EXPECT_EQ(leases[0].budget_bytes, 79 * kGiB);
}

TEST(GpuPartitionerTest, AGpuWhoseProcessesCannotBeListedIsUsedByBudgetsUnenforced) {
  Rig rig = MakeRig({MakeDevice(0, 16, 16)}, *MemoryBudget::Fraction(0.5));
  rig.backend->Unlist(0);
  std::vector<GpuLease> leases = rig.partitioner->Acquire(3);
  EXPECT_THAT(Devices(leases), ElementsAre("GPU-0", "GPU-0"));
  EXPECT_THAT(rig.partitioner->TakeNotices(),
              ElementsAre(HasSubstr("cannot list the processes using GPU 0 (Fake GPU, GPU-0aaaaaaa")));
  rig.partitioner->Attach(leases[0].id, 100, "trial-100");
  EXPECT_THAT(rig.SampleAfter(seconds(5)), IsEmpty());
  EXPECT_THAT(rig.partitioner->TakeNotices(), IsEmpty());  // said once
}

TEST(GpuPartitionerTest, AnOverrunMustLastAWholeGraceOfAnsweredSamples) {
  Rig rig = MakeRig({MakeDevice(0, 16, 16)}, *MemoryBudget::Fraction(0.25));
  std::vector<GpuLease> leases = rig.partitioner->Acquire(1);
  rig.partitioner->Attach(leases[0].id, 100, "trial-100");
  rig.table->Add(100, 1, 100);
  rig.backend->SetProcesses(0, {{.pid = 100, .used_bytes = 5 * kGiB}});
  EXPECT_THAT(rig.SampleAfter(seconds(1)), IsEmpty());
  rig.backend->Lose(0);  // no reading for a while
  EXPECT_THAT(rig.SampleAfter(seconds(5)), IsEmpty());
  rig.backend->Restore(0);
  EXPECT_THAT(rig.SampleAfter(seconds(1)), IsEmpty());  // over again, but the grace starts afresh
  EXPECT_THAT(rig.SampleAfter(seconds(3)), ::testing::SizeIs(1));
}

TEST(GpuPartitionerTest, RefusesABudgetNoGpuCanHold) {
  auto create = [](MemoryBudget budget) {
    return GpuPartitioner::Create(std::make_unique<FakeBackend>(std::vector<GpuDevice>{MakeDevice(0, 16, 16)}),
                                  std::make_unique<FakeProcessTable>(), {.budget = budget});
  };
  absl::StatusOr<std::unique_ptr<GpuPartitioner>> too_big = create(*MemoryBudget::Bytes(20 * kGiB));
  EXPECT_EQ(too_big.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(too_big.status().message(),
              HasSubstr("a GPU memory budget of 20.0 GiB fits no GPU: it is larger than GPU 0 (Fake GPU"));
  EXPECT_THAT(too_big.status().message(), HasSubstr("with 16.0 GiB for processes"));
  absl::StatusOr<std::unique_ptr<GpuPartitioner>> tiny = create(*MemoryBudget::Bytes(100 * kMiB));
  EXPECT_THAT(tiny.status().message(), HasSubstr("leaves nothing above the 1024 MiB reserved for the CUDA context"));
  absl::StatusOr<std::unique_ptr<GpuPartitioner>> none =
      GpuPartitioner::Create(std::make_unique<FakeBackend>(std::vector<GpuDevice>{}),
                             std::make_unique<FakeProcessTable>(), {.budget = *MemoryBudget::Fraction(1)});
  EXPECT_EQ(none.status().code(), absl::StatusCode::kFailedPrecondition);
}

TEST(GpuPartitionerTest, SkipsOnlyTheGpusTooSmallForAnAbsoluteBudget) {
  Rig rig = MakeRig({MakeDevice(0, 8, 8), MakeDevice(1, 40, 40)}, *MemoryBudget::Bytes(12 * kGiB));
  EXPECT_THAT(rig.partitioner->TakeNotices(), ElementsAre(HasSubstr("some GPUs get no trials: it is larger than GPU 0")));
  EXPECT_THAT(Devices(rig.partitioner->Acquire(4)), ElementsAre("GPU-1", "GPU-1", "GPU-1"));
}

}  // namespace
}  // namespace hpsearch::gpu
