#include "tests/support/tfevent_writer.h"

#include <stdexcept>

#include "metrics/internal/crc32c.h"
#include "metrics/proto/tensorboard_event.pb.h"

namespace hpsearch::testing {
namespace {

template <typename T>
std::string LittleEndian(T value) {
  std::string bytes(sizeof(T), '\0');
  for (size_t i = 0; i < sizeof(T); ++i)
    bytes[i] = static_cast<char>(static_cast<uint64_t>(value) >> (8 * i));
  return bytes;
}

tfevent::Event MakeEvent(int64_t step, double wall_time) {
  tfevent::Event event;
  event.set_step(step);
  event.set_wall_time(wall_time);
  return event;
}

}  // namespace

TfEventWriter::TfEventWriter(const std::filesystem::path& file) {
  std::filesystem::create_directories(file.parent_path());
  out_.open(file, std::ios::binary | std::ios::trunc);
  if (!out_) throw std::runtime_error("cannot create " + file.string());
  AddFileVersion("brain.Event:2");
}

void TfEventWriter::AddScalar(const std::string& tag, int64_t step, float value, double wall_time) {
  tfevent::Event event = MakeEvent(step, wall_time);
  tfevent::Summary::Value* summary_value = event.mutable_summary()->add_value();
  summary_value->set_tag(tag);
  summary_value->set_simple_value(value);
  AddEvent(event);
}

void TfEventWriter::AddTensorScalar(const std::string& tag, int64_t step, float value, double wall_time) {
  tfevent::Event event = MakeEvent(step, wall_time);
  tfevent::Summary::Value* summary_value = event.mutable_summary()->add_value();
  summary_value->set_tag(tag);
  tfevent::TensorProto* tensor = summary_value->mutable_tensor();
  tensor->set_dtype(tfevent::DT_FLOAT);
  tensor->mutable_tensor_shape();  // present and empty: 0-d, as TensorFlow writes it
  tensor->add_float_val(value);
  AddEvent(event);
}

void TfEventWriter::AddSessionStart(int64_t step, double wall_time) {
  tfevent::Event event = MakeEvent(step, wall_time);
  event.mutable_session_log()->set_status(tfevent::SessionLog::START);
  AddEvent(event);
}

void TfEventWriter::AddFileVersion(const std::string& version) {
  tfevent::Event event = MakeEvent(0, kFileVersionWallTime);
  event.set_file_version(version);
  AddEvent(event);
}

void TfEventWriter::AddEvent(const tfevent::Event& event) { AddRecord(event.SerializeAsString()); }

void TfEventWriter::AddRecord(std::string_view data) {
  const std::string length = LittleEndian(static_cast<uint64_t>(data.size()));
  AddRawBytes(length + LittleEndian(metrics::internal::MaskedCrc32c(length)) + std::string(data) +
              LittleEndian(metrics::internal::MaskedCrc32c(data)));
}

void TfEventWriter::AddRawBytes(std::string_view bytes) {
  out_.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  out_.flush();
}

}  // namespace hpsearch::testing
