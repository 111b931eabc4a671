// What hpsearch needs to know about NVIDIA GPUs, behind a small interface so
// that placement and enforcement can be tested with a fake device.
//
// The real backend is NVML loaded at run time (gpu/nvml_backend.h); tests
// implement GpuBackend themselves.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace hpsearch::gpu {

// One GPU as the driver reports it at the moment of the query.
struct GpuDevice {
  int index = 0;  // NVML's index (PCI bus order), stable while the driver runs
  std::string name;
  std::string uuid;  // "GPU-...": what trials get in CUDA_VISIBLE_DEVICES
  uint64_t total_bytes = 0;
  uint64_t free_bytes = 0;
  bool operator==(const GpuDevice&) const = default;
};

// GPU memory used by one process on one device.
struct GpuProcessMemory {
  int64_t pid = 0;
  uint64_t used_bytes = 0;
  bool operator==(const GpuProcessMemory&) const = default;
};

// Utilization over the driver's last sample period, in percent (0..100).
struct GpuUtilization {
  int gpu_percent = 0;
  int memory_percent = 0;
};

// The GPUs hpsearch may use. Positions run from 0 to DeviceCount() - 1 and
// index only the devices this backend exposes (after CUDA_VISIBLE_DEVICES);
// GpuDevice::index is the driver's own index. Methods may fail (a GPU fell off
// the bus, the driver was unloaded); callers treat that as "device gone".
class GpuBackend {
 public:
  virtual ~GpuBackend() = default;

  virtual int DeviceCount() const = 0;
  virtual absl::StatusOr<GpuDevice> Device(int position) = 0;
  // Compute processes on the device with the memory each uses.
  virtual absl::StatusOr<std::vector<GpuProcessMemory>> Processes(int position) = 0;
  virtual absl::StatusOr<GpuUtilization> Utilization(int position) = 0;
};

// Every device of `backend`, in position order; fails if any query fails.
absl::StatusOr<std::vector<GpuDevice>> ListDevices(GpuBackend& backend);

// The devices of `all` that CUDA_VISIBLE_DEVICES=`visible` leaves, in the
// order it names them, following CUDA's rules: std::nullopt (unset) keeps
// all; entries are comma-separated NVML indices or UUIDs ("GPU-..."; a
// unique prefix is enough); the list ends at the first entry that names no
// device, names one ambiguously or names one twice, so "" and "-1" hide every
// device. Indices are NVML's (PCI bus order), which match CUDA's only with
// CUDA_DEVICE_ORDER=PCI_BUS_ID: UUIDs are the unambiguous choice.
std::vector<GpuDevice> FilterVisible(const std::vector<GpuDevice>& all,
                                     const std::optional<std::string>& visible);

}  // namespace hpsearch::gpu
