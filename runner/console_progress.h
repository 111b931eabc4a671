// What `hpsearch run` prints while it works.
//
// On a terminal: one line per trial event, below which a status line
// (done / running / failed of max, best objective with its parameters,
// elapsed and estimated time left) is redrawn in place. Elsewhere (a pipe, a
// CI log): the same event lines with a timestamp, and no redrawing.
#pragma once

#include <chrono>
#include <cstdio>
#include <optional>
#include <string>

#include "runner/experiment_runner.h"

namespace hpsearch::runner {

class ConsoleProgress : public RunObserver {
 public:
  // `max_trials`: the experiment's maxTrialCount, if any.
  ConsoleProgress(std::FILE* out, bool interactive, std::optional<int> max_trials,
                  std::string objective_metric);
  ~ConsoleProgress() override;

  void OnMessage(const std::string& message) override;
  void OnTrialStarted(const metrics::TrialRecord& trial) override;
  void OnTrialEnded(const TrialView& trial) override;
  void OnTick(const TrialCounts& counts, const TrialView* best,
              std::chrono::steady_clock::duration elapsed) override;

  // The status line, as OnTick would draw it (exposed for tests).
  static std::string StatusLine(const TrialCounts& counts, const TrialView* best,
                                std::chrono::steady_clock::duration elapsed,
                                std::optional<int> max_trials, const std::string& objective_metric);

 private:
  void Print(const std::string& line);
  void ClearStatus();

  std::FILE* out_;
  bool interactive_;
  std::optional<int> max_trials_;
  std::string objective_metric_;
  std::string status_;  // the status line currently drawn
  std::chrono::steady_clock::time_point last_draw_;
};

}  // namespace hpsearch::runner
