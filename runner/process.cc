#include "runner/process.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "runner/internal/scoped_fd.h"

namespace hpsearch::runner {
namespace {

using internal::ScopedFd;

absl::Status MakePipe(ScopedFd& read_end, ScopedFd& write_end) {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) {
    return absl::InternalError(absl::StrCat("pipe: ", std::strerror(errno)));
  }
  read_end.reset(fds[0]);
  write_end.reset(fds[1]);
  if (fcntl(fds[0], F_SETFL, O_NONBLOCK) != 0) {
    return absl::InternalError(absl::StrCat("fcntl: ", std::strerror(errno)));
  }
  return absl::OkStatus();
}

absl::Status SpawnError(int error, const std::string& program) {
  std::string message = absl::StrCat("cannot execute ", program, ": ", std::strerror(error));
  switch (error) {
    case ENOENT:
      return absl::NotFoundError(message);
    case EACCES:
    case EPERM:
      return absl::PermissionDeniedError(message);
    default:
      return absl::InternalError(message);
  }
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
  ScopedFd out_read, out_write, err_read, err_write;
  if (absl::Status s = MakePipe(out_read, out_write); !s.ok()) return s;
  if (absl::Status s = MakePipe(err_read, err_write); !s.ok()) return s;

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, out_write.get(), STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&actions, err_write.get(), STDERR_FILENO);
  if (!spec.working_dir.empty()) {
    posix_spawn_file_actions_addchdir_np(&actions, spec.working_dir.c_str());
  }

  // The child gets its own process group, default signal dispositions and an
  // empty signal mask, whatever the runner has set up for itself.
  posix_spawnattr_t attributes;
  posix_spawnattr_init(&attributes);
  sigset_t all_signals, no_signals;
  sigfillset(&all_signals);
  sigemptyset(&no_signals);
  posix_spawnattr_setsigdefault(&attributes, &all_signals);
  posix_spawnattr_setsigmask(&attributes, &no_signals);
  posix_spawnattr_setpgroup(&attributes, 0);
  posix_spawnattr_setflags(&attributes,
                           POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);

  std::vector<char*> argv = CStrings(spec.argv);
  std::vector<char*> envp = CStrings(spec.env);
  pid_t pid = -1;
  int error = posix_spawn(&pid, spec.argv[0].c_str(), &actions, &attributes, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attributes);
  if (error != 0) {
    if (error == ENOENT && !spec.working_dir.empty() && !std::filesystem::exists(spec.working_dir)) {
      return absl::NotFoundError(
          absl::StrCat("working directory ", spec.working_dir.string(), " does not exist"));
    }
    return SpawnError(error, spec.argv[0]);
  }
  return TrialProcess(pid, std::move(out_read), std::move(err_read));
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

absl::StatusOr<std::filesystem::path> ResolveCommand(
    const std::string& command, const std::vector<std::filesystem::path>& search_dirs) {
  if (command.empty()) return absl::InvalidArgumentError("empty command");
  if (command.find('/') != std::string::npos) {
    if (IsExecutableFile(command)) return std::filesystem::path(command);
    return absl::NotFoundError(absl::StrCat(command, " is not an executable file"));
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

std::vector<std::filesystem::path> DefaultCommandSearchPath() {
  std::vector<std::filesystem::path> dirs;
  if (const char* path = std::getenv("PATH")) {
    for (absl::string_view dir : absl::StrSplit(path, ':', absl::SkipEmpty())) {
      dirs.emplace_back(std::string(dir));
    }
  }
  std::error_code error;
  std::filesystem::path self = std::filesystem::read_symlink("/proc/self/exe", error);
  if (!error) dirs.push_back(self.parent_path());
  return dirs;
}

}  // namespace hpsearch::runner
