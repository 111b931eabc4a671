// `hpsearch gpus`: the NVIDIA GPUs hpsearch would place trials on (after
// CUDA_VISIBLE_DEVICES), with memory and utilization, or the reason there are
// none and trials run on CPU. Exit status 0 either way: no GPU is a supported
// configuration, not an error.
#include <iostream>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/str_format.h"
#include "cli/commands.h"
#include "gpu/device.h"
#include "gpu/nvml_backend.h"

namespace hpsearch::cli {
namespace {

std::string Mib(uint64_t bytes) { return absl::StrFormat("%d MiB", bytes >> 20); }

void PrintGpus() {
  absl::StatusOr<std::unique_ptr<gpu::GpuBackend>> backend = gpu::OpenNvml();
  if (!backend.ok()) {
    std::cout << "no NVIDIA GPU: " << backend.status().message() << "; trials run on CPU\n";
    return;
  }
  if ((*backend)->DeviceCount() == 0) {
    std::cout << "no NVIDIA GPU: NVML sees no device (CUDA_VISIBLE_DEVICES may hide them); trials run on CPU\n";
    return;
  }
  std::cout << absl::StrFormat("%-5s %-28s %-42s %12s %12s %5s\n", "INDEX", "NAME", "UUID", "TOTAL", "FREE", "UTIL");
  for (int i = 0; i < (*backend)->DeviceCount(); ++i) {
    absl::StatusOr<gpu::GpuDevice> device = (*backend)->Device(i);
    if (!device.ok()) {
      std::cout << "?     (" << device.status().message() << ")\n";
      continue;
    }
    absl::StatusOr<gpu::GpuUtilization> utilization = (*backend)->Utilization(i);
    const std::string util = utilization.ok() ? absl::StrFormat("%d%%", utilization->gpu_percent) : "?";
    std::cout << absl::StrFormat("%-5d %-28s %-42s %12s %12s %5s\n", device->index, device->name, device->uuid,
                                 Mib(device->total_bytes), Mib(device->free_bytes), util);
  }
}

}  // namespace

void AddGpusCommand(CLI::App& app) {
  CLI::App* gpus = app.add_subcommand("gpus", "List the NVIDIA GPUs trials can use (honours CUDA_VISIBLE_DEVICES)");
  gpus->callback(PrintGpus);
}

}  // namespace hpsearch::cli
