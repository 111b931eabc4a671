#include "gpu/process_tree.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace hpsearch::gpu {

namespace {

// The whole of a /proc file; "" when it cannot be read (the process is gone,
// or is not ours to inspect).
std::string ReadProcFile(const std::string& path) {
  std::string text;
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return text;
  char buffer[4096];
  while (true) {
    const ssize_t n = read(fd, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    text.append(buffer, static_cast<size_t>(n));
  }
  close(fd);
  return text;
}

}  // namespace

std::optional<ProcessInfo> ReadProcessInfo(int64_t pid) {
  const std::string stat = ReadProcFile(absl::StrCat("/proc/", pid, "/stat"));
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

std::optional<std::string> EnvironmentValue(std::span<const std::string> env, std::string_view name) {
  for (std::string_view entry : env) {
    if (entry.size() > name.size() && entry.starts_with(name) && entry[name.size()] == '=') {
      return std::string(entry.substr(name.size() + 1));
    }
  }
  return std::nullopt;
}

std::optional<std::string> StartupEnvironmentValue(int64_t pid, std::string_view name) {
  const std::vector<std::string> env =
      absl::StrSplit(ReadProcFile(absl::StrCat("/proc/", pid, "/environ")), '\0', absl::SkipEmpty());
  return EnvironmentValue(env, name);
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
