#include "runner/console_progress.h"

#include <cstdio>
#include <limits>
#include <optional>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace hpsearch::runner {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using namespace std::chrono_literals;

TrialView Best() {
  TrialView view;
  view.record.name = "exp-0003";
  view.record.assignments = {{"lr", "0.01"}, {"optimizer", "adam"}};
  view.record.objective_value = "0.91";
  view.record.objective_numeric = 0.91;
  return view;
}

TEST(ConsoleProgressTest, StatusLineShowsCountsBestAndTimeLeft) {
  TrialCounts counts{.running = 2, .succeeded = 3, .failed = 1, .killed = 0, .early_stopped = 0};
  TrialView best = Best();
  EXPECT_EQ(ConsoleProgress::StatusLine(counts, &best, 80s, 12, "val_accuracy"),
            "4/12 done, 2 running, 1 failed | best val_accuracy=0.91 (lr=0.01 optimizer=adam) | "
            "1m20s, ~2m40s left");
}

TEST(ConsoleProgressTest, StatusLineCountsEarlyStoppedTrialsWhenThereAreAny) {
  TrialCounts counts{.running = 1, .succeeded = 3, .failed = 0, .killed = 0, .early_stopped = 2};
  EXPECT_EQ(ConsoleProgress::StatusLine(counts, nullptr, 50s, 10, "loss"),
            "5/10 done, 1 running, 0 failed, 2 early stopped | 50s, ~50s left");
}

TEST(ConsoleProgressTest, StatusLineWithoutBestOrMaximum) {
  TrialCounts counts{.running = 1, .succeeded = 0, .failed = 0, .killed = 0, .early_stopped = 0};
  EXPECT_EQ(ConsoleProgress::StatusLine(counts, nullptr, 5s, std::nullopt, "loss"),
            "0 done, 1 running, 0 failed | 5s");
}

// Captures what a ConsoleProgress writes.
class Captured {
 public:
  Captured() : file_(std::tmpfile()) {}
  ~Captured() { std::fclose(file_); }
  std::FILE* file() { return file_; }
  std::string Text() {
    std::fflush(file_);
    std::rewind(file_);
    std::string text;
    for (int c; (c = std::fgetc(file_)) != EOF;) text += static_cast<char>(c);
    return text;
  }

 private:
  std::FILE* file_;
};

TEST(ConsoleProgressTest, TerminalRedrawsTheStatusLineInPlace) {
  Captured out;
  {
    ConsoleProgress progress(out.file(), /*interactive=*/true, 4, "loss");
    TrialCounts counts{.running = 1, .succeeded = 0, .failed = 0, .killed = 0, .early_stopped = 0};
    progress.OnTick(counts, nullptr, 1s);
    progress.OnMessage("exp-0001 started");
  }
  // The status line is erased (carriage return, erase line) before the
  // event line is printed, and again when the display goes away.
  EXPECT_EQ(out.Text(), "0/4 done, 1 running, 0 failed | 1s\r\x1b[Kexp-0001 started\n");
}

TEST(ConsoleProgressTest, PipesGetTimestampedLinesAndNoControlCharacters) {
  Captured out;
  {
    ConsoleProgress progress(out.file(), /*interactive=*/false, 4, "loss");
    TrialCounts counts{.running = 1, .succeeded = 0, .failed = 0, .killed = 0, .early_stopped = 0};
    progress.OnTick(counts, nullptr, 1s);
    TrialView ended = Best();
    ended.record.status = metrics::TrialStatus::kSucceeded;
    progress.OnTrialEnded(ended);
  }
  std::string text = out.Text();
  EXPECT_THAT(text, ::testing::MatchesRegex("[0-9]{2}:[0-9]{2}:[0-9]{2} exp-0003 Succeeded: loss=0.91\n"));
  EXPECT_THAT(text, Not(HasSubstr("\x1b")));
}

// What a pipe gets when Best() ends Succeeded with this objective.
std::string SucceededLine(std::string value, std::optional<double> numeric) {
  Captured out;
  {
    ConsoleProgress progress(out.file(), /*interactive=*/false, 4, "loss");
    TrialView ended = Best();
    ended.record.status = metrics::TrialStatus::kSucceeded;
    ended.record.objective_value = std::move(value);
    ended.record.objective_numeric = numeric;
    progress.OnTrialEnded(ended);
  }
  return out.Text();
}

// Katib's default filter records loss=nan as "": shown as such, not "loss=".
TEST(ConsoleProgressTest, AnObjectiveThatIsNoNumberIsSaidToBe) {
  EXPECT_THAT(SucceededLine("", std::nullopt), HasSubstr("exp-0003 Succeeded: loss=\"\" (not a number)\n"));
}

TEST(ConsoleProgressTest, AnInfiniteObjectiveIsShownAsReported) {
  EXPECT_THAT(SucceededLine("+Inf", std::numeric_limits<double>::infinity()),
              HasSubstr("exp-0003 Succeeded: loss=+Inf\n"));
}

TEST(ConsoleProgressTest, AValueWithALineBreakStaysOnItsLine) {
  Captured out;
  {
    ConsoleProgress progress(out.file(), /*interactive=*/false, 4, "loss");
    metrics::TrialRecord trial = Best().record;
    trial.assignments[1].second = "adam\nsgd\tx";
    progress.OnTrialStarted(trial);
  }
  EXPECT_THAT(out.Text(), ::testing::MatchesRegex("[0-9:]{8} exp-0003 started: lr=0.01 optimizer=adam\\\\nsgd\\\\tx\n"));
}

}  // namespace
}  // namespace hpsearch::runner
