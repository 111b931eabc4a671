// Which trial a process belongs to, from the process table.
//
// NVML reports GPU memory per process ID; a trial may be a launcher script
// whose child (or grandchild) does the GPU work. Trials are started as
// process group leaders (runner/process.h), so a process belongs to a trial
// when it is in the trial's process group, or, having moved to a group of
// its own, when the trial's root process is among its ancestors. A
// descendant that left the group and then lost its parent (a daemonized data
// loader) is reparented away from the trial: only its environment, inherited
// from the trial, still tells whose it is (its trial mark).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>

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
  // The trial the process was started for, as its environment says;
  // std::nullopt when it says none or cannot be read.
  virtual std::optional<std::string> TrialMark(int64_t pid) const = 0;
};

// Process `pid`'s parent and group, from /proc/<pid>/stat; std::nullopt when
// there is no such process.
std::optional<ProcessInfo> ReadProcessInfo(int64_t pid);

// The value of the variable `name` in `env` (entries "NAME=value"; the first
// wins, as with getenv); std::nullopt when it has none.
std::optional<std::string> EnvironmentValue(std::span<const std::string> env, std::string_view name);

// The value of the variable `name` in the environment process `pid` started
// with (/proc/<pid>/environ); std::nullopt when that has none or cannot be
// read (another user's process, or one that is exiting).
std::optional<std::string> StartupEnvironmentValue(int64_t pid, std::string_view name);

// The live process table: ReadProcessInfo, and as a process's trial mark the
// StartupEnvironmentValue of `trial_variable`.
class ProcfsProcessTable : public ProcessTable {
 public:
  explicit ProcfsProcessTable(std::string trial_variable) : trial_variable_(std::move(trial_variable)) {}
  std::optional<ProcessInfo> Lookup(int64_t pid) const override { return ReadProcessInfo(pid); }
  std::optional<std::string> TrialMark(int64_t pid) const override {
    return StartupEnvironmentValue(pid, trial_variable_);
  }

 private:
  std::string trial_variable_;
};

// The element of `roots` (trial root PIDs, each its group's leader) that
// `pid` belongs to, or std::nullopt.
std::optional<int64_t> FindTrialRoot(const ProcessTable& table, int64_t pid, std::span<const int64_t> roots);

}  // namespace hpsearch::gpu
