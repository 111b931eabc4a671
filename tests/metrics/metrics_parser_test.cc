#include "metrics/metrics_parser.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"

namespace hpsearch::metrics {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

constexpr char kZero[] = "0001-01-01T00:00:00Z";
constexpr char kKatibFilter[] = R"({metricName: ([\w|-]+), metricValue: ((-?\d+)(\.\d+)?)})";

MetricLog Log(std::string timestamp, std::string name, std::string value) {
  return {std::move(timestamp), std::move(name), std::move(value)};
}

ParserOptions Text(std::vector<std::string> metrics, std::vector<std::string> filters = {}) {
  ParserOptions options;
  options.metric_names = std::move(metrics);
  options.filters = std::move(filters);
  return options;
}

ParserOptions Json(std::vector<std::string> metrics) {
  ParserOptions options;
  options.format = MetricsFormat::kJson;
  options.metric_names = std::move(metrics);
  return options;
}

std::vector<MetricLog> Collect(std::string_view content, ParserOptions options) {
  auto logs = CollectObservationLog(content, std::move(options));
  EXPECT_TRUE(logs.ok()) << logs.status();
  return logs.ok() ? *logs : std::vector<MetricLog>{};
}

struct CollectCase {
  const char* name;
  const char* content;
  ParserOptions options;
  std::vector<MetricLog> want;
};

// Katib's own cases (pkg/metricscollector/v1beta1/file-metricscollector/
// file-metricscollector_test.go), then the default filter's corners.
std::vector<CollectCase> CollectCases() {
  return {
      {"KatibJsonPositive",
       R"({"checkpoint_path": "", "global_step": "0", "loss": "0.22082142531871796", "timestamp": 1638422847.28721, "trial": "0"}
{"acc": "0.9349666833877563", "checkpoint_path": "", "global_step": "0", "timestamp": 1638422847.287801, "trial": "0"}
{"checkpoint_path": "", "global_step": "1", "loss": "0.1414974331855774", "timestamp": "2021-12-02T14:27:50.000035161Z", "trial": "0"}
{"acc": "0.9586416482925415", "checkpoint_path": "", "global_step": "1", "timestamp": "2021-12-02T14:27:50.000037459Z", "trial": "0"}
{"checkpoint_path": "", "global_step": "2", "loss": "0.10683439671993256", "trial": "0"})",
       Json({"acc", "loss"}),
       {Log("2021-12-02T05:27:27.000028721Z", "loss", "0.22082142531871796"),
        Log("2021-12-02T05:27:27.000287801Z", "acc", "0.9349666833877563"),
        Log("2021-12-02T14:27:50.000035161Z", "loss", "0.1414974331855774"),
        Log("2021-12-02T14:27:50.000037459Z", "acc", "0.9586416482925415"),
        Log(kZero, "loss", "0.10683439671993256")}},
      {"KatibTextPositive",
       R"(2024-03-04T17:55:08Z INFO     {metricName: accuracy, metricValue: 0.8078};{metricName: loss, metricValue: 0.5183}
2024-03-04T17:55:08Z INFO     {metricName: accuracy, metricValue: 0.6752}
2024-03-04T17:55:08Z INFO     {metricName: loss, metricValue: 0.3634}
2024-03-04T17:55:08Z INFO     {metricName: accuracy, metricValue: 100}
2024-03-04T17:55:08Z INFO     {metricName: accuracy, metricValue: 888.333}
2024-03-04T17:55:08Z INFO     {metricName: accuracy, metricValue: -0.4759}
{metricName: loss, metricValue: 0.8671})",
       Text({"accuracy", "loss"}, {kKatibFilter}),
       {Log("2024-03-04T17:55:08Z", "accuracy", "0.8078"),
        Log("2024-03-04T17:55:08Z", "loss", "0.5183"),
        Log("2024-03-04T17:55:08Z", "accuracy", "0.6752"),
        Log("2024-03-04T17:55:08Z", "loss", "0.3634"),
        Log("2024-03-04T17:55:08Z", "accuracy", "100"),
        Log("2024-03-04T17:55:08Z", "accuracy", "888.333"),
        Log("2024-03-04T17:55:08Z", "accuracy", "-0.4759"), Log(kZero, "loss", "0.8671")}},
      {"KatibTextInvalidValues",
       R"(2024-03-04T17:55:08Z INFO     {metricName: accuracy, metricValue: .333}
2024-03-04T17:55:08Z INFO     {metricName: accuracy, metricValue: -.333}
2024-03-04T17:55:08Z INFO     {metricName: accuracy, metricValue: - 345.333}
2024-03-04T17:55:08Z INFO     {metricName: accuracy, metricValue: 888.})",
       Text({"accuracy", "loss"}, {kKatibFilter}),
       {Log(kZero, "accuracy", "unavailable")}},
      {"KatibTextInvalidFormat",
       R"(2024-03-04T17:55:08Z INFO     {metricName: accuracy, metricValue: 0.6752
2024-03-04T17:55:08Z INFO     {metricName: loss, metricValue: 0.3634})",
       Text({"accuracy", "loss"}, {kKatibFilter}),
       {Log(kZero, "accuracy", "unavailable")}},
      {"KatibJsonInvalidTimestamp",
       R"({"checkpoint_path": "", "global_step": "0", "loss": "0.22082142531871796", "timestamp": "invalid", "trial": "0"}
{"acc": "0.9349666833877563", "checkpoint_path": "", "global_step": "0", "timestamp": 1638422847, "trial": "0"})",
       Json({"acc", "loss"}),
       {Log(kZero, "loss", "0.22082142531871796"),
        Log("2021-12-02T05:27:27Z", "acc", "0.9349666833877563")}},
      {"KatibTextInvalidTimestamp",
       R"(2024-03-04T17:55:08Z INFO     {metricName: accuracy, metricValue: 0.6752}
invalid INFO     {metricName: loss, metricValue: 0.3634})",
       Text({"accuracy", "loss"}, {kKatibFilter}),
       {Log("2024-03-04T17:55:08Z", "accuracy", "0.6752"), Log(kZero, "loss", "0.3634")}},
      {"KatibJsonMissingObjective",
       R"({"checkpoint_path": "", "global_step": "0", "loss": "0.22082142531871796", "timestamp": 1638422847.28721, "trial": "0"}
{"checkpoint_path": "", "global_step": "1", "loss": "0.1414974331855774", "timestamp": "2021-12-02T14:27:50.000035161+09:00", "trial": "0"}
{"checkpoint_path": "", "global_step": "2", "loss": "0.10683439671993256", "trial": "0"})",
       Json({"acc", "loss"}),
       {Log(kZero, "acc", "unavailable")}},
      {"KatibTextMissingObjective",
       R"(2024-03-04T17:55:08Z INFO     {metricName: loss, metricValue: 0.3634}
2024-03-04T17:55:08Z INFO     {metricName: loss, metricValue: 0.8671})",
       Text({"accuracy", "loss"}),
       {Log(kZero, "accuracy", "unavailable")}},
      // The default filter: several metrics per line, spacing, exponents.
      {"DefaultFilterManyPerLine",
       "epoch=1 loss=0.5 accuracy=.98\nScore = -7.53e-05 loss=1E0\n",
       Text({"loss", "accuracy", "Score"}),
       {Log(kZero, "loss", "0.5"), Log(kZero, "accuracy", ".98"), Log(kZero, "Score", "-7.53e-05"),
        Log(kZero, "loss", "1E0")}},
      {"DefaultFilterTimestampToken",
       "2024-03-04T17:55:08.25+01:00 loss=1\n2024-03-04T17:55:08Z\tloss=2\n",
       Text({"loss"}),
       {Log("2024-03-04T17:55:08.25+01:00", "loss", "1"), Log(kZero, "loss", "2")}},
      // Only lines containing a wanted name are scanned; only wanted names kept.
      {"DefaultFilterUnwantedNames",
       "lr=0.1 epoch=2\nval_loss=3 loss=4 lossy=5\n",
       Text({"loss"}),
       {Log(kZero, "loss", "4")}},
      // '|' and '-' are name characters; '|' makes "a|loss" one name.
      {"DefaultFilterPipeAndDash",
       "a|loss=1 loss=2 my-metric=3 |loss=4\n",
       Text({"loss", "my-metric"}),
       {Log(kZero, "loss", "2"), Log(kZero, "my-metric", "3")}},
      // The value group may be empty or a lone sign; Katib records that text.
      {"DefaultFilterEmptyAndSignValues",
       "loss= \nloss=-\nloss=abc\nloss=1.e5\n",
       Text({"loss"}),
       {Log(kZero, "loss", ""), Log(kZero, "loss", "-"), Log(kZero, "loss", ""),
        Log(kZero, "loss", "1")}},
      {"DefaultFilterExponentNeedsDigits",
       "loss=1e=2 loss=2E+ loss=3e-1x\n",
       Text({"loss", "e"}),
       {Log(kZero, "loss", "1"), Log(kZero, "e", "2"), Log(kZero, "loss", "2"),
        Log(kZero, "loss", "3e-1")}},
      {"CrlfLines",
       "loss=1\r\nloss=2\r\n",
       Text({"loss"}),
       {Log(kZero, "loss", "1"), Log(kZero, "loss", "2")}},
      // A progress bar redrawn in place is one line to Katib, which finds
      // every match in it.
      {"ProgressBarRedraws",
       "1%| loss=3\r2%| loss=2\r\r3%| loss=1\n",
       Text({"loss"}),
       {Log(kZero, "loss", "3"), Log(kZero, "loss", "2"), Log(kZero, "loss", "1")}},
      // ... and the line's timestamp, at its start, is every match's.
      {"ProgressBarRedrawsShareTheLineTimestamp",
       "2024-03-04T17:55:08Z epoch 1 loss=0.5\r2024-03-04T17:55:09Z loss=0.4\rloss=0.3\n",
       Text({"loss"}),
       {Log("2024-03-04T17:55:08Z", "loss", "0.5"), Log("2024-03-04T17:55:08Z", "loss", "0.4"),
        Log("2024-03-04T17:55:08Z", "loss", "0.3")}},
      // A custom filter with an empty-matching group follows Go's find-all.
      {"CustomFilterGoFindAll",
       "loss:1,loss:2;acc:x\n",
       Text({"loss", "acc"}, {R"((\w+):(\d*))"}),
       {Log(kZero, "loss", "1"), Log(kZero, "loss", "2"), Log(kZero, "acc", "")}},
      {"CustomFiltersAppliedInOrder",
       "loss=1 {acc: 2}\n",
       Text({"loss", "acc"}, {R"(\{(\w+): (\d+)\})", R"((\w+)=(\d+))"}),
       {Log(kZero, "acc", "2"), Log(kZero, "loss", "1")}},
      {"JsonNumbersAndNonStringsIgnored",
       R"({"loss": 0.5, "acc": "0.9"}
{"loss": "0.4", "acc": null}
null
)",
       Json({"loss", "acc"}),
       {Log(kZero, "acc", "0.9"), Log(kZero, "loss", "0.4")}},
      // In JSON a carriage return is whitespace between tokens.
      {"JsonCarriageReturnInsideAnObject",
       "{\"loss\": \"1\",\r \"acc\": \"2\"}\n",
       Json({"loss", "acc"}),
       {Log(kZero, "loss", "1"), Log(kZero, "acc", "2")}},
      {"JsonBadLineSkipped",
       "{\"loss\": \"1\"}\n{\"loss\": \"2\n[1,2]\n{\"loss\": \"3\"}\n",
       Json({"loss"}),
       {Log(kZero, "loss", "1"), Log(kZero, "loss", "3")}},
  };
}

TEST(CollectObservationLogTest, MatchesKatibAndEdgeCases) {
  for (CollectCase& c : CollectCases()) {
    EXPECT_EQ(Collect(c.content, c.options), c.want) << c.name;
  }
}

TEST(CollectObservationLogTest, BinaryJunk) {
  constexpr char kJunk[] = "\x00\xff\xfeloss=3\x01\xc3\x28 loss=4\n\x80\x80\nacc=1\xff\n";
  const std::string content(kJunk, sizeof kJunk - 1);
  EXPECT_THAT(
      Collect(content, Text({"loss", "acc"})),
      ElementsAre(Log(kZero, "loss", "3"), Log(kZero, "loss", "4"), Log(kZero, "acc", "1")));
}

TEST(MetricsParserTest, EveryChunkingOfASampleGivesTheSameRecords) {
  const std::string sample =
      "2024-03-04T17:55:08Z epoch=1 loss=0.5 accuracy=0.7\r\nnoise\n"
      "epoch=2 loss=0.25\raccuracy = 9E-1 loss=+.5e+1\nloss=";
  const std::vector<std::string> metrics = {"loss", "accuracy"};
  const std::vector<MetricLog> whole = Collect(sample, Text(metrics));
  ASSERT_EQ(whole.size(), 6u);
  for (size_t a = 0; a <= sample.size(); ++a) {
    for (size_t b = a; b <= sample.size(); ++b) {
      auto parser = MetricsParser::Create(Text(metrics));
      ASSERT_TRUE(parser.ok());
      parser->Feed(std::string_view(sample).substr(0, a));
      std::vector<MetricLog> got = parser->TakeRecords();
      parser->Feed(std::string_view(sample).substr(a, b - a));
      parser->Feed(std::string_view(sample).substr(b));
      parser->Finish();
      for (MetricLog& log : parser->TakeRecords()) got.push_back(std::move(log));
      ASSERT_EQ(got, whole) << "split at " << a << " and " << b;
    }
  }
}

TEST(MetricsParserTest, ByteAtATime) {
  const std::string sample = "loss=1\nacc=2 loss=3\r\nloss=4";
  auto parser = MetricsParser::Create(Text({"loss", "acc"}));
  ASSERT_TRUE(parser.ok());
  for (char c : sample) parser->Feed(std::string_view(&c, 1));
  parser->Finish();
  EXPECT_THAT(parser->TakeRecords(), ElementsAre(Log(kZero, "loss", "1"), Log(kZero, "acc", "2"),
                                                 Log(kZero, "loss", "3"), Log(kZero, "loss", "4")));
}

TEST(MetricsParserTest, OverlongLinesAreSkippedWithAWarning) {
  ParserOptions options = Text({"loss"});
  options.max_line_bytes = 64;
  auto parser = MetricsParser::Create(options);
  ASSERT_TRUE(parser.ok());
  parser->Feed("loss=1\n");
  const std::string long_line = "loss=2 " + std::string(1000, 'x');
  for (size_t i = 0; i < long_line.size(); i += 10)
    parser->Feed(std::string_view(long_line).substr(i, 10));
  parser->Feed("\nloss=3 " + std::string(200, 'y') + "\nloss=4\n");
  parser->Finish();
  EXPECT_THAT(parser->TakeRecords(), ElementsAre(Log(kZero, "loss", "1"), Log(kZero, "loss", "4")));
  EXPECT_THAT(parser->warnings(), ElementsAre(HasSubstr("line 2: longer than 64 bytes"),
                                              HasSubstr("line 3: longer than 64 bytes")));
}

// tqdm redraws its bar with '\r' until the epoch ends: each redraw is read
// on its own, so a bar of many megabytes loses nothing to the line cap.
TEST(MetricsParserTest, EachRedrawOfAProgressBarIsReadUnderTheCap) {
  ParserOptions options = Text({"loss"});
  options.max_line_bytes = 64;
  auto parser = MetricsParser::Create(options);
  ASSERT_TRUE(parser.ok());
  parser->Feed("start\n");
  std::vector<MetricLog> want;
  for (int step = 1; step <= 100; ++step) {
    parser->Feed(absl::StrCat("epoch 1: ", step, "%|##| loss=", step, "\r"));
    want.push_back(Log(kZero, "loss", absl::StrCat(step)));
  }
  parser->Feed("\nloss=0.5 " + std::string(100, 'x') + "\n");
  parser->Finish();
  EXPECT_EQ(parser->TakeRecords(), want);
  EXPECT_THAT(parser->warnings(), ElementsAre(HasSubstr("line 3: longer than 64 bytes")));
}

TEST(MetricsParserTest, StreamingKeepsTakenRecordsAndAddsUnavailable) {
  auto parser = MetricsParser::Create(Text({"accuracy", "loss"}));
  ASSERT_TRUE(parser.ok());
  parser->Feed("loss=1\n");
  EXPECT_THAT(parser->TakeRecords(), ElementsAre(Log(kZero, "loss", "1")));
  parser->Finish();
  EXPECT_FALSE(parser->objective_seen());
  EXPECT_THAT(parser->TakeRecords(), ElementsAre(Log(kZero, "accuracy", "unavailable")));
}

// A trial's stdout and stderr: Katib reads them merged (2>&1).
ParserOptions TwoStreams(std::vector<std::string> metrics) {
  ParserOptions options = Text(std::move(metrics));
  options.streams = {"stdout", "stderr"};
  return options;
}
constexpr size_t kStdout = 0;
constexpr size_t kStderr = 1;

TEST(MetricsParserTest, StreamsInterleaveByLineInTheOrderTheirLinesEnd) {
  auto parser = MetricsParser::Create(TwoStreams({"loss", "accuracy"}));
  ASSERT_TRUE(parser.ok());
  parser->Feed("loss=1\nlo", kStdout);
  parser->Feed("loss=2\naccur", kStderr);
  parser->Feed("ss=3\n", kStdout);
  parser->Feed("acy=0.5\nloss=4", kStderr);
  parser->Feed("loss=5", kStdout);
  parser->Finish();  // each stream's last line, stdout's first
  EXPECT_THAT(parser->TakeRecords(),
              ElementsAre(Log(kZero, "loss", "1"), Log(kZero, "loss", "2"), Log(kZero, "loss", "3"),
                          Log(kZero, "accuracy", "0.5"), Log(kZero, "loss", "5"),
                          Log(kZero, "loss", "4")));
}

TEST(MetricsParserTest, ALineIsNeverGluedFromTwoStreams) {
  auto parser = MetricsParser::Create(TwoStreams({"loss", "accuracy"}));
  ASSERT_TRUE(parser.ok());
  parser->Feed("accuracy=0.9 lo", kStdout);
  parser->Feed("ss=1\n", kStderr);  // glued to stdout's piece, it would read loss=1
  parser->Feed("\n", kStdout);
  parser->Finish();
  EXPECT_THAT(parser->TakeRecords(),
              ElementsAre(Log(kZero, "accuracy", "0.9"), Log(kZero, "loss", "unavailable")));
}

TEST(MetricsParserTest, TheObjectiveOnEitherStreamCounts) {
  auto parser = MetricsParser::Create(TwoStreams({"loss"}));
  ASSERT_TRUE(parser.ok());
  parser->Feed("INFO:root:loss=0.25\n", kStderr);
  parser->Finish();
  EXPECT_TRUE(parser->objective_seen());
  EXPECT_THAT(parser->TakeRecords(), ElementsAre(Log(kZero, "loss", "0.25")));
}

TEST(MetricsParserTest, EachStreamHasItsOwnLineCapAndWarningsNameTheStream) {
  ParserOptions options = TwoStreams({"loss"});
  options.max_line_bytes = 64;
  auto parser = MetricsParser::Create(options);
  ASSERT_TRUE(parser.ok());
  parser->Feed("loss=1 " + std::string(40, 'x'), kStdout);
  parser->Feed("loss=2 " + std::string(40, 'y'), kStderr);  // 94 bytes together, 47 each
  parser->Feed("\n", kStdout);
  parser->Feed("\nloss=3 " + std::string(100, 'z') + "\n", kStderr);
  parser->Finish();
  EXPECT_THAT(parser->TakeRecords(), ElementsAre(Log(kZero, "loss", "1"), Log(kZero, "loss", "2")));
  EXPECT_THAT(parser->warnings(), ElementsAre("stderr line 2: longer than 64 bytes; skipped"));
}

TEST(MetricsParserTest, WarningsAreCapped) {
  auto parser = MetricsParser::Create(Json({"loss"}));
  ASSERT_TRUE(parser.ok());
  for (int i = 0; i < 50; ++i) parser->Feed("not json\n");
  parser->Finish();
  EXPECT_EQ(parser->warnings().size(), MetricsParser::kMaxWarnings);
  EXPECT_EQ(parser->suppressed_warnings(), 50 - MetricsParser::kMaxWarnings);
  EXPECT_THAT(parser->warnings()[0], HasSubstr("line 1: not valid JSON"));
}

TEST(MetricsParserTest, RejectsBadConfiguration) {
  EXPECT_THAT(std::string(MetricsParser::Create(Text({})).status().message()),
              HasSubstr("no metric names"));
  EXPECT_THAT(std::string(MetricsParser::Create(Text({"loss", ""})).status().message()),
              HasSubstr("metric name 1 is empty"));
  EXPECT_THAT(std::string(MetricsParser::Create(Text({"loss"}, {"(unclosed"})).status().message()),
              HasSubstr("metrics filter 0 \"(unclosed\" does not compile"));
  EXPECT_THAT(
      std::string(MetricsParser::Create(Text({"loss"}, {R"((\w+)=\d+)"})).status().message()),
      HasSubstr("needs two capture groups"));
}

TEST(MetricsParserTest, EmptyInputIsUnavailable) {
  EXPECT_THAT(Collect("", Text({"loss"})), ElementsAre(Log(kZero, "loss", "unavailable")));
  EXPECT_THAT(Collect("", Json({"loss"})), ElementsAre(Log(kZero, "loss", "unavailable")));
  EXPECT_THAT(Collect("loss=1", Text({"loss"})), ElementsAre(Log(kZero, "loss", "1")));
  EXPECT_THAT(Collect("\n\n", Text({"loss", "acc"})),
              ElementsAre(Log(kZero, "loss", "unavailable")));
}

}  // namespace
}  // namespace hpsearch::metrics
