#include "metrics/tfevent_collector.h"

#include <algorithm>
#include <bit>
#include <cerrno>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <optional>
#include <string_view>
#include <unordered_map>
#include <utility>

#include "fmt/format.h"
#include "metrics/internal/crc32c.h"
#include "metrics/internal/python_float.h"
#include "metrics/katib_time.h"
#include "metrics/proto/tensorboard_event.pb.h"

namespace hpsearch::metrics {
namespace {

namespace fs = std::filesystem;
using internal::MaskedCrc32c;

// Python's os.path.dirname for '/'-separated text.
std::string_view PosixDirname(std::string_view path) {
  std::string_view head = path.substr(0, path.rfind('/') + 1);  // "" when there is no '/'
  if (head.find_first_not_of('/') != std::string_view::npos) {
    while (head.ends_with('/')) head.remove_suffix(1);
  }
  return head;
}

// Katib's _should_consider(tag, metric_name, tfefile), given the file's directory.
bool ShouldConsider(std::string_view tag, std::string_view metric, std::string_view event_dir) {
  const size_t slash = metric.rfind('/');
  if (slash == std::string_view::npos) return tag.starts_with(metric);
  return tag.starts_with(metric.substr(slash + 1)) && event_dir.ends_with(PosixDirname(metric));
}

// Katib's rfc3339(datetime.fromtimestamp(wall_time)) as its DB manager gives
// it back: whole seconds, in UTC.
std::string KatibTimestamp(double wall_time) {
  if (!std::isfinite(wall_time)) return std::string(kZeroTimestamp);
  double seconds = 0;
  const double fraction = std::modf(wall_time, &seconds);
  // fromtimestamp rounds to microseconds, half to even (nearbyint's default
  // mode), which may carry into the next second; the fraction is then dropped.
  const double micros = std::nearbyint(fraction * 1e6);
  if (micros >= 1e6) {
    seconds += 1;
  } else if (micros < 0) {
    seconds -= 1;
  }
  // datetime's years 1 to 9999.
  constexpr double kFirst = -62135596800.0;  // 0001-01-01T00:00:00Z
  constexpr double kLast = 253402300799.0;   // 9999-12-31T23:59:59Z
  if (seconds < kFirst || seconds > kLast) return std::string(kZeroTimestamp);
  return FormatRfc3339Nano(KatibTime{static_cast<int64_t>(seconds), 0});
}

template <typename T>
T LoadLittleEndian(const char* bytes) {
  using Bits = std::conditional_t<sizeof(T) == 4, uint32_t, uint64_t>;
  Bits bits = 0;
  for (size_t i = 0; i < sizeof(T); ++i) bits |= Bits{static_cast<unsigned char>(bytes[i])} << (8 * i);
  return std::bit_cast<T>(bits);
}

// The one element of a 0-d tensor as tf.make_ndarray builds it: from
// tensor_content when set, which must then hold exactly one element, else
// from the dtype's repeated field, read as zero when empty; nullopt where
// make_ndarray fails.
template <typename T, typename Repeated>
std::optional<T> ScalarElement(const tfevent::TensorProto& tensor, const Repeated& values) {
  const std::string& content = tensor.tensor_content();
  if (!content.empty()) {
    if (content.size() != sizeof(T)) return std::nullopt;
    return LoadLittleEndian<T>(content.data());
  }
  if (values.size() > 1) return std::nullopt;
  return values.empty() ? T{} : static_cast<T>(values[0]);
}

template <typename T, typename Repeated, typename Format>
std::optional<std::string> FormatScalar(const tfevent::TensorProto& tensor, const Repeated& values,
                                        Format format) {
  const std::optional<T> element = ScalarElement<T>(tensor, values);
  if (!element) return std::nullopt;
  return format(*element);
}

// str(tf.make_ndarray(tensor)) when that is one number: a 0-d tensor of a
// numeric dtype read here. nullopt for any other tensor.
std::optional<std::string> TensorScalarText(const tfevent::TensorProto& tensor) {
  if (tensor.tensor_shape().dim_size() != 0) return std::nullopt;
  const auto integer = [](auto value) { return std::to_string(value); };
  switch (tensor.dtype()) {
    case tfevent::DT_FLOAT:
      return FormatScalar<float>(tensor, tensor.float_val(), internal::NumpyFloat32Str);
    case tfevent::DT_DOUBLE:
      // numpy's str() of a float64 is Python's repr.
      return FormatScalar<double>(tensor, tensor.double_val(), internal::PythonFloatRepr);
    case tfevent::DT_INT32:
      return FormatScalar<int32_t>(tensor, tensor.int_val(), integer);
    case tfevent::DT_INT64:
      return FormatScalar<int64_t>(tensor, tensor.int64_val(), integer);
    default:
      return std::nullopt;
  }
}

// TensorBoard's event_util.ParseFileVersion: the number after the last
// "brain.Event:", or -1 where Python's float() refuses it.
double ParseFileVersion(std::string_view file_version) {
  constexpr std::string_view kPrefix = "brain.Event:";
  if (const size_t at = file_version.rfind(kPrefix); at != std::string_view::npos) {
    file_version.remove_prefix(at + kPrefix.size());
  }
  return internal::ParsePythonFloat(file_version).value_or(-1);
}

// One event file's values, accumulated as TensorBoard's EventAccumulator does
// with every value kept, but only for the tags some metric name takes.
class EventFileAccumulator {
 public:
  EventFileAccumulator(std::span<const std::string> metric_names, std::string event_dir)
      : metric_names_(metric_names), event_dir_(std::move(event_dir)) {}

  void Add(const tfevent::Event& event) {
    if (event.what_case() == tfevent::Event::kFileVersion) {
      file_version_ = ParseFileVersion(event.file_version());
    }
    MaybePurge(event);
    if (!event.has_summary()) return;
    std::optional<std::string> timestamp;  // computed once, if a value is kept
    const auto keep = [&](Series& series, std::string text) {
      if (!timestamp) timestamp = KatibTimestamp(event.wall_time());
      series.values.push_back({event.step(), *timestamp, std::move(text)});
    };
    for (const tfevent::Summary::Value& value : event.summary().value()) {
      if (value.value_case() == tfevent::Summary::Value::kSimpleValue) {
        if (Series* series = Wanted(scalars_, value.tag())) {
          keep(*series, internal::PythonFloatRepr(value.simple_value()));
        }
      } else if (value.value_case() == tfevent::Summary::Value::kTensor) {
        const std::string& tag = value.tag().empty() ? value.node_name() : value.tag();
        if (Series* series = Wanted(tensors_, tag)) {
          if (auto text = TensorScalarText(value.tensor())) keep(*series, *std::move(text));
        }
      }
    }
  }

  // Katib's records: tensors, then scalars; by tag, then by metric name.
  void AppendRecords(std::vector<MetricLog>& log) const {
    for (const SeriesByTag* table : {&tensors_, &scalars_}) {
      for (const Series& series : table->series) {
        for (const size_t metric : series.metrics) {
          for (const Value& value : series.values) {
            log.push_back({value.timestamp, metric_names_[metric], value.text});
          }
        }
      }
    }
  }

 private:
  struct Value {
    int64_t step;
    std::string timestamp;
    std::string text;
  };
  struct Series {
    std::vector<size_t> metrics;  // the metric names (indices) taking the tag
    std::vector<Value> values;

    void DropFrom(int64_t step) {
      std::erase_if(values, [&](const Value& value) { return value.step >= step; });
    }
  };
  // Tags in the order they first appear, as TensorBoard's Reservoir keeps them.
  struct SeriesByTag {
    std::vector<Series> series;
    std::unordered_map<std::string, size_t> index;
  };

  // The tag's series, created on its first appearance; nullptr when no
  // metric name takes the tag.
  Series* Wanted(SeriesByTag& table, const std::string& tag) {
    auto [it, inserted] = table.index.try_emplace(tag, table.series.size());
    if (inserted) {
      Series& series = table.series.emplace_back();
      for (size_t i = 0; i < metric_names_.size(); ++i) {
        if (ShouldConsider(tag, metric_names_[i], event_dir_)) series.metrics.push_back(i);
      }
    }
    Series& series = table.series[it->second];
    return series.metrics.empty() ? nullptr : &series;
  }

  // EventAccumulator._MaybePurgeOrphanedData, which purges scalars only.
  void MaybePurge(const tfevent::Event& event) {
    if (file_version_ >= 2) {  // false for none, and for NaN
      if (event.has_session_log() && event.session_log().status() == tfevent::SessionLog::START) {
        for (Series& series : scalars_.series) series.DropFrom(event.step());
      }
      return;
    }
    if (event.step() >= most_recent_step_ || !event.has_summary()) {
      most_recent_step_ = event.step();
      return;
    }
    for (const tfevent::Summary::Value& value : event.summary().value()) {
      if (value.tag().empty()) {  // Python's `if key:` makes an empty tag purge every tag
        for (Series& series : scalars_.series) series.DropFrom(event.step());
      } else if (const auto it = scalars_.index.find(value.tag()); it != scalars_.index.end()) {
        scalars_.series[it->second].DropFrom(event.step());
      }
    }
  }

  std::span<const std::string> metric_names_;
  std::string event_dir_;
  std::optional<double> file_version_;
  int64_t most_recent_step_ = -1;
  SeriesByTag tensors_;
  SeriesByTag scalars_;
};

constexpr uint64_t kHeaderBytes = 12;           // the data's length, then the length's masked CRC
constexpr uint64_t kFooterBytes = 4;            // the data's masked CRC
constexpr uint64_t kMaxEventBytes = INT32_MAX;  // protobuf's limit on a message

// Calls on_record(data, offset) for each record of the TFRecord stream `in`,
// `size` bytes long, stopping as TensorFlow's reader does at the first record
// that is truncated or fails a checksum. Returns what stopped it, if anything.
template <typename OnRecord>
std::optional<std::string> ReadRecords(std::istream& in, uint64_t size, OnRecord&& on_record) {
  std::string data;
  for (uint64_t offset = 0; offset < size;) {
    const auto failure = [&](std::string_view what) {
      return fmt::format("{} at byte {}", in.bad() ? "read error" : what, offset);
    };
    char header[kHeaderBytes];
    if (size - offset < kHeaderBytes || !in.read(header, kHeaderBytes)) return failure("truncated record");
    if (MaskedCrc32c({header, 8}) != LoadLittleEndian<uint32_t>(header + 8)) {
      return failure("corrupted record (its length fails its checksum)");
    }
    // A length beyond the file's end is a truncation, never an allocation.
    const uint64_t length = LoadLittleEndian<uint64_t>(header);
    const uint64_t room = size - offset - kHeaderBytes;
    if (room < kFooterBytes || length > room - kFooterBytes) return failure("truncated record");
    if (length > kMaxEventBytes) return failure("record larger than a protobuf can be");
    data.resize(length);
    char footer[kFooterBytes];
    if (!in.read(data.data(), static_cast<std::streamsize>(length)) || !in.read(footer, kFooterBytes)) {
      return failure("truncated record");
    }
    if (MaskedCrc32c(data) != LoadLittleEndian<uint32_t>(footer)) {
      return failure("corrupted record (its data fails its checksum)");
    }
    on_record(data, offset);
    offset += kHeaderBytes + length + kFooterBytes;
  }
  return std::nullopt;
}

void CollectFile(const fs::path& file, std::span<const std::string> metric_names, TfEventCollection& out) {
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    out.warnings.push_back(fmt::format("{}: cannot open: {}", file.string(), std::strerror(errno)));
    return;
  }
  std::error_code error;
  const uintmax_t size = fs::file_size(file, error);
  if (error) {
    out.warnings.push_back(fmt::format("{}: cannot read its size: {}", file.string(), error.message()));
    return;
  }
  EventFileAccumulator accumulator(metric_names, file.parent_path().string());
  tfevent::Event event;
  size_t not_events = 0;
  uint64_t first_not_event = 0;
  const std::optional<std::string> stop =
      ReadRecords(in, size, [&](const std::string& data, uint64_t offset) {
        if (event.ParseFromString(data)) {
          accumulator.Add(event);
        } else if (not_events++ == 0) {
          first_not_event = offset;
        }
      });
  accumulator.AppendRecords(out.log);
  if (not_events > 0) {
    out.warnings.push_back(fmt::format("{}: {} record(s) are not TensorFlow Events, the first at byte {}; skipped",
                                       file.string(), not_events, first_not_event));
  }
  if (stop) {
    out.warnings.push_back(fmt::format("{}: {}; the rest of the file is ignored", file.string(), *stop));
  }
}

// Whether a file of this name is an event file: TensorBoard's
// io_wrapper.IsSummaryEventsFile.
bool IsTfEventFileName(std::string_view name) {
  return name.find("tfevents") != std::string_view::npos && !name.ends_with(".profile-empty");
}

// os.walk's order, without following links to directories: a directory's
// event files by name, then its subdirectories by name, depth first. Files
// named as event files but not regular (a FIFO, a dangling link) are skipped
// with a warning.
void FindEventFiles(const fs::path& dir, std::vector<fs::path>& files, std::vector<std::string>& warnings) {
  std::vector<fs::directory_entry> entries;
  std::error_code error;
  for (fs::directory_iterator it(dir, error), end; !error && it != end; it.increment(error)) {
    entries.push_back(*it);
  }
  if (error) warnings.push_back(fmt::format("{}: cannot list: {}", dir.string(), error.message()));
  std::ranges::sort(entries, {},
                    [](const fs::directory_entry& entry) { return entry.path().filename().string(); });
  std::vector<fs::path> subdirs;
  for (const fs::directory_entry& entry : entries) {
    std::error_code ignored;  // a dangling link is neither a directory nor a regular file
    if (entry.is_directory(ignored)) {
      if (!entry.is_symlink(ignored)) subdirs.push_back(entry.path());
    } else if (IsTfEventFileName(entry.path().filename().string())) {
      if (entry.is_regular_file(ignored)) {
        files.push_back(entry.path());
      } else {
        warnings.push_back(fmt::format("{}: not a regular file; skipped", entry.path().string()));
      }
    }
  }
  for (const fs::path& subdir : subdirs) FindEventFiles(subdir, files, warnings);
}

}  // namespace

TfEventCollection CollectTfEvents(const std::filesystem::path& directory,
                                  std::span<const std::string> metric_names) {
  TfEventCollection out;
  std::error_code error;
  // Absolute, as the "dir/metric" form matches the end of a file's directory.
  fs::path root = fs::absolute(directory, error);
  if (error) root = directory;
  const fs::file_status status = fs::status(root, error);
  if (status.type() == fs::file_type::not_found) return out;
  if (error || status.type() != fs::file_type::directory) {
    out.warnings.push_back(
        fmt::format("{}: {}", root.string(), error ? error.message() : std::string("not a directory")));
    return out;
  }
  std::vector<fs::path> files;
  FindEventFiles(root, files, out.warnings);
  out.event_files = files.size();
  for (const fs::path& file : files) CollectFile(file, metric_names, out);
  return out;
}

}  // namespace hpsearch::metrics
