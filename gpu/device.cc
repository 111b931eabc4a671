#include "gpu/device.h"

#include <string>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
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

namespace {

// The position in `all` that `entry` names, or -1.
int Resolve(const std::vector<GpuDevice>& all, const std::string& entry) {
  if (absl::StartsWithIgnoreCase(entry, "GPU-")) {
    int match = -1;
    for (int i = 0; i < static_cast<int>(all.size()); ++i) {
      if (!absl::StartsWithIgnoreCase(all[i].uuid, entry)) continue;
      if (match >= 0) return -1;  // ambiguous prefix
      match = i;
    }
    return match;
  }
  int index = 0;
  if (!absl::SimpleAtoi(entry, &index)) return -1;
  for (int i = 0; i < static_cast<int>(all.size()); ++i) {
    if (all[i].index == index) return i;
  }
  return -1;
}

}  // namespace

std::vector<GpuDevice> FilterVisible(const std::vector<GpuDevice>& all,
                                     const std::optional<std::string>& visible) {
  if (!visible.has_value()) return all;
  std::vector<GpuDevice> kept;
  std::vector<bool> taken(all.size(), false);
  for (absl::string_view raw : absl::StrSplit(*visible, ',')) {
    const int position = Resolve(all, std::string(absl::StripAsciiWhitespace(raw)));
    if (position < 0 || taken[position]) break;
    taken[position] = true;
    kept.push_back(all[position]);
  }
  return kept;
}

}  // namespace hpsearch::gpu
