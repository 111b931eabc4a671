// Which trial a process belongs to, from the process table.
//
// NVML reports GPU memory per process ID; a trial may be a launcher script
// whose child (or grandchild) does the GPU work. Trials are started as
// process group leaders (runner/process.h), so a process belongs to a trial
// when it is in the trial's process group, or, having moved to a group of
// its own, when the trial's root process is among its ancestors.
#pragma once

#include <cstdint>
#include <optional>
#include <span>

namespace hpsearch::gpu {

struct ProcessInfo {
  int64_t parent = 0;
  int64_t group = 0;
};

class ProcessTable {
 public:
  virtual ~ProcessTable() = default;
  // std::nullopt when there is no such process (in this PID namespace).
  virtual std::optional<ProcessInfo> Lookup(int64_t pid) const = 0;
};

// The live process table, from /proc/<pid>/stat.
class ProcfsProcessTable : public ProcessTable {
 public:
  std::optional<ProcessInfo> Lookup(int64_t pid) const override;
};

// The element of `roots` (trial root PIDs, each its group's leader) that
// `pid` belongs to, or std::nullopt.
std::optional<int64_t> FindTrialRoot(const ProcessTable& table, int64_t pid, std::span<const int64_t> roots);

}  // namespace hpsearch::gpu
