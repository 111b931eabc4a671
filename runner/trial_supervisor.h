// Supervises the running trials of one experiment from a single thread.
//
// The supervisor owns every running TrialProcess, copies each one's stdout
// and stderr into its log files while handing both to the caller as they
// arrive (for live metrics parsing), enforces per-trial timeouts, and turns
// SIGINT/SIGTERM/SIGHUP/SIGPIPE into events instead of letting them kill the engine, so the
// caller can stop the trials and record them before it exits.
//
// Everything happens in Poll(), which waits on the trials' pipes and a
// signalfd; there are no threads, so the caller may write its store from the
// callbacks without locking.
//
// No descendant of a trial outlives it, not even one that left the trial's
// process group (setsid): while a supervisor exists the process is a child
// subreaper, so such an escaped process is reparented to it once its parent
// dies. The supervisor tells whose it is by the trial variable in its
// environment (see the constructor), leaves it alone while its trial runs,
// sends it the signals its trial's group gets once the trial is stopped, and
// kills it (SIGKILL) once its trial has ended. One whose trial cannot be told
// (its environment unreadable or without the variable) is killed once no
// trial runs, and by StopAll at the latest. Every adopted process is reaped.
// So every child of the process that is not a trial's main process counts
// as an orphaned trial descendant: start no other children, and no second
// supervisor, while one exists.
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
#include <vector>

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
    // A chunk of the trial's stdout or stderr, each stream in order and the
    // two in the order they were read; lines may span chunks.
    std::function<void(const std::string& trial, OutputStream stream, std::string_view chunk)> on_output;
    // The trial has ended and all its output has been delivered.
    std::function<void(const std::string& trial, const TrialEnd& end)> on_end;
  };

  // Blocks SIGINT, SIGTERM, SIGHUP, SIGPIPE and SIGCHLD in the calling thread (they are
  // delivered through Poll instead) until the supervisor is destroyed.
  // A trial that outlives its timeout gets SIGTERM, then SIGKILL after
  // `kill_grace`. `trial_variable` names the environment variable that each
  // trial's LaunchSpec env sets to a value of its own (the trial's name, say):
  // processes inherit it, so it tells which trial an orphaned descendant
  // belongs to. Empty: none can be told, and they die once no trial runs.
  explicit TrialSupervisor(Callbacks callbacks,
                           std::chrono::milliseconds kill_grace = std::chrono::seconds(5),
                           std::string trial_variable = "");
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
  // signal number of a SIGINT, SIGTERM, SIGHUP or SIGPIPE received meanwhile, if any.
  std::optional<int> Poll(std::chrono::milliseconds wait);

  // Asks every trial to stop (SIGTERM to its group and to every orphaned
  // descendant); after `grace`, what still runs is killed (SIGKILL). Returns
  // once all trials have ended and been reported through on_end with
  // `stopped` set (not for one whose process had already ended on its own:
  // its outcome is its own), and every orphaned descendant is dead and
  // reaped (or, one
  // stuck in uninterruptible sleep, given up on after a few seconds). A
  // SIGINT, SIGTERM or SIGHUP arriving meanwhile skips the rest of the grace period.
  void StopAll(std::chrono::milliseconds grace);

  // Asks one trial to stop (SIGTERM to its group and its orphaned
  // descendants), killing it (SIGKILL)
  // after the supervisor's kill grace; it ends through on_end with `stopped`
  // set, from a later Poll. Nothing happens for a trial not running, or
  // whose process has already ended.
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
  // Returns a SIGINT, SIGTERM, SIGHUP or SIGPIPE received; notes a SIGCHLD in children_changed_.
  std::optional<int> ReadSignals();

  // Signals the trial's process group and its orphaned descendants.
  void SignalTrial(const Running& trial, int signal);
  // Signals every trial's process group and every orphaned descendant.
  void SignalEverything(int signal);
  // This process's children that are not a running trial's main process:
  // the orphaned trial descendants it adopted.
  std::vector<pid_t> Adopted() const;
  // The value of the trial variable an adopted process started with.
  std::optional<std::string> TrialMarkOf(pid_t adopted) const;
  bool RunsTrialMarked(const std::string& mark) const;
  // Reaps the adopted processes that have ended and kills those whose trial
  // no longer runs; Poll calls it at most once a second.
  void CollectAdopted();
  // Kills every adopted process and reaps it, waiting for that at most
  // `limit`.
  void KillAdopted(std::chrono::milliseconds limit);

  // First, so the process stays a subreaper until everything else is gone.
  ChildSubreaper subreaper_;
  Callbacks callbacks_;
  std::chrono::milliseconds kill_grace_;
  std::string trial_variable_;
  bool children_changed_ = false;  // a SIGCHLD came since the last CollectAdopted
  std::chrono::steady_clock::time_point next_adopted_scan_;  // CollectAdopted runs no earlier
  sigset_t previous_mask_;
  int signal_fd_ = -1;
  std::map<std::string, Running> trials_;
};

}  // namespace hpsearch::runner
