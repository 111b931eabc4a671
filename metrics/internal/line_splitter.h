// Splits a byte stream fed in arbitrary chunks into lines, with a cap on line
// length so a trial that never prints '\n' cannot exhaust memory.
#pragma once

#include <cstddef>
#include <cstring>
#include <string>
#include <string_view>

namespace hpsearch::metrics::internal {

class LineSplitter {
 public:
  explicit LineSplitter(size_t max_line_bytes) : max_line_bytes_(max_line_bytes) {}

  // Calls on_line(line, line_number) for each complete line in `chunk`, with
  // the '\n' and one '\r' before it removed, and on_overlong(line_number) for
  // each line longer than the cap, whose bytes are dropped as they arrive.
  // A '\r' inside a line (a progress bar redrawn in place, as tqdm draws
  // it) ends a part of it that is passed on its own, under the line's
  // number: each redraw is read, and the cap applies to each. Line numbers
  // start at 1. Lines lying wholly inside a chunk are passed without
  // copying; only a line split across chunks is buffered.
  template <typename OnLine, typename OnOverlong>
  void Feed(std::string_view chunk, OnLine&& on_line, OnOverlong&& on_overlong) {
    while (!chunk.empty()) {
      const char* nl = static_cast<const char*>(std::memchr(chunk.data(), '\n', chunk.size()));
      const size_t line_end = nl == nullptr ? chunk.size() : static_cast<size_t>(nl - chunk.data());
      const char* cr = static_cast<const char*>(std::memchr(chunk.data(), '\r', line_end));
      const size_t part_end = cr == nullptr ? line_end : static_cast<size_t>(cr - chunk.data());
      if (cr != nullptr && !(nl != nullptr && part_end + 1 == line_end)) {  // not a CRLF's
        EndPart(chunk.substr(0, part_end), /*ends_line=*/false, on_line, on_overlong);
        chunk.remove_prefix(part_end + 1);
      } else if (nl == nullptr) {
        Buffer(chunk);
        return;
      } else {
        EndPart(chunk.substr(0, line_end), /*ends_line=*/true, on_line, on_overlong);
        chunk.remove_prefix(line_end + 1);
      }
    }
  }

  // Ends the stream: a last line without '\n' still counts, as in Katib.
  template <typename OnLine, typename OnOverlong>
  void Finish(OnLine&& on_line, OnOverlong&& on_overlong) {
    if (buffered_) EndPart("", /*ends_line=*/true, on_line, on_overlong);
  }

 private:
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
      on_line(part, number);
    }
    if (ends_line) line_number_ = number;
    pending_.clear();
    buffered_ = overlong_ = false;
  }

  const size_t max_line_bytes_;
  std::string pending_;    // the start of a line continued in a later chunk
  bool buffered_ = false;  // a partial line is pending (possibly overlong)
  bool overlong_ = false;  // the pending line passed the cap; its bytes are dropped
  size_t line_number_ = 0;
};

}  // namespace hpsearch::metrics::internal
