#include "gpu/partitioner.h"

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace hpsearch::gpu {
namespace {

std::string Gib(uint64_t bytes) { return absl::StrFormat("%.1f GiB", static_cast<double>(bytes) / 0x1p30); }

std::string DeviceLabel(const GpuDevice& device) {
  return absl::StrCat("GPU ", DeviceIndexText(device), " (", device.name, ", ", device.uuid, ")");
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
  std::vector<uint64_t> reserved;
  std::vector<bool> usable;
  std::string why_not;
  for (int position = 0; position < static_cast<int>(devices->size()); ++position) {
    const GpuDevice& device = (*devices)[position];
    // Without a process list all memory in use now counts as reserved: a
    // smaller capacity, never an overcommitted one.
    absl::StatusOr<std::vector<GpuProcessMemory>> listed = backend->Processes(position);
    reserved.push_back(UnlistedUsedBytes(device, listed.ok() ? *listed : std::vector<GpuProcessMemory>{}));
    const DeviceLoad load{.device = device, .reserved_bytes = reserved.back(), .foreign_used_bytes = 0};
    const uint64_t bytes = options.budget.BytesFor(load.capacity_bytes());
    usable.push_back(bytes <= load.capacity_bytes() && bytes > kContextReserveBytes);
    if (!usable.back() && why_not.empty()) {
      why_not = bytes > load.capacity_bytes()
                    ? absl::StrCat("it is larger than ", DeviceLabel(device), " with ", Gib(load.capacity_bytes()),
                                   " for processes")
                    : absl::StrCat("on ", DeviceLabel(device), " it leaves nothing above the ",
                                   kContextReserveBytes >> 20, " MiB reserved for the CUDA context");
    }
  }
  if (std::find(usable.begin(), usable.end(), true) == usable.end()) {
    return absl::InvalidArgumentError(
        absl::StrCat("a GPU memory budget of ", options.budget.ToString(), " fits no GPU: ", why_not));
  }
  auto partitioner = std::unique_ptr<GpuPartitioner>(new GpuPartitioner(std::move(backend), std::move(processes),
                                                                        std::move(options), *std::move(devices),
                                                                        std::move(reserved), std::move(usable)));
  if (!why_not.empty()) partitioner->Notice(absl::StrCat("some GPUs get no trials: ", why_not));
  if (partitioner->options_.mps) partitioner->CheckMpsClientsListed();
  return partitioner;
}

void GpuPartitioner::CheckMpsClientsListed() {
  for (int position = 0; position < static_cast<int>(devices_.size()); ++position) {
    if (!usable_[position]) continue;
    const absl::Status listed = backend_->MpsClientsListed(position);
    if (listed.ok()) continue;
    Notice(absl::StrCat("cannot list the MPS clients on ", DeviceLabel(devices_[position]), " (", listed.message(),
                        "): trials there are held by MPS's own limits, but their memory may go unmeasured and "
                        "their budgets unenforced"));
  }
}

GpuPartitioner::GpuPartitioner(std::unique_ptr<GpuBackend> backend, std::unique_ptr<ProcessTable> processes,
                               GpuSharingOptions options, std::vector<GpuDevice> devices,
                               std::vector<uint64_t> reserved, std::vector<bool> usable)
    : backend_(std::move(backend)),
      processes_(std::move(processes)),
      options_(std::move(options)),
      devices_(std::move(devices)),
      reserved_(std::move(reserved)),
      usable_(std::move(usable)),
      answering_(devices_.size(), true),
      listing_(devices_.size(), true),
      unseen_since_(devices_.size()) {}

void GpuPartitioner::Notice(std::string message) { notices_.push_back(std::move(message)); }

std::vector<std::string> GpuPartitioner::TakeNotices() { return std::exchange(notices_, {}); }

std::optional<GpuPartitioner::DeviceState> GpuPartitioner::Query(
    int position, std::optional<std::chrono::steady_clock::time_point> now) {
  absl::StatusOr<GpuDevice> device = backend_->Device(position);
  if (!device.ok()) {
    if (answering_[position]) {
      Notice(absl::StrCat(DeviceLabel(devices_[position]), " stopped answering (", device.status().message(),
                          "): no new trials go there"));
    }
    answering_[position] = false;
    return std::nullopt;
  }
  if (!answering_[position]) Notice(absl::StrCat(DeviceLabel(devices_[position]), " answers again"));
  answering_[position] = true;

  DeviceState state{.load = {.device = *device, .reserved_bytes = reserved_[position], .foreign_used_bytes = 0},
                    .measured = false,
                    .used_by_lease = {}};
  absl::StatusOr<std::vector<GpuProcessMemory>> gpu_processes = backend_->Processes(position);
  if (!gpu_processes.ok()) {
    if (listing_[position]) {
      Notice(absl::StrCat("cannot list the processes using ", DeviceLabel(devices_[position]), " (",
                          gpu_processes.status().message(),
                          "): trials there are placed by their budgets but not measured or stopped"));
    }
    listing_[position] = false;
    // Our trials' real usage is unknown: take them at their budgets.
    std::vector<GpuProcessMemory> budgets;
    for (const auto& [id, lease] : leases_) {
      if (lease.position == position) budgets.push_back({.pid = 0, .used_bytes = lease.budget_bytes});
    }
    state.load.foreign_used_bytes = ForeignUsedBytes(*device, budgets, std::vector<int64_t>{0}, reserved_[position]);
    return state;
  }
  listing_[position] = true;
  state.measured = true;

  const AttachedTrials trials = Attached();
  std::vector<int64_t> ours;
  std::set<int64_t> unseen;
  for (const GpuProcessMemory& process : *gpu_processes) {
    const std::optional<int> lease_id = LeaseOf(process.pid, trials);
    if (lease_id.has_value()) {
      state.used_by_lease[*lease_id] += process.used_bytes;
      ours.push_back(process.pid);
    } else if (!processes_->Lookup(process.pid).has_value()) {
      unseen.insert(process.pid);
    }
  }
  state.load.foreign_used_bytes = ForeignUsedBytes(*device, *gpu_processes, ours, reserved_[position]);
  if (now.has_value()) CheckUnseenProcesses(position, unseen, *now);
  return state;
}

GpuPartitioner::AttachedTrials GpuPartitioner::Attached() const {
  AttachedTrials trials;
  for (const auto& [id, lease] : leases_) {
    if (!lease.pid.has_value()) continue;
    trials.roots.push_back(*lease.pid);
    trials.lease_of_root[*lease.pid] = id;
    trials.lease_of_mark[lease.trial_mark] = id;
  }
  return trials;
}

// The tree misses a descendant that left its trial's process group and was
// reparented when its parent died (to the engine, a subreaper, or to init);
// the environment it inherited from the trial still names the trial.
std::optional<int> GpuPartitioner::LeaseOf(int64_t pid, const AttachedTrials& trials) const {
  if (const std::optional<int64_t> root = FindTrialRoot(*processes_, pid, trials.roots); root.has_value()) {
    return trials.lease_of_root.at(*root);
  }
  const std::optional<std::string> mark = processes_->TrialMark(pid);
  if (!mark.has_value()) return std::nullopt;
  const auto it = trials.lease_of_mark.find(*mark);
  if (it == trials.lease_of_mark.end()) return std::nullopt;
  return it->second;
}

// A GPU process that stays invisible in /proc for seconds lives in another
// PID namespace (hpsearch in a container without the host's PIDs): then no
// process can be matched to its trial. One that just exited can linger in
// NVML's list while the driver tears its context down, hence the wait.
void GpuPartitioner::CheckUnseenProcesses(int position, const std::set<int64_t>& unseen,
                                          std::chrono::steady_clock::time_point now) {
  constexpr std::chrono::seconds kPersistent(5);
  std::map<int64_t, std::chrono::steady_clock::time_point>& since = unseen_since_[position];
  std::erase_if(since, [&](const auto& entry) { return !unseen.contains(entry.first); });
  for (int64_t pid : unseen) {
    const auto first = since.try_emplace(pid, now).first->second;
    if (now - first >= kPersistent && !told_unseen_pids_) {
      told_unseen_pids_ = true;
      Notice(absl::StrCat("NVML lists GPU processes that are not visible here (e.g. PID ", pid,
                          "): hpsearch seems to run in a container without the host's PID namespace, so trials' "
                          "GPU memory cannot be measured or enforced, and counts as other processes' memory; they "
                          "still get their allocator caps (run with the host's PID namespace to fix this)"));
    }
  }
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
    loads.push_back(state->load);
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
    const uint64_t budget_bytes = options_.budget.BytesFor(loads[*where].capacity_bytes());
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

void GpuPartitioner::Attach(int lease_id, int64_t pid, std::string trial_mark) {
  auto it = leases_.find(lease_id);
  if (it == leases_.end()) return;
  it->second.pid = pid;
  it->second.trial_mark = std::move(trial_mark);
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
    std::optional<DeviceState> state = Query(position, now);
    if (!state.has_value() || !state->measured) {
      // No reading: an overrun needs to be seen again for a whole grace.
      for (auto& [id, lease] : leases_) {
        if (lease.position == position) lease.over_since.reset();
      }
      continue;
    }
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
