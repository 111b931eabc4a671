#include "gpu/partitioner.h"

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "gpu/placement.h"

namespace hpsearch::gpu {
namespace {

std::string Gib(uint64_t bytes) { return absl::StrFormat("%.1f GiB", static_cast<double>(bytes) / 0x1p30); }

std::string DeviceLabel(const GpuDevice& device) {
  return absl::StrCat("GPU ", device.index, " (", device.name, ", ", device.uuid, ")");
}

}  // namespace

std::string BudgetOverrun::Message() const {
  return absl::StrCat("exceeded GPU memory budget: used ", Gib(used_bytes), " of ", Gib(budget_bytes));
}

absl::StatusOr<std::unique_ptr<GpuPartitioner>> GpuPartitioner::Create(std::unique_ptr<GpuBackend> backend,
                                                                       std::unique_ptr<ProcessTable> processes,
                                                                       GpuSharingOptions options) {
  absl::StatusOr<std::vector<GpuDevice>> devices = ListDevices(*backend);
  if (!devices.ok()) return devices.status();
  if (devices->empty()) return absl::FailedPreconditionError("no GPU to share");
  std::vector<bool> usable;
  std::string why_not;
  for (const GpuDevice& device : *devices) {
    const uint64_t bytes = options.budget.BytesOn(device);
    usable.push_back(bytes <= device.total_bytes && bytes > kContextReserveBytes);
    if (!usable.back() && why_not.empty()) {
      why_not = bytes > device.total_bytes
                    ? absl::StrCat("it is larger than ", DeviceLabel(device), " with ", Gib(device.total_bytes))
                    : absl::StrCat("on ", DeviceLabel(device), " it leaves nothing above the ",
                                   kContextReserveBytes >> 20, " MiB reserved for the CUDA context");
    }
  }
  if (std::find(usable.begin(), usable.end(), true) == usable.end()) {
    return absl::InvalidArgumentError(
        absl::StrCat("a GPU memory budget of ", options.budget.ToString(), " fits no GPU: ", why_not));
  }
  auto partitioner = std::unique_ptr<GpuPartitioner>(new GpuPartitioner(
      std::move(backend), std::move(processes), std::move(options), *std::move(devices), usable));
  if (!why_not.empty()) partitioner->Notice(absl::StrCat("some GPUs get no trials: ", why_not));
  return partitioner;
}

GpuPartitioner::GpuPartitioner(std::unique_ptr<GpuBackend> backend, std::unique_ptr<ProcessTable> processes,
                               GpuSharingOptions options, std::vector<GpuDevice> devices, std::vector<bool> usable)
    : backend_(std::move(backend)),
      processes_(std::move(processes)),
      options_(std::move(options)),
      devices_(std::move(devices)),
      usable_(std::move(usable)),
      answering_(devices_.size(), true),
      unseen_pids_(devices_.size()) {}

void GpuPartitioner::Notice(std::string message) { notices_.push_back(std::move(message)); }

std::vector<std::string> GpuPartitioner::TakeNotices() { return std::exchange(notices_, {}); }

std::optional<GpuPartitioner::DeviceState> GpuPartitioner::Query(int position) {
  absl::StatusOr<GpuDevice> device = backend_->Device(position);
  absl::StatusOr<std::vector<GpuProcessMemory>> gpu_processes =
      device.ok() ? backend_->Processes(position) : device.status();
  if (!gpu_processes.ok()) {
    if (answering_[position]) {
      Notice(absl::StrCat(DeviceLabel(devices_[position]), " stopped answering (", gpu_processes.status().message(),
                          "): no new trials go there"));
    }
    answering_[position] = false;
    return std::nullopt;
  }
  if (!answering_[position]) Notice(absl::StrCat(DeviceLabel(devices_[position]), " answers again"));
  answering_[position] = true;

  std::vector<int64_t> roots;
  std::map<int64_t, int> lease_of_root;
  for (const auto& [id, lease] : leases_) {
    if (lease.pid.has_value()) {
      roots.push_back(*lease.pid);
      lease_of_root[*lease.pid] = id;
    }
  }
  DeviceState state{.device = *device, .foreign_used_bytes = 0, .used_by_lease = {}};
  std::vector<int64_t> ours;
  std::set<int64_t> unseen;
  for (const GpuProcessMemory& process : *gpu_processes) {
    const std::optional<int64_t> root = FindTrialRoot(*processes_, process.pid, roots);
    if (root.has_value()) {
      state.used_by_lease[lease_of_root[*root]] += process.used_bytes;
      ours.push_back(process.pid);
    } else if (!processes_->Lookup(process.pid).has_value()) {
      unseen.insert(process.pid);
    }
  }
  state.foreign_used_bytes = ForeignUsedBytes(*device, *gpu_processes, ours);

  // A GPU process that stays invisible in /proc lives in another PID
  // namespace (hpsearch in a container without the host's PIDs): then no
  // process can be matched to its trial.
  const bool persistent = std::any_of(unseen.begin(), unseen.end(),
                                      [&](int64_t pid) { return unseen_pids_[position].count(pid) > 0; });
  if (persistent && !told_unseen_pids_) {
    told_unseen_pids_ = true;
    Notice(absl::StrCat("NVML lists GPU processes that are not visible here (e.g. PID ", *unseen.begin(),
                        "): hpsearch seems to run in a container without the host's PID namespace, so trials' GPU "
                        "memory cannot be measured or enforced; they still get their allocator caps"));
  }
  unseen_pids_[position] = std::move(unseen);
  return state;
}

std::vector<GpuLease> GpuPartitioner::Acquire(int count) {
  std::vector<GpuLease> granted;
  if (count <= 0) return granted;
  std::vector<DeviceLoad> loads;
  std::vector<int> position_of_load;
  for (int position = 0; position < static_cast<int>(devices_.size()); ++position) {
    if (!usable_[position]) continue;
    std::optional<DeviceState> state = Query(position);
    if (!state.has_value()) continue;
    loads.push_back({.device = state->device, .foreign_used_bytes = state->foreign_used_bytes});
    position_of_load.push_back(position);
  }
  std::vector<Placement> placed;
  for (const auto& [id, lease] : leases_) {
    placed.push_back({.uuid = devices_[lease.position].uuid, .budget_bytes = lease.budget_bytes});
  }
  while (static_cast<int>(granted.size()) < count) {
    const std::optional<std::size_t> where = Place(options_.budget, loads, placed);
    if (!where.has_value()) break;
    const GpuDevice& device = loads[*where].device;
    const uint64_t budget_bytes = options_.budget.BytesOn(device);
    absl::StatusOr<std::vector<std::pair<std::string, std::string>>> env =
        TrialGpuEnv(device, budget_bytes, options_.mps);
    if (!env.ok()) break;  // Create() checked every usable device: cannot happen
    const int id = next_lease_id_++;
    Lease& lease = leases_[id];
    lease.position = position_of_load[*where];
    lease.budget_bytes = budget_bytes;
    placed.push_back({.uuid = device.uuid, .budget_bytes = budget_bytes});
    granted.push_back({.id = id, .device = device, .budget_bytes = budget_bytes, .env = *std::move(env)});
  }
  return granted;
}

void GpuPartitioner::Attach(int lease_id, int64_t pid) {
  if (auto it = leases_.find(lease_id); it != leases_.end()) it->second.pid = pid;
}

GpuUsage GpuPartitioner::Release(int lease_id) {
  GpuUsage usage;
  auto it = leases_.find(lease_id);
  if (it == leases_.end()) return usage;
  const Lease& lease = it->second;
  usage.device_uuid = devices_[lease.position].uuid;
  usage.budget_bytes = lease.budget_bytes;
  usage.peak_bytes = lease.peak_bytes;
  if (lease.utilization_samples > 0) usage.mean_utilization = lease.utilization_sum / lease.utilization_samples;
  leases_.erase(it);
  return usage;
}

std::vector<BudgetOverrun> GpuPartitioner::Sample(std::chrono::steady_clock::time_point now) {
  std::vector<BudgetOverrun> overruns;
  if (last_sample_.has_value() && now - *last_sample_ < options_.sample_interval) return overruns;
  last_sample_ = now;
  std::set<int> positions;
  for (const auto& [id, lease] : leases_) {
    if (lease.pid.has_value()) positions.insert(lease.position);
  }
  for (int position : positions) {
    std::optional<DeviceState> state = Query(position);
    if (!state.has_value()) continue;
    const absl::StatusOr<GpuUtilization> utilization = backend_->Utilization(position);
    for (auto& [id, lease] : leases_) {
      if (lease.position != position || !lease.pid.has_value()) continue;
      const uint64_t used = state->used_by_lease[id];
      lease.peak_bytes = std::max(lease.peak_bytes, used);
      if (utilization.ok()) {
        lease.utilization_sum += utilization->gpu_percent;
        ++lease.utilization_samples;
      }
      if (used <= lease.budget_bytes) {
        lease.over_since.reset();
        continue;
      }
      if (!lease.over_since.has_value()) lease.over_since = now;
      if (!lease.reported && now - *lease.over_since >= options_.over_budget_grace) {
        lease.reported = true;
        overruns.push_back({.lease_id = id, .used_bytes = used, .budget_bytes = lease.budget_bytes});
      }
    }
  }
  return overruns;
}

}  // namespace hpsearch::gpu
