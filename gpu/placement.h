// The choice of a GPU for each trial, and what a placed trial is told.
//
// Placement keeps the sum of the budgets (gpu/budget.h) on a device, plus
// what other processes use there, within the device; the trial is told a
// smaller allocator cap (the budget less kContextReserveBytes) so that its
// whole footprint stays inside the budget.
// Everything here is pure: the caller queries a GpuBackend and passes values.
#pragma once

#include <algorithm>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "gpu/budget.h"
#include "gpu/device.h"

namespace hpsearch::gpu {

// GPU memory a trial process uses outside its allocator's cap (CUDA context,
// library workspaces). Measured on an H100 with CUDA 13 (bench/gpu_sharing.md):
// 518 MiB for PyTorch 2.11 and 535 MiB for JAX 0.11; the reserve leaves
// about twice that, so a trial that fills its cap stays within its budget.
inline constexpr uint64_t kContextReserveBytes = uint64_t{1} << 30;  // 1 GiB

// A device as placement sees it.
struct DeviceLoad {
  GpuDevice device;
  // Used memory that no process accounts for, measured before the run
  // started: what the driver keeps for itself (a few hundred MB even on an
  // idle GPU), graphics. The device's capacity for trials is its total less
  // this, and fractional budgets are of that capacity.
  uint64_t reserved_bytes = 0;
  // Memory used now by processes that are not our trials, beyond the reserve.
  uint64_t foreign_used_bytes = 0;

  uint64_t capacity_bytes() const { return device.total_bytes - std::min(reserved_bytes, device.total_bytes); }
};

// Used memory (total - free) that the listed processes do not account for.
uint64_t UnlistedUsedBytes(const GpuDevice& device, std::span<const GpuProcessMemory> processes);

// Memory on `device` used beyond `reserved_bytes` by processes that are not
// in `trial_pids` (our trials): total - free, less the reserve, less what our
// trials' processes use.
uint64_t ForeignUsedBytes(const GpuDevice& device, std::span<const GpuProcessMemory> processes,
                          std::span<const int64_t> trial_pids, uint64_t reserved_bytes);

// A running trial's place.
struct Placement {
  std::string uuid;
  uint64_t budget_bytes = 0;
};

// The position in `devices` of the GPU on which a trial with a budget of
// `budget` should run, given the trials already `placed`: among the
// devices where the budget fits alongside the placed budgets and the foreign
// usage within its capacity, the one with the most memory left (so trials spread over GPUs before
// they share one; ties go to the lower position). std::nullopt when no device
// has room: the trial should wait for one to finish rather than overcommit.
std::optional<std::size_t> Place(const MemoryBudget& budget, std::span<const DeviceLoad> devices,
                                 std::span<const Placement> placed);

// The environment of a trial placed on `device` with `budget_bytes`:
//   CUDA_VISIBLE_DEVICES            the device's UUID (the trial sees one GPU, as cuda:0)
//   HPSEARCH_GPU_MEMORY_FRACTION    allocator cap as a fraction of the device:
//                                   (budget - kContextReserveBytes) / total;
//                                   hpsearch-trial passes it to LibTorch
//   XLA_PYTHON_CLIENT_MEM_FRACTION  the same fraction, read by JAX
//   HPSEARCH_GPU_MEMORY_LIMIT_MB    the allocator cap in MiB, for TensorFlow's
//                                   logical device memory_limit
// and with `mps` (an NVIDIA MPS daemon serves the GPU), the limits its
// server enforces for the client:
//   CUDA_MPS_PINNED_DEVICE_MEM_LIMIT   "0=<cap>M": device 0 is the one GPU it sees
//   CUDA_MPS_ACTIVE_THREAD_PERCENTAGE  the budget's share of the device, in
//                                      percent rounded up: compute shared
//                                      like memory
// Fractions are rounded down so the cap never exceeds the budget. PyTorch
// Python trials call torch.cuda.set_per_process_memory_fraction with the
// fraction themselves: PYTORCH_CUDA_ALLOC_CONF is not set because versions
// that do not know an option reject the whole variable. INVALID_ARGUMENT when
// the budget leaves nothing above the reserve.
absl::StatusOr<std::vector<std::pair<std::string, std::string>>> TrialGpuEnv(const GpuDevice& device,
                                                                             uint64_t budget_bytes,
                                                                             bool mps = false);

}  // namespace hpsearch::gpu
