// Shares a machine's GPUs among the trials of one run.
//
// The partitioner decides where each trial runs and with what memory budget
// (leases), and watches what each trial's processes really use through NVML:
// it keeps each trial's peak memory and the device's mean utilization while
// it ran, and reports trials that stay above their budget for longer than a
// grace period so the caller can stop them before they starve their
// neighbours. It never overcommits: when no GPU has room for another
// budget, Acquire hands out fewer leases and the trial waits.
//
// Single-threaded, like the runner that drives it:
//   auto partitioner = GpuPartitioner::Create(std::move(backend), std::move(table), options);
//   for (GpuLease& lease : partitioner->Acquire(free_slots)) {
//     ...launch with lease.env...; partitioner->Attach(lease.id, pid, trial_mark); }
//   each tick: for (const BudgetOverrun& overrun : partitioner->Sample(now)) stop that trial;
//   when a trial ends: GpuUsage usage = partitioner->Release(lease_id);
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "gpu/budget.h"
#include "gpu/device.h"
#include "gpu/placement.h"
#include "gpu/process_tree.h"

namespace hpsearch::gpu {

struct GpuSharingOptions {
  MemoryBudget budget;
  // An NVIDIA MPS daemon serves the GPUs: trials also get MPS's own limits.
  bool mps = false;
  // How long a trial may stay above its budget before it is reported.
  std::chrono::milliseconds over_budget_grace = std::chrono::seconds(3);
  // Sample() looks at the devices at most this often.
  std::chrono::milliseconds sample_interval = std::chrono::seconds(1);
};

// A place for one trial.
struct GpuLease {
  int id = 0;
  GpuDevice device;
  uint64_t budget_bytes = 0;
  // What the trial's environment gets (TrialGpuEnv).
  std::vector<std::pair<std::string, std::string>> env;
};

// What a trial used, as sampled while it ran.
struct GpuUsage {
  std::string device_uuid;
  uint64_t budget_bytes = 0;
  uint64_t peak_bytes = 0;
  // The device's utilization in percent, averaged over the samples taken
  // while the trial ran (its neighbours' work included); none if no sample.
  std::optional<double> mean_utilization;
};

// A trial that has used more than its budget for longer than the grace.
struct BudgetOverrun {
  int lease_id = 0;
  uint64_t used_bytes = 0;
  uint64_t budget_bytes = 0;
  // "exceeded GPU memory budget: used 5.2 GiB of 4.0 GiB"
  std::string Message() const;
};

class GpuPartitioner {
 public:
  // Takes the devices `backend` exposes (at least one). INVALID_ARGUMENT
  // when the budget fits no device: larger than every GPU, or not above the
  // CUDA context reserve (kContextReserveBytes) on any.
  static absl::StatusOr<std::unique_ptr<GpuPartitioner>> Create(std::unique_ptr<GpuBackend> backend,
                                                               std::unique_ptr<ProcessTable> processes,
                                                               GpuSharingOptions options);

  // Leases for up to `count` more trials on the GPUs as they are now, each
  // budget fitting beside the leases held and the memory other processes
  // use; fewer (maybe none) when there is no room.
  std::vector<GpuLease> Acquire(int count);
  // The trial holding `lease_id` runs as process (and group leader) `pid`,
  // started with `trial_mark` (see ProcessTable::TrialMark): GPU processes
  // outside its process tree that carry the mark count as the trial's too.
  void Attach(int lease_id, int64_t pid, std::string trial_mark);
  // Gives the lease back; returns what its trial used.
  GpuUsage Release(int lease_id);
  // Samples each device holding attached leases (at most once per
  // sample_interval) and returns the trials that have stayed above their
  // budget for longer than the grace, once each.
  std::vector<BudgetOverrun> Sample(std::chrono::steady_clock::time_point now);

  // Things the user should hear about once, e.g. a GPU that stopped
  // answering; cleared by the call.
  std::vector<std::string> TakeNotices();

  // The devices in use, as listed at creation.
  const std::vector<GpuDevice>& devices() const { return devices_; }
  const MemoryBudget& budget() const { return options_.budget; }

 private:
  struct Lease {
    int position = 0;
    uint64_t budget_bytes = 0;
    std::optional<int64_t> pid;
    std::string trial_mark;
    uint64_t peak_bytes = 0;
    double utilization_sum = 0;
    int utilization_samples = 0;
    std::optional<std::chrono::steady_clock::time_point> over_since;
    bool reported = false;
  };
  // A device as it is now: its memory, and the GPU memory of each attached
  // lease's processes when the driver lists them (`measured`).
  struct DeviceState {
    DeviceLoad load;
    bool measured = false;
    std::map<int, uint64_t> used_by_lease;
  };
  // The attached leases, by what tells their trials' processes apart.
  struct AttachedTrials {
    std::vector<int64_t> roots;
    std::map<int64_t, int> lease_of_root;
    std::map<std::string, int> lease_of_mark;
  };

  GpuPartitioner(std::unique_ptr<GpuBackend> backend, std::unique_ptr<ProcessTable> processes,
                 GpuSharingOptions options, std::vector<GpuDevice> devices, std::vector<uint64_t> reserved,
                 std::vector<bool> usable);
  // std::nullopt when the device does not answer (a notice says so once).
  // With `now` (when sampling), also watches for processes that stay
  // missing from our process table.
  std::optional<DeviceState> Query(int position,
                                   std::optional<std::chrono::steady_clock::time_point> now = std::nullopt);
  AttachedTrials Attached() const;
  // The lease whose trial process `pid` belongs to: by the process tree, or
  // else by the trial mark in its environment.
  std::optional<int> LeaseOf(int64_t pid, const AttachedTrials& trials) const;
  // Says which devices cannot list their MPS clients (the trials, under MPS).
  void CheckMpsClientsListed();
  // Says once when GPU processes stay missing from our process table.
  void CheckUnseenProcesses(int position, const std::set<int64_t>& unseen,
                            std::chrono::steady_clock::time_point now);
  void Notice(std::string message);

  std::unique_ptr<GpuBackend> backend_;
  std::unique_ptr<ProcessTable> processes_;
  GpuSharingOptions options_;
  std::vector<GpuDevice> devices_;
  std::vector<uint64_t> reserved_;  // DeviceLoad::reserved_bytes, measured at creation
  std::vector<bool> usable_;  // the budget fits the device
  std::vector<bool> answering_;
  std::vector<bool> listing_;  // the driver lists the device's processes
  std::map<int, Lease> leases_;
  int next_lease_id_ = 1;
  std::optional<std::chrono::steady_clock::time_point> last_sample_;
  // Per device, GPU processes missing from our process table, since when.
  std::vector<std::map<int64_t, std::chrono::steady_clock::time_point>> unseen_since_;
  bool told_unseen_pids_ = false;
  std::vector<std::string> notices_;
};

}  // namespace hpsearch::gpu
