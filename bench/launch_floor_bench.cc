// The operating system's share of running one trial, without hpsearch: per
// trial, exactly the system calls any engine that meets the trial contract
// must make (a folder of its own, the output in trials/<name>/stdout.log, a
// process it can watch and whose exit it learns), and nothing else: no
// store, no suggestion, no parsing. Its CPU per trial is the floor under
// `hpsearch run`'s engine CPU per trial (bench/runner.md).
//
//   launch_floor_bench DIR TRIALS PROGRAM [ARG...]
//
// Runs PROGRAM TRIALS times, one at a time, each in DIR/trial-N with its
// stdout read through a pipe and written to DIR/trial-N/stdout.log, and
// prints the wall time and this process's own CPU time (children excluded)
// per trial. DIR must not exist: fresh folders, as a run has.
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace {

[[noreturn]] void Die(const char* what) {
  std::perror(what);
  std::exit(1);
}

double CpuSeconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  auto seconds = [](const timeval& t) { return static_cast<double>(t.tv_sec) + t.tv_usec / 1e6; };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

struct Child {
  char* const* argv;
  const char* dir;
  int stdout_fd;
};

int ChildMain(void* arg) {
  const Child& child = *static_cast<const Child*>(arg);
  if (chdir(child.dir) != 0 || dup2(child.stdout_fd, STDOUT_FILENO) < 0) _exit(127);
  execv(child.argv[0], child.argv);
  _exit(127);
}

// One trial: the same spawn as the engine's (clone with CLONE_VM |
// CLONE_VFORK, as posix_spawn), its output followed until end of file and
// copied to the log created at the first byte, then its exit reaped.
void RunTrial(const std::string& dir, char* const* argv, std::vector<char>& stack) {
  if (mkdir(dir.c_str(), 0755) != 0) Die("mkdir");
  int pipe_fds[2];
  if (pipe2(pipe_fds, O_CLOEXEC) != 0) Die("pipe2");
  Child child{.argv = argv, .dir = dir.c_str(), .stdout_fd = pipe_fds[1]};
  const pid_t pid = clone(ChildMain, stack.data() + stack.size(), CLONE_VM | CLONE_VFORK | SIGCHLD, &child);
  if (pid < 0) Die("clone");
  close(pipe_fds[1]);
  int log = -1;
  char buffer[65536];
  while (true) {
    pollfd output{.fd = pipe_fds[0], .events = POLLIN, .revents = 0};
    if (poll(&output, 1, -1) < 0) Die("poll");
    const ssize_t got = read(pipe_fds[0], buffer, sizeof buffer);
    if (got <= 0) break;
    if (log < 0) log = open((dir + "/stdout.log").c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (log < 0) Die("open stdout.log");
    if (write(log, buffer, static_cast<size_t>(got)) != got) Die("write stdout.log");
  }
  close(pipe_fds[0]);
  if (log >= 0) close(log);
  int status = 0;
  if (waitpid(pid, &status, 0) != pid) Die("waitpid");
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    std::fprintf(stderr, "trial in %s failed (status %d)\n", dir.c_str(), status);
    std::exit(1);
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 4) {
    std::fprintf(stderr, "usage: %s DIR TRIALS PROGRAM [ARG...]\n", argv[0]);
    return 2;
  }
  const std::string root = argv[1];
  const int trials = std::atoi(argv[2]);
  if (trials <= 0) {
    std::fprintf(stderr, "TRIALS must be a positive number, not %s\n", argv[2]);
    return 2;
  }
  if (mkdir(root.c_str(), 0755) != 0) Die(root.c_str());
  std::vector<char> stack(64 * 1024);
  const auto start = std::chrono::steady_clock::now();
  const double cpu_start = CpuSeconds();
  for (int i = 1; i <= trials; ++i) RunTrial(root + "/trial-" + std::to_string(i), argv + 3, stack);
  const double cpu = CpuSeconds() - cpu_start;
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("%d trials in %.2f s = %.2f ms per trial; own CPU %.3f s (%.1f%% of one core) = %.3f ms per trial\n",
              trials, wall, 1000 * wall / trials, cpu, 100 * cpu / wall, 1000 * cpu / trials);
  return 0;
}
