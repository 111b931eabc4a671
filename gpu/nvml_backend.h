// The GpuBackend of a machine's NVIDIA driver, through NVML.
//
// libnvidia-ml.so.1 ships with the driver, not with the CUDA toolkit, so it
// is loaded with dlopen at run time instead of linked: one hpsearch binary
// runs on machines with and without a GPU, and without one it runs trials on
// CPU.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "gpu/device.h"

namespace hpsearch::gpu {

// Loads NVML, initializes it and enumerates the devices that
// `cuda_visible_devices` leaves (see FilterVisible); OpenNvml() reads it from
// hpsearch's own CUDA_VISIBLE_DEVICES. A GPU in MIG mode is not a device:
// its MIG instances are, one each (CUDA runs on them, not on the GPU).
// Processes() adds MPS clients to the compute processes. The backend shuts
// NVML down when destroyed. Returns UNAVAILABLE, with a
// message naming the cause, when libnvidia-ml.so.1 cannot be loaded (no
// driver installed) or NVML cannot be initialized (driver not loaded, no
// permission). Zero visible devices is not an error: DeviceCount() is then 0.
absl::StatusOr<std::unique_ptr<GpuBackend>> OpenNvml(
    const std::optional<std::string>& cuda_visible_devices);
absl::StatusOr<std::unique_ptr<GpuBackend>> OpenNvml();
// The same with the NVML library `library` (a path, or a name dlopen
// searches for) instead of libnvidia-ml.so.1.
absl::StatusOr<std::unique_ptr<GpuBackend>> OpenNvmlFrom(
    const std::string& library, const std::optional<std::string>& cuda_visible_devices);

}  // namespace hpsearch::gpu
