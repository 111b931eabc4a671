#include "gpu/process_tree.h"

#include <algorithm>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>

namespace hpsearch::gpu {

std::optional<ProcessInfo> ProcfsProcessTable::Lookup(int64_t pid) const {
  std::ifstream file("/proc/" + std::to_string(pid) + "/stat");
  if (!file) return std::nullopt;
  const std::string stat{std::istreambuf_iterator<char>(file), std::istreambuf_iterator<char>()};
  // "pid (comm) state ppid pgrp ...": comm may hold spaces and parentheses,
  // so the fields start after the last ')'.
  const std::size_t comm_end = stat.rfind(')');
  if (comm_end == std::string::npos) return std::nullopt;
  std::istringstream fields(stat.substr(comm_end + 1));
  char state = 0;
  ProcessInfo info;
  if (!(fields >> state >> info.parent >> info.group)) return std::nullopt;
  return info;
}

std::optional<std::string> ProcfsProcessTable::TrialMark(int64_t pid) const {
  std::ifstream file("/proc/" + std::to_string(pid) + "/environ");
  if (!file) return std::nullopt;
  const std::string prefix = trial_variable_ + "=";
  // NUL-terminated "NAME=value" entries; the first of a name is the one getenv sees.
  for (std::string entry; std::getline(file, entry, '\0');) {
    if (entry.starts_with(prefix)) return entry.substr(prefix.size());
  }
  return std::nullopt;
}

std::optional<int64_t> FindTrialRoot(const ProcessTable& table, int64_t pid, std::span<const int64_t> roots) {
  auto is_root = [&](int64_t candidate) { return std::find(roots.begin(), roots.end(), candidate) != roots.end(); };
  std::optional<ProcessInfo> info = table.Lookup(pid);
  if (!info.has_value()) return std::nullopt;
  if (is_root(info->group)) return info->group;
  // A bounded walk: PIDs are reused, and a table read while processes come
  // and go may briefly show a cycle.
  for (int depth = 0; depth < 64 && info.has_value(); ++depth) {
    if (is_root(pid)) return pid;
    if (info->parent <= 1) break;
    pid = info->parent;
    info = table.Lookup(pid);
  }
  return std::nullopt;
}

}  // namespace hpsearch::gpu
