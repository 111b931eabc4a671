// TrialCollector: what reaches a trial's observation log, and the store,
// from its output streams and from a metrics file however it is written.
#include "runner/trial_collector.h"

#include <deque>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "metrics/katib_time.h"
#include "tests/runner/test_util.h"

namespace hpsearch::metrics {
// For gtest's messages.
void PrintTo(const MetricLog& log, std::ostream* out) {
  *out << "{" << log.timestamp << " " << log.name << "=" << log.value << "}";
}
}  // namespace hpsearch::metrics

namespace hpsearch::runner {
namespace {

using metrics::MetricLog;
using ::testing::ElementsAre;
using ::testing::ElementsAreArray;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

constexpr char kZero[] = "0001-01-01T00:00:00Z";

MetricLog Loss(std::string value) { return {kZero, "loss", std::move(value)}; }

const std::vector<metrics::MetricStrategy> kStrategies = {{"loss", metrics::MetricStrategyType::kMin},
                                                          {"accuracy", metrics::MetricStrategyType::kMax}};

// The trial's metrics as the runner reads them from a log.
std::vector<std::string> Values(const std::vector<metrics::MetricSummary>& summaries) {
  std::vector<std::string> values;
  for (const metrics::MetricSummary& summary : summaries) values.push_back(summary.value());
  return values;
}
std::vector<std::string> ValuesOf(const std::vector<MetricLog>& log) {
  return Values(*metrics::SummarizeMetrics(log, kStrategies));
}

// Writes the whole file the way Python's open(path, 'w') does: truncated in
// place, same inode.
void Rewrite(const std::filesystem::path& path, std::string_view content) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << content;
}

// cloudml-hypertune's HyperTune, which Katib's JSON examples report with:
// every report rewrites the whole file with the last 100 reports.
class Hypertune {
 public:
  explicit Hypertune(std::filesystem::path path) : path_(std::move(path)) {}

  // The file's content after reporting `value` for `metric`.
  std::string Next(const std::string& metric, double value) {
    ++reports_;
    const int64_t time = 1'700'000'000 + reports_;  // Unix seconds
    entries_.push_back(absl::StrFormat(
        R"({"checkpoint_path": "", "global_step": "%d", "%s": "%g", "timestamp": %d, "trial": "0"})",
        reports_, metric, value, time));
    records_.push_back({metrics::FormatRfc3339Nano({.seconds = time, .nanos = 0}), metric,
                        absl::StrFormat("%g", value)});
    if (entries_.size() > 100) entries_.pop_front();
    std::string content;
    for (const std::string& entry : entries_) absl::StrAppend(&content, entry, "\n");
    return content;
  }
  void Report(const std::string& metric, double value) { Rewrite(path_, Next(metric, value)); }

  // Every record reported so far, and those the file holds now.
  const std::vector<MetricLog>& records() const { return records_; }
  std::vector<MetricLog> kept() const {
    return {records_.end() - static_cast<std::ptrdiff_t>(entries_.size()), records_.end()};
  }

 private:
  std::filesystem::path path_;
  int reports_ = 0;
  std::deque<std::string> entries_;
  std::vector<MetricLog> records_;
};

class TrialCollectorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = test_util::FreshTestDir();
    file_ = dir_ / "metrics.log";
    auto store = metrics::ObjectiveStore::Open((dir_ / "store.db").string());
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = *std::move(store);
  }

  static TrialCollector Collector(std::optional<std::filesystem::path> file,
                                  metrics::MetricsFormat format = metrics::MetricsFormat::kText) {
    metrics::ParserOptions options;
    options.format = format;
    options.metric_names = {"loss", "accuracy"};
    MetricsSource source;
    if (file) source = {.kind = MetricsSource::Kind::kFile, .path = *std::move(file)};
    auto collector =
        TrialCollector::Create(options, "t", source, TrialLogDigest(kStrategies, /*objective_reports_kept=*/2));
    EXPECT_TRUE(collector.ok()) << collector.status();
    return *std::move(collector);
  }

  void Flush(TrialCollector& collector) { ASSERT_TRUE(collector.Flush(*store_).ok()); }
  void Finish(TrialCollector& collector) { ASSERT_TRUE(collector.Finish(*store_).ok()); }

  // The trial's log as stored, in time order, then arrival.
  std::vector<MetricLog> Stored() {
    std::vector<MetricLog> logs;
    auto stored = store_->GetObservations("t");
    EXPECT_TRUE(stored.ok()) << stored.status();
    for (const metrics::StoredObservation& observation : *stored) {
      logs.push_back({metrics::FormatMicrosRfc3339Nano(observation.time_us), observation.metric,
                      observation.value});
    }
    return logs;
  }

  std::filesystem::path dir_;
  std::filesystem::path file_;
  std::unique_ptr<metrics::ObjectiveStore> store_;
};

TEST_F(TrialCollectorTest, StdOutCollectorReadsStderrToo) {
  TrialCollector collector = Collector(std::nullopt);
  collector.OnOutput(OutputStream::kStderr, "INFO:root:loss=0.5\n");
  collector.OnOutput(OutputStream::kStdout, "accuracy=0.9\n");
  Finish(collector);
  EXPECT_THAT(Stored(), ElementsAre(Loss("0.5"), MetricLog{kZero, "accuracy", "0.9"}));
}

TEST_F(TrialCollectorTest, StdOutCollectorKeepsEachStreamsPartialLineApart) {
  TrialCollector collector = Collector(std::nullopt);
  collector.OnOutput(OutputStream::kStdout, "epoch 1 lo");
  collector.OnOutput(OutputStream::kStderr, "loss=0.7\nWARNING lo");
  collector.OnOutput(OutputStream::kStdout, "ss=0.6\n");
  collector.OnOutput(OutputStream::kStderr, "ss=0.5\n");
  Flush(collector);
  EXPECT_THAT(Stored(), ElementsAre(Loss("0.7"), Loss("0.6"), Loss("0.5")));
}

// A trial may log a metric at every step: what it printed is in the store
// and the digest, not in the collector.
TEST_F(TrialCollectorTest, StdOutCollectorKeepsNoRecordItStored) {
  TrialCollector collector = Collector(std::nullopt);
  for (int step = 1; step <= 50; ++step) {
    collector.OnOutput(OutputStream::kStdout, absl::StrCat("loss=", 1.0 / step, "\naccuracy=oops\n"));
    Flush(collector);
    ASSERT_THAT(collector.log(), IsEmpty()) << "step " << step;
  }
  collector.OnOutput(OutputStream::kStderr, "accuracy=0.75\nloss=0.5");
  Finish(collector);
  EXPECT_THAT(collector.log(), IsEmpty());
  EXPECT_EQ(Stored().size(), 102u);
  EXPECT_THAT(Values(collector.digest().Summaries()), ElementsAre("0.02", "0.75"));
  EXPECT_THAT(Values(collector.digest().Summaries()), ElementsAreArray(ValuesOf(Stored())));
  EXPECT_THAT(collector.digest().objective_reports(), ElementsAre(1, 0.5));
}

TEST_F(TrialCollectorTest, FileCollectorIgnoresTheOutputStreams) {
  TrialCollector collector = Collector(file_);
  collector.OnOutput(OutputStream::kStdout, "loss=1\n");
  collector.OnOutput(OutputStream::kStderr, "loss=2\n");
  Finish(collector);
  EXPECT_THAT(collector.log(), ElementsAre(Loss("unavailable")));
}

TEST_F(TrialCollectorTest, AnAppendedFileIsReadOnceWhateverTheFlushes) {
  TrialCollector collector = Collector(file_);
  Rewrite(file_, "loss=3\nlo");
  Flush(collector);
  std::ofstream(file_, std::ios::app) << "ss=2\n";
  Flush(collector);
  Flush(collector);
  std::ofstream(file_, std::ios::app) << "loss=1";  // no newline: read at the end
  Finish(collector);
  EXPECT_THAT(collector.log(), ElementsAre(Loss("3"), Loss("2"), Loss("1")));
  EXPECT_THAT(Stored(), ElementsAre(Loss("3"), Loss("2"), Loss("1")));
}

// A JSON metrics file written by cloudml-hypertune, past its 100 reports:
// every report, every rewrite is seen once while the trial runs, and what
// is stored in the end is what Katib stores, the last 100.
TEST_F(TrialCollectorTest, HypertuneRewritesAreCollectedOnceAndTheLast100Stored) {
  TrialCollector collector = Collector(file_, metrics::MetricsFormat::kJson);
  Hypertune hypertune(file_);
  for (int epoch = 1; epoch <= 70; ++epoch) {
    hypertune.Report("loss", 1.0 / epoch);
    if (epoch % 3 != 0) Flush(collector);  // some rewrites are only seen with the next one
    hypertune.Report("accuracy", 1 - 1.0 / epoch);
    Flush(collector);
    ASSERT_THAT(collector.log(), ElementsAreArray(hypertune.records())) << "epoch " << epoch;
  }
  Finish(collector);
  ASSERT_EQ(hypertune.kept().size(), 100u);
  EXPECT_THAT(collector.log(), ElementsAreArray(hypertune.kept()));
  EXPECT_THAT(Stored(), ElementsAreArray(hypertune.kept()));
  EXPECT_EQ(collector.log().back().value, "0.985714");  // the last epoch's accuracy
  EXPECT_THAT(collector.warnings(), IsEmpty());
}

// Python writes the file in pieces: the engine may read it truncated or
// half rewritten, and must neither take the pieces for new reports nor
// miss the report once the file is whole.
TEST_F(TrialCollectorTest, ARewriteSeenHalfDoneIsReadAgainOnceDone) {
  TrialCollector collector = Collector(file_, metrics::MetricsFormat::kJson);
  Hypertune hypertune(file_);
  for (int report = 1; report <= 105; ++report) {
    hypertune.Report("loss", report);
    Flush(collector);
  }
  for (int cut_at : {0, 1, 2, 3, 4}) {
    const std::string before = test_util::ReadFile(file_);
    const std::string after = hypertune.Next("loss", 200 + cut_at);
    const size_t cuts[] = {0, 1, after.size() / 2, before.size() - 1, after.size() - 1};
    std::ofstream writer(file_, std::ios::binary | std::ios::trunc);
    writer << after.substr(0, cuts[cut_at]) << std::flush;
    Flush(collector);
    EXPECT_THAT(collector.log(), ElementsAreArray(hypertune.records().begin(), hypertune.records().end() - 1))
        << "cut at " << cuts[cut_at];
    writer << after.substr(cuts[cut_at]) << std::flush;
    Flush(collector);
    EXPECT_THAT(collector.log(), ElementsAreArray(hypertune.records())) << "cut at " << cuts[cut_at];
  }
  Finish(collector);
  EXPECT_THAT(Stored(), ElementsAreArray(hypertune.kept()));
  EXPECT_THAT(collector.warnings(), IsEmpty());
}

TEST_F(TrialCollectorTest, ATruncatedFileLeavesWhatItHoldsInTheEnd) {
  TrialCollector collector = Collector(file_);
  Rewrite(file_, "loss=3\nloss=2\n");
  Flush(collector);
  Rewrite(file_, "loss=1\n");  // shorter than what was read
  Flush(collector);
  EXPECT_THAT(collector.log(), ElementsAre(Loss("3"), Loss("2"), Loss("1")));
  Finish(collector);
  EXPECT_THAT(collector.log(), ElementsAre(Loss("1")));
  EXPECT_THAT(Stored(), ElementsAre(Loss("1")));
  // The trial's metrics are those of what the file held in the end.
  EXPECT_THAT(Values(collector.digest().Summaries()), ElementsAre("1", "unavailable"));
  EXPECT_THAT(collector.digest().objective_reports(), ElementsAre(1));
}

TEST_F(TrialCollectorTest, AFileRewrittenLongerInPlaceIsReadAgain) {
  TrialCollector collector = Collector(file_);
  Rewrite(file_, "loss=3\n");
  Flush(collector);
  Rewrite(file_, "loss=0.5\nloss=0.4\n");  // not shorter: its changed bytes tell
  Flush(collector);
  EXPECT_THAT(collector.log(), ElementsAre(Loss("3"), Loss("0.5"), Loss("0.4")));
  Finish(collector);
  EXPECT_THAT(Stored(), ElementsAre(Loss("0.5"), Loss("0.4")));
}

TEST_F(TrialCollectorTest, AFileReplacedByARenameIsReadAgain) {
  TrialCollector collector = Collector(file_);
  Rewrite(file_, "loss=3\n");
  Flush(collector);
  auto replace = [&](std::string_view content) {
    Rewrite(dir_ / "metrics.tmp", content);
    std::filesystem::rename(dir_ / "metrics.tmp", file_);
  };
  replace("loss=3\nloss=2\n");  // what was read, and more
  Flush(collector);
  EXPECT_THAT(collector.log(), ElementsAre(Loss("3"), Loss("2")));
  replace("loss=2\nloss=1\n");
  Finish(collector);
  EXPECT_THAT(collector.log(), ElementsAre(Loss("2"), Loss("1")));
  EXPECT_THAT(Stored(), ElementsAre(Loss("2"), Loss("1")));
}

TEST_F(TrialCollectorTest, AFileEmptiedAtTheEndLeavesTheObjectiveUnavailable) {
  TrialCollector collector = Collector(file_);
  Rewrite(file_, "loss=3\n");
  Flush(collector);
  Rewrite(file_, "");
  Finish(collector);
  EXPECT_THAT(Stored(), ElementsAre(Loss("unavailable")));
}

}  // namespace
}  // namespace hpsearch::runner
