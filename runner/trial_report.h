// Trials as a user reads them: a table for the terminal, JSON and CSV for
// scripts. Used by the summary at the end of `hpsearch run` and by
// `hpsearch trials`, so both always show the same columns.
//
// Columns: trial, status, the objective and every additional metric (each
// under its metric strategy), every parameter (as "parameter.x" when a
// metric or another column has its name), then reason and message. The
// table aligns columns by UTF-8 code point and writes line breaks and tabs
// in a cell as \n, \r, \t, so each trial stays on one line.
#pragma once

#include <string>
#include <vector>

#include "api/experiment.h"
#include "runner/experiment_runner.h"

namespace hpsearch::runner {

enum class ReportFormat { kTable, kJson, kCsv };

// `text` kept on its line, as a table cell or a log line: line breaks and
// tabs written as escapes (a categorical value may hold them).
std::string OneLine(const std::string& text);

// Succeeded trials, best objective first; then the other trials with a
// numeric objective (partial: failed, stopped, running), best first; then
// those without one, in creation order.
std::vector<TrialView> SortedByObjective(std::vector<TrialView> trials,
                                         const api::Experiment& experiment);

std::string FormatTrials(const std::vector<TrialView>& trials, const api::Experiment& experiment,
                         ReportFormat format);

// The run's outcome, its best trial, every trial, and the engine's overhead
// per trial (count, p50, p99 and max of each latency in
// RunResult::overhead), as JSON (written to <workdir>/summary.json).
std::string FormatSummaryJson(const RunResult& result, const api::Experiment& experiment);

}  // namespace hpsearch::runner
