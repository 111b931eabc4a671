// A hand-written matcher for Katib's default metrics filter
//   ([\w|-]+)\s*=\s*([+-]?\d*(\.\d+)?([Ee][+-]?\d+)?)
// with Go's FindAllStringSubmatch semantics (leftmost-first, non-overlapping,
// each search resuming where the last match ended). It accepts exactly the
// regex's language, quirks included: '|' is a name character, and the value
// may be empty or a lone sign ("loss=" yields value ""). \w, \s and \d are
// ASCII-only in Go's RE2 dialect, and \s is [\t\n\f\r ] (no \v).
//
// Why it is exact: every position of a run of name characters ends at the
// same place, so a match starts at the first name character of a run that is
// followed by \s*'='; and each optional part of the value either matches
// wholly or is skipped, so greedy scanning never needs to backtrack.
#pragma once

#include <cstddef>
#include <string_view>

namespace hpsearch::metrics::internal {

inline bool IsFilterNameChar(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '|' || c == '-';
}
inline bool IsFilterSpace(unsigned char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\f' || c == '\r';
}
inline bool IsFilterDigit(unsigned char c) { return c >= '0' && c <= '9'; }

// Calls on_match(name, value) for each match in `line`, left to right.
template <typename OnMatch>
void ScanDefaultFilter(std::string_view line, OnMatch&& on_match) {
  const size_t n = line.size();
  auto at = [&](size_t i) { return static_cast<unsigned char>(line[i]); };
  size_t pos = 0;
  while (pos < n) {
    while (pos < n && !IsFilterNameChar(at(pos))) ++pos;
    if (pos == n) return;
    const size_t name_begin = pos;
    while (pos < n && IsFilterNameChar(at(pos))) ++pos;
    const size_t name_end = pos;
    size_t i = pos;
    while (i < n && IsFilterSpace(at(i))) ++i;
    if (i == n || line[i] != '=') continue;  // no match can start inside this run
    ++i;
    while (i < n && IsFilterSpace(at(i))) ++i;
    const size_t value_begin = i;
    if (i < n && (line[i] == '+' || line[i] == '-')) ++i;
    while (i < n && IsFilterDigit(at(i))) ++i;
    if (i + 1 < n && line[i] == '.' && IsFilterDigit(at(i + 1))) {
      i += 2;
      while (i < n && IsFilterDigit(at(i))) ++i;
    }
    if (i < n && (line[i] == 'E' || line[i] == 'e')) {
      size_t j = i + 1;
      if (j < n && (line[j] == '+' || line[j] == '-')) ++j;
      if (j < n && IsFilterDigit(at(j))) {
        while (j < n && IsFilterDigit(at(j))) ++j;
        i = j;
      }
    }
    on_match(line.substr(name_begin, name_end - name_begin),
             line.substr(value_begin, i - value_begin));
    pos = i;
  }
}

}  // namespace hpsearch::metrics::internal
