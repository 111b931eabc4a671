#include "trial/hpsearch_trial/device.h"

#include <torch/cuda.h>

#include <stdexcept>
#include <string>

#if HPSEARCH_TRIAL_WITH_CUDA
#include <c10/cuda/CUDACachingAllocator.h>
#endif

namespace hpsearch::trial {

torch::Device ResolveDevice(std::string_view choice, std::ostream& info) {
  if (choice == "cpu") return torch::kCPU;
  const bool cuda_available = torch::cuda::is_available();
  if (cuda_available) return {torch::kCUDA, 0};
  if (choice == "cuda") {
    throw std::runtime_error("--device cuda: no CUDA GPU is available to LibTorch" +
                             std::string(HPSEARCH_TRIAL_WITH_CUDA ? "" : " (built without CUDA)"));
  }
  info << "hpsearch-trial: no CUDA GPU available, training on CPU\n";
  return torch::kCPU;
}

void ApplyGpuMemoryFraction(torch::Device device, std::optional<double> fraction,
                            std::ostream& info) {
  if (!fraction) {
    if (device.is_cuda()) info << "hpsearch-trial: no GPU memory cap\n";
    return;
  }
  if (!device.is_cuda()) {
    info << "hpsearch-trial: GPU memory fraction " << *fraction << " ignored on CPU\n";
    return;
  }
#if HPSEARCH_TRIAL_WITH_CUDA
  // Compiled only against a LibTorch with CUDA (not Debian's); checked on an
  // H100 (bench/trial.md).
  c10::cuda::CUDACachingAllocator::setMemoryFraction(*fraction, device.index());
  info << "hpsearch-trial: GPU memory capped at fraction " << *fraction << " of GPU "
       << static_cast<int>(device.index()) << "\n";
#else
  // ResolveDevice never returns a CUDA device without CUDA support.
  throw std::logic_error("CUDA device in a build without CUDA");
#endif
}

}  // namespace hpsearch::trial
