// What hpsearch needs to know about NVIDIA GPUs, behind a small interface so
// that placement and enforcement can be tested with a fake device.
//
// The real backend is NVML loaded at run time (gpu/nvml_backend.h); tests
// implement GpuBackend themselves.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace hpsearch::gpu {

// Where a MIG instance sits on its GPU. CUDA cannot use a GPU in MIG mode
// as a whole, only its MIG instances, so each instance is a device of its own.
struct MigSlot {
  int index = 0;  // the MIG device index under its GPU (nvidia-smi -L's "MIG ... Device N")
  std::string parent_uuid;  // "GPU-..." of the GPU it is part of
  bool operator==(const MigSlot&) const = default;
};

// One device trials can run on (a GPU, or a MIG instance of one) as the
// driver reports it at the moment of the query.
struct GpuDevice {
  int index = 0;  // NVML's index of the GPU (PCI bus order), stable while the driver runs
  std::string name;  // a MIG instance's includes its profile: "NVIDIA A100-SXM4-40GB MIG 1g.5gb"
  std::string uuid;  // "GPU-..." or "MIG-...": what trials get in CUDA_VISIBLE_DEVICES
  uint64_t total_bytes = 0;  // a MIG instance's own memory
  uint64_t free_bytes = 0;
  std::optional<MigSlot> mig = std::nullopt;  // set for a MIG instance
  bool operator==(const GpuDevice&) const = default;
};

// How people are shown a device: "0" for GPU 0, "0:2" for its MIG device 2.
std::string DeviceIndexText(const GpuDevice& device);

// GPU memory used by one process on one device.
struct GpuProcessMemory {
  int64_t pid = 0;
  uint64_t used_bytes = 0;
  bool operator==(const GpuProcessMemory&) const = default;
};

// One list of the processes using a device from NVML's two lists: the
// compute processes, where an MPS server stands for its clients, and the MPS
// clients. A process in both is kept once, with the larger reading.
std::vector<GpuProcessMemory> MergeProcessLists(std::span<const GpuProcessMemory> compute,
                                                std::span<const GpuProcessMemory> mps_clients);

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
  // The processes using the device (compute processes, MPS clients) with
  // the memory each uses.
  virtual absl::StatusOr<std::vector<GpuProcessMemory>> Processes(int position) = 0;
  // UNIMPLEMENTED when the device does not report it (MIG instances).
  virtual absl::StatusOr<GpuUtilization> Utilization(int position) = 0;
  // Why Processes() cannot include the device's MPS clients (the driver
  // lacks their list, or the GPU does not give it), or OK. Under MPS the
  // clients are the trials, which the compute list shows only as the MPS
  // server. A backend without a list of its own for them has none missing.
  virtual absl::Status MpsClientsListed(int /*position*/) { return absl::OkStatus(); }
};

// Every device of `backend`, in position order; fails if any query fails.
absl::StatusOr<std::vector<GpuDevice>> ListDevices(GpuBackend& backend);

// The devices of `all` that CUDA_VISIBLE_DEVICES=`visible` leaves, in the
// order it names them, following CUDA's rules: std::nullopt (unset) keeps
// all; entries are comma-separated NVML indices or UUIDs ("GPU-..." or
// "MIG-..."; a unique prefix is enough); the list ends at the first entry
// that names no device, names one ambiguously or names one twice, so "" and
// "-1" hide every device. An index or "GPU-" UUID of a GPU in MIG mode names
// all its MIG instances; "MIG-" names one. Indices are NVML's (PCI bus
// order), which match CUDA's only with CUDA_DEVICE_ORDER=PCI_BUS_ID: UUIDs
// are the unambiguous choice.
std::vector<GpuDevice> FilterVisible(const std::vector<GpuDevice>& all,
                                     const std::optional<std::string>& visible);

}  // namespace hpsearch::gpu
