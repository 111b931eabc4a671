// One `hpsearch run` per workdir at a time: a second one would resume the
// first one's running trials as interrupted and run them again beside it.
#pragma once

#include <filesystem>

#include "absl/status/statusor.h"
#include "runner/internal/scoped_fd.h"

namespace hpsearch::runner {

// Held while the run lasts; the kernel releases it when the process ends,
// however it ends, so a killed engine never leaves a stale lock.
class WorkdirLock {
 public:
  // Locks the folder `workdir` (which must exist) and records the holder's
  // pid in run.lock in it. FAILED_PRECONDITION naming that pid when another
  // process holds it.
  static absl::StatusOr<WorkdirLock> Acquire(const std::filesystem::path& workdir);

 private:
  explicit WorkdirLock(internal::ScopedFd fd) : fd_(std::move(fd)) {}
  internal::ScopedFd fd_;
};

// Whether a process holds `workdir`'s lock, asked without taking it (a
// probe lock could make a run starting at that moment fail): read from
// /proc/locks, so only processes in this PID namespace are seen.
bool WorkdirInUse(const std::filesystem::path& workdir);

}  // namespace hpsearch::runner
