#include "runner/process.h"

#include <dirent.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "gpu/process_tree.h"
#include "runner/internal/scoped_fd.h"

namespace hpsearch::runner {
namespace {

using internal::ScopedFd;

// What `operation` failing with `error` says. Running out of descriptors,
// processes or memory is RESOURCE_EXHAUSTED, naming the limit when there
// is one: it is the engine's environment failing, not the trial.
absl::Status SystemError(std::string_view operation, int error) {
  std::string message = absl::StrCat(std::string(operation), ": ", std::strerror(error));
  auto with_limit = [&](int resource, const char* name) {
    rlimit limit{};
    if (getrlimit(resource, &limit) == 0 && limit.rlim_cur != RLIM_INFINITY) {
      absl::StrAppend(&message, " (the ", name, " is ", limit.rlim_cur, ")");
    }
    return absl::ResourceExhaustedError(message);
  };
  switch (error) {
    case EMFILE:
      return with_limit(RLIMIT_NOFILE, "open-file limit, ulimit -n,");
    case EAGAIN:
      return with_limit(RLIMIT_NPROC, "process limit, ulimit -u,");
    case ENFILE:
    case ENOMEM:
      return absl::ResourceExhaustedError(message);
    default:
      return absl::InternalError(message);
  }
}

absl::Status MakePipe(ScopedFd& read_end, ScopedFd& write_end) {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) return SystemError("pipe", errno);
  read_end.reset(fds[0]);
  write_end.reset(fds[1]);
  return absl::OkStatus();
}

void SetNonBlocking(int fd) { fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK); }

// Makes `fd` the child's descriptor `target`, kept open across exec.
void InheritAs(int fd, int target) {
  if (fd == target) {
    fcntl(fd, F_SETFD, 0);  // dup2 would leave O_CLOEXEC set
  } else {
    dup2(fd, target);
  }
}

// Why the child could not become the trial.
struct ChildFailure {
  enum Stage : int { kNone, kChdir, kExec } stage = kNone;
  int error = 0;
};

// What the child needs, all prepared by the engine before it starts, and
// where it reports a failure to exec: the engine reads that once the child
// has exec'd or exited, as glibc's posix_spawn does.
struct ChildArgs {
  char* const* argv;
  char* const* envp;
  const char* working_dir;  // null: the engine's
  pid_t engine;
  int stdin_fd;
  int stdout_fd;
  int stderr_fd;
  ChildFailure failure;
};

// /dev/null, opened once for every trial's stdin; -1 (errno set) while it
// cannot be opened, tried again at the next call.
int DevNull() {
  static int fd = -1;
  if (fd < 0) fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
  return fd;
}

// In the child: set the process up as a trial and exec it. It shares the
// engine's memory until exec (see SpawnChild), so it makes only system calls
// and writes nothing but its own stack, errno and the failure it returns.
// Returns only on failure.
ChildFailure RunChild(char* const* argv, char* const* envp, const char* working_dir, pid_t engine,
                      int stdin_fd, int stdout_fd, int stderr_fd) {
  setpgid(0, 0);
  // If the engine dies (even by SIGKILL) the trial goes with it instead of
  // running on unsupervised; a resumed run starts it again.
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (getppid() != engine) _exit(127);  // the engine died before prctl
  struct sigaction default_action {};
  default_action.sa_handler = SIG_DFL;
  for (int signal = 1; signal < NSIG; ++signal) sigaction(signal, &default_action, nullptr);
  sigset_t no_signals;
  sigemptyset(&no_signals);
  sigprocmask(SIG_SETMASK, &no_signals, nullptr);

  if (stdin_fd >= 0) InheritAs(stdin_fd, STDIN_FILENO);
  InheritAs(stdout_fd, STDOUT_FILENO);
  InheritAs(stderr_fd, STDERR_FILENO);
  if (working_dir != nullptr && chdir(working_dir) != 0) return {ChildFailure::kChdir, errno};
  execve(argv[0], argv, envp);
  return {ChildFailure::kExec, errno};
}

// The child's entry point (see clone(2)).
int ChildMain(void* arg) {
  ChildArgs& args = *static_cast<ChildArgs*>(arg);
  // Only returns when exec failed: tell the engine why.
  args.failure = RunChild(args.argv, args.envp, args.working_dir, args.engine, args.stdin_fd,
                          args.stdout_fd, args.stderr_fd);
  _exit(127);
}

// Starts ChildMain the way posix_spawn does: in the engine's address space
// (CLONE_VM), with the engine suspended until the child has exec'd or exited
// (CLONE_VFORK), so nothing is copied (fork's page tables and the copy-on-
// write faults after it were a tenth of the engine's CPU), and on a stack of
// its own. posix_spawn itself cannot set PR_SET_PDEATHSIG. All signals are
// blocked meanwhile, so no handler of the engine ever runs in the child; the
// child sets its own mask before exec.
pid_t SpawnChild(ChildArgs& args) {
  constexpr size_t kStackSize = 64 * 1024;
  auto stack = std::make_unique_for_overwrite<char[]>(kStackSize);
  // Stacks grow down on every architecture Linux runs this on.
  void* stack_top = stack.get() + kStackSize;
  sigset_t all, previous;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &previous);
  pid_t pid = clone(ChildMain, stack_top, CLONE_VM | CLONE_VFORK | SIGCHLD, &args);
  int error = errno;
  pthread_sigmask(SIG_SETMASK, &previous, nullptr);
  errno = error;
  return pid;
}

absl::Status SpawnError(int error, const std::string& program) {
  std::string message = absl::StrCat("cannot execute ", program);
  switch (error) {
    case ENOENT:
      return absl::NotFoundError(absl::StrCat(message, ": ", std::strerror(error)));
    case EACCES:
    case EPERM:
      return absl::PermissionDeniedError(absl::StrCat(message, ": ", std::strerror(error)));
    default:
      return SystemError(message, error);
  }
}

// A program gets its arguments and environment as C strings, which a NUL
// would end early, without a word.
absl::Status RefuseNulCharacters(const LaunchSpec& spec) {
  auto refuse = [](absl::string_view what, absl::string_view text) {
    return absl::InvalidArgumentError(absl::StrCat(what, " \"", absl::CEscape(text),
                                                   "\" holds a NUL character, which no program can be given"));
  };
  for (size_t i = 0; i < spec.argv.size(); ++i) {
    if (spec.argv[i].find('\0') != std::string::npos) {
      return refuse(absl::StrCat("argument ", i, " of the command,"), spec.argv[i]);
    }
  }
  for (const std::string& entry : spec.env) {
    if (entry.find('\0') != std::string::npos) return refuse("environment entry", entry);
  }
  return absl::OkStatus();
}

std::vector<char*> CStrings(const std::vector<std::string>& strings) {
  std::vector<char*> pointers;
  pointers.reserve(strings.size() + 1);
  for (const std::string& s : strings) pointers.push_back(const_cast<char*>(s.c_str()));
  pointers.push_back(nullptr);
  return pointers;
}

bool IsExecutableFile(const std::filesystem::path& path) {
  std::error_code error;
  return std::filesystem::is_regular_file(path, error) && access(path.c_str(), X_OK) == 0;
}

}  // namespace

std::string ExitStatus::Describe() const {
  if (!signaled) return absl::StrCat("exit code ", exit_code);
  return absl::StrCat("killed by signal ", signal, " (", strsignal(signal), ")");
}

absl::StatusOr<TrialProcess> TrialProcess::Start(const LaunchSpec& spec) {
  if (spec.argv.empty()) return absl::InvalidArgumentError("empty command");
  if (absl::Status refused = RefuseNulCharacters(spec); !refused.ok()) return refused;
  ScopedFd out_read, out_write, err_read, err_write;
  for (auto [read_end, write_end] : {std::pair{&out_read, &out_write}, std::pair{&err_read, &err_write}}) {
    if (absl::Status s = MakePipe(*read_end, *write_end); !s.ok()) return s;
  }
  // Everything the child needs is allocated here: until exec it may only
  // make system calls.
  std::vector<char*> argv = CStrings(spec.argv);
  std::vector<char*> envp = CStrings(spec.env);
  ChildArgs args{.argv = argv.data(),
                 .envp = envp.data(),
                 .working_dir = spec.working_dir.empty() ? nullptr : spec.working_dir.c_str(),
                 .engine = getpid(),
                 .stdin_fd = DevNull(),
                 .stdout_fd = out_write.get(),
                 .stderr_fd = err_write.get(),
                 .failure = {}};
  pid_t pid = SpawnChild(args);
  if (pid < 0) return SystemError("clone", errno);
  setpgid(pid, pid);  // also here, so the group exists before we signal it
  out_write.reset();
  err_write.reset();

  // The child has exec'd or exited by now (CLONE_VFORK).
  const ChildFailure& failure = args.failure;
  if (failure.stage != ChildFailure::kNone) {
    while (waitpid(pid, nullptr, 0) < 0 && errno == EINTR) {
    }
    if (failure.stage == ChildFailure::kChdir) {
      return absl::NotFoundError(absl::StrCat("cannot enter working directory ",
                                              spec.working_dir.string(), ": ",
                                              std::strerror(failure.error)));
    }
    return SpawnError(failure.error, spec.argv[0]);
  }
  SetNonBlocking(out_read.get());
  SetNonBlocking(err_read.get());
  return TrialProcess(pid, std::move(out_read), std::move(err_read));
}

ScopedFd ReserveDescriptor() {
  // A copy of an open file: the cheapest descriptor there is.
  return ScopedFd(DevNull() < 0 ? -1 : fcntl(DevNull(), F_DUPFD_CLOEXEC, 0));
}

absl::Status CheckFreeDescriptors(int count) {
  std::vector<ScopedFd> probe;
  probe.reserve(static_cast<size_t>(count));
  for (int i = 0; i < count; ++i) {
    probe.push_back(ReserveDescriptor());
    if (!probe.back().valid()) return SystemError(absl::StrCat("needs ", count, " free file descriptors"), errno);
  }
  return absl::OkStatus();
}

TrialProcess::TrialProcess(TrialProcess&& other) noexcept
    : pid_(std::exchange(other.pid_, -1)),
      stdout_(std::move(other.stdout_)),
      stderr_(std::move(other.stderr_)),
      exit_status_(std::exchange(other.exit_status_, std::nullopt)) {}

TrialProcess& TrialProcess::operator=(TrialProcess&& other) noexcept {
  if (this != &other) {
    KillAndReap();
    pid_ = std::exchange(other.pid_, -1);
    stdout_ = std::move(other.stdout_);
    stderr_ = std::move(other.stderr_);
    exit_status_ = std::exchange(other.exit_status_, std::nullopt);
  }
  return *this;
}

TrialProcess::~TrialProcess() { KillAndReap(); }

void TrialProcess::KillAndReap() {
  if (pid_ > 0 && running()) {
    SignalGroup(SIGKILL);
    Wait();
  }
}

void TrialProcess::SignalGroup(int signal) const {
  // Once reaped, the pid (and so the group id) may belong to someone else.
  if (pid_ > 0 && running()) kill(-pid_, signal);
}

bool TrialProcess::HasEnded() const {
  if (!running()) return true;
  siginfo_t info{};
  int result;
  do {
    result = waitid(P_PID, pid_, &info, WEXITED | WNOHANG | WNOWAIT);
  } while (result < 0 && errno == EINTR);
  return result == 0 && info.si_pid == pid_;
}

namespace {
ExitStatus FromWaitStatus(int status) {
  ExitStatus exit;
  if (WIFSIGNALED(status)) {
    exit.signaled = true;
    exit.signal = WTERMSIG(status);
  } else {
    exit.exit_code = WEXITSTATUS(status);
  }
  return exit;
}
}  // namespace

std::optional<ExitStatus> TrialProcess::TryWait() {
  if (!running() || pid_ <= 0) return exit_status_;
  int status = 0;
  pid_t reaped;
  do {
    reaped = waitpid(pid_, &status, WNOHANG);
  } while (reaped < 0 && errno == EINTR);
  if (reaped == pid_) exit_status_ = FromWaitStatus(status);
  return exit_status_;
}

ExitStatus TrialProcess::Wait() {
  while (running()) {
    int status = 0;
    pid_t reaped = waitpid(pid_, &status, 0);
    if (reaped == pid_) {
      exit_status_ = FromWaitStatus(status);
    } else if (reaped < 0 && errno != EINTR) {
      // ECHILD: someone else reaped it; all we can say is that it ended.
      exit_status_ = ExitStatus{.signaled = false, .exit_code = -1, .signal = 0};
    }
  }
  return *exit_status_;
}

ChildSubreaper::ChildSubreaper() {
  prctl(PR_GET_CHILD_SUBREAPER, &previous_);
  prctl(PR_SET_CHILD_SUBREAPER, 1);
}

ChildSubreaper::~ChildSubreaper() { prctl(PR_SET_CHILD_SUBREAPER, previous_); }

namespace {

// Every pid in /proc but this process's own.
std::vector<pid_t> ListOtherProcesses() {
  std::vector<pid_t> pids;
  std::unique_ptr<DIR, int (*)(DIR*)> proc(opendir("/proc"), closedir);
  if (proc == nullptr) return pids;
  const pid_t self = getpid();
  while (const dirent* entry = readdir(proc.get())) {
    pid_t pid;
    if (absl::SimpleAtoi(entry->d_name, &pid) && pid != self) pids.push_back(pid);
  }
  return pids;
}

}  // namespace

std::vector<pid_t> ListChildren() {
  std::vector<pid_t> children;
  const pid_t self = getpid();
  for (pid_t pid : ListOtherProcesses()) {
    std::optional<gpu::ProcessInfo> info = gpu::ReadProcessInfo(pid);
    if (info.has_value() && info->parent == self) children.push_back(pid);
  }
  return children;
}

std::vector<pid_t> KillProcessesMarkedUnder(std::string_view variable, const std::filesystem::path& root) {
  const std::string prefix = (root / "").string();
  std::vector<pid_t> killed;
  // Until a pass finds nobody new: a leftover may fork (its children inherit
  // the mark) while a pass runs, and a child forked behind the pass's place
  // in /proc is seen only by the next.
  for (bool found = true; found;) {
    found = false;
    for (pid_t pid : ListOtherProcesses()) {
      if (std::ranges::find(killed, pid) != killed.end()) continue;
      std::optional<std::string> mark = gpu::StartupEnvironmentValue(pid, variable);
      if (mark && mark->starts_with(prefix) && kill(pid, SIGKILL) == 0) {
        killed.push_back(pid);
        found = true;
      }
    }
  }
  return killed;
}

bool ReapIfEnded(pid_t pid) {
  pid_t reaped;
  do {
    reaped = waitpid(pid, nullptr, WNOHANG);
  } while (reaped < 0 && errno == EINTR);
  return reaped != 0;
}

absl::StatusOr<std::filesystem::path> ResolveCommand(
    const std::string& command, const std::vector<std::filesystem::path>& search_dirs) {
  if (command.empty()) return absl::InvalidArgumentError("empty command");
  if (command.find('/') != std::string::npos) {
    // Absolute: the trial runs in a directory of its own, where "./train.sh"
    // would name nothing.
    std::error_code error;
    const std::filesystem::path path = std::filesystem::absolute(command, error).lexically_normal();
    if (!error && IsExecutableFile(path)) return path;
    const std::string relative =
        command.starts_with('/') ? "" : absl::StrCat(" (", command, " is taken from where hpsearch runs)");
    if (!std::filesystem::exists(path, error)) {
      return absl::NotFoundError(absl::StrCat(path.string(), " does not exist", relative));
    }
    return absl::NotFoundError(absl::StrCat(path.string(), " is not an executable file", relative));
  }
  for (const std::filesystem::path& dir : search_dirs) {
    std::filesystem::path candidate = dir / command;
    if (IsExecutableFile(candidate)) return candidate;
  }
  std::vector<std::string> dirs;
  for (const auto& dir : search_dirs) dirs.push_back(dir.string());
  return absl::NotFoundError(absl::StrCat("command ", command, " not found in ",
                                          absl::StrJoin(dirs, ":")));
}

std::vector<std::filesystem::path> CommandSearchPath(absl::string_view path_variable) {
  std::vector<std::filesystem::path> dirs;
  for (absl::string_view dir : absl::StrSplit(path_variable, ':', absl::SkipEmpty())) {
    dirs.emplace_back(std::string(dir));
  }
  // The executable does not move while it runs: read once.
  static const std::filesystem::path kOwnFolder = [] {
    std::error_code error;
    std::filesystem::path self = std::filesystem::read_symlink("/proc/self/exe", error);
    return error ? std::filesystem::path() : self.parent_path();
  }();
  if (!kOwnFolder.empty()) dirs.push_back(kOwnFolder);
  return dirs;
}

std::vector<std::filesystem::path> DefaultCommandSearchPath() {
  const char* path = std::getenv("PATH");
  return CommandSearchPath(path == nullptr ? "" : path);
}

}  // namespace hpsearch::runner
