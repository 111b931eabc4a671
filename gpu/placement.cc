#include "gpu/placement.h"

#include <algorithm>
#include <cmath>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace hpsearch::gpu {
namespace {

bool IsValidFraction(double fraction) { return fraction > 0.0 && fraction <= 1.0; }

}  // namespace

absl::StatusOr<double> ParseGpuMemoryFraction(absl::string_view value) {
  double fraction = 0;
  if (!absl::SimpleAtod(absl::StripAsciiWhitespace(value), &fraction) || !IsValidFraction(fraction)) {
    return absl::InvalidArgumentError(
        absl::StrCat("GPU memory fraction \"", value, "\" is not a number in (0, 1]"));
  }
  return fraction;
}

absl::StatusOr<double> BudgetFraction(std::optional<double> requested, int parallel_trial_count,
                                      int gpu_count) {
  if (requested.has_value()) {
    if (!IsValidFraction(*requested)) {
      return absl::InvalidArgumentError(absl::StrCat("GPU memory fraction ", *requested, " is not in (0, 1]"));
    }
    return *requested;
  }
  if (parallel_trial_count < 1 || gpu_count < 1) {
    return absl::InvalidArgumentError(absl::StrCat("cannot share ", gpu_count, " GPUs among ",
                                                   parallel_trial_count, " parallel trials"));
  }
  const int trials_per_gpu = (parallel_trial_count + gpu_count - 1) / gpu_count;
  return 1.0 / trials_per_gpu;
}

uint64_t ForeignUsedBytes(const GpuDevice& device, std::span<const GpuProcessMemory> processes,
                          std::span<const int64_t> trial_pids) {
  uint64_t used = device.total_bytes - std::min(device.free_bytes, device.total_bytes);
  for (const GpuProcessMemory& process : processes) {
    if (std::find(trial_pids.begin(), trial_pids.end(), process.pid) == trial_pids.end()) continue;
    used -= std::min(used, process.used_bytes);
  }
  return used;
}

uint64_t BudgetBytes(const GpuDevice& device, double fraction) {
  return static_cast<uint64_t>(std::floor(static_cast<double>(device.total_bytes) * fraction));
}

std::optional<std::size_t> Place(double fraction, std::span<const DeviceLoad> devices,
                                 std::span<const Placement> placed) {
  std::optional<std::size_t> best;
  uint64_t best_room = 0;
  for (std::size_t i = 0; i < devices.size(); ++i) {
    const GpuDevice& device = devices[i].device;
    uint64_t committed = devices[i].foreign_used_bytes;
    for (const Placement& placement : placed) {
      if (placement.uuid == device.uuid) committed += placement.budget_bytes;
    }
    if (committed >= device.total_bytes) continue;
    const uint64_t room = device.total_bytes - committed;
    const uint64_t budget = BudgetBytes(device, fraction);
    if (budget == 0 || budget > room) continue;
    if (!best.has_value() || room - budget > best_room) {
      best = i;
      best_room = room - budget;
    }
  }
  return best;
}

absl::StatusOr<std::vector<std::pair<std::string, std::string>>> TrialGpuEnv(const GpuDevice& device,
                                                                             uint64_t budget_bytes) {
  if (device.total_bytes == 0 || budget_bytes <= kContextReserveBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat("a GPU memory budget of ", budget_bytes >> 20, " MiB on ", device.name,
                     " leaves nothing above the ", kContextReserveBytes >> 20, " MiB CUDA context reserve"));
  }
  const uint64_t cap = std::min(budget_bytes, device.total_bytes) - kContextReserveBytes;
  // Four decimals, rounded down: the cap must not grow by rounding.
  const double fraction = std::floor(static_cast<double>(cap) / static_cast<double>(device.total_bytes) * 1e4) / 1e4;
  const std::string fraction_text = absl::StrFormat("%.4f", fraction);
  return std::vector<std::pair<std::string, std::string>>{
      {"CUDA_VISIBLE_DEVICES", device.uuid},
      {"HPSEARCH_GPU_MEMORY_FRACTION", fraction_text},
      {"XLA_PYTHON_CLIENT_MEM_FRACTION", fraction_text},
      {"HPSEARCH_GPU_MEMORY_LIMIT_MB", absl::StrCat(cap >> 20)},
  };
}

}  // namespace hpsearch::gpu
