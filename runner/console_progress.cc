#include "runner/console_progress.h"

#include <cmath>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "runner/trial_report.h"

namespace hpsearch::runner {
namespace {

// A terminal redraw at most this often.
constexpr std::chrono::milliseconds kRedrawInterval(250);

std::string Duration(std::chrono::steady_clock::duration d) {
  auto seconds = std::chrono::duration_cast<std::chrono::seconds>(d).count();
  if (seconds >= 3600) return absl::StrFormat("%dh%02dm", seconds / 3600, seconds / 60 % 60);
  if (seconds >= 60) return absl::StrFormat("%dm%02ds", seconds / 60, seconds % 60);
  return absl::StrFormat("%ds", seconds);
}

std::string Assignments(const metrics::TrialRecord& trial) {
  return absl::StrJoin(trial.assignments, " ", [](std::string* out, const auto& assignment) {
    absl::StrAppend(out, assignment.first, "=", OneLine(assignment.second));
  });
}

}  // namespace

ConsoleProgress::ConsoleProgress(std::FILE* out, bool interactive, std::optional<int> max_trials,
                                 std::string objective_metric)
    : out_(out),
      interactive_(interactive),
      max_trials_(max_trials),
      objective_metric_(std::move(objective_metric)) {}

ConsoleProgress::~ConsoleProgress() { ClearStatus(); }

std::string ConsoleProgress::StatusLine(const TrialCounts& counts, const TrialView* best,
                                        std::chrono::steady_clock::duration elapsed,
                                        std::optional<int> max_trials,
                                        const std::string& objective_metric) {
  int done = counts.completed();
  std::string line = absl::StrFormat("%d%s done, %d running, %d failed", done,
                                     max_trials ? absl::StrCat("/", *max_trials) : "", counts.running,
                                     counts.failed);
  if (counts.early_stopped > 0) absl::StrAppend(&line, ", ", counts.early_stopped, " early stopped");
  if (best) {
    absl::StrAppend(&line, " | best ", objective_metric, "=", *best->record.objective_value, " (",
                    Assignments(best->record), ")");
  }
  absl::StrAppend(&line, " | ", Duration(elapsed));
  if (max_trials && done > 0 && done < *max_trials) {
    absl::StrAppend(&line, ", ~", Duration(elapsed / done * (*max_trials - done)), " left");
  }
  return line;
}

void ConsoleProgress::OnMessage(const std::string& message) { Print(message); }

void ConsoleProgress::OnTrialStarted(const metrics::TrialRecord& trial) {
  Print(absl::StrCat(trial.name, " started: ", Assignments(trial)));
}

void ConsoleProgress::OnTrialEnded(const TrialView& trial) {
  const metrics::TrialRecord& record = trial.record;
  std::string line = absl::StrCat(record.name, " ", std::string(metrics::TrialStatusName(record.status)));
  if (record.objective_value) {
    // loss=nan reads as "" with Katib's default filter: say so, not "loss=".
    const bool number = record.objective_numeric && !std::isnan(*record.objective_numeric);
    absl::StrAppend(&line, ": ", objective_metric_, "=",
                    number ? *record.objective_value
                           : absl::StrCat("\"", *record.objective_value, "\" (not a number)"));
  }
  if (!record.message.empty()) absl::StrAppend(&line, " (", record.message, ")");
  Print(line);
}

void ConsoleProgress::OnTick(const TrialCounts& counts, const TrialView* best,
                             std::chrono::steady_clock::duration elapsed) {
  if (!interactive_) return;
  auto now = std::chrono::steady_clock::now();
  if (now - last_draw_ < kRedrawInterval) return;
  last_draw_ = now;
  ClearStatus();
  status_ = StatusLine(counts, best, elapsed, max_trials_, objective_metric_);
  std::fputs(status_.c_str(), out_);
  std::fflush(out_);
}

void ConsoleProgress::Print(const std::string& line) {
  ClearStatus();
  if (interactive_) {
    std::fprintf(out_, "%s\n", line.c_str());
  } else {
    std::string time = absl::FormatTime("%H:%M:%S", absl::Now(), absl::LocalTimeZone());
    std::fprintf(out_, "%s %s\n", time.c_str(), line.c_str());
  }
  std::fflush(out_);
}

void ConsoleProgress::ClearStatus() {
  if (!interactive_ || status_.empty()) return;
  std::fputs("\r\x1b[K", out_);  // carriage return, erase to end of line
  status_.clear();
}

}  // namespace hpsearch::runner
