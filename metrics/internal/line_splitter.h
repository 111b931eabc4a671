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
  // Line numbers start at 1. Lines lying wholly inside a chunk are passed
  // without copying; only a line split across chunks is buffered.
  template <typename OnLine, typename OnOverlong>
  void Feed(std::string_view chunk, OnLine&& on_line, OnOverlong&& on_overlong) {
    while (!chunk.empty()) {
      const void* nl = std::memchr(chunk.data(), '\n', chunk.size());
      if (nl == nullptr) {
        Buffer(chunk);
        return;
      }
      const size_t take = static_cast<const char*>(nl) - chunk.data();
      if (buffered_) {
        Buffer(chunk.substr(0, take));
        EndLine(pending_, on_line, on_overlong);
      } else {
        EndLine(chunk.substr(0, take), on_line, on_overlong);
      }
      chunk.remove_prefix(take + 1);
    }
  }

  // Ends the stream: a last line without '\n' still counts, as in Katib.
  template <typename OnLine, typename OnOverlong>
  void Finish(OnLine&& on_line, OnOverlong&& on_overlong) {
    if (buffered_) EndLine(pending_, on_line, on_overlong);
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

  template <typename OnLine, typename OnOverlong>
  void EndLine(std::string_view line, OnLine& on_line, OnOverlong& on_overlong) {
    ++line_number_;
    if (overlong_ || line.size() > max_line_bytes_) {
      on_overlong(line_number_);
    } else {
      if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
      on_line(line, line_number_);
    }
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
