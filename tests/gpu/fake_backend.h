// A GpuBackend over simulated devices, and a process table to go with it,
// for tests.
#pragma once

#include <map>
#include <algorithm>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "gpu/device.h"
#include "gpu/process_tree.h"

namespace hpsearch::gpu::testing {

// Each device's free memory is the free memory it was made with less what
// its listed processes use, as a driver would report it.
class FakeBackend : public GpuBackend {
 public:
  explicit FakeBackend(std::vector<GpuDevice> devices) : devices_(std::move(devices)) {}

  int DeviceCount() const override { return static_cast<int>(devices_.size()); }
  absl::StatusOr<GpuDevice> Device(int position) override {
    if (lost_.count(position) > 0) return absl::UnavailableError("GPU is lost");
    GpuDevice device = devices_.at(position);
    for (const GpuProcessMemory& process : processes_[position]) {
      device.free_bytes -= std::min(device.free_bytes, process.used_bytes);
    }
    return device;
  }
  absl::StatusOr<std::vector<GpuProcessMemory>> Processes(int position) override {
    if (lost_.count(position) > 0) return absl::UnavailableError("GPU is lost");
    if (unlisted_.count(position) > 0) return absl::PermissionDeniedError("Insufficient Permissions");
    return processes_[position];
  }
  absl::StatusOr<GpuUtilization> Utilization(int position) override {
    if (lost_.count(position) > 0) return absl::UnavailableError("GPU is lost");
    return GpuUtilization{.gpu_percent = utilization_[position], .memory_percent = 0};
  }

  void SetProcesses(int position, std::vector<GpuProcessMemory> processes) {
    processes_[position] = std::move(processes);
  }
  void SetUtilization(int position, int percent) { utilization_[position] = percent; }
  void Lose(int position) { lost_.insert(position); }
  void Restore(int position) { lost_.erase(position); }
  // The device answers, but not with its processes.
  void Unlist(int position) { unlisted_.insert(position); }

 private:
  std::vector<GpuDevice> devices_;
  std::map<int, std::vector<GpuProcessMemory>> processes_;
  std::map<int, int> utilization_;
  std::set<int> lost_;
  std::set<int> unlisted_;
};

// A process table given as pid -> {parent, group}, and the trial mark some
// processes carry.
class FakeProcessTable : public ProcessTable {
 public:
  std::optional<ProcessInfo> Lookup(int64_t pid) const override {
    auto it = processes_.find(pid);
    if (it == processes_.end()) return std::nullopt;
    return it->second.info;
  }
  std::optional<std::string> TrialMark(int64_t pid) const override {
    auto it = processes_.find(pid);
    if (it == processes_.end()) return std::nullopt;
    return it->second.trial_mark;
  }
  void Add(int64_t pid, int64_t parent, int64_t group, std::optional<std::string> trial_mark = std::nullopt) {
    processes_[pid] = {.info = {.parent = parent, .group = group}, .trial_mark = std::move(trial_mark)};
  }
  void Remove(int64_t pid) { processes_.erase(pid); }

 private:
  struct Process {
    ProcessInfo info;
    std::optional<std::string> trial_mark;
  };
  std::map<int64_t, Process> processes_;
};

inline constexpr uint64_t kGiB = uint64_t{1} << 30;

inline GpuDevice MakeDevice(int index, uint64_t total_gib, uint64_t free_gib) {
  return GpuDevice{.index = index,
                   .name = "Fake GPU",
                   .uuid = "GPU-" + std::to_string(index) + "aaaaaaa-0000-0000-0000-000000000000",
                   .total_bytes = total_gib * kGiB,
                   .free_bytes = free_gib * kGiB};
}

// MIG instance `slot` of GPU `gpu` (made by MakeDevice(gpu, ...)), with
// UUID "MIG-<gpu><slot>...".
inline GpuDevice MakeMigInstance(int gpu, int slot, uint64_t total_gib, uint64_t free_gib) {
  const GpuDevice parent = MakeDevice(gpu, 0, 0);
  return GpuDevice{.index = gpu,
                   .name = "Fake GPU MIG " + std::to_string(total_gib) + "gb",
                   .uuid = "MIG-" + std::to_string(gpu) + std::to_string(slot) + "bbbbbb-0000-0000-0000-000000000000",
                   .total_bytes = total_gib * kGiB,
                   .free_bytes = free_gib * kGiB,
                   .mig = MigSlot{.index = slot, .parent_uuid = parent.uuid}};
}

}  // namespace hpsearch::gpu::testing
