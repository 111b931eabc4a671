// Per-trial GPU memory budgets and the choice of a GPU for each trial.
//
// A budget is the whole GPU memory footprint a trial may have on its device,
// as NVML sees it: what the caching allocator hands out plus the CUDA
// context, cuDNN/cuBLAS workspaces and the like, which no allocator cap
// covers. Budgets are a fraction of a device's total memory, so the same
// experiment fits GPUs of different sizes. Placement keeps the sum of the
// budgets on a device, plus what other processes use there, within the
// device; the trial is told a smaller allocator cap (the budget less
// kContextReserveBytes) so that its whole footprint stays inside the budget.
// Everything here is pure: the caller queries a GpuBackend and passes values.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "gpu/device.h"

namespace hpsearch::gpu {

// GPU memory a trial process uses outside its allocator's cap (CUDA context,
// library workspaces): a few hundred MB on current GPUs and CUDA versions.
inline constexpr uint64_t kContextReserveBytes = uint64_t{500} << 20;  // 500 MiB

// The value of the hpsearch.kubeflow.org/gpu-memory-fraction annotation as a
// number in (0, 1]; INVALID_ARGUMENT otherwise.
absl::StatusOr<double> ParseGpuMemoryFraction(absl::string_view value);

// Each trial's budget as a fraction of its device: `requested` (from the
// annotation or a flag) when given, else an equal share of a GPU when
// `parallel_trial_count` trials are spread over `gpu_count` GPUs, i.e.
// 1 / ceil(parallel_trial_count / gpu_count). INVALID_ARGUMENT when
// `requested` is outside (0, 1], or a count is below 1.
absl::StatusOr<double> BudgetFraction(std::optional<double> requested, int parallel_trial_count,
                                      int gpu_count);

// A device as placement sees it.
struct DeviceLoad {
  GpuDevice device;
  // Memory used on the device by processes that are not our trials.
  uint64_t foreign_used_bytes = 0;
};

// Memory on `device` not used by the processes in `trial_pids` (our trials),
// from the device's used memory (total - free, which also counts graphics
// processes and driver reservations that no process list shows) less what
// our trials' processes use.
uint64_t ForeignUsedBytes(const GpuDevice& device, std::span<const GpuProcessMemory> processes,
                          std::span<const int64_t> trial_pids);

// A running trial's place.
struct Placement {
  std::string uuid;
  uint64_t budget_bytes = 0;
};

// Bytes of `device`'s memory a budget of `fraction` stands for.
uint64_t BudgetBytes(const GpuDevice& device, double fraction);

// The position in `devices` of the GPU on which a trial with a budget of
// `fraction` should run, given the trials already `placed`: among the
// devices where the budget fits alongside the placed budgets and the foreign
// usage, the one with the most memory left (so trials spread over GPUs before
// they share one; ties go to the lower position). std::nullopt when no device
// has room: the trial should wait for one to finish rather than overcommit.
std::optional<std::size_t> Place(double fraction, std::span<const DeviceLoad> devices,
                                 std::span<const Placement> placed);

// The environment of a trial placed on `device` with `budget_bytes`:
//   CUDA_VISIBLE_DEVICES            the device's UUID (the trial sees one GPU, as cuda:0)
//   HPSEARCH_GPU_MEMORY_FRACTION    allocator cap as a fraction of the device:
//                                   (budget - kContextReserveBytes) / total;
//                                   hpsearch-trial passes it to LibTorch
//   XLA_PYTHON_CLIENT_MEM_FRACTION  the same fraction, read by JAX
//   HPSEARCH_GPU_MEMORY_LIMIT_MB    the allocator cap in MiB, for TensorFlow's
//                                   logical device memory_limit
// Fractions are rounded down so the cap never exceeds the budget. PyTorch
// Python trials call torch.cuda.set_per_process_memory_fraction with the
// fraction themselves: PYTORCH_CUDA_ALLOC_CONF is not set because versions
// that do not know an option reject the whole variable. INVALID_ARGUMENT when
// the budget leaves nothing above the reserve.
absl::StatusOr<std::vector<std::pair<std::string, std::string>>> TrialGpuEnv(const GpuDevice& device,
                                                                             uint64_t budget_bytes);

}  // namespace hpsearch::gpu
