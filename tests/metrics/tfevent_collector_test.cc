// Katib's TensorFlowEvent collector over event files written here, some of
// them byte for byte as TensorFlow encodes them.
#include "metrics/tfevent_collector.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <bit>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>

#include "metrics/internal/crc32c.h"
#include "metrics/internal/python_float.h"
#include "metrics/katib_time.h"
#include "metrics/proto/tensorboard_event.pb.h"
#include "tests/support/tfevent_writer.h"

namespace hpsearch::metrics {

void PrintTo(const MetricLog& log, std::ostream* out) {
  *out << "{" << log.timestamp << ", " << log.name << ", " << log.value << "}";
}

namespace {

namespace fs = std::filesystem;
using internal::MaskedCrc32c;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using hpsearch::testing::TfEventWriter;

constexpr double kTime = 1'700'000'000;  // 2023-11-14T22:13:20Z
constexpr std::string_view kStamp = "2023-11-14T22:13:20Z";

MetricLog Log(std::string_view name, std::string_view value, std::string_view timestamp = kStamp) {
  return {std::string(timestamp), std::string(name), std::string(value)};
}

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream bytes;
  bytes << in.rdbuf();
  return bytes.str();
}

// Protobuf's encoding by hand, from TensorFlow's field numbers: the key byte
// is (field number << 3) | wire type.
template <typename T>
std::string LittleEndian(T value) {
  const auto bits = std::bit_cast<std::conditional_t<sizeof(T) == 4, uint32_t, uint64_t>>(value);
  std::string bytes(sizeof(T), '\0');
  for (size_t i = 0; i < sizeof(T); ++i) bytes[i] = static_cast<char>(bits >> (8 * i));
  return bytes;
}
std::string Delimited(char key, std::string_view body) {  // bodies here are under 128 bytes
  return std::string{key, static_cast<char>(body.size())} + std::string(body);
}
std::string EventHeader(int64_t step, double wall_time) {
  return "\x09" + LittleEndian(wall_time) + "\x10" + static_cast<char>(step);  // steps here are < 128
}
// Event{step, wall_time, summary{value{tag, <value_field>}}}.
std::string SummaryEvent(int64_t step, double wall_time, std::string_view tag, std::string_view value_field) {
  return EventHeader(step, wall_time) +
         Delimited('\x2a', Delimited('\x0a', Delimited('\x0a', tag) + std::string(value_field)));
}
std::string SimpleValue(float value) { return "\x15" + LittleEndian(value); }
// Summary.Value.tensor (field 8): TensorProto{dtype, tensor_shape (empty:
// 0-d), then `values`}.
std::string Tensor(char dtype, std::string_view values) {
  return Delimited('\x42', std::string{'\x08', dtype, '\x12', '\x00'} + std::string(values));
}

class TfEventCollectorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ =
        fs::temp_directory_path() /
        ("hpsearch_tfevent_" + std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()) +
         "_" + std::to_string(getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  TfEventCollection Collect(const std::vector<std::string>& metrics) {
    return CollectTfEvents(dir_, metrics);
  }

  fs::path dir_;
};

TEST(Crc32cTest, MatchesTheCheckValues) {
  EXPECT_EQ(internal::Crc32c("123456789"), 0xE3069283u);
  EXPECT_EQ(internal::Crc32c(""), 0u);
  // The masked CRC of length 24, which starts every real tfevents file.
  EXPECT_EQ(MaskedCrc32c(std::string("\x18\0\0\0\0\0\0\0", 8)), 0x224b7fa3u);
}

TEST_F(TfEventCollectorTest, WriterEncodesAsTensorFlowDoes) {
  {
    TfEventWriter writer(dir_ / "events.out.tfevents.1");
    writer.AddScalar("loss", 3, 0.5f, kTime + 1);
    writer.AddTensorScalar("acc", 4, 0.25f, kTime + 2);
  }
  const std::string bytes = ReadFile(dir_ / "events.out.tfevents.1");
  ASSERT_GE(bytes.size(), 12u);
  EXPECT_EQ(bytes.substr(0, 12), std::string("\x18\0\0\0\0\0\0\0\xa3\x7f\x4b\x22", 12));
  const std::string file_version = "\x09" + LittleEndian(kTime) + Delimited('\x1a', "brain.Event:2");
  const std::string scalar = SummaryEvent(3, kTime + 1, "loss", SimpleValue(0.5f));
  const std::string tensor =
      SummaryEvent(4, kTime + 2, "acc", Tensor(1, Delimited('\x2a', LittleEndian(0.25f))));
  std::string want;
  for (const std::string& data : {file_version, scalar, tensor}) {
    const std::string length = LittleEndian(uint64_t{data.size()});
    want += length + LittleEndian(MaskedCrc32c(length)) + data + LittleEndian(MaskedCrc32c(data));
  }
  EXPECT_EQ(bytes, want);
}

TEST_F(TfEventCollectorTest, ReadsScalarsAndTensorsAsKatibWritesThem) {
  TfEventWriter writer(dir_ / "events.out.tfevents.1700000000.host");
  writer.AddScalar("loss", 1, 0.1f, kTime);
  writer.AddScalar("loss", 2, 1.0f, kTime);
  writer.AddScalar("loss", 3, 1e-5f, kTime);
  writer.AddTensorScalar("accuracy", 1, 0.1f, kTime);
  writer.AddTensorScalar("accuracy", 2, 1.0f, kTime);
  writer.AddTensorScalar("accuracy", 3, 1e-5f, kTime);
  const TfEventCollection got = Collect({"loss", "accuracy"});
  // Python's str() of the float32 widened to double, and numpy's str() of the float32.
  EXPECT_THAT(got.log, ElementsAre(Log("accuracy", "0.1"), Log("accuracy", "1.0"), Log("accuracy", "1e-05"),
                                   Log("loss", "0.10000000149011612"), Log("loss", "1.0"),
                                   Log("loss", "9.999999747378752e-06")));
  EXPECT_THAT(got.warnings, IsEmpty());
}

TEST_F(TfEventCollectorTest, ReadsZeroDimensionalTensorsOfEachNumericType) {
  TfEventWriter writer(dir_ / "x.tfevents.1");
  writer.AddRecord(SummaryEvent(1, kTime, "a", Tensor(2, Delimited('\x32', LittleEndian(0.1)))));
  writer.AddRecord(SummaryEvent(2, kTime, "a", Tensor(3, Delimited('\x3a', "\x07"))));
  writer.AddRecord(SummaryEvent(3, kTime, "a", Tensor(9, Delimited('\x52', "\x7f"))));
  // tensor_content: the element's little-endian bytes.
  writer.AddRecord(SummaryEvent(4, kTime, "a", Tensor(1, Delimited('\x22', LittleEndian(2.5f)))));
  writer.AddRecord(SummaryEvent(5, kTime, "a", Tensor(9, Delimited('\x22', LittleEndian(int64_t{-3})))));
  // No value at all: make_ndarray gives zeros.
  writer.AddRecord(SummaryEvent(6, kTime, "a", Tensor(1, "")));
  // An empty tag: the tensor's node_name (field 7) names it.
  writer.AddRecord(
      EventHeader(7, kTime) +
      Delimited('\x2a', Delimited('\x0a', Delimited('\x3a', "a_node") +
                                              Tensor(1, Delimited('\x2a', LittleEndian(4.0f))))));
  EXPECT_THAT(Collect({"a"}).log,
              ElementsAre(Log("a", "0.1"), Log("a", "7"), Log("a", "127"), Log("a", "2.5"), Log("a", "-3"),
                          Log("a", "0.0"), Log("a", "4.0")));
}

TEST_F(TfEventCollectorTest, SkipsTensorsThatAreNotOneNumber) {
  TfEventWriter writer(dir_ / "x.tfevents.1");
  // DT_FLOAT of shape [1] (tensor_shape{dim{size: 1}}).
  const std::string vector = "\x08\x01" + Delimited('\x12', Delimited('\x12', "\x08\x01"));
  writer.AddRecord(
      SummaryEvent(1, kTime, "a", Delimited('\x42', vector + Delimited('\x2a', LittleEndian(1.0f)))));
  writer.AddRecord(SummaryEvent(2, kTime, "a", Tensor(7, Delimited('\x42', "text"))));  // DT_STRING
  writer.AddRecord(SummaryEvent(3, kTime, "a", Tensor(1, Delimited('\x22', "\x01\x02"))));
  writer.AddRecord(
      SummaryEvent(4, kTime, "a", Tensor(1, Delimited('\x2a', LittleEndian(1.0f) + LittleEndian(2.0f)))));
  writer.AddTensorScalar("a", 5, 0.5f, kTime);
  const TfEventCollection got = Collect({"a"});
  EXPECT_THAT(got.log, ElementsAre(Log("a", "0.5")));
  EXPECT_THAT(got.warnings, IsEmpty());
}

TEST_F(TfEventCollectorTest, MatchesTagsByPrefix) {
  TfEventWriter writer(dir_ / "events.out.tfevents.1");
  writer.AddScalar("accuracy", 1, 0.5f, kTime);
  writer.AddScalar("acc_top5", 1, 0.75f, kTime);
  writer.AddScalar("val_acc", 1, 0.25f, kTime);
  EXPECT_THAT(Collect({"acc"}).log, ElementsAre(Log("acc", "0.5"), Log("acc", "0.75")));
}

TEST_F(TfEventCollectorTest, DirectoryQualifiedNamesPickTheirDirectorysFiles) {
  // Katib's TFJob example: the trial writes logs/train and logs/test; the
  // collector reads logs, with metrics "test/accuracy" and "train/accuracy".
  TfEventWriter(dir_ / "logs/test/events.out.tfevents.1").AddScalar("accuracy", 1, 0.5f, kTime);
  TfEventWriter(dir_ / "logs/train/events.out.tfevents.2").AddScalar("accuracy", 1, 0.75f, kTime);
  EXPECT_THAT(CollectTfEvents(dir_ / "logs", std::vector<std::string>{"train/accuracy", "test/accuracy"}).log,
              ElementsAre(Log("test/accuracy", "0.5"), Log("train/accuracy", "0.75")));
  // Unqualified, a name takes every directory's tags.
  EXPECT_THAT(CollectTfEvents(dir_ / "logs", std::vector<std::string>{"accuracy"}).log,
              ElementsAre(Log("accuracy", "0.5"), Log("accuracy", "0.75")));
  // Katib's test is a plain suffix of the file's directory.
  EXPECT_THAT(CollectTfEvents(dir_ / "logs", std::vector<std::string>{"ain/accuracy", "logs/accuracy"}).log,
              ElementsAre(Log("ain/accuracy", "0.75")));
}

TEST_F(TfEventCollectorTest, ReadsOnlyFilesNamedAsEventFiles) {
  TfEventWriter(dir_ / "events.out.tfevent.1").AddScalar("loss", 1, 1.0f, kTime);
  TfEventWriter(dir_ / "metrics.log").AddScalar("loss", 2, 2.0f, kTime);
  TfEventWriter(dir_ / "events.out.tfevents.1.profile-empty").AddScalar("loss", 3, 3.0f, kTime);
  TfEventWriter(dir_ / "tfevents").AddScalar("loss", 4, 4.0f, kTime);
  const TfEventCollection got = Collect({"loss"});
  EXPECT_THAT(got.log, ElementsAre(Log("loss", "4.0")));
  EXPECT_THAT(got.warnings, IsEmpty());
}

TEST_F(TfEventCollectorTest, VisitsFilesByNameBeforeSubdirectories) {
  TfEventWriter(dir_ / "b/events.out.tfevents.1").AddScalar("loss", 1, 1.0f, kTime);
  TfEventWriter(dir_ / "c.tfevents").AddScalar("loss", 1, 2.0f, kTime);
  TfEventWriter(dir_ / "a.tfevents").AddScalar("loss", 1, 3.0f, kTime);
  TfEventWriter(dir_ / "a/events.out.tfevents.1").AddScalar("loss", 1, 4.0f, kTime);
  EXPECT_THAT(Collect({"loss"}).log,
              ElementsAre(Log("loss", "3.0"), Log("loss", "2.0"), Log("loss", "4.0"), Log("loss", "1.0")));
}

TEST_F(TfEventCollectorTest, KeepsWhatPrecedesATruncatedRecord) {
  const fs::path file = dir_ / "events.out.tfevents.1";
  TfEventWriter writer(file);
  writer.AddScalar("loss", 1, 1.0f, kTime);
  writer.AddScalar("loss", 2, 2.0f, kTime);
  const uintmax_t offset = fs::file_size(file);
  tfevent::Event event;
  event.set_step(3);
  event.mutable_summary()->add_value()->set_tag("loss");
  const std::string data = event.SerializeAsString();
  const std::string length = LittleEndian(uint64_t{data.size()});
  writer.AddRawBytes(length + LittleEndian(MaskedCrc32c(length)) + data.substr(0, data.size() / 2));
  const TfEventCollection got = Collect({"loss"});
  EXPECT_THAT(got.log, ElementsAre(Log("loss", "1.0"), Log("loss", "2.0")));
  EXPECT_THAT(got.warnings, ElementsAre(file.string() + ": truncated record at byte " +
                                        std::to_string(offset) + "; the rest of the file is ignored"));
}

TEST_F(TfEventCollectorTest, StopsAtAChecksumMismatch) {
  const fs::path file = dir_ / "events.out.tfevents.1";
  uintmax_t offset = 0;
  {
    TfEventWriter writer(file);
    writer.AddScalar("loss", 1, 1.0f, kTime);
    offset = fs::file_size(file);
    writer.AddScalar("loss", 2, 2.0f, kTime);
    writer.AddScalar("loss", 3, 3.0f, kTime);
  }
  std::string bytes = ReadFile(file);
  bytes[offset + 14] ^= 0x01;  // in the second scalar's data
  std::ofstream(file, std::ios::binary | std::ios::trunc) << bytes;
  const TfEventCollection got = Collect({"loss"});
  EXPECT_THAT(got.log, ElementsAre(Log("loss", "1.0")));
  ASSERT_EQ(got.warnings.size(), 1u);
  EXPECT_THAT(got.warnings[0],
              HasSubstr(file.string() + ": corrupted record (its data fails its checksum) at byte " +
                        std::to_string(offset)));
}

TEST_F(TfEventCollectorTest, TreatsALengthBeyondTheFileAsTruncation) {
  const fs::path file = dir_ / "events.out.tfevents.1";
  TfEventWriter writer(file);
  writer.AddScalar("loss", 1, 1.0f, kTime);
  const uintmax_t offset = fs::file_size(file);
  const std::string length = LittleEndian(std::numeric_limits<uint64_t>::max());
  writer.AddRawBytes(length + LittleEndian(MaskedCrc32c(length)) + "data");
  const TfEventCollection got = Collect({"loss"});
  EXPECT_THAT(got.log, ElementsAre(Log("loss", "1.0")));
  EXPECT_THAT(got.warnings, ElementsAre(HasSubstr("truncated record at byte " + std::to_string(offset))));
}

TEST_F(TfEventCollectorTest, SkipsRecordsThatAreNotEvents) {
  const fs::path file = dir_ / "events.out.tfevents.1";
  TfEventWriter writer(file);
  const uintmax_t offset = fs::file_size(file);
  writer.AddRecord("\xff\xff\xff");
  writer.AddScalar("loss", 1, 1.0f, kTime);
  const TfEventCollection got = Collect({"loss"});
  EXPECT_THAT(got.log, ElementsAre(Log("loss", "1.0")));
  EXPECT_THAT(got.warnings,
              ElementsAre(file.string() + ": 1 record(s) are not TensorFlow Events, the first at byte " +
                          std::to_string(offset) + "; skipped"));
}

TEST_F(TfEventCollectorTest, SessionStartPurgesTheFilesLaterScalars) {
  TfEventWriter writer(dir_ / "events.out.tfevents.1");
  writer.AddScalar("loss", 1, 1.0f, kTime);
  writer.AddScalar("loss", 2, 2.0f, kTime);
  writer.AddScalar("loss", 3, 3.0f, kTime);
  writer.AddTensorScalar("acc", 3, 3.0f, kTime);
  writer.AddSessionStart(2, kTime);
  writer.AddScalar("loss", 2, 20.0f, kTime);
  writer.AddTensorScalar("acc", 2, 20.0f, kTime);
  TfEventWriter other(dir_ / "events.out.tfevents.2");
  other.AddScalar("loss", 5, 5.0f, kTime);
  other.AddSessionStart(0, kTime);  // purges nothing in the first file
  // TensorBoard purges scalars only.
  EXPECT_THAT(Collect({"loss", "acc"}).log,
              ElementsAre(Log("acc", "3.0"), Log("acc", "20.0"), Log("loss", "1.0"), Log("loss", "20.0")));
}

TEST_F(TfEventCollectorTest, FilesBeforeVersion2PurgeOutOfOrderStepsByTag) {
  TfEventWriter writer(dir_ / "events.out.tfevents.1");
  writer.AddFileVersion("brain.Event:1");
  writer.AddScalar("loss", 1, 1.0f, kTime);
  writer.AddScalar("loss", 2, 2.0f, kTime);
  writer.AddScalar("acc", 3, 3.0f, kTime);
  writer.AddScalar("loss", 2, 20.0f, kTime);  // out of order: drops loss at steps >= 2
  writer.AddSessionStart(0, kTime);           // no effect before version 2
  EXPECT_THAT(Collect({"loss", "acc"}).log,
              ElementsAre(Log("loss", "1.0"), Log("loss", "20.0"), Log("acc", "3.0")));
}

TEST_F(TfEventCollectorTest, AnOutOfOrderEmptyTagPurgesEveryTag) {
  // TensorBoard filters by tag only `if key:`, and "" is falsy in Python.
  TfEventWriter writer(dir_ / "events.out.tfevents.1");
  writer.AddFileVersion("brain.Event:1");
  writer.AddScalar("loss", 1, 1.0f, kTime);
  writer.AddScalar("acc", 2, 2.0f, kTime);
  writer.AddScalar("loss", 3, 3.0f, kTime);
  writer.AddScalar("", 2, 0.0f, kTime);
  EXPECT_THAT(Collect({"loss", "acc"}).log, ElementsAre(Log("loss", "1.0")));
}

TEST_F(TfEventCollectorTest, OrdersTensorsThenScalarsByTagThenMetric) {
  TfEventWriter writer(dir_ / "events.out.tfevents.1");
  writer.AddScalar("loss", 1, 1.0f, kTime);
  writer.AddScalar("lr", 1, 2.0f, kTime);
  writer.AddTensorScalar("acc", 1, 3.0f, kTime);
  writer.AddScalar("loss", 2, 4.0f, kTime);
  writer.AddTensorScalar("lat", 1, 5.0f, kTime);
  EXPECT_THAT(Collect({"lr", "l", "acc"}).log,
              ElementsAre(Log("acc", "3.0"), Log("l", "5.0"), Log("l", "1.0"), Log("l", "4.0"),
                          Log("lr", "2.0"), Log("l", "2.0")));
}

TEST_F(TfEventCollectorTest, TimestampsAreWholeSecondsInUtc) {
  TfEventWriter writer(dir_ / "events.out.tfevents.1");
  writer.AddScalar("loss", 1, 1.0f, kTime + 0.999);
  writer.AddScalar("loss", 2, 1.0f, kTime + 0.9999996);  // datetime rounds it to the next second
  writer.AddScalar("loss", 3, 1.0f, -0.5);
  writer.AddScalar("loss", 4, 1.0f, std::numeric_limits<double>::quiet_NaN());
  writer.AddScalar("loss", 5, 1.0f, 1e300);
  EXPECT_THAT(
      Collect({"loss"}).log,
      ElementsAre(Log("loss", "1.0", "2023-11-14T22:13:20Z"), Log("loss", "1.0", "2023-11-14T22:13:21Z"),
                  Log("loss", "1.0", "1969-12-31T23:59:59Z"), Log("loss", "1.0", kZeroTimestamp),
                  Log("loss", "1.0", kZeroTimestamp)));
}

TEST_F(TfEventCollectorTest, MissingDirectoryIsEmpty) {
  const TfEventCollection got = CollectTfEvents(dir_ / "missing", std::vector<std::string>{"loss"});
  EXPECT_THAT(got.log, IsEmpty());
  EXPECT_THAT(got.warnings, IsEmpty());
  EXPECT_EQ(got.event_files, 0u);
}

TEST_F(TfEventCollectorTest, CountsTheEventFilesFoundReadableOrNot) {
  TfEventWriter(dir_ / "train/events.out.tfevents.1").AddScalar("acc", 1, 1.0f, kTime);
  TfEventWriter(dir_ / "events.out.tfevents.2").AddRawBytes("not a record");
  TfEventWriter(dir_ / "notes.txt");
  const TfEventCollection got = Collect({"loss"});  // no value of that name: still found
  EXPECT_THAT(got.log, IsEmpty());
  EXPECT_EQ(got.event_files, 2u);
}

TEST_F(TfEventCollectorTest, WarnsOfWhatItCannotRead) {
  TfEventWriter(dir_ / "file.tfevents").AddScalar("loss", 1, 1.0f, kTime);
  fs::create_symlink(dir_ / "nowhere", dir_ / "dangling.tfevents");
  const TfEventCollection got = Collect({"loss"});
  EXPECT_THAT(got.log, ElementsAre(Log("loss", "1.0")));
  EXPECT_THAT(got.warnings,
              ElementsAre((dir_ / "dangling.tfevents").string() + ": not a regular file; skipped"));
  EXPECT_THAT(CollectTfEvents(dir_ / "file.tfevents", std::vector<std::string>{"loss"}).warnings,
              ElementsAre((dir_ / "file.tfevents").string() + ": not a directory"));
}

TEST(PythonFloatTest, ReprMatchesPython) {
  const std::pair<double, const char*> cases[] = {
      {0.0, "0.0"},
      {-0.0, "-0.0"},
      {1.0, "1.0"},
      {0.1, "0.1"},
      {-2.5, "-2.5"},
      {123456.0, "123456.0"},
      {1e-4, "0.0001"},
      {9.999999999999999e-05, "9.999999999999999e-05"},
      {1e-5, "1e-05"},
      {1.5e-7, "1.5e-07"},
      {1e15, "1000000000000000.0"},
      {1e16, "1e+16"},
      {1.2345e100, "1.2345e+100"},
      {5e-324, "5e-324"},
      {static_cast<double>(0.1f), "0.10000000149011612"},
  };
  for (const auto& [value, want] : cases) EXPECT_EQ(internal::PythonFloatRepr(value), want) << want;
  EXPECT_EQ(internal::PythonFloatRepr(std::numeric_limits<double>::quiet_NaN()), "nan");
  EXPECT_EQ(internal::PythonFloatRepr(-std::numeric_limits<double>::quiet_NaN()), "nan");
  EXPECT_EQ(internal::PythonFloatRepr(std::numeric_limits<double>::infinity()), "inf");
  EXPECT_EQ(internal::PythonFloatRepr(-std::numeric_limits<double>::infinity()), "-inf");
}

TEST(PythonFloatTest, Float32StrMatchesNumpy) {
  const std::pair<float, const char*> cases[] = {
      {0.0f, "0.0"},
      {0.1f, "0.1"},
      {0.9375f, "0.9375"},
      {3.0f, "3.0"},
      {-1.5f, "-1.5"},
      {1e-4f, "1e-04"},
      {2e-4f, "0.0002"},
      {1e-5f, "1e-05"},
      {16777216.0f, "16777216.0"},
      {1e16f, "1e+16"},
      {3.4028235e38f, "3.4028235e+38"},
  };
  for (const auto& [value, want] : cases) EXPECT_EQ(internal::NumpyFloat32Str(value), want) << want;
  EXPECT_EQ(internal::NumpyFloat32Str(std::numeric_limits<float>::infinity()), "inf");
}

TEST(PythonFloatTest, ParsesWhatPythonFloatParses) {
  EXPECT_EQ(internal::ParsePythonFloat("2"), 2.0);
  EXPECT_EQ(internal::ParsePythonFloat(" +2.5e0\n"), 2.5);
  EXPECT_EQ(internal::ParsePythonFloat("-.5"), -0.5);
  EXPECT_EQ(internal::ParsePythonFloat("1e999"), std::numeric_limits<double>::infinity());
  EXPECT_TRUE(std::isnan(*internal::ParsePythonFloat("NaN")));
  for (const char* bad : {"", " ", "brain.Event:2", "+-1", "nan(1)", "0x10", "1e", "two"}) {
    EXPECT_FALSE(internal::ParsePythonFloat(bad)) << bad;
  }
}

}  // namespace
}  // namespace hpsearch::metrics
