// A GpuBackend over fixed devices, for tests.
#pragma once

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "gpu/device.h"

namespace hpsearch::gpu::testing {

class FakeBackend : public GpuBackend {
 public:
  explicit FakeBackend(std::vector<GpuDevice> devices) : devices_(std::move(devices)) {}

  int DeviceCount() const override { return static_cast<int>(devices_.size()); }
  absl::StatusOr<GpuDevice> Device(int position) override {
    if (position == gone_) return absl::UnavailableError("GPU is lost");
    return devices_.at(position);
  }
  absl::StatusOr<std::vector<GpuProcessMemory>> Processes(int position) override {
    return processes_[position];
  }
  absl::StatusOr<GpuUtilization> Utilization(int) override { return GpuUtilization{}; }

  void SetProcesses(int position, std::vector<GpuProcessMemory> processes) {
    processes_[position] = std::move(processes);
  }
  void Lose(int position) { gone_ = position; }

 private:
  std::vector<GpuDevice> devices_;
  std::map<int, std::vector<GpuProcessMemory>> processes_;
  int gone_ = -1;
};

inline constexpr uint64_t kGiB = uint64_t{1} << 30;

inline GpuDevice MakeDevice(int index, uint64_t total_gib, uint64_t free_gib) {
  return GpuDevice{.index = index,
                   .name = "Fake GPU",
                   .uuid = "GPU-" + std::to_string(index) + "aaaaaaa-0000-0000-0000-000000000000",
                   .total_bytes = total_gib * kGiB,
                   .free_bytes = free_gib * kGiB};
}

}  // namespace hpsearch::gpu::testing
