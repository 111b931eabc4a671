#include "gpu/placement.h"

#include <algorithm>
#include <cmath>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace hpsearch::gpu {

namespace {

uint64_t UsedBytes(const GpuDevice& device) {
  return device.total_bytes - std::min(device.free_bytes, device.total_bytes);
}

}  // namespace

uint64_t UnlistedUsedBytes(const GpuDevice& device, std::span<const GpuProcessMemory> processes) {
  uint64_t used = UsedBytes(device);
  for (const GpuProcessMemory& process : processes) used -= std::min(used, process.used_bytes);
  return used;
}

uint64_t ForeignUsedBytes(const GpuDevice& device, std::span<const GpuProcessMemory> processes,
                          std::span<const int64_t> trial_pids, uint64_t reserved_bytes) {
  uint64_t used = UsedBytes(device);
  used -= std::min(used, reserved_bytes);
  for (const GpuProcessMemory& process : processes) {
    if (std::find(trial_pids.begin(), trial_pids.end(), process.pid) == trial_pids.end()) continue;
    used -= std::min(used, process.used_bytes);
  }
  return used;
}

std::optional<std::size_t> Place(const MemoryBudget& budget, std::span<const DeviceLoad> devices,
                                 std::span<const Placement> placed) {
  std::optional<std::size_t> best;
  uint64_t best_room = 0;
  for (std::size_t i = 0; i < devices.size(); ++i) {
    const GpuDevice& device = devices[i].device;
    const uint64_t capacity = devices[i].capacity_bytes();
    uint64_t committed = devices[i].foreign_used_bytes;
    for (const Placement& placement : placed) {
      if (placement.uuid == device.uuid) committed += placement.budget_bytes;
    }
    if (committed >= capacity) continue;
    const uint64_t room = capacity - committed;
    const uint64_t bytes = budget.BytesFor(capacity);
    if (bytes == 0 || bytes > room) continue;
    if (!best.has_value() || room - bytes > best_room) {
      best = i;
      best_room = room - bytes;
    }
  }
  return best;
}

absl::StatusOr<std::vector<std::pair<std::string, std::string>>> TrialGpuEnv(const GpuDevice& device,
                                                                             uint64_t budget_bytes, bool mps) {
  if (device.total_bytes == 0 || budget_bytes <= kContextReserveBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat("a GPU memory budget of ", budget_bytes >> 20, " MiB on ", device.name,
                     " leaves nothing above the ", kContextReserveBytes >> 20, " MiB CUDA context reserve"));
  }
  const uint64_t cap = std::min(budget_bytes, device.total_bytes) - kContextReserveBytes;
  // Four decimals, rounded down: the cap must not grow by rounding.
  const double fraction = std::floor(static_cast<double>(cap) / static_cast<double>(device.total_bytes) * 1e4) / 1e4;
  const std::string fraction_text = absl::StrFormat("%.4f", fraction);
  std::vector<std::pair<std::string, std::string>> env = {
      {"CUDA_VISIBLE_DEVICES", device.uuid},
      {"HPSEARCH_GPU_MEMORY_FRACTION", fraction_text},
      {"XLA_PYTHON_CLIENT_MEM_FRACTION", fraction_text},
      {"HPSEARCH_GPU_MEMORY_LIMIT_MB", absl::StrCat(cap >> 20)},
  };
  if (mps) {
    const double share = static_cast<double>(std::min(budget_bytes, device.total_bytes)) /
                         static_cast<double>(device.total_bytes);
    env.emplace_back("CUDA_MPS_PINNED_DEVICE_MEM_LIMIT", absl::StrCat("0=", cap >> 20, "M"));
    env.emplace_back("CUDA_MPS_ACTIVE_THREAD_PERCENTAGE",
                     absl::StrCat(std::clamp(static_cast<int>(std::ceil(share * 100)), 1, 100)));
  }
  return env;
}

}  // namespace hpsearch::gpu
