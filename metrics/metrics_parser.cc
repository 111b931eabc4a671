#include "metrics/metrics_parser.h"

#include <algorithm>
#include <utility>

#include "absl/status/status.h"
#include "fmt/format.h"
#include "metrics/internal/default_filter.h"
#include "metrics/internal/line_splitter.h"
#include "metrics/katib_time.h"
#include "nlohmann/json.hpp"
#include "re2/re2.h"

namespace hpsearch::metrics {
namespace {

// Go's strings.TrimSpace for the ASCII whitespace a filter group can capture.
std::string_view TrimSpace(std::string_view s) {
  auto space = [](char c) { return c == ' ' || (c >= '\t' && c <= '\r'); };
  while (!s.empty() && space(s.front())) s.remove_prefix(1);
  while (!s.empty() && space(s.back())) s.remove_suffix(1);
  return s;
}

// Width of the UTF-8 sequence at s[pos], 1 for an invalid byte (Go's
// utf8.DecodeRuneInString); find-all steps over it after an empty match.
size_t RuneWidth(std::string_view s, size_t pos) {
  const auto byte = [&](size_t i) { return static_cast<unsigned char>(s[i]); };
  const unsigned char lead = byte(pos);
  size_t width = 1;
  unsigned char lo = 0x80, hi = 0xBF;  // allowed range of the second byte
  if (lead >= 0xC2 && lead <= 0xDF) {
    width = 2;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    width = 3;
    if (lead == 0xE0) lo = 0xA0;
    if (lead == 0xED) hi = 0x9F;
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    width = 4;
    if (lead == 0xF0) lo = 0x90;
    if (lead == 0xF4) hi = 0x8F;
  }
  if (width == 1 || pos + width > s.size()) return 1;
  if (byte(pos + 1) < lo || byte(pos + 1) > hi) return 1;
  for (size_t i = 2; i < width; ++i) {
    if (byte(pos + i) < 0x80 || byte(pos + i) > 0xBF) return 1;
  }
  return width;
}

// Go's Regexp.FindAllStringSubmatch, reporting groups 1 and 2 of each match.
template <typename OnMatch>
void FindAllSubmatches(const re2::RE2& re, std::string_view line, OnMatch&& on_match) {
  re2::StringPiece groups[3];
  size_t pos = 0;
  const char* prev_match_end = nullptr;
  while (pos <= line.size()) {
    if (!re.Match(line, pos, line.size(), re2::RE2::UNANCHORED, groups, 3)) return;
    const char* match_begin = groups[0].data();
    const char* match_end = match_begin + groups[0].size();
    bool accept = true;
    if (groups[0].empty()) {
      // No empty match right after a previous match; step one rune on.
      accept = match_begin != prev_match_end;
      pos = static_cast<size_t>(match_end - line.data());
      pos += pos < line.size() ? RuneWidth(line, pos) : 1;
    } else {
      pos = static_cast<size_t>(match_end - line.data());
    }
    prev_match_end = match_end;
    if (accept) on_match(std::string_view(groups[1]), std::string_view(groups[2]));
  }
}

std::string_view LineTimestamp(std::string_view line) {
  const size_t space = line.find(' ');
  if (space == std::string_view::npos) return kZeroTimestamp;
  const std::string_view token = line.substr(0, space);
  return ParseRfc3339(token) ? token : kZeroTimestamp;
}

}  // namespace

struct MetricsParser::State {
  ParserOptions options;
  std::vector<std::unique_ptr<re2::RE2>> filters;  // empty: the scanner
  std::vector<internal::LineSplitter> splitters;   // one per stream
  // Per stream: the timestamp of the line whose later parts come next.
  std::vector<std::string> split_line_timestamps;
};

MetricsParser::MetricsParser(std::unique_ptr<State> state) : state_(std::move(state)) {}
MetricsParser::MetricsParser(MetricsParser&&) noexcept = default;
MetricsParser& MetricsParser::operator=(MetricsParser&&) noexcept = default;
MetricsParser::~MetricsParser() = default;

absl::StatusOr<MetricsParser> MetricsParser::Create(ParserOptions options) {
  if (options.metric_names.empty()) {
    return absl::InvalidArgumentError(
        "metrics parser: no metric names (the objective comes first)");
  }
  for (size_t i = 0; i < options.metric_names.size(); ++i) {
    if (options.metric_names[i].empty()) {
      return absl::InvalidArgumentError(fmt::format("metrics parser: metric name {} is empty", i));
    }
  }
  std::vector<std::unique_ptr<re2::RE2>> filters;
  std::vector<std::string> patterns = options.filters;
  if (patterns.empty() && options.use_regex_for_default_filter) {
    patterns.emplace_back(kDefaultFilter);
  }
  if (options.format == MetricsFormat::kText) {
    for (size_t i = 0; i < patterns.size(); ++i) {
      re2::RE2::Options re_options;
      re_options.set_log_errors(false);
      auto re = std::make_unique<re2::RE2>(patterns[i], re_options);
      if (!re->ok()) {
        return absl::InvalidArgumentError(fmt::format(
            "metrics filter {} \"{}\" does not compile: {}", i, patterns[i], re->error()));
      }
      if (re->NumberOfCapturingGroups() < 2) {
        return absl::InvalidArgumentError(
            fmt::format("metrics filter {} \"{}\" needs two capture groups (metric name, then "
                        "value); it has {}",
                        i, patterns[i], re->NumberOfCapturingGroups()));
      }
      filters.push_back(std::move(re));
    }
  }
  const size_t streams = std::max<size_t>(1, options.streams.size());
  std::vector<internal::LineSplitter> splitters(
      streams, internal::LineSplitter(options.max_line_bytes, options.format == MetricsFormat::kText));
  return MetricsParser(std::make_unique<State>(State{.options = std::move(options),
                                                     .filters = std::move(filters),
                                                     .splitters = std::move(splitters),
                                                     .split_line_timestamps = std::vector<std::string>(streams)}));
}

void MetricsParser::Feed(std::string_view chunk, size_t stream) {
  state_->splitters[stream].Feed(
      chunk,
      [&](std::string_view line, size_t number, internal::LinePart part) {
        ParseLine(line, {stream, number}, part);
      },
      [&](size_t number) { WarnOverlong({stream, number}); });
}

void MetricsParser::Finish() {
  for (size_t stream = 0; stream < state_->splitters.size(); ++stream) {
    state_->splitters[stream].Finish(
        [&](std::string_view line, size_t number, internal::LinePart part) {
          ParseLine(line, {stream, number}, part);
        },
        [&](size_t number) { WarnOverlong({stream, number}); });
  }
  if (!objective_seen_) {
    records_.push_back({std::string(kZeroTimestamp), state_->options.metric_names[0],
                        std::string(kUnavailableValue)});
  }
}

std::vector<MetricLog> MetricsParser::TakeRecords() { return std::exchange(records_, {}); }

void MetricsParser::ParseLine(std::string_view line, LinePosition position, internal::LinePart part) {
  if (state_->options.format == MetricsFormat::kJson) {
    ParseJsonLine(line, position);
    return;
  }
  // Katib reads a line's timestamp from its start, for every match in it:
  // the later parts of a line split at '\r' take their first part's.
  std::string& split_line_timestamp = state_->split_line_timestamps[position.stream];
  if (part == internal::LinePart::kFirst) split_line_timestamp = LineTimestamp(line);
  ParseTextLine(line, part == internal::LinePart::kNext ? std::optional<std::string_view>(split_line_timestamp)
                                                        : std::nullopt);
}

void MetricsParser::ParseTextLine(std::string_view line, std::optional<std::string_view> timestamp) {
  bool wanted = false;
  for (const std::string& name : state_->options.metric_names) {
    if (line.find(name) != std::string_view::npos) {
      wanted = true;
      break;
    }
  }
  if (!wanted) return;
  if (!timestamp) timestamp = LineTimestamp(line);
  auto on_match = [&](std::string_view name, std::string_view value) {
    Record(*timestamp, TrimSpace(name), TrimSpace(value));
  };
  if (state_->filters.empty()) {
    internal::ScanDefaultFilter(line, on_match);
    return;
  }
  for (const auto& filter : state_->filters) FindAllSubmatches(*filter, line, on_match);
}

void MetricsParser::ParseJsonLine(std::string_view line, LinePosition position) {
  if (line.empty()) return;
  nlohmann::json object;
  try {
    object = nlohmann::json::parse(line);
  } catch (const nlohmann::json::exception& e) {
    Warn(fmt::format("{}: not valid JSON, skipped: {}", Describe(position), e.what()));
    return;
  }
  if (object.is_null()) return;  // Go decodes `null` into an empty map
  if (!object.is_object()) {
    Warn(fmt::format("{}: a JSON {}, not an object; skipped", Describe(position),
                     object.type_name()));
    return;
  }
  std::string timestamp(kZeroTimestamp);
  if (const auto it = object.find("timestamp"); it != object.end()) {
    if (it->is_string() && ParseRfc3339(it->get_ref<const std::string&>())) {
      timestamp = it->get<std::string>();
    } else if (it->is_number()) {
      if (const auto time = KatibTimeFromUnixFloat(it->get<double>())) {
        timestamp = FormatRfc3339Nano(*time);
      }
    }
  }
  for (const std::string& name : state_->options.metric_names) {
    const auto it = object.find(name);
    if (it == object.end()) continue;
    if (it->is_string()) {
      Record(timestamp, name, it->get_ref<const std::string&>());
    } else {
      Warn(fmt::format(
          "{}: metric \"{}\" is a JSON {}; Katib reads only string values, so it is ignored",
          Describe(position), name, it->type_name()));
    }
  }
}

void MetricsParser::Record(std::string_view timestamp, std::string_view name,
                           std::string_view value) {
  const auto& names = state_->options.metric_names;
  for (const std::string& wanted : names) {
    if (name != wanted) continue;
    if (name == names[0]) objective_seen_ = true;
    records_.push_back({std::string(timestamp), std::string(name), std::string(value)});
    return;
  }
}

std::string MetricsParser::Describe(LinePosition position) const {
  const std::vector<std::string>& streams = state_->options.streams;
  if (streams.empty()) return fmt::format("line {}", position.number);
  return fmt::format("{} line {}", streams[position.stream], position.number);
}

void MetricsParser::WarnOverlong(LinePosition position) {
  Warn(fmt::format("{}: longer than {} bytes; skipped", Describe(position),
                   state_->options.max_line_bytes));
}

void MetricsParser::Warn(std::string message) {
  if (warnings_.size() < kMaxWarnings) {
    warnings_.push_back(std::move(message));
  } else {
    ++suppressed_warnings_;
  }
}

absl::StatusOr<std::vector<MetricLog>> CollectObservationLog(std::string_view content,
                                                             ParserOptions options) {
  auto parser = MetricsParser::Create(std::move(options));
  if (!parser.ok()) return parser.status();
  parser->Feed(content);
  parser->Finish();
  std::vector<MetricLog> records = parser->TakeRecords();
  if (!parser->objective_seen()) records.erase(records.begin(), records.end() - 1);
  return records;
}

}  // namespace hpsearch::metrics
