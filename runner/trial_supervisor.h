// Supervises the running trials of one experiment from a single thread.
//
// The supervisor owns every running TrialProcess, copies each one's stdout
// and stderr into its log files while handing stdout to the caller as it
// arrives (for live metrics parsing), enforces per-trial timeouts, and turns
// SIGINT/SIGTERM into events instead of letting them kill the engine, so the
// caller can stop the trials and record them before it exits.
//
// Everything happens in Poll(), which waits on the trials' pipes and a
// signalfd; there are no threads, so the caller may write its store from the
// callbacks without locking.
#pragma once

#include <signal.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "runner/process.h"

namespace hpsearch::runner {

// Why a trial ended, as the supervisor saw it.
struct TrialEnd {
  ExitStatus exit;
  bool timed_out = false;
  bool stopped = false;  // ended by Stop() or StopAll()
  // When the supervisor saw the trial's process end: its output drained and
  // its end reported from here on.
  std::chrono::steady_clock::time_point exited_at{};
};

class TrialSupervisor {
 public:
  struct Callbacks {
    // A chunk of the trial's stdout, in order; lines may span chunks.
    std::function<void(const std::string& trial, std::string_view chunk)> on_stdout;
    // The trial has ended and all its output has been delivered.
    std::function<void(const std::string& trial, const TrialEnd& end)> on_end;
  };

  // Blocks SIGINT, SIGTERM and SIGCHLD in the calling thread (they are
  // delivered through Poll instead) until the supervisor is destroyed.
  // A trial that outlives its timeout gets SIGTERM, then SIGKILL after
  // `kill_grace`.
  explicit TrialSupervisor(Callbacks callbacks,
                           std::chrono::milliseconds kill_grace = std::chrono::seconds(5));
  ~TrialSupervisor();
  TrialSupervisor(const TrialSupervisor&) = delete;
  TrialSupervisor& operator=(const TrialSupervisor&) = delete;

  // Starts a trial whose stdout and stderr are appended to the given files,
  // each created when the trial first writes to it (a trial that prints
  // nothing on stderr costs no file). `timeout` of zero means none. Fails if
  // the process cannot be started or a log file's folder is not writable;
  // nothing is left running then. A log file that still cannot be opened
  // later loses that log's text, not the trial.
  absl::Status Launch(const std::string& trial, const LaunchSpec& spec,
                      const std::filesystem::path& stdout_log,
                      const std::filesystem::path& stderr_log,
                      std::chrono::milliseconds timeout = std::chrono::milliseconds::zero());

  // Waits up to `wait` for something to happen and handles it: output is
  // delivered, ended trials are reported, timeouts enforced. Returns the
  // signal number of a SIGINT or SIGTERM received meanwhile, if any.
  std::optional<int> Poll(std::chrono::milliseconds wait);

  // Asks every trial to stop (SIGTERM to its group); after `grace`, the
  // trials still running are killed (SIGKILL). Returns once all have ended
  // and been reported through on_end with `stopped` set. A SIGINT or SIGTERM
  // arriving meanwhile skips the rest of the grace period.
  void StopAll(std::chrono::milliseconds grace);

  // Asks one trial to stop (SIGTERM to its group), killing it (SIGKILL)
  // after the supervisor's kill grace; it ends through on_end with `stopped`
  // set, from a later Poll. Nothing happens for a trial not running.
  void Stop(const std::string& trial);

  // The process ID of a running trial (its process group's leader).
  std::optional<pid_t> ProcessId(const std::string& trial) const;

  size_t running() const { return trials_.size(); }

 private:
  struct Running;
  static constexpr int kUntilBlocked = 1 << 30;
  // Reads up to `max_reads` chunks of one output pipe, logging and
  // forwarding them; closes the pipe at end of file.
  void Drain(Running& trial, bool from_stdout, int max_reads);
  void Reap();
  void EnforceTimeouts();
  void Finish(std::map<std::string, Running>::iterator it);
  std::optional<int> ReadSignals();

  Callbacks callbacks_;
  std::chrono::milliseconds kill_grace_;
  sigset_t previous_mask_;
  int signal_fd_ = -1;
  std::map<std::string, Running> trials_;
};

}  // namespace hpsearch::runner
