#include "runner/trial_supervisor.h"

#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gpu/process_tree.h"
#include "runner/internal/scoped_fd.h"

namespace hpsearch::runner {

using Clock = std::chrono::steady_clock;
using internal::ScopedFd;

namespace {

// How long the supervisor waits for killed orphans to end before it gives
// up on them: one stuck in uninterruptible sleep must not hang the engine.
constexpr std::chrono::milliseconds kOrphanReapLimit = std::chrono::seconds(5);

// Finding adopted processes scans /proc, which costs about what starting a
// trial does; scanning at most this often keeps the engine's cost per trial
// flat with trials that end back to back (bench/runner.md), and an escaped
// process outlives its trial by at most this much.
constexpr std::chrono::milliseconds kAdoptedScanInterval = std::chrono::seconds(1);

// Writes all of `data`; a full disk loses log text, never the engine.
void WriteAll(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t n = write(fd, data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    data.remove_prefix(static_cast<size_t>(n));
  }
}

}  // namespace

// A log file, opened when there is first something to write. Its
// descriptor is held from the start, so it opens even when later trials
// have taken every other one.
class LazyLog {
 public:
  explicit LazyLog(std::filesystem::path path) : path_(std::move(path)), place_(ReserveDescriptor()) {}

  // Appends all of `data`; a log that cannot be opened or a full disk loses
  // log text, never the engine.
  void Write(std::string_view data) {
    if (!fd_.valid() && !failed_) {
      place_.reset();
      fd_.reset(open(path_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644));
      failed_ = !fd_.valid();
    }
    if (fd_.valid()) WriteAll(fd_.get(), data);
  }

 private:
  std::filesystem::path path_;
  ScopedFd place_;  // until the file is opened
  ScopedFd fd_;
  bool failed_ = false;
};

struct TrialSupervisor::Running {
  std::string name;
  std::optional<std::string> mark;  // its value of the trial variable
  TrialProcess process;
  LazyLog stdout_log;
  LazyLog stderr_log;
  std::optional<Clock::time_point> deadline = std::nullopt;  // next SIGTERM or SIGKILL due
  bool timed_out = false;
  bool stopped = false;
  bool terminated = false;  // SIGTERM sent; SIGKILL at the deadline
  Clock::time_point exited_at{};
};

TrialSupervisor::TrialSupervisor(Callbacks callbacks, std::chrono::milliseconds kill_grace,
                                 std::string trial_variable)
    : callbacks_(std::move(callbacks)), kill_grace_(kill_grace), trial_variable_(std::move(trial_variable)) {
  sigset_t handled;
  sigemptyset(&handled);
  sigaddset(&handled, SIGINT);
  sigaddset(&handled, SIGTERM);
  sigaddset(&handled, SIGHUP);   // a closed terminal or ssh session
  sigaddset(&handled, SIGPIPE);  // whoever read our output (| head, | tee) has gone
  sigaddset(&handled, SIGCHLD);
  pthread_sigmask(SIG_BLOCK, &handled, &previous_mask_);
  signal_fd_ = signalfd(-1, &handled, SFD_NONBLOCK | SFD_CLOEXEC);
}

TrialSupervisor::~TrialSupervisor() {
  trials_.clear();  // kills and reaps whatever still runs
  KillAdopted(kOrphanReapLimit);
  // Signals that arrived meanwhile stay pending; consume them so that
  // unblocking does not deliver a stale SIGINT to the default handler.
  ReadSignals();
  if (signal_fd_ >= 0) close(signal_fd_);
  pthread_sigmask(SIG_SETMASK, &previous_mask_, nullptr);
}

absl::Status TrialSupervisor::Launch(const std::string& trial, const LaunchSpec& spec,
                                     const std::filesystem::path& stdout_log,
                                     const std::filesystem::path& stderr_log,
                                     std::chrono::milliseconds timeout) {
  if (trials_.contains(trial)) {
    return absl::AlreadyExistsError(absl::StrCat("trial ", trial, " is already running"));
  }
  // The files come later (LazyLog); their folders must be writable now.
  for (const std::filesystem::path* log : {&stdout_log, &stderr_log}) {
    std::filesystem::path dir = log->parent_path();
    if (log == &stderr_log && dir == stdout_log.parent_path()) break;  // checked
    if (access(dir.empty() ? "." : dir.c_str(), W_OK | X_OK) != 0) {
      return absl::UnavailableError(
          absl::StrCat("cannot write log file ", log->string(), ": ", std::strerror(errno)));
    }
  }
  // Its two pipes and two logs, and some to spare for the engine's own work
  // (a trial's metrics file, /proc, a summary): a trial that starts must not
  // leave the engine unable to record trials.
  constexpr int kTrialDescriptors = 4;
  constexpr int kEngineSpareDescriptors = 4;
  if (absl::Status room = CheckFreeDescriptors(kTrialDescriptors + kEngineSpareDescriptors); !room.ok()) {
    return room;
  }
  absl::StatusOr<TrialProcess> process = TrialProcess::Start(spec);
  if (!process.ok()) return process.status();
  Running running{.name = trial,
                  .mark = trial_variable_.empty() ? std::nullopt : gpu::EnvironmentValue(spec.env, trial_variable_),
                  .process = std::move(*process),
                  .stdout_log = LazyLog(stdout_log),
                  .stderr_log = LazyLog(stderr_log)};
  if (timeout > std::chrono::milliseconds::zero()) running.deadline = Clock::now() + timeout;
  trials_.emplace(trial, std::move(running));
  return absl::OkStatus();
}

std::optional<int> TrialSupervisor::Poll(std::chrono::milliseconds wait) {
  auto until = Clock::now() + wait;
  for (const auto& [name, trial] : trials_) {
    if (trial.deadline) until = std::min(until, *trial.deadline);
  }
  if (children_changed_) until = std::min(until, next_adopted_scan_);

  std::vector<pollfd> fds = {{.fd = signal_fd_, .events = POLLIN, .revents = 0}};
  std::vector<std::pair<Running*, bool>> owners = {{nullptr, false}};
  for (auto& [name, trial] : trials_) {
    for (bool is_stdout : {true, false}) {
      int fd = is_stdout ? trial.process.stdout_fd() : trial.process.stderr_fd();
      if (fd < 0) continue;
      fds.push_back({.fd = fd, .events = POLLIN, .revents = 0});
      owners.emplace_back(&trial, is_stdout);
    }
  }
  auto remaining = std::chrono::ceil<std::chrono::milliseconds>(until - Clock::now());
  int ready = poll(fds.data(), fds.size(), std::max<int>(0, remaining.count()));

  std::optional<int> signal = ReadSignals();
  if (ready > 0) {
    for (size_t i = 1; i < fds.size(); ++i) {
      // Bounded, so that one chatty trial cannot starve the others.
      if (fds[i].revents != 0) Drain(*owners[i].first, owners[i].second, 16);
    }
  }
  EnforceTimeouts();
  Reap();
  if (children_changed_ && Clock::now() >= next_adopted_scan_) CollectAdopted();
  return signal;
}

void TrialSupervisor::Stop(const std::string& name) {
  auto it = trials_.find(name);
  if (it == trials_.end() || it->second.terminated || it->second.process.HasEnded()) return;
  Running& trial = it->second;
  trial.stopped = true;
  trial.terminated = true;
  trial.deadline = Clock::now() + kill_grace_;
  SignalTrial(trial, SIGTERM);
}

std::optional<pid_t> TrialSupervisor::ProcessId(const std::string& trial) const {
  auto it = trials_.find(trial);
  if (it == trials_.end()) return std::nullopt;
  return it->second.process.pid();
}

void TrialSupervisor::StopAll(std::chrono::milliseconds grace) {
  auto kill_at = Clock::now() + grace;
  for (auto& [name, trial] : trials_) {
    if (trial.process.HasEnded()) continue;
    trial.stopped = true;
    trial.terminated = true;
    trial.deadline = kill_at;
  }
  SignalEverything(SIGTERM);
  while (!trials_.empty()) {
    // Impatient user: a second interrupt means now. Not a SIGPIPE: each
    // line written to a reader that has gone raises one, and nobody is
    // asking for haste.
    if (std::optional<int> signal = Poll(std::chrono::milliseconds(100)); signal && *signal != SIGPIPE) {
      SignalEverything(SIGKILL);
    }
  }
  // The run is stopping: orphans whose trial could not be told go too.
  KillAdopted(kOrphanReapLimit);
}

void TrialSupervisor::Drain(Running& trial, bool from_stdout, int max_reads) {
  int fd = from_stdout ? trial.process.stdout_fd() : trial.process.stderr_fd();
  char buffer[64 * 1024];
  for (int reads = 0; fd >= 0 && reads < max_reads; ++reads) {
    ssize_t n = read(fd, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN) return;
    if (n <= 0) {  // end of file: every writer has gone
      if (from_stdout) {
        trial.process.CloseStdout();
      } else {
        trial.process.CloseStderr();
      }
      return;
    }
    std::string_view chunk(buffer, static_cast<size_t>(n));
    (from_stdout ? trial.stdout_log : trial.stderr_log).Write(chunk);
    if (callbacks_.on_output) {
      callbacks_.on_output(trial.name, from_stdout ? OutputStream::kStdout : OutputStream::kStderr, chunk);
    }
  }
}

void TrialSupervisor::EnforceTimeouts() {
  auto now = Clock::now();
  for (auto& [name, trial] : trials_) {
    if (!trial.deadline || now < *trial.deadline) continue;
    if (trial.terminated) {
      SignalTrial(trial, SIGKILL);
      trial.deadline.reset();
    } else {
      trial.timed_out = true;
      trial.terminated = true;
      SignalTrial(trial, SIGTERM);
      trial.deadline = now + kill_grace_;
    }
  }
}

void TrialSupervisor::Reap() {
  for (auto it = trials_.begin(); it != trials_.end();) {
    auto next = std::next(it);
    Running& trial = it->second;
    if (trial.process.running() && trial.process.HasEnded()) {
      // The trial is over once its main process is: leftover members of its
      // group would otherwise hold the pipes open and outlive the engine.
      trial.process.SignalGroup(SIGKILL);
      trial.process.TryWait();
      children_changed_ = true;  // its escaped descendants are to be killed
    }
    if (!trial.process.running()) {
      trial.exited_at = Clock::now();
      // What the group wrote is in the pipes now. A process that left the
      // group (setsid) may keep a pipe open forever, so read what is there
      // and stop listening rather than wait for end of file.
      for (bool from_stdout : {true, false}) Drain(trial, from_stdout, kUntilBlocked);
      trial.process.CloseStdout();
      trial.process.CloseStderr();
      Finish(it);
    }
    it = next;
  }
}

void TrialSupervisor::Finish(std::map<std::string, Running>::iterator it) {
  TrialEnd end{.exit = *it->second.process.TryWait(),
               .timed_out = it->second.timed_out,
               .stopped = it->second.stopped,
               .exited_at = it->second.exited_at};
  std::string name = it->first;
  trials_.erase(it);
  if (callbacks_.on_end) callbacks_.on_end(name, end);
}

std::optional<int> TrialSupervisor::ReadSignals() {
  std::optional<int> interrupt;
  signalfd_siginfo info;
  while (read(signal_fd_, &info, sizeof info) == sizeof info) {
    if (info.ssi_signo == SIGINT || info.ssi_signo == SIGTERM || info.ssi_signo == SIGHUP ||
        info.ssi_signo == SIGPIPE) {
      interrupt = static_cast<int>(info.ssi_signo);
    } else if (info.ssi_signo == SIGCHLD) {
      children_changed_ = true;
    }
  }
  return interrupt;
}

void TrialSupervisor::SignalTrial(const Running& trial, int signal) {
  trial.process.SignalGroup(signal);
  if (!trial.mark) return;
  for (pid_t pid : Adopted()) {
    if (TrialMarkOf(pid) == trial.mark) kill(pid, signal);
  }
}

void TrialSupervisor::SignalEverything(int signal) {
  for (const auto& [name, trial] : trials_) trial.process.SignalGroup(signal);
  for (pid_t pid : Adopted()) kill(pid, signal);
}

std::vector<pid_t> TrialSupervisor::Adopted() const {
  std::vector<pid_t> children = ListChildren();
  // A trial's main process is reaped by its TrialProcess; taking its exit
  // status here would lose the trial's.
  std::erase_if(children, [this](pid_t pid) {
    return std::ranges::any_of(trials_, [pid](const auto& entry) { return entry.second.process.pid() == pid; });
  });
  return children;
}

std::optional<std::string> TrialSupervisor::TrialMarkOf(pid_t adopted) const {
  if (trial_variable_.empty()) return std::nullopt;
  return gpu::StartupEnvironmentValue(adopted, trial_variable_);
}

bool TrialSupervisor::RunsTrialMarked(const std::string& mark) const {
  return std::ranges::any_of(trials_, [&mark](const auto& entry) { return entry.second.mark == mark; });
}

void TrialSupervisor::CollectAdopted() {
  children_changed_ = false;
  next_adopted_scan_ = Clock::now() + kAdoptedScanInterval;
  for (pid_t pid : Adopted()) {
    if (ReapIfEnded(pid)) continue;
    std::optional<std::string> mark = TrialMarkOf(pid);
    // One whose trial cannot be told may belong to any trial still running.
    bool its_trial_may_run = mark ? RunsTrialMarked(*mark) : !trials_.empty();
    if (!its_trial_may_run) kill(pid, SIGKILL);  // reaped after its SIGCHLD
  }
}

void TrialSupervisor::KillAdopted(std::chrono::milliseconds limit) {
  auto give_up_at = Clock::now() + limit;
  while (true) {
    std::vector<pid_t> left = Adopted();
    std::erase_if(left, ReapIfEnded);
    for (pid_t pid : left) kill(pid, SIGKILL);
    if (left.empty() || Clock::now() >= give_up_at) return;
    // Their ends (SIGCHLD) wake us; the timeout is a backstop. The orphans
    // they leave are adopted by then, and found on the next turn.
    pollfd signals{.fd = signal_fd_, .events = POLLIN, .revents = 0};
    poll(&signals, 1, 50);
    ReadSignals();
  }
}

}  // namespace hpsearch::runner
