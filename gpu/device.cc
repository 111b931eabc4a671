#include "gpu/device.h"

#include <algorithm>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace hpsearch::gpu {

absl::StatusOr<std::vector<GpuDevice>> ListDevices(GpuBackend& backend) {
  std::vector<GpuDevice> devices;
  for (int i = 0; i < backend.DeviceCount(); ++i) {
    absl::StatusOr<GpuDevice> device = backend.Device(i);
    if (!device.ok()) return device.status();
    devices.push_back(*std::move(device));
  }
  return devices;
}

std::string DeviceIndexText(const GpuDevice& device) {
  return device.mig.has_value() ? absl::StrCat(device.index, ":", device.mig->index) : absl::StrCat(device.index);
}

std::vector<GpuProcessMemory> MergeProcessLists(std::span<const GpuProcessMemory> compute,
                                                std::span<const GpuProcessMemory> mps_clients) {
  std::vector<GpuProcessMemory> merged(compute.begin(), compute.end());
  for (const GpuProcessMemory& client : mps_clients) {
    auto same = std::find_if(merged.begin(), merged.end(),
                             [&](const GpuProcessMemory& listed) { return listed.pid == client.pid; });
    if (same == merged.end()) {
      merged.push_back(client);
    } else {
      same->used_bytes = std::max(same->used_bytes, client.used_bytes);
    }
  }
  return merged;
}

namespace {

// The GPU a device is, or is part of.
const std::string& GpuUuid(const GpuDevice& device) {
  return device.mig.has_value() ? device.mig->parent_uuid : device.uuid;
}

// The positions in `all` that `entry` names (a GPU in MIG mode is all its
// instances); none when it names nothing or is ambiguous.
std::vector<int> Resolve(const std::vector<GpuDevice>& all, const std::string& entry) {
  std::vector<int> named;
  if (absl::StartsWithIgnoreCase(entry, "MIG-")) {
    for (int i = 0; i < static_cast<int>(all.size()); ++i) {
      if (all[i].mig.has_value() && absl::StartsWithIgnoreCase(all[i].uuid, entry)) named.push_back(i);
    }
    if (named.size() > 1) named.clear();  // ambiguous prefix
    return named;
  }
  if (absl::StartsWithIgnoreCase(entry, "GPU-")) {
    std::optional<std::string> gpu;
    for (int i = 0; i < static_cast<int>(all.size()); ++i) {
      if (!absl::StartsWithIgnoreCase(GpuUuid(all[i]), entry)) continue;
      if (gpu.has_value() && *gpu != GpuUuid(all[i])) return {};  // ambiguous prefix
      gpu = GpuUuid(all[i]);
      named.push_back(i);
    }
    return named;
  }
  int index = 0;
  if (!absl::SimpleAtoi(entry, &index)) return {};
  for (int i = 0; i < static_cast<int>(all.size()); ++i) {
    if (all[i].index == index) named.push_back(i);
  }
  return named;
}

}  // namespace

std::vector<GpuDevice> FilterVisible(const std::vector<GpuDevice>& all,
                                     const std::optional<std::string>& visible) {
  if (!visible.has_value()) return all;
  std::vector<GpuDevice> kept;
  std::vector<bool> taken(all.size(), false);
  for (absl::string_view raw : absl::StrSplit(*visible, ',')) {
    const std::vector<int> named = Resolve(all, std::string(absl::StripAsciiWhitespace(raw)));
    if (named.empty() || std::any_of(named.begin(), named.end(), [&](int position) { return taken[position]; })) {
      break;
    }
    for (int position : named) {
      taken[position] = true;
      kept.push_back(all[position]);
    }
  }
  return kept;
}

}  // namespace hpsearch::gpu
