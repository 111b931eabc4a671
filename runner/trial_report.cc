#include "runner/trial_report.h"

#include <algorithm>
#include <cmath>

#include <nlohmann/json.hpp>

#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "metrics/katib_time.h"
#include "runner/objective.h"

namespace hpsearch::runner {
namespace {

using nlohmann::ordered_json;

// The objective as a JSON number; JSON has none for inf and nan, which are
// kept as the text the trial reported rather than turned into null.
ordered_json ObjectiveJson(const metrics::TrialRecord& record) {
  if (!record.objective_numeric) return nullptr;
  if (!std::isfinite(*record.objective_numeric)) return *record.objective_value;
  return *record.objective_numeric;
}

std::vector<std::string> MetricNames(const api::Experiment& experiment) {
  std::vector<std::string> names = {experiment.spec.objective->objective_metric_name};
  for (const std::string& name : experiment.spec.objective->additional_metric_names) names.push_back(name);
  return names;
}

std::vector<std::string> ParameterNames(const api::Experiment& experiment) {
  std::vector<std::string> names;
  for (const api::ParameterSpec& parameter : experiment.spec.parameters) names.push_back(parameter.name);
  return names;
}

// The value of `metric` under its strategy, "" when the trial has none.
std::string MetricValue(const TrialView& trial, const std::string& metric) {
  for (const metrics::MetricSummary& summary : trial.metrics) {
    if (summary.name == metric && summary.available()) return summary.value();
  }
  return "";
}

std::string Assignment(const TrialView& trial, const std::string& parameter) {
  for (const auto& [name, value] : trial.record.assignments) {
    if (name == parameter) return value;
  }
  return "";
}

std::string Mib(std::optional<int64_t> bytes) { return bytes ? std::to_string(*bytes >> 20) : ""; }

// Where a trial ran on the GPUs and what it used there, as table cells.
std::vector<std::string> GpuCells(const metrics::TrialRecord& record) {
  if (!record.gpu_device) return {"", "", "", ""};
  return {*record.gpu_device, Mib(record.gpu_peak_memory_bytes), Mib(record.gpu_memory_budget_bytes),
          record.gpu_mean_utilization ? absl::StrFormat("%.0f", *record.gpu_mean_utilization) : ""};
}

// One row of cells per trial, under a header row; GPU columns only when a
// trial ran on a GPU.
std::vector<std::vector<std::string>> Rows(const std::vector<TrialView>& trials,
                                           const api::Experiment& experiment) {
  std::vector<std::string> metric_names = MetricNames(experiment);
  std::vector<std::string> parameter_names = ParameterNames(experiment);
  const bool on_gpus = std::any_of(trials.begin(), trials.end(),
                                   [](const TrialView& trial) { return trial.record.gpu_device.has_value(); });
  std::vector<std::string> header = {"trial", "status"};
  header.insert(header.end(), metric_names.begin(), metric_names.end());
  for (const std::string& parameter : parameter_names) {
    // A parameter named like a metric or a column keeps its column told apart.
    static constexpr std::string_view kLaterColumns[] = {"gpu", "gpu_peak_mib", "gpu_budget_mib", "gpu_util_%",
                                                         "reason", "message"};
    const bool taken = std::find(header.begin(), header.end(), parameter) != header.end() ||
                       std::find(std::begin(kLaterColumns), std::end(kLaterColumns), parameter) !=
                           std::end(kLaterColumns);
    header.push_back(taken ? "parameter." + parameter : parameter);
  }
  if (on_gpus) header.insert(header.end(), {"gpu", "gpu_peak_mib", "gpu_budget_mib", "gpu_util_%"});
  header.insert(header.end(), {"reason", "message"});
  std::vector<std::vector<std::string>> rows = {header};
  for (const TrialView& trial : trials) {
    std::vector<std::string> row = {trial.record.name,
                                    std::string(metrics::TrialStatusName(trial.record.status))};
    for (const std::string& metric : metric_names) row.push_back(MetricValue(trial, metric));
    for (const std::string& parameter : parameter_names) row.push_back(Assignment(trial, parameter));
    if (on_gpus) {
      for (std::string& cell : GpuCells(trial.record)) row.push_back(std::move(cell));
    }
    row.push_back(trial.record.reason);
    row.push_back(trial.record.message);
    rows.push_back(std::move(row));
  }
  return rows;
}

// The columns a terminal gives `text`: one per UTF-8 code point.
size_t DisplayWidth(std::string_view text) {
  return static_cast<size_t>(std::count_if(text.begin(), text.end(), [](char c) {
    return (static_cast<unsigned char>(c) & 0xC0) != 0x80;  // not a continuation byte
  }));
}

std::string Table(const std::vector<std::vector<std::string>>& rows) {
  std::vector<std::vector<std::string>> cells;
  for (const auto& row : rows) {
    std::vector<std::string>& line = cells.emplace_back();
    for (const std::string& cell : row) line.push_back(OneLine(cell));
  }
  // The message column comes last and is not padded, so long messages do
  // not widen the table.
  std::vector<size_t> widths(cells.front().size(), 0);
  for (const auto& row : cells) {
    for (size_t i = 0; i + 1 < row.size(); ++i) widths[i] = std::max(widths[i], DisplayWidth(row[i]));
  }
  std::string out;
  for (const auto& row : cells) {
    std::string line;
    for (size_t i = 0; i < row.size(); ++i) {
      line += row[i];
      if (i + 1 < row.size()) line += std::string(widths[i] - DisplayWidth(row[i]) + 2, ' ');
    }
    line.erase(line.find_last_not_of(' ') + 1);
    out += line + "\n";
  }
  return out;
}

std::string CsvField(const std::string& field) {
  if (field.find_first_of(",\"\r\n") == std::string::npos) return field;
  std::string quoted = "\"";
  for (char c : field) {
    if (c == '"') quoted += '"';
    quoted += c;
  }
  return quoted + "\"";
}

std::string Csv(const std::vector<std::vector<std::string>>& rows) {
  std::string out;
  for (const auto& row : rows) {
    std::vector<std::string> fields;
    for (const std::string& cell : row) fields.push_back(CsvField(cell));
    out += absl::StrJoin(fields, ",") + "\r\n";  // RFC 4180
  }
  return out;
}

ordered_json TrialJson(const TrialView& trial, const api::Experiment& experiment) {
  const metrics::TrialRecord& record = trial.record;
  ordered_json parameters = ordered_json::object();
  for (const auto& [name, value] : record.assignments) parameters[name] = value;
  ordered_json metric_values = ordered_json::object();
  for (const std::string& metric : MetricNames(experiment)) {
    std::string value = MetricValue(trial, metric);
    metric_values[metric] = value.empty() ? ordered_json(nullptr) : ordered_json(value);
  }
  ordered_json json = {
      {"name", record.name},
      {"status", std::string(metrics::TrialStatusName(record.status))},
      {"reason", record.reason},
      {"message", record.message},
      {"parameters", parameters},
      {"objective", ObjectiveJson(record)},
      {"metrics", metric_values},
      {"startTime", metrics::FormatMicrosRfc3339Nano(record.start_us)},
      {"completionTime", metrics::FormatMicrosRfc3339Nano(record.end_us)},
      {"exitCode", record.exit_code ? ordered_json(*record.exit_code) : ordered_json(nullptr)},
  };
  if (record.gpu_device) {
    json["gpu"] = {{"device", *record.gpu_device},
                   {"memoryBudgetBytes", record.gpu_memory_budget_bytes.value_or(0)},
                   {"peakMemoryBytes", record.gpu_peak_memory_bytes.value_or(0)},
                   {"meanUtilization", record.gpu_mean_utilization ? ordered_json(*record.gpu_mean_utilization)
                                                                   : ordered_json(nullptr)}};
  }
  return json;
}

ordered_json TrialsJson(const std::vector<TrialView>& trials, const api::Experiment& experiment) {
  ordered_json array = ordered_json::array();
  for (const TrialView& trial : trials) array.push_back(TrialJson(trial, experiment));
  return array;
}

ordered_json LatencyJson(const std::vector<double>& samples_ms) {
  LatencySummary summary = SummarizeLatency(samples_ms);
  return {{"count", summary.count},
          {"p50", summary.p50_ms},
          {"p99", summary.p99_ms},
          {"max", summary.max_ms}};
}

ordered_json OverheadJson(const EngineOverhead& overhead) {
  return {{"launchToStartedMs", LatencyJson(overhead.launch_to_started_ms)},
          {"launchToFirstLineMs", LatencyJson(overhead.launch_to_first_line_ms)},
          {"exitToRecordedMs", LatencyJson(overhead.exit_to_recorded_ms)},
          {"exitToDurableMs", LatencyJson(overhead.exit_to_durable_ms)}};
}

}  // namespace

std::string OneLine(const std::string& text) {
  return absl::StrReplaceAll(text, {{"\n", "\\n"}, {"\r", "\\r"}, {"\t", "\\t"}});
}

std::vector<TrialView> SortedByObjective(std::vector<TrialView> trials,
                                         const api::Experiment& experiment) {
  // A trial that crashed early may show a better value than any finished.
  auto rank = [](const metrics::TrialRecord& trial) {
    if (!HasComparableObjective(trial)) return 2;
    return trial.status == metrics::TrialStatus::kSucceeded ? 0 : 1;
  };
  metrics::ObjectiveDirection direction = ObjectiveDirectionOf(experiment);
  std::stable_sort(trials.begin(), trials.end(), [&](const TrialView& a, const TrialView& b) {
    const int x = rank(a.record), y = rank(b.record);
    if (x != y || x == 2) return x < y;
    return IsBetter(*a.record.objective_numeric, *b.record.objective_numeric, direction);
  });
  return trials;
}

std::string FormatTrials(const std::vector<TrialView>& trials, const api::Experiment& experiment,
                         ReportFormat format) {
  switch (format) {
    case ReportFormat::kTable: return Table(Rows(trials, experiment));
    case ReportFormat::kCsv: return Csv(Rows(trials, experiment));
    case ReportFormat::kJson: return TrialsJson(trials, experiment).dump(2) + "\n";
  }
  return "";
}

std::string FormatSummaryJson(const RunResult& result, const api::Experiment& experiment) {
  metrics::ObjectiveDirection direction = ObjectiveDirectionOf(experiment);
  const TrialView* best = nullptr;
  for (const TrialView& trial : result.trials) {
    if (IsNewBest(trial.record, best ? &best->record : nullptr, direction)) best = &trial;
  }
  ordered_json summary = {
      {"experiment", experiment.metadata.name},
      {"objective", {{"type", experiment.spec.objective->type},
                     {"metric", experiment.spec.objective->objective_metric_name}}},
      {"reason", result.reason},
      {"message", result.message},
      {"bestTrial", best ? TrialJson(*best, experiment) : ordered_json(nullptr)},
      {"trials", TrialsJson(SortedByObjective(result.trials, experiment), experiment)},
      {"engineOverhead", OverheadJson(result.overhead)},
  };
  return summary.dump(2) + "\n";
}

}  // namespace hpsearch::runner
