// Writes TensorBoard event files for tests: TFRecord framing around Event
// protobufs, as TensorFlow's, PyTorch's and tensorboardX's writers lay them out.
#pragma once

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>

namespace hpsearch::tfevent {
class Event;
}

namespace hpsearch::testing {

class TfEventWriter {
 public:
  // The wall time of the file_version record that opens each file, as every
  // writer puts one first: 2023-11-14T22:13:20Z.
  static constexpr double kFileVersionWallTime = 1'700'000'000;

  // Creates the parent directories and the file (replacing one there), and
  // writes the "brain.Event:2" file_version record. Throws std::runtime_error
  // when the file cannot be created.
  explicit TfEventWriter(const std::filesystem::path& file);

  // A Summary.Value with simple_value (TF1, PyTorch's SummaryWriter by default).
  void AddScalar(const std::string& tag, int64_t step, float value, double wall_time);
  // A Summary.Value with a 0-d DT_FLOAT tensor (TF2's tf.summary.scalar).
  void AddTensorScalar(const std::string& tag, int64_t step, float value, double wall_time);
  // An event with SessionLog START, as a restarted TF1 supervisor writes.
  void AddSessionStart(int64_t step, double wall_time);
  // Another file_version record ("brain.Event:1": a file read as an older
  // TensorFlow's, which the last such record decides).
  void AddFileVersion(const std::string& version);
  // `event`, serialized.
  void AddEvent(const tfevent::Event& event);
  // `data` framed as one record: length, masked CRCs and all.
  void AddRecord(std::string_view data);
  // `bytes` as they are, for corrupt or truncated files.
  void AddRawBytes(std::string_view bytes);
  // Each call flushes, so a reader sees every record as soon as it is added.

 private:
  std::ofstream out_;
};

}  // namespace hpsearch::testing
