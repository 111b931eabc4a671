// A stand-in trial for the runner's end-to-end tests: prints Katib-format
// metrics for a quadratic objective and can be told to misbehave.
//
//   fake-trial --x=F [--y=F] [--mode=M] [--epochs=N] [--sleep-ms=N]
//              [--args-file=PATH] [--env-file=PATH] [--pid-file=PATH]
//              [--metrics-file=PATH [--metrics-format=json] [--rewrite-keep=N]]
//              [--tfevent-log-path=DIR]
//              [--barrier-dir=DIR --barrier-count=N] [--wait-for=PATH [--wait-after=N]]
//              [--escape-child=SECONDS --escape-pid-file=PATH [--escape-style=setsid|daemon]
//               [--escape-env=inherit|none]]
//
// loss = (x - 0.3)^2 + (y - 0.5)^2 + 0.01 / epoch, printed once per epoch
// with accuracy = 1 - loss. Modes: ok; fail (exit 3 after the metrics);
// crash (abort after the first epoch); hang (sleep forever after the first
// epoch); stubborn (hang, ignoring SIGTERM); garbage (binary junk and malformed lines around the metrics);
// silent (never prints loss). --args-file writes argv, NUL-separated;
// --env-file the environment, likewise; --pid-file writes the pid;
// --metrics-file prints the metrics there instead of stdout, where
// --metrics-format=json writes them as cloudml-hypertune does (a JSON
// object per metric, values as strings) and --rewrite-keep=N rewrites the
// whole file at every report with the last N reports, as hypertune does
// with N = 100 (N = 0: appends); --tfevent-log-path writes them instead as
// TF2 summaries in TensorBoard event files, as Katib's TFJob example does:
// DIR/test/ gets loss and accuracy, DIR/train/ a loss 1 lower; with a
// barrier, each trial announces itself in DIR and waits
// (up to 20 s) until N trials have, then records how many it saw in
// DIR/seen.<pid>.
//
// --wait-for=PATH holds the trial after its epoch N's report (--wait-after,
// default 1) until PATH exists (up to 120 s, then it goes on), so that a
// test can act while the trial is known to be mid-run, or leave it to the
// engine to stop.
//
// --escape-child starts, before anything else, a process that leaves the
// trial's process group (setsid) and runs `sleep SECONDS`, writing its pid
// to --escape-pid-file; with --escape-style=daemon it double-forks like a
// daemon, so the sleeper is orphaned while the trial runs; with
// --escape-env=none the sleeper starts with an empty environment.
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <deque>
#include <iomanip>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/tfevent_writer.h"

extern char** environ;

namespace {

std::map<std::string, std::string> ParseFlags(int argc, char** argv) {
  std::map<std::string, std::string> flags;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg.rfind("--", 0) != 0) continue;
    size_t equals = arg.find('=');
    if (equals != std::string::npos) {
      flags[arg.substr(2, equals - 2)] = arg.substr(equals + 1);
    } else if (i + 1 < argc) {
      flags[arg.substr(2)] = argv[++i];
    }
  }
  return flags;
}

size_t CountEntries(const std::filesystem::path& dir, const std::string& prefix) {
  size_t count = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    count += entry.path().filename().string().rfind(prefix, 0) == 0;
  }
  return count;
}

void Barrier(const std::filesystem::path& dir, size_t wanted) {
  std::string me = std::to_string(getpid());
  std::ofstream(dir / ("up." + me)) << me;
  size_t seen = 0;
  for (int i = 0; i < 2000 && (seen = CountEntries(dir, "up.")) < wanted; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  std::ofstream(dir / ("seen." + me)) << seen;
}

void WaitFor(const std::string& path) {
  if (path.empty()) return;
  for (int i = 0; i < 12000 && !std::filesystem::exists(path); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

void WritePid(const std::string& path, pid_t pid) { std::ofstream(path) << pid; }

[[noreturn]] void ExecSleeper(const std::string& seconds, bool keep_environment) {
  char* argv[] = {const_cast<char*>("sleep"), const_cast<char*>(seconds.c_str()), nullptr};
  char* no_environment[] = {nullptr};
  execve("/bin/sleep", argv, keep_environment ? environ : no_environment);
  _exit(127);
}

void Escape(const std::string& seconds, const std::string& pid_file, bool daemonize, bool keep_environment) {
  int exec_done[2];  // closed by exec: the trial goes on only once the sleeper is out of its group
  if (pipe2(exec_done, O_CLOEXEC) != 0) std::abort();
  pid_t child = fork();
  if (child == 0) {
    close(exec_done[0]);
    setsid();
    if (daemonize) {
      pid_t sleeper = fork();
      if (sleeper != 0) {
        WritePid(pid_file, sleeper);
        _exit(0);
      }
    }
    ExecSleeper(seconds, keep_environment);
  }
  close(exec_done[1]);
  char ignored;
  while (read(exec_done[0], &ignored, 1) < 0 && errno == EINTR) {
  }
  close(exec_done[0]);
  if (daemonize) {
    waitpid(child, nullptr, 0);  // the sleeper is an orphan from here on
  } else {
    WritePid(pid_file, child);
  }
}

// Where the metrics go: stdout, or a file appended to or rewritten whole.
class MetricsOut {
 public:
  MetricsOut(std::string path, size_t keep) : path_(std::move(path)), keep_(keep) {
    if (path_.empty()) return;
    std::filesystem::create_directories(std::filesystem::path(path_).parent_path());
    if (keep_ == 0) file_.open(path_);
  }

  void Report(const std::string& line) {
    if (path_.empty()) {
      std::cout << line << std::endl;
    } else if (keep_ == 0) {
      file_ << line << std::endl;
    } else {
      kept_.push_back(line);
      if (kept_.size() > keep_) kept_.pop_front();
      std::ofstream rewritten(path_, std::ios::trunc);  // Python's open(path, 'w')
      for (const std::string& kept : kept_) rewritten << kept << '\n';
    }
  }

 private:
  std::string path_;
  size_t keep_;
  std::ofstream file_;
  std::deque<std::string> kept_;
};

// TensorBoard event files of a TF2 trial writing summaries for its train
// and test sets.
class EventLogs {
 public:
  explicit EventLogs(const std::filesystem::path& dir)
      : test_(dir / "test" / EventFileName()), train_(dir / "train" / EventFileName()) {}

  void Report(int epoch, const std::vector<std::pair<std::string, double>>& metrics) {
    const double now = std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
    for (const auto& [name, value] : metrics) {
      test_.AddTensorScalar(name, epoch, static_cast<float>(value), now);
      if (name == "loss") train_.AddTensorScalar(name, epoch, static_cast<float>(value - 1), now);
    }
  }

 private:
  // TensorFlow's pattern: events.out.tfevents.<time>.<host>.<pid>.<n>.v2
  static std::string EventFileName() {
    return "events.out.tfevents." + std::to_string(time(nullptr)) + ".fake." + std::to_string(getpid()) + ".0.v2";
  }

  hpsearch::testing::TfEventWriter test_;
  hpsearch::testing::TfEventWriter train_;
};

// An epoch's reports: one line of Katib's text format, or hypertune's JSON
// objects, one per metric, timestamped like Python's time.time().
std::vector<std::string> EpochReports(int epoch, const std::vector<std::pair<std::string, double>>& metrics,
                                      bool json) {
  std::vector<std::string> reports;
  std::ostringstream line;
  if (!json) line << "epoch=" << epoch;
  for (const auto& [name, value] : metrics) {
    if (!json) {
      line << ' ' << name << '=' << value;
      continue;
    }
    auto now = std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch());
    std::ostringstream entry;
    entry << R"({"global_step": ")" << epoch << R"(", ")" << name << R"(": ")" << value
          << R"(", "timestamp": )" << std::fixed << std::setprecision(6) << now.count() << R"(, "trial": "0"})";
    reports.push_back(entry.str());
  }
  if (!json) reports.push_back(line.str());
  return reports;
}

}  // namespace

int main(int argc, char** argv) {
  std::map<std::string, std::string> flags = ParseFlags(argc, argv);
  auto flag = [&](const std::string& name, const std::string& fallback) {
    auto it = flags.find(name);
    return it == flags.end() ? fallback : it->second;
  };
  if (flag("mode", "ok") == "stubborn") signal(SIGTERM, SIG_IGN);  // first, however slow the start
  if (std::string path = flag("args-file", ""); !path.empty()) {
    std::ofstream out(path, std::ios::binary);
    for (int i = 0; i < argc; ++i) out << argv[i] << '\0';
  }
  if (std::string path = flag("env-file", ""); !path.empty()) {
    std::ofstream out(path, std::ios::binary);
    for (char** entry = environ; *entry != nullptr; ++entry) out << *entry << '\0';
  }
  if (std::string seconds = flag("escape-child", ""); !seconds.empty()) {
    Escape(seconds, flag("escape-pid-file", "escapee"), flag("escape-style", "setsid") == "daemon",
           flag("escape-env", "inherit") == "inherit");
  }
  if (std::string path = flag("pid-file", ""); !path.empty()) std::ofstream(path) << getpid();
  if (std::string dir = flag("barrier-dir", ""); !dir.empty()) {
    Barrier(dir, std::stoul(flag("barrier-count", "1")));
  }

  const double x = std::stod(flag("x", "0"));
  const double y = std::stod(flag("y", "0.5"));
  const std::string mode = flag("mode", "ok");
  const int epochs = std::stoi(flag("epochs", "3"));
  const int sleep_ms = std::stoi(flag("sleep-ms", "0"));
  MetricsOut metrics(flag("metrics-file", ""), std::stoul(flag("rewrite-keep", "0")));
  const bool json = flag("metrics-format", "text") == "json";
  std::optional<EventLogs> event_logs;
  if (std::string dir = flag("tfevent-log-path", ""); !dir.empty()) event_logs.emplace(dir);
  const int wait_after = std::stoi(flag("wait-after", "1"));

  for (int epoch = 1; epoch <= epochs; ++epoch) {
    std::this_thread::sleep_for(std::chrono::milliseconds(sleep_ms));
    double loss = std::pow(x - 0.3, 2) + std::pow(y - 0.5, 2) + 0.01 / epoch;
    if (mode == "garbage") {
      std::cout << std::string("\x00\xff\xfe binary \x01", 12) << "\nloss=\nloss = nan-ish ==\r\n";
    }
    std::vector<std::pair<std::string, double>> reported = {{"loss", loss}, {"accuracy", 1 - loss}};
    if (mode == "silent") reported.erase(reported.begin());
    if (event_logs) {
      event_logs->Report(epoch, reported);
    } else {
      for (const std::string& report : EpochReports(epoch, reported, json)) metrics.Report(report);
    }
    std::cerr << "finished epoch " << epoch << std::endl;
    if (epoch == wait_after) WaitFor(flag("wait-for", ""));
    if (mode == "crash") std::abort();
    if (mode == "hang" || mode == "stubborn") {
      while (true) std::this_thread::sleep_for(std::chrono::seconds(1));
    }
  }
  return mode == "fail" ? 3 : 0;
}
