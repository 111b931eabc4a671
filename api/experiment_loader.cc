#include "api/experiment_loader.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>
#include <system_error>

#include "api/experiment_defaults.h"
#include "api/experiment_validation.h"
#include "api/experiment_yaml.h"
#include "api/internal/strings.h"
#include "absl/status/statusor.h"

namespace hpsearch::api {
namespace {

using internal::Cat;

LoadedExperiment Failure(SourcePosition position, std::string message) {
  LoadedExperiment out;
  out.diagnostics.push_back({Severity::kError, "", std::move(message), position});
  return out;
}

SourcePosition PositionOfOffset(std::string_view text, size_t offset) {
  SourcePosition pos{1, 1};
  for (size_t i = 0; i < offset; ++i) {
    if (text[i] == '\n') {
      ++pos.line;
      pos.column = 1;
    } else {
      ++pos.column;
    }
  }
  return pos;
}

// The offset of the first byte that cannot be in a UTF-8 YAML text (NUL and
// other control characters, malformed UTF-8), or npos.
size_t FindBinary(std::string_view text) {
  for (size_t i = 0; i < text.size();) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c < 0x80) {
      if (c < 0x20 && c != '\t' && c != '\n' && c != '\r') return i;
      ++i;
      continue;
    }
    const size_t length = c >= 0xF0 && c <= 0xF4  ? 4
                          : c >= 0xE0             ? 3
                          : c >= 0xC2 && c < 0xE0 ? 2
                                                  : 0;
    if (length == 0 || i + length > text.size()) return i;
    for (size_t k = 1; k < length; ++k) {
      if ((static_cast<unsigned char>(text[i + k]) & 0xC0) != 0x80) return i;
    }
    i += length;
  }
  return std::string_view::npos;
}

// A diagnostic about a field the parser already reported (wrong type, say)
// would only repeat it.
bool UnderReportedPath(const std::vector<Diagnostic>& reported, const Diagnostic& d) {
  return std::any_of(reported.begin(), reported.end(), [&](const Diagnostic& r) {
    if (r.severity != Severity::kError || r.path.empty()) return false;
    if (!d.path.starts_with(r.path)) return false;
    return d.path.size() == r.path.size() || d.path[r.path.size()] == '.' ||
           d.path[r.path.size()] == '[';
  });
}

}  // namespace

namespace {

// What makes a text no Experiment file before it is parsed (too large,
// binary, empty), if anything; drops a UTF-8 byte order mark.
std::optional<LoadedExperiment> CheckText(std::string_view& text) {
  if (text.size() > kMaxExperimentFileBytes) {
    return Failure({}, Cat("file is larger than the ", kMaxExperimentFileBytes,
                           "-byte limit for an Experiment"));
  }
  if (text.starts_with("\xEF\xBB\xBF")) text.remove_prefix(3);  // UTF-8 byte order mark
  if (const size_t bad = FindBinary(text); bad != std::string_view::npos) {
    return Failure(PositionOfOffset(text, bad),
                   fmt::format("not a UTF-8 text file (byte 0x{:02x} at offset {})",
                               static_cast<unsigned char>(text[bad]), bad));
  }
  if (text.find_first_not_of(" \t\r\n") == std::string_view::npos) {
    return Failure({1, 1}, "file is empty: expected an Experiment");
  }
  return std::nullopt;
}

// Katib's defaults and validation applied to a parsed Experiment, every
// diagnostic placed and in order.
LoadedExperiment Complete(ParsedExperiment parsed) {
  LoadedExperiment out;
  out.diagnostics = std::move(parsed.diagnostics);
  if (parsed.structurally_usable) {
    ApplyExperimentDefaults(parsed.experiment);
    const std::vector<Diagnostic> parse_errors = out.diagnostics;
    for (Diagnostic& d : ValidateExperiment(parsed.experiment)) {
      if (UnderReportedPath(parse_errors, d)) continue;
      d.position = parsed.source_map.Find(d.path);
      out.diagnostics.push_back(std::move(d));
    }
  }
  std::stable_sort(out.diagnostics.begin(), out.diagnostics.end(),
                   [](const Diagnostic& a, const Diagnostic& b) {
                     return std::pair(a.position.line, a.position.column) <
                            std::pair(b.position.line, b.position.column);
                   });
  out.source_map = std::move(parsed.source_map);
  if (parsed.structurally_usable && !HasErrors(out.diagnostics)) {
    out.experiment = std::move(parsed.experiment);
  }
  return out;
}

// The file's text, read with the size cap, or why it cannot be read.
absl::StatusOr<std::string> ReadExperimentFile(const std::string& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) return absl::FailedPreconditionError("is a directory, not a file");
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(Cat("cannot open: ", std::strerror(errno)));
  // Reads at most one byte past the cap, so a huge file is refused cheaply.
  std::string text;
  char chunk[1 << 16];
  while (text.size() <= kMaxExperimentFileBytes &&
         (in.read(chunk, sizeof chunk) || in.gcount() > 0)) {
    text.append(chunk, static_cast<size_t>(in.gcount()));
  }
  if (in.bad()) return absl::UnavailableError(Cat("cannot read: ", std::strerror(errno)));
  return text;
}

}  // namespace

LoadedExperiment LoadExperimentText(std::string_view text) {
  if (std::optional<LoadedExperiment> failure = CheckText(text)) return *std::move(failure);
  return Complete(ParseExperimentYaml(text));
}

std::vector<LoadedExperiment> LoadExperimentsText(std::string_view text) {
  if (std::optional<LoadedExperiment> failure = CheckText(text)) return {*std::move(failure)};
  std::vector<LoadedExperiment> loaded;
  for (ParsedExperiment& parsed : ParseExperimentsYaml(text)) loaded.push_back(Complete(std::move(parsed)));
  return loaded;
}

LoadedExperiment LoadExperimentFile(const std::string& path) {
  absl::StatusOr<std::string> text = ReadExperimentFile(path);
  if (!text.ok()) return Failure({}, std::string(text.status().message()));
  return LoadExperimentText(*text);
}

std::vector<LoadedExperiment> LoadExperimentsFile(const std::string& path) {
  absl::StatusOr<std::string> text = ReadExperimentFile(path);
  if (!text.ok()) return {Failure({}, std::string(text.status().message()))};
  return LoadExperimentsText(*text);
}

}  // namespace hpsearch::api
