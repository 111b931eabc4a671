// Splits a byte stream fed in arbitrary chunks into lines, with a cap on line
// length so a trial that never prints '\n' cannot exhaust memory.
#pragma once

#include <cstddef>
#include <cstring>
#include <string>
#include <string_view>

namespace hpsearch::metrics::internal {

// Which piece of a line a part is: a line passed whole, or, where a '\r'
// splits it, its first part or a later one.
enum class LinePart { kWhole, kFirst, kNext };

class LineSplitter {
 public:
  // `split_at_carriage_returns`: whether a '\r' inside a line ends a part of
  // it (text, where a progress bar is redrawn in place); not in JSON, where
  // a '\r' is whitespace between tokens.
  LineSplitter(size_t max_line_bytes, bool split_at_carriage_returns)
      : max_line_bytes_(max_line_bytes), split_at_carriage_returns_(split_at_carriage_returns) {}

  // Calls on_line(line, line_number, part) for each complete line in
  // `chunk`, with the '\n' and one '\r' before it removed, and
  // on_overlong(line_number) for each line longer than the cap, whose bytes
  // are dropped as they arrive. Where '\r' splits lines, each part of one (a
  // progress bar's redraw, as tqdm draws it) is passed on its own under the
  // line's number: each redraw is read, and the cap applies to each. Line
  // numbers start at 1. Lines lying wholly inside a chunk are passed without
  // copying; only a line split across chunks is buffered.
  template <typename OnLine, typename OnOverlong>
  void Feed(std::string_view chunk, OnLine&& on_line, OnOverlong&& on_overlong) {
    // The chunk's next '\r' at or after the current line, searched for once
    // per '\r' rather than once per line (most lines have none).
    const char* const end = chunk.data() + chunk.size();
    const char* next_cr = split_at_carriage_returns_ ? FindCarriageReturn(chunk.data(), end) : end;
    while (!chunk.empty()) {
      const char* nl = static_cast<const char*>(std::memchr(chunk.data(), '\n', chunk.size()));
      const size_t line_end = nl == nullptr ? chunk.size() : static_cast<size_t>(nl - chunk.data());
      std::string_view line = chunk.substr(0, line_end);
      chunk.remove_prefix(nl == nullptr ? line_end : line_end + 1);
      // A CRLF's '\r' ends the line, not a part. (One whose '\n' comes in the
      // next chunk ends a part, and the line's last part is empty.)
      while (next_cr < line.data() + line.size() && !(nl != nullptr && next_cr == nl - 1)) {
        const size_t part = static_cast<size_t>(next_cr - line.data());
        EndPart(line.substr(0, part), /*ends_line=*/false, on_line, on_overlong);
        line.remove_prefix(part + 1);
        next_cr = FindCarriageReturn(line.data(), end);
      }
      if (nl == nullptr) {
        Buffer(line);
        return;
      }
      if (next_cr < chunk.data()) next_cr = FindCarriageReturn(chunk.data(), end);
      EndPart(line, /*ends_line=*/true, on_line, on_overlong);
    }
  }

  // Ends the stream: a last line without '\n' still counts, as in Katib.
  template <typename OnLine, typename OnOverlong>
  void Finish(OnLine&& on_line, OnOverlong&& on_overlong) {
    if (buffered_) EndPart("", /*ends_line=*/true, on_line, on_overlong);
  }

 private:
  static const char* FindCarriageReturn(const char* from, const char* end) {
    const void* cr = std::memchr(from, '\r', static_cast<size_t>(end - from));
    return cr == nullptr ? end : static_cast<const char*>(cr);
  }

  void Buffer(std::string_view part) {
    buffered_ = true;
    if (overlong_) return;
    if (pending_.size() + part.size() > max_line_bytes_) {
      overlong_ = true;
      pending_.clear();
      return;
    }
    pending_.append(part);
  }

  // Ends the pending part of a line with `part`, and the line too when
  // `ends_line`.
  template <typename OnLine, typename OnOverlong>
  void EndPart(std::string_view part, bool ends_line, OnLine& on_line, OnOverlong& on_overlong) {
    if (buffered_) {
      Buffer(part);
      part = pending_;
    }
    const size_t number = line_number_ + 1;
    if (overlong_ || part.size() > max_line_bytes_) {
      on_overlong(number);
    } else {
      if (ends_line && !part.empty() && part.back() == '\r') part.remove_suffix(1);
      on_line(part, number, split_ ? LinePart::kNext : ends_line ? LinePart::kWhole : LinePart::kFirst);
    }
    split_ = !ends_line;
    if (ends_line) line_number_ = number;
    pending_.clear();
    buffered_ = overlong_ = false;
  }

  const size_t max_line_bytes_;
  const bool split_at_carriage_returns_;
  bool split_ = false;     // a part of the current line was passed on
  std::string pending_;    // the start of a line continued in a later chunk
  bool buffered_ = false;  // a partial line is pending (possibly overlong)
  bool overlong_ = false;  // the pending line passed the cap; its bytes are dropped
  size_t line_number_ = 0;
};

}  // namespace hpsearch::metrics::internal
