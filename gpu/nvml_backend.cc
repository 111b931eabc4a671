#include "gpu/nvml_backend.h"

#include <dlfcn.h>

#include <cstdlib>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

namespace hpsearch::gpu {
namespace {

// The slice of nvml.h used here, declared locally because the header comes
// with the CUDA toolkit, which a build machine need not have. These types and
// the functions' signatures are part of NVML's stable ABI.
using nvmlReturn_t = int;
using nvmlDevice_t = struct nvmlDevice_st*;
constexpr nvmlReturn_t kNvmlSuccess = 0;
constexpr nvmlReturn_t kNvmlErrorNotSupported = 3;
constexpr nvmlReturn_t kNvmlErrorNotFound = 6;
constexpr nvmlReturn_t kNvmlErrorInsufficientSize = 7;
constexpr unsigned int kNvmlDeviceMigEnable = 1;  // NVML_DEVICE_MIG_ENABLE
// usedGpuMemory when the driver cannot tell (NVML_VALUE_NOT_AVAILABLE).
constexpr unsigned long long kNvmlValueNotAvailable = ~0ULL;
// NVML_DEVICE_NAME_V2_BUFFER_SIZE and NVML_DEVICE_UUID_V2_BUFFER_SIZE.
constexpr unsigned kNvmlStringBufferSize = 96;

struct nvmlMemory_t {
  unsigned long long total;
  unsigned long long free;
  unsigned long long used;
};
struct nvmlUtilization_t {
  unsigned int gpu;
  unsigned int memory;
};
// nvmlProcessInfo_v2_t: the layout of the _v2 process queries, and of _v3 on
// most drivers: some CUDA 12.0-era drivers fill a longer record for _v3
// (with usedGpuCcProtectedMemory), so _v2 comes first.
struct nvmlProcessInfo_t {
  unsigned int pid;
  unsigned long long usedGpuMemory;
  unsigned int gpuInstanceId;
  unsigned int computeInstanceId;
};

using InitFn = nvmlReturn_t (*)();
using ShutdownFn = nvmlReturn_t (*)();
using ErrorStringFn = const char* (*)(nvmlReturn_t);
using GetCountFn = nvmlReturn_t (*)(unsigned int*);
using GetHandleFn = nvmlReturn_t (*)(unsigned int, nvmlDevice_t*);
using GetStringFn = nvmlReturn_t (*)(nvmlDevice_t, char*, unsigned int);
using GetMemoryFn = nvmlReturn_t (*)(nvmlDevice_t, nvmlMemory_t*);
using GetProcessesFn = nvmlReturn_t (*)(nvmlDevice_t, unsigned int*, nvmlProcessInfo_t*);
using GetUtilizationFn = nvmlReturn_t (*)(nvmlDevice_t, nvmlUtilization_t*);
using GetMigModeFn = nvmlReturn_t (*)(nvmlDevice_t, unsigned int*, unsigned int*);
using GetMaxMigCountFn = nvmlReturn_t (*)(nvmlDevice_t, unsigned int*);
using GetMigHandleFn = nvmlReturn_t (*)(nvmlDevice_t, unsigned int, nvmlDevice_t*);

struct NvmlApi {
  InitFn init = nullptr;
  ShutdownFn shutdown = nullptr;
  ErrorStringFn error_string = nullptr;
  GetCountFn get_count = nullptr;
  GetHandleFn get_handle = nullptr;
  GetStringFn get_name = nullptr;
  GetStringFn get_uuid = nullptr;
  GetMemoryFn get_memory = nullptr;
  GetProcessesFn get_processes = nullptr;
  GetUtilizationFn get_utilization = nullptr;
  // Optional, null where the driver lacks them: drivers before MIG (R450)
  // see every GPU whole, and without the MPS client list MPS clients go
  // unlisted.
  GetMigModeFn get_mig_mode = nullptr;
  GetMaxMigCountFn get_max_mig_count = nullptr;
  GetMigHandleFn get_mig_handle = nullptr;
  GetProcessesFn get_mps_processes = nullptr;

  bool has_mig() const { return get_mig_mode != nullptr && get_max_mig_count != nullptr && get_mig_handle != nullptr; }
};

struct DlCloser {
  void operator()(void* handle) const { dlclose(handle); }
};
using Library = std::unique_ptr<void, DlCloser>;

template <typename Fn>
bool Load(void* library, const char* symbol, Fn& fn) {
  fn = reinterpret_cast<Fn>(dlsym(library, symbol));
  return fn != nullptr;
}

// "GPU 0", "GPU 0:2": where an NVML call failed.
std::string Where(const GpuDevice& device) { return absl::StrCat("GPU ", DeviceIndexText(device)); }

class NvmlBackend : public GpuBackend {
 public:
  NvmlBackend(Library library, NvmlApi api) : library_(std::move(library)), api_(api) {}
  ~NvmlBackend() override { api_.shutdown(); }

  NvmlBackend(const NvmlBackend&) = delete;
  NvmlBackend& operator=(const NvmlBackend&) = delete;

  // Enumerates all devices and keeps those `visible` names.
  absl::Status Enumerate(const std::optional<std::string>& visible) {
    unsigned int count = 0;
    if (nvmlReturn_t rc = api_.get_count(&count); rc != kNvmlSuccess) {
      return Error("nvmlDeviceGetCount", "the machine", rc);
    }
    std::vector<GpuDevice> all;
    for (unsigned int i = 0; i < count; ++i) {
      if (absl::Status status = AppendDevicesOf(i, all); !status.ok()) return status;
    }
    devices_ = FilterVisible(all, visible);
    return absl::OkStatus();
  }

  int DeviceCount() const override { return static_cast<int>(devices_.size()); }

  absl::StatusOr<GpuDevice> Device(int position) override {
    absl::StatusOr<nvmlDevice_t> handle = HandleAt(position);
    if (!handle.ok()) return handle.status();
    GpuDevice device = devices_[position];
    if (absl::Status status = Describe(*handle, device); !status.ok()) return status;
    // A destroyed MIG instance's slot can be reused by a new one.
    if (device.uuid != devices_[position].uuid) {
      return absl::UnavailableError(absl::StrCat(Where(device), " is now ", device.uuid, ", no longer ",
                                                 devices_[position].uuid, " (MIG instances changed)"));
    }
    return device;
  }

  absl::StatusOr<std::vector<GpuProcessMemory>> Processes(int position) override {
    absl::StatusOr<nvmlDevice_t> handle = HandleAt(position);
    if (!handle.ok()) return handle.status();
    const std::string where = Where(devices_[position]);
    absl::StatusOr<std::vector<GpuProcessMemory>> compute =
        ReadProcesses(api_.get_processes, *handle, "nvmlDeviceGetComputeRunningProcesses", where);
    if (!compute.ok()) return compute;
    // Under MPS the compute list shows the MPS server where its clients (our
    // trials) run; the clients have a list of their own, empty without MPS.
    // Where the driver cannot give it (GPUs before Volta, old drivers) the
    // compute list is all there is, as MpsClientsListed tells.
    absl::StatusOr<std::vector<GpuProcessMemory>> mps_clients = ReadMpsClients(*handle, where);
    if (!mps_clients.ok()) return compute;
    return MergeProcessLists(*compute, *mps_clients);
  }

  absl::Status MpsClientsListed(int position) override {
    absl::StatusOr<nvmlDevice_t> handle = HandleAt(position);
    if (!handle.ok()) return handle.status();
    return ReadMpsClients(*handle, Where(devices_[position])).status();
  }

  absl::StatusOr<GpuUtilization> Utilization(int position) override {
    absl::StatusOr<nvmlDevice_t> handle = HandleAt(position);
    if (!handle.ok()) return handle.status();
    nvmlUtilization_t rates{};
    if (nvmlReturn_t rc = api_.get_utilization(*handle, &rates); rc != kNvmlSuccess) {
      return Error("nvmlDeviceGetUtilizationRates", Where(devices_[position]), rc);
    }
    return GpuUtilization{.gpu_percent = static_cast<int>(rates.gpu),
                          .memory_percent = static_cast<int>(rates.memory)};
  }

 private:
  // NOT_SUPPORTED is an answer ("this device does not report that"), not a
  // failure; NOT_FOUND is an empty MIG slot.
  absl::Status Error(absl::string_view call, absl::string_view where, nvmlReturn_t rc) const {
    std::string message = absl::StrCat(call, " on ", where, ": ", api_.error_string(rc));
    if (rc == kNvmlErrorNotSupported) return absl::UnimplementedError(std::move(message));
    if (rc == kNvmlErrorNotFound) return absl::NotFoundError(std::move(message));
    return absl::UnavailableError(std::move(message));
  }

  // Appends the devices CUDA can use on GPU `index`: the GPU itself or, in
  // MIG mode, each of its MIG instances.
  absl::Status AppendDevicesOf(unsigned int index, std::vector<GpuDevice>& devices) const {
    GpuDevice gpu;
    gpu.index = static_cast<int>(index);
    absl::StatusOr<nvmlDevice_t> handle = GpuHandle(index);
    if (!handle.ok()) return handle.status();
    if (!InMigMode(*handle)) {
      if (absl::Status status = Describe(*handle, gpu); !status.ok()) return status;
      devices.push_back(std::move(gpu));
      return absl::OkStatus();
    }
    // Only the GPU's UUID is read: its memory is the instances', and reading
    // the whole GPU's takes privileges in MIG mode.
    absl::StatusOr<std::string> parent_uuid = ReadString(api_.get_uuid, *handle, "nvmlDeviceGetUUID", Where(gpu));
    if (!parent_uuid.ok()) return parent_uuid.status();
    unsigned int slots = 0;
    if (nvmlReturn_t rc = api_.get_max_mig_count(*handle, &slots); rc != kNvmlSuccess) {
      return Error("nvmlDeviceGetMaxMigDeviceCount", Where(gpu), rc);
    }
    for (unsigned int slot = 0; slot < slots; ++slot) {
      GpuDevice instance;
      instance.index = gpu.index;
      instance.mig = MigSlot{.index = static_cast<int>(slot), .parent_uuid = *parent_uuid};
      absl::StatusOr<nvmlDevice_t> mig_handle = MigHandle(*handle, instance);
      if (absl::IsNotFound(mig_handle.status())) continue;  // no instance in this slot
      if (!mig_handle.ok()) return mig_handle.status();
      if (absl::Status status = Describe(*mig_handle, instance); !status.ok()) return status;
      devices.push_back(std::move(instance));
    }
    return absl::OkStatus();
  }

  // GPUs without MIG (before Ampere) answer NOT_SUPPORTED.
  bool InMigMode(nvmlDevice_t gpu) const {
    if (!api_.has_mig()) return false;
    unsigned int current = 0;
    unsigned int pending = 0;
    return api_.get_mig_mode(gpu, &current, &pending) == kNvmlSuccess && current == kNvmlDeviceMigEnable;
  }

  // Reads `device`'s name, UUID and memory from the driver.
  absl::Status Describe(nvmlDevice_t handle, GpuDevice& device) const {
    const std::string where = Where(device);
    absl::StatusOr<std::string> name = ReadString(api_.get_name, handle, "nvmlDeviceGetName", where);
    if (!name.ok()) return name.status();
    absl::StatusOr<std::string> uuid = ReadString(api_.get_uuid, handle, "nvmlDeviceGetUUID", where);
    if (!uuid.ok()) return uuid.status();
    nvmlMemory_t memory{};
    if (nvmlReturn_t rc = api_.get_memory(handle, &memory); rc != kNvmlSuccess) {
      return Error("nvmlDeviceGetMemoryInfo", where, rc);
    }
    device.name = *std::move(name);
    device.uuid = *std::move(uuid);
    device.total_bytes = memory.total;
    device.free_bytes = memory.free;
    return absl::OkStatus();
  }

  absl::StatusOr<std::string> ReadString(GetStringFn get, nvmlDevice_t handle, absl::string_view call,
                                         absl::string_view where) const {
    char text[kNvmlStringBufferSize] = {};
    if (nvmlReturn_t rc = get(handle, text, sizeof(text)); rc != kNvmlSuccess) return Error(call, where, rc);
    return std::string(text);
  }

  absl::StatusOr<std::vector<GpuProcessMemory>> ReadProcesses(GetProcessesFn get, nvmlDevice_t handle,
                                                              absl::string_view call, absl::string_view where) const {
    // The list can grow between the sizing call and the reading call: retry.
    std::vector<nvmlProcessInfo_t> infos;
    for (int attempt = 0; attempt < 4; ++attempt) {
      unsigned int count = static_cast<unsigned int>(infos.size());
      nvmlReturn_t rc = get(handle, &count, infos.data());
      if (rc == kNvmlSuccess) {
        std::vector<GpuProcessMemory> processes;
        for (unsigned int i = 0; i < count; ++i) {
          // Unknown usage counts as none: such a process cannot be held to a budget.
          const unsigned long long used = infos[i].usedGpuMemory;
          processes.push_back({.pid = infos[i].pid, .used_bytes = used == kNvmlValueNotAvailable ? 0 : used});
        }
        return processes;
      }
      if (rc != kNvmlErrorInsufficientSize) return Error(call, where, rc);
      infos.resize(count + 8);
    }
    return absl::UnavailableError(absl::StrCat(call, " on ", where, ": process list kept growing"));
  }

  absl::StatusOr<std::vector<GpuProcessMemory>> ReadMpsClients(nvmlDevice_t handle, absl::string_view where) const {
    if (api_.get_mps_processes == nullptr) {
      return absl::UnimplementedError("the driver lacks nvmlDeviceGetMPSComputeRunningProcesses");
    }
    return ReadProcesses(api_.get_mps_processes, handle, "nvmlDeviceGetMPSComputeRunningProcesses", where);
  }

  absl::StatusOr<nvmlDevice_t> HandleAt(int position) const {
    if (position < 0 || position >= DeviceCount()) {
      return absl::OutOfRangeError(absl::StrCat("no GPU at position ", position));
    }
    const GpuDevice& device = devices_[position];
    absl::StatusOr<nvmlDevice_t> gpu = GpuHandle(static_cast<unsigned int>(device.index));
    if (!gpu.ok() || !device.mig.has_value()) return gpu;
    return MigHandle(*gpu, device);
  }

  absl::StatusOr<nvmlDevice_t> GpuHandle(unsigned int index) const {
    nvmlDevice_t handle = nullptr;
    if (nvmlReturn_t rc = api_.get_handle(index, &handle); rc != kNvmlSuccess) {
      return Error("nvmlDeviceGetHandleByIndex", absl::StrCat("GPU ", index), rc);
    }
    return handle;
  }

  // NOT_FOUND when no MIG instance holds the slot.
  absl::StatusOr<nvmlDevice_t> MigHandle(nvmlDevice_t gpu, const GpuDevice& instance) const {
    nvmlDevice_t handle = nullptr;
    const nvmlReturn_t rc = api_.get_mig_handle(gpu, static_cast<unsigned int>(instance.mig->index), &handle);
    if (rc != kNvmlSuccess) return Error("nvmlDeviceGetMigDeviceHandleByIndex", Where(instance), rc);
    return handle;
  }

  Library library_;  // outlives every call through api_
  NvmlApi api_;
  std::vector<GpuDevice> devices_;  // as enumerated: where each position's device is
};

}  // namespace

absl::StatusOr<std::unique_ptr<GpuBackend>> OpenNvmlFrom(const std::string& library_name,
                                                        const std::optional<std::string>& cuda_visible_devices) {
  Library library(dlopen(library_name.c_str(), RTLD_NOW | RTLD_LOCAL));
  if (library == nullptr) {
    const char* reason = dlerror();
    return absl::UnavailableError(absl::StrCat("cannot load ", library_name,
                                               " (is the NVIDIA driver installed?): ",
                                               std::string(reason != nullptr ? reason : "unknown error")));
  }
  NvmlApi api;
  void* lib = library.get();
  // _v2 of the process query has one layout everywhere; drivers without it
  // (none known) get _v3.
  const bool loaded =
      Load(lib, "nvmlInit_v2", api.init) && Load(lib, "nvmlShutdown", api.shutdown) &&
      Load(lib, "nvmlErrorString", api.error_string) && Load(lib, "nvmlDeviceGetCount_v2", api.get_count) &&
      Load(lib, "nvmlDeviceGetHandleByIndex_v2", api.get_handle) && Load(lib, "nvmlDeviceGetName", api.get_name) &&
      Load(lib, "nvmlDeviceGetUUID", api.get_uuid) && Load(lib, "nvmlDeviceGetMemoryInfo", api.get_memory) &&
      (Load(lib, "nvmlDeviceGetComputeRunningProcesses_v2", api.get_processes) ||
       Load(lib, "nvmlDeviceGetComputeRunningProcesses_v3", api.get_processes)) &&
      Load(lib, "nvmlDeviceGetUtilizationRates", api.get_utilization);
  if (!loaded) {
    return absl::UnavailableError(
        absl::StrCat(library_name, " lacks NVML functions hpsearch needs (driver too old?)"));
  }
  Load(lib, "nvmlDeviceGetMigMode", api.get_mig_mode);
  Load(lib, "nvmlDeviceGetMaxMigDeviceCount", api.get_max_mig_count);
  Load(lib, "nvmlDeviceGetMigDeviceHandleByIndex", api.get_mig_handle);
  if (!Load(lib, "nvmlDeviceGetMPSComputeRunningProcesses_v2", api.get_mps_processes)) {
    Load(lib, "nvmlDeviceGetMPSComputeRunningProcesses_v3", api.get_mps_processes);
  }
  if (nvmlReturn_t rc = api.init(); rc != kNvmlSuccess) {
    return absl::UnavailableError(absl::StrCat("nvmlInit: ", std::string(api.error_string(rc))));
  }
  auto backend = std::make_unique<NvmlBackend>(std::move(library), api);
  if (absl::Status status = backend->Enumerate(cuda_visible_devices); !status.ok()) return status;
  return backend;
}

absl::StatusOr<std::unique_ptr<GpuBackend>> OpenNvml(const std::optional<std::string>& cuda_visible_devices) {
  return OpenNvmlFrom("libnvidia-ml.so.1", cuda_visible_devices);
}

absl::StatusOr<std::unique_ptr<GpuBackend>> OpenNvml() {
  const char* visible = std::getenv("CUDA_VISIBLE_DEVICES");
  return OpenNvml(visible != nullptr ? std::optional<std::string>(visible) : std::nullopt);
}

}  // namespace hpsearch::gpu
