// Launching and supervising one trial process.
//
// A trial runs as its own process group, started directly from an argv
// vector (never through a shell, so no parameter value is ever interpreted),
// with an explicit environment and working directory. Its stdout and stderr
// are non-blocking pipes that the runner's event loop drains. Signals go to
// the whole group, so a trial's own children are stopped with it. A trial
// dies with the engine (PR_SET_PDEATHSIG), even when the engine is killed
// with SIGKILL, so no trial runs on unrecorded.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "runner/internal/scoped_fd.h"

namespace hpsearch::runner {

struct LaunchSpec {
  // argv[0] must be an executable path (see ResolveCommand).
  std::vector<std::string> argv;
  // The complete environment, each entry "NAME=value".
  std::vector<std::string> env;
  std::filesystem::path working_dir;
};

// A trial's output pipes.
enum class OutputStream { kStdout, kStderr };

// How a process ended: exactly one of exit_code and signal is meaningful.
struct ExitStatus {
  bool signaled = false;
  int exit_code = 0;  // when !signaled
  int signal = 0;     // when signaled

  bool success() const { return !signaled && exit_code == 0; }
  // "exit code 3" or "killed by signal 9 (Killed)".
  std::string Describe() const;
};

class TrialProcess {
 public:
  // Starts the process. Fails with NOT_FOUND / PERMISSION_DENIED / INTERNAL
  // naming the program when it cannot be executed, RESOURCE_EXHAUSTED (and
  // the limit) when this process is out of descriptors, processes or memory,
  // INVALID_ARGUMENT naming the argument or variable that holds a NUL
  // character (a C string would end there).
  static absl::StatusOr<TrialProcess> Start(const LaunchSpec& spec);

  TrialProcess(TrialProcess&& other) noexcept;
  TrialProcess& operator=(TrialProcess&& other) noexcept;
  TrialProcess(const TrialProcess&) = delete;
  TrialProcess& operator=(const TrialProcess&) = delete;
  // A process still running is killed with its group and reaped, so a
  // TrialProcess never leaves an orphan or a zombie behind.
  ~TrialProcess();

  pid_t pid() const { return pid_; }
  // Read ends of the output pipes (non-blocking); -1 once closed.
  int stdout_fd() const { return stdout_.get(); }
  int stderr_fd() const { return stderr_.get(); }
  void CloseStdout() { stdout_.reset(); }
  void CloseStderr() { stderr_.reset(); }

  // Sends `signal` to the trial's process group. No-op once reaped.
  void SignalGroup(int signal) const;

  // Whether the process has ended, without reaping it: while its zombie
  // holds the pid, the group id cannot be reused, so SignalGroup can still
  // safely stop the group's leftover members.
  bool HasEnded() const;

  // Reaps the process if it has ended; nullopt while it runs.
  std::optional<ExitStatus> TryWait();
  // Blocks until the process ends.
  ExitStatus Wait();
  bool running() const { return !exit_status_.has_value(); }

 private:
  TrialProcess(pid_t pid, internal::ScopedFd stdout_fd, internal::ScopedFd stderr_fd)
      : pid_(pid), stdout_(std::move(stdout_fd)), stderr_(std::move(stderr_fd)) {}
  void KillAndReap();

  pid_t pid_ = -1;
  internal::ScopedFd stdout_;
  internal::ScopedFd stderr_;
  std::optional<ExitStatus> exit_status_;
};

// A descriptor that only holds a place under the open-file limit (a copy of
// /dev/null) for a file opened later: close it just before opening the file.
// Invalid, with errno set, when no descriptor is free.
internal::ScopedFd ReserveDescriptor();

// OK when this process could open `count` more descriptors now (the open-
// file limit counts them all); RESOURCE_EXHAUSTED naming the limit if not.
absl::Status CheckFreeDescriptors(int count);

// A trial's descendant that leaves its process group (setsid, setpgid: a
// daemonizing data loader, a nohup-like wrapper) escapes SignalGroup, and
// once its parent dies it is reparented to init, out of the engine's reach.
// While a ChildSubreaper lives, such orphans are reparented to this process
// instead (PR_SET_CHILD_SUBREAPER), where ListChildren finds them to be
// killed and ReapIfEnded reaps them (gpu::StartupEnvironmentValue tells
// their trial).
class ChildSubreaper {
 public:
  ChildSubreaper();
  // Restores the setting found at construction.
  ~ChildSubreaper();
  ChildSubreaper(const ChildSubreaper&) = delete;
  ChildSubreaper& operator=(const ChildSubreaper&) = delete;

 private:
  int previous_ = 0;
};

// The pids of this process's children, zombies included (from /proc, which
// needs no CONFIG_PROC_CHILDREN).
std::vector<pid_t> ListChildren();

// Kills (SIGKILL) every process whose startup environment sets `variable`
// to a path inside `root`, and returns their pids: what an engine that died
// without stopping its trials (kill -9) left running. Only for a root no
// live engine uses (runner/workdir_lock.h).
std::vector<pid_t> KillProcessesMarkedUnder(std::string_view variable, const std::filesystem::path& root);

// Reaps the child `pid` if it has ended. Returns whether it is gone: reaped
// now, or no child of this process any more.
bool ReapIfEnded(pid_t pid);

// Finds `command` the way a shell would, without one: a name containing '/'
// is taken as a path, relative ones from this process's working directory
// (the result is absolute); otherwise each of `search_dirs` is tried in order.
// Fails with NOT_FOUND listing the directories searched.
absl::StatusOr<std::filesystem::path> ResolveCommand(
    const std::string& command, const std::vector<std::filesystem::path>& search_dirs);

// The directories of `path_variable` (a PATH value) followed by the folder
// holding the running executable, so trial templates naming
// `hpsearch-trial` work both in a cluster image (on PATH) and from a build
// tree (beside `hpsearch`).
std::vector<std::filesystem::path> CommandSearchPath(absl::string_view path_variable);
// CommandSearchPath of this process's $PATH.
std::vector<std::filesystem::path> DefaultCommandSearchPath();

}  // namespace hpsearch::runner
