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

namespace hpsearch::gpu {
namespace {

// The slice of nvml.h used here, declared locally because the header comes
// with the CUDA toolkit, which a build machine need not have. These types and
// the functions' signatures are part of NVML's stable ABI.
using nvmlReturn_t = int;
using nvmlDevice_t = struct nvmlDevice_st*;
constexpr nvmlReturn_t kNvmlSuccess = 0;
constexpr nvmlReturn_t kNvmlErrorInsufficientSize = 7;
// usedGpuMemory when the driver cannot tell (NVML_VALUE_NOT_AVAILABLE).
constexpr unsigned long long kNvmlValueNotAvailable = ~0ULL;
constexpr unsigned kNvmlNameBufferSize = 96;  // NVML_DEVICE_NAME_V2_BUFFER_SIZE
constexpr unsigned kNvmlUuidBufferSize = 96;  // NVML_DEVICE_UUID_V2_BUFFER_SIZE

struct nvmlMemory_t {
  unsigned long long total;
  unsigned long long free;
  unsigned long long used;
};
struct nvmlUtilization_t {
  unsigned int gpu;
  unsigned int memory;
};
// nvmlProcessInfo_v2_t: the layout of nvmlDeviceGetComputeRunningProcesses_v2,
// and of _v3 on most drivers: some CUDA 12.0-era drivers fill a longer
// record for _v3 (with usedGpuCcProtectedMemory), so _v2 comes first.
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
      return Error("nvmlDeviceGetCount", rc);
    }
    std::vector<GpuDevice> all;
    for (unsigned int i = 0; i < count; ++i) {
      absl::StatusOr<GpuDevice> device = Query(i);
      if (!device.ok()) return device.status();
      all.push_back(*std::move(device));
    }
    for (const GpuDevice& device : FilterVisible(all, visible)) {
      indices_.push_back(static_cast<unsigned int>(device.index));
    }
    return absl::OkStatus();
  }

  int DeviceCount() const override { return static_cast<int>(indices_.size()); }

  absl::StatusOr<GpuDevice> Device(int position) override {
    absl::StatusOr<unsigned int> index = IndexAt(position);
    if (!index.ok()) return index.status();
    return Query(*index);
  }

  absl::StatusOr<std::vector<GpuProcessMemory>> Processes(int position) override {
    absl::StatusOr<nvmlDevice_t> handle = HandleAt(position);
    if (!handle.ok()) return handle.status();
    // The list can grow between the sizing call and the reading call: retry.
    std::vector<nvmlProcessInfo_t> infos;
    for (int attempt = 0; attempt < 4; ++attempt) {
      unsigned int count = static_cast<unsigned int>(infos.size());
      nvmlReturn_t rc = api_.get_processes(*handle, &count, infos.data());
      if (rc == kNvmlSuccess) {
        std::vector<GpuProcessMemory> processes;
        for (unsigned int i = 0; i < count; ++i) {
          // Unknown usage counts as none: such a process cannot be held to a budget.
          const unsigned long long used = infos[i].usedGpuMemory;
          processes.push_back({.pid = infos[i].pid, .used_bytes = used == kNvmlValueNotAvailable ? 0 : used});
        }
        return processes;
      }
      if (rc != kNvmlErrorInsufficientSize) return Error("nvmlDeviceGetComputeRunningProcesses", rc);
      infos.resize(count + 8);
    }
    return absl::UnavailableError("nvmlDeviceGetComputeRunningProcesses: process list kept growing");
  }

  absl::StatusOr<GpuUtilization> Utilization(int position) override {
    absl::StatusOr<nvmlDevice_t> handle = HandleAt(position);
    if (!handle.ok()) return handle.status();
    nvmlUtilization_t rates{};
    if (nvmlReturn_t rc = api_.get_utilization(*handle, &rates); rc != kNvmlSuccess) {
      return Error("nvmlDeviceGetUtilizationRates", rc);
    }
    return GpuUtilization{.gpu_percent = static_cast<int>(rates.gpu),
                          .memory_percent = static_cast<int>(rates.memory)};
  }

 private:
  absl::Status Error(const char* call, nvmlReturn_t rc) const {
    return absl::UnavailableError(absl::StrCat(call, ": ", api_.error_string(rc)));
  }

  absl::StatusOr<unsigned int> IndexAt(int position) const {
    if (position < 0 || position >= DeviceCount()) {
      return absl::OutOfRangeError(absl::StrCat("no GPU at position ", position));
    }
    return indices_[position];
  }

  absl::StatusOr<nvmlDevice_t> HandleAt(int position) const {
    absl::StatusOr<unsigned int> index = IndexAt(position);
    if (!index.ok()) return index.status();
    return Handle(*index);
  }

  absl::StatusOr<nvmlDevice_t> Handle(unsigned int index) const {
    nvmlDevice_t handle = nullptr;
    if (nvmlReturn_t rc = api_.get_handle(index, &handle); rc != kNvmlSuccess) {
      return Error("nvmlDeviceGetHandleByIndex", rc);
    }
    return handle;
  }

  absl::StatusOr<GpuDevice> Query(unsigned int index) const {
    absl::StatusOr<nvmlDevice_t> handle = Handle(index);
    if (!handle.ok()) return handle.status();
    char name[kNvmlNameBufferSize] = {};
    char uuid[kNvmlUuidBufferSize] = {};
    nvmlMemory_t memory{};
    if (nvmlReturn_t rc = api_.get_name(*handle, name, sizeof(name)); rc != kNvmlSuccess) {
      return Error("nvmlDeviceGetName", rc);
    }
    if (nvmlReturn_t rc = api_.get_uuid(*handle, uuid, sizeof(uuid)); rc != kNvmlSuccess) {
      return Error("nvmlDeviceGetUUID", rc);
    }
    if (nvmlReturn_t rc = api_.get_memory(*handle, &memory); rc != kNvmlSuccess) {
      return Error("nvmlDeviceGetMemoryInfo", rc);
    }
    return GpuDevice{.index = static_cast<int>(index),
                     .name = name,
                     .uuid = uuid,
                     .total_bytes = memory.total,
                     .free_bytes = memory.free};
  }

  Library library_;  // outlives every call through api_
  NvmlApi api_;
  std::vector<unsigned int> indices_;  // NVML index of each position
};

}  // namespace

absl::StatusOr<std::unique_ptr<GpuBackend>> OpenNvml(
    const std::optional<std::string>& cuda_visible_devices) {
  constexpr const char* kLibrary = "libnvidia-ml.so.1";
  Library library(dlopen(kLibrary, RTLD_NOW | RTLD_LOCAL));
  if (library == nullptr) {
    const char* reason = dlerror();
    return absl::UnavailableError(absl::StrCat("cannot load ", kLibrary, " (is the NVIDIA driver installed?): ",
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
    return absl::UnavailableError(absl::StrCat(kLibrary, " lacks NVML functions hpsearch needs (driver too old?)"));
  }
  if (nvmlReturn_t rc = api.init(); rc != kNvmlSuccess) {
    return absl::UnavailableError(absl::StrCat("nvmlInit: ", std::string(api.error_string(rc))));
  }
  auto backend = std::make_unique<NvmlBackend>(std::move(library), api);
  if (absl::Status status = backend->Enumerate(cuda_visible_devices); !status.ok()) return status;
  return backend;
}

absl::StatusOr<std::unique_ptr<GpuBackend>> OpenNvml() {
  const char* visible = std::getenv("CUDA_VISIBLE_DEVICES");
  return OpenNvml(visible != nullptr ? std::optional<std::string>(visible) : std::nullopt);
}

}  // namespace hpsearch::gpu
