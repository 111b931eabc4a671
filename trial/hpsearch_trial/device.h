// Picking the training device and capping GPU memory.
#ifndef HPSEARCH_TRIAL_HPSEARCH_TRIAL_DEVICE_H_
#define HPSEARCH_TRIAL_HPSEARCH_TRIAL_DEVICE_H_

#include <torch/types.h>

#include <optional>
#include <ostream>
#include <string_view>

namespace hpsearch::trial {

// Resolves --device: "cpu"; "cuda" (GPU 0 of those visible, i.e. the one
// CUDA_VISIBLE_DEVICES pins); "auto" = cuda when LibTorch sees a GPU, else
// cpu, saying so once on `info`. Throws std::runtime_error for "cuda" when
// no GPU is usable (including a LibTorch built without CUDA).
torch::Device ResolveDevice(std::string_view choice, std::ostream& info);

// Applies --gpu-memory-fraction: on a CUDA device, caps LibTorch's caching
// allocator at `fraction` of the GPU's memory, so that allocations beyond it
// throw c10::OutOfMemoryError. Call before the first CUDA allocation. The
// cap does not cover the CUDA context or cuBLAS/cuDNN workspaces (a few
// hundred MB), which is why hpsearch also watches processes through NVML.
// Reports what it did on `info`; on CPU the fraction is ignored.
void ApplyGpuMemoryFraction(torch::Device device, std::optional<double> fraction,
                            std::ostream& info);

}  // namespace hpsearch::trial

#endif  // HPSEARCH_TRIAL_HPSEARCH_TRIAL_DEVICE_H_
