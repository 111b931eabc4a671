// Parsing a trial's output into Katib observations, incrementally.
//
// Implements the semantics of Katib's StdOut and File metrics collectors
// (pkg/metricscollector/v1beta1/file-metricscollector):
//
//  * Text format: a line is scanned only if it contains one of the wanted
//    metric names as a substring. Each filter (Katib's default
//    `([\w|-]+)\s*=\s*([+-]?\d*(\.\d+)?([Ee][+-]?\d+)?)` unless filters are
//    given) is applied in order with find-all semantics; group 1 is the name
//    and group 2 the value, both trimmed. Only wanted names are kept. The
//    line's first space-separated token is its timestamp if it parses as
//    RFC 3339, else the record gets the zero time "0001-01-01T00:00:00Z".
//    Values are kept as text, even "" or "-" (the default filter allows them).
//  * JSON format: each non-empty line is a JSON object; a wanted metric is
//    recorded when its value is a JSON *string* (Katib ignores numbers);
//    "timestamp" is an RFC 3339 string or a number of Unix seconds (with
//    Katib's fraction quirk, see KatibTimeFromUnixFloat).
//  * When the objective (the first metric name) never appears, the result is
//    a single record {zero time, objective, "unavailable"}.
//
// Output may come on several streams (a trial's stdout and stderr, which
// Katib's StdOut collector reads merged): each keeps its own partial line and
// line count, so a line is never glued from two streams' pieces, and records
// come in the order their lines end.
//
// Differences from Katib, all in the direction of not losing data: a JSON
// line that does not parse is skipped with a warning (Katib fails the whole
// collection); a line over `max_line_bytes` is skipped with a warning, the
// cap applying to each '\r'-separated part of a line (a progress bar redrawn
// in place, which Katib reads whole); one '\r' before '\n' is dropped; when streaming, records already taken with
// TakeRecords() are not withdrawn if the objective later turns out missing
// (CollectObservationLog applies Katib's rule exactly).
//
// Filters use RE2, whose syntax is Go's regexp dialect. With the default
// filter a hand-written scanner runs instead (same language, several times
// faster); ParserOptions::use_regex_for_default_filter forces RE2 for
// comparison.
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "metrics/internal/line_splitter.h"
#include "metrics/metric_log.h"

namespace re2 {
class RE2;
}

namespace hpsearch::metrics {

// Katib's metrics filter when none is configured.
inline constexpr std::string_view kDefaultFilter =
    R"(([\w|-]+)\s*=\s*([+-]?\d*(\.\d+)?([Ee][+-]?\d+)?))";

enum class MetricsFormat { kText, kJson };

struct ParserOptions {
  MetricsFormat format = MetricsFormat::kText;
  // The objective metric first, then the additional metrics. Must not be empty.
  std::vector<std::string> metric_names;
  // Text format only. Empty means kDefaultFilter. Each needs >= 2 groups.
  std::vector<std::string> filters;
  // Longer lines are skipped (with a warning) rather than buffered.
  size_t max_line_bytes = size_t{1} << 20;
  // Run the default filter through RE2 instead of the scanner.
  bool use_regex_for_default_filter = false;
  // The names of the streams fed, indexed by Feed's `stream`; warnings name
  // them ("stderr line 3: ..."). Empty: one stream, warnings say "line 3".
  std::vector<std::string> streams;
};

class MetricsParser {
 public:
  // Fails with INVALID_ARGUMENT for no or empty metric names, a filter that
  // does not compile (with RE2's message) or one with fewer than two capture groups.
  static absl::StatusOr<MetricsParser> Create(ParserOptions options);

  MetricsParser(MetricsParser&&) noexcept;
  MetricsParser& operator=(MetricsParser&&) noexcept;
  ~MetricsParser();

  // Parses the complete lines in `chunk` of stream number `stream` (below
  // the number of ParserOptions::streams, or 0 when there are none); a
  // trailing partial line waits for that stream's next chunk. Any bytes are
  // accepted.
  void Feed(std::string_view chunk, size_t stream = 0);

  // Ends the streams, once, after the last Feed: parses each one's last
  // unterminated line and, if the objective never appeared, adds Katib's
  // "unavailable" record.
  void Finish();

  // Records parsed since the last call, in output order.
  std::vector<MetricLog> TakeRecords();

  bool objective_seen() const { return objective_seen_; }

  // Problems met so far ("line 12: ...", "stderr line 12: ..."), the first
  // kMaxWarnings of them; suppressed_warnings() counts the rest.
  static constexpr size_t kMaxWarnings = 20;
  const std::vector<std::string>& warnings() const { return warnings_; }
  size_t suppressed_warnings() const { return suppressed_warnings_; }

 private:
  struct State;
  explicit MetricsParser(std::unique_ptr<State> state);

  // Where a line is, for warnings: "line 12" or "stderr line 12".
  struct LinePosition {
    size_t stream;
    size_t number;
  };

  void ParseLine(std::string_view line, LinePosition position, internal::LinePart part);
  // `timestamp`: its first part's, for a later part of a line split at
  // '\r'; unset, the line's own.
  void ParseTextLine(std::string_view line, std::optional<std::string_view> timestamp);
  void ParseJsonLine(std::string_view line, LinePosition position);
  void Record(std::string_view timestamp, std::string_view name, std::string_view value);
  std::string Describe(LinePosition position) const;
  void WarnOverlong(LinePosition position);
  void Warn(std::string message);

  std::unique_ptr<State> state_;
  std::vector<MetricLog> records_;
  std::vector<std::string> warnings_;
  size_t suppressed_warnings_ = 0;
  bool objective_seen_ = false;
};

// Katib's CollectObservationLog over a whole log: parses `content` and, when
// the objective is missing, returns only the "unavailable" record.
absl::StatusOr<std::vector<MetricLog>> CollectObservationLog(std::string_view content,
                                                             ParserOptions options);

}  // namespace hpsearch::metrics
