// A stand-in for libnvidia-ml.so.1, built as a library of that name so that
// the NVML backend (gpu/nvml_backend.cc) and `hpsearch gpus` run their real
// dlopen/dlsym code against a driver the tests describe. nvmlInit_v2 builds
// the machine HPSEARCH_FAKE_NVML names:
//   "mig": GPU 0, an 80 GiB GPU in MIG mode with a 1g.10gb instance in MIG
//          slot 0 and a 2g.20gb one in slot 3, where process 4242 uses 2 GiB;
//          GPU 1, a 16 GiB GPU without MIG.
//   "mps": GPU 0, 16 GiB, served by an MPS daemon: the compute list shows the
//          MPS server (pid 900, 256 MiB) and client 902 (1 GiB); the MPS
//          client list shows clients 901 (5 GiB) and 902 (1 GiB).
//   "mps-pre-volta": the same GPU, but like GPUs before Volta it does not
//          give the MPS client list (NOT_SUPPORTED).
// As on real drivers, MIG devices do not report utilization, and a GPU in
// MIG mode lists its processes only to privileged callers. Built with
// FAKE_NVML_OLD_DRIVER, it lacks the MIG and MPS functions, as drivers
// before R450 do.
#include <cstdlib>
#include <cstring>
#include <deque>
#include <map>
#include <string>
#include <vector>

namespace {

using nvmlReturn_t = int;
constexpr nvmlReturn_t kSuccess = 0;
constexpr nvmlReturn_t kInvalidArgument = 2;
constexpr nvmlReturn_t kNotSupported = 3;
constexpr nvmlReturn_t kNoPermission = 4;
constexpr nvmlReturn_t kNotFound = 6;
constexpr nvmlReturn_t kInsufficientSize = 7;
constexpr unsigned long long kMiB = 1ULL << 20;
constexpr unsigned long long kGiB = 1ULL << 30;

struct ProcessInfo {  // nvmlProcessInfo_v2_t
  unsigned int pid;
  unsigned long long usedGpuMemory;
  unsigned int gpuInstanceId;
  unsigned int computeInstanceId;
};

struct FakeDevice {
  std::string name;
  std::string uuid;
  unsigned long long total = 0;
  std::vector<ProcessInfo> compute;
  std::vector<ProcessInfo> mps_clients;
  bool lists_mps_clients = true;
  bool mig_mode = false;
  bool is_mig_instance = false;
  std::map<unsigned int, FakeDevice*> mig_slots;  // MIG slot -> instance
};

std::deque<FakeDevice> devices;  // deque: handles (pointers) stay valid
std::vector<FakeDevice*> gpus;   // by NVML index
int open_count = 0;

FakeDevice* Add(std::string name, std::string uuid, unsigned long long total) {
  FakeDevice& device = devices.emplace_back();
  device.name = std::move(name);
  device.uuid = std::move(uuid);
  device.total = total;
  return &device;
}

void BuildMachine(const std::string& scenario) {
  devices.clear();
  gpus.clear();
  if (scenario == "mig") {
    FakeDevice* a100 = Add("Fake A100-SXM4-80GB", "GPU-a100a100-0000-0000-0000-000000000000", 80 * kGiB);
    a100->mig_mode = true;
    FakeDevice* small = Add("Fake A100-SXM4-80GB MIG 1g.10gb", "MIG-11111111-0000-0000-0000-000000000000", 10 * kGiB);
    FakeDevice* large = Add("Fake A100-SXM4-80GB MIG 2g.20gb", "MIG-33333333-0000-0000-0000-000000000000", 20 * kGiB);
    small->is_mig_instance = large->is_mig_instance = true;
    large->compute = {{4242, 2 * kGiB, 3, 0}};
    a100->mig_slots = {{0, small}, {3, large}};
    gpus = {a100, Add("Fake T4", "GPU-7474f4f4-0000-0000-0000-000000000000", 16 * kGiB)};
  } else if (scenario == "mps" || scenario == "mps-pre-volta") {
    FakeDevice* v100 = Add("Fake V100", "GPU-0100f100-0000-0000-0000-000000000000", 16 * kGiB);
    v100->compute = {{900, 256 * kMiB, 0, 0}, {902, 1 * kGiB, 0, 0}};
    v100->mps_clients = {{901, 5 * kGiB, 0, 0}, {902, 1 * kGiB, 0, 0}};
    v100->lists_mps_clients = scenario == "mps";
    gpus = {v100};
  }
}

FakeDevice* Of(void* handle) { return static_cast<FakeDevice*>(handle); }

nvmlReturn_t CopyString(const std::string& text, char* out, unsigned int length) {
  if (out == nullptr) return kInvalidArgument;
  if (text.size() + 1 > length) return kInsufficientSize;
  std::memcpy(out, text.c_str(), text.size() + 1);
  return kSuccess;
}

nvmlReturn_t ListProcesses(const std::vector<ProcessInfo>& list, unsigned int* count, ProcessInfo* infos) {
  if (count == nullptr) return kInvalidArgument;
  if (*count < list.size()) {
    *count = static_cast<unsigned int>(list.size());
    return list.empty() ? kSuccess : kInsufficientSize;
  }
  *count = static_cast<unsigned int>(list.size());
  for (std::size_t i = 0; i < list.size(); ++i) infos[i] = list[i];
  return kSuccess;
}

}  // namespace

extern "C" {

struct FakeMemory {  // nvmlMemory_t
  unsigned long long total;
  unsigned long long free;
  unsigned long long used;
};
struct FakeUtilization {  // nvmlUtilization_t
  unsigned int gpu;
  unsigned int memory;
};

// Reference counted like NVML's: handles stay valid until the last shutdown.
nvmlReturn_t nvmlInit_v2() {
  if (open_count++ == 0) {
    const char* scenario = std::getenv("HPSEARCH_FAKE_NVML");
    BuildMachine(scenario != nullptr ? scenario : "");
  }
  return kSuccess;
}
nvmlReturn_t nvmlShutdown() {
  if (open_count > 0 && --open_count == 0) BuildMachine("");
  return kSuccess;
}
const char* nvmlErrorString(nvmlReturn_t rc) {
  switch (rc) {
    case kNotSupported: return "Not Supported";
    case kNoPermission: return "Insufficient Permissions";
    case kNotFound: return "Not Found";
    case kInsufficientSize: return "Insufficient Size";
    default: return "Unknown Error";
  }
}
nvmlReturn_t nvmlDeviceGetCount_v2(unsigned int* count) {
  *count = static_cast<unsigned int>(gpus.size());
  return kSuccess;
}
nvmlReturn_t nvmlDeviceGetHandleByIndex_v2(unsigned int index, void** handle) {
  if (index >= gpus.size()) return kInvalidArgument;
  *handle = gpus[index];
  return kSuccess;
}
nvmlReturn_t nvmlDeviceGetName(void* device, char* name, unsigned int length) {
  return CopyString(Of(device)->name, name, length);
}
nvmlReturn_t nvmlDeviceGetUUID(void* device, char* uuid, unsigned int length) {
  return CopyString(Of(device)->uuid, uuid, length);
}
nvmlReturn_t nvmlDeviceGetMemoryInfo(void* device, FakeMemory* memory) {
  const FakeDevice& fake = *Of(device);
  if (fake.mig_mode) return kNoPermission;  // the aggregate takes privileges
  // Each process once, though an MPS client may be in both lists.
  std::map<unsigned int, unsigned long long> by_pid;
  for (const ProcessInfo& process : fake.compute) by_pid[process.pid] = process.usedGpuMemory;
  for (const ProcessInfo& process : fake.mps_clients) by_pid[process.pid] = process.usedGpuMemory;
  unsigned long long used = 0;
  for (const auto& [pid, bytes] : by_pid) used += bytes;
  *memory = {.total = fake.total, .free = fake.total - used, .used = used};
  return kSuccess;
}
nvmlReturn_t nvmlDeviceGetComputeRunningProcesses_v2(void* device, unsigned int* count, ProcessInfo* infos) {
  if (Of(device)->mig_mode) return kNoPermission;
  return ListProcesses(Of(device)->compute, count, infos);
}
nvmlReturn_t nvmlDeviceGetUtilizationRates(void* device, FakeUtilization* utilization) {
  const FakeDevice& fake = *Of(device);
  if (fake.mig_mode || fake.is_mig_instance) return kNotSupported;
  *utilization = {.gpu = 40, .memory = 10};
  return kSuccess;
}

#ifndef FAKE_NVML_OLD_DRIVER
nvmlReturn_t nvmlDeviceGetMigMode(void* device, unsigned int* current, unsigned int* pending) {
  if (Of(device)->is_mig_instance) return kInvalidArgument;
  *current = *pending = Of(device)->mig_mode ? 1 : 0;
  return kSuccess;
}
nvmlReturn_t nvmlDeviceGetMaxMigDeviceCount(void* device, unsigned int* count) {
  *count = Of(device)->mig_mode ? 7 : 0;
  return kSuccess;
}
nvmlReturn_t nvmlDeviceGetMigDeviceHandleByIndex(void* device, unsigned int index, void** mig_device) {
  const FakeDevice& fake = *Of(device);
  if (!fake.mig_mode) return kNotSupported;
  auto slot = fake.mig_slots.find(index);
  if (slot == fake.mig_slots.end()) return kNotFound;
  *mig_device = slot->second;
  return kSuccess;
}
nvmlReturn_t nvmlDeviceGetMPSComputeRunningProcesses_v2(void* device, unsigned int* count, ProcessInfo* infos) {
  if (Of(device)->mig_mode) return kNoPermission;
  if (!Of(device)->lists_mps_clients) return kNotSupported;
  return ListProcesses(Of(device)->mps_clients, count, infos);
}
#endif

}  // extern "C"
