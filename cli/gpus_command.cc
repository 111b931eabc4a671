// `hpsearch gpus`: the NVIDIA GPUs hpsearch would place trials on (after
// CUDA_VISIBLE_DEVICES), with memory and utilization, or the reason there are
// none and trials run on CPU. A GPU in MIG mode shows as its MIG instances,
// indexed "<GPU>:<MIG device>". Exit status 0 either way: no GPU is a
// supported configuration, not an error.
#include <iostream>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_format.h"
#include "absl/strings/string_view.h"
#include "cli/commands.h"
#include "gpu/device.h"
#include "gpu/nvml_backend.h"

namespace hpsearch::cli {
namespace {

std::string Mib(uint64_t bytes) { return absl::StrFormat("%d MiB", bytes >> 20); }

std::string Row(absl::string_view index, absl::string_view name, absl::string_view uuid, absl::string_view total,
                absl::string_view free, absl::string_view util) {
  return absl::StrFormat("%-5s %-34s %-42s %12s %12s %5s\n", index, name, uuid, total, free, util);
}

void PrintGpus() {
  absl::StatusOr<std::unique_ptr<gpu::GpuBackend>> backend = gpu::OpenNvml();
  if (!backend.ok()) {
    std::cout << "no NVIDIA GPU: " << backend.status().message() << "; trials run on CPU\n";
    return;
  }
  if ((*backend)->DeviceCount() == 0) {
    std::cout << "no NVIDIA GPU: NVML sees no device (CUDA_VISIBLE_DEVICES may hide them, or GPUs in MIG mode "
                 "have no MIG instances); trials run on CPU\n";
    return;
  }
  std::cout << Row("INDEX", "NAME", "UUID", "TOTAL", "FREE", "UTIL");
  for (int i = 0; i < (*backend)->DeviceCount(); ++i) {
    absl::StatusOr<gpu::GpuDevice> device = (*backend)->Device(i);
    if (!device.ok()) {
      std::cout << "?     (" << device.status().message() << ")\n";
      continue;
    }
    absl::StatusOr<gpu::GpuUtilization> utilization = (*backend)->Utilization(i);
    std::string util = "?";
    if (utilization.ok()) {
      util = absl::StrFormat("%d%%", utilization->gpu_percent);
    } else if (absl::IsUnimplemented(utilization.status())) {
      util = "n/a";  // not reported, e.g. by MIG instances
    }
    std::cout << Row(gpu::DeviceIndexText(*device), device->name, device->uuid, Mib(device->total_bytes),
                     Mib(device->free_bytes), util);
  }
}

}  // namespace

void AddGpusCommand(CLI::App& app) {
  CLI::App* gpus = app.add_subcommand("gpus", "List the NVIDIA GPUs trials can use (honours CUDA_VISIBLE_DEVICES)");
  gpus->callback(PrintGpus);
}

}  // namespace hpsearch::cli
