// TrialLogDigest: what the runner keeps of a trial's log is what it would
// read from the whole log, whether fed as collected or from the store.
#include "runner/trial_log_digest.h"

#include <ostream>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/runner/test_util.h"

namespace hpsearch::metrics {
// For the comparisons and gtest's messages.
bool operator==(const MetricSummary& a, const MetricSummary& b) {
  return a.name == b.name && a.strategy == b.strategy && a.min == b.min && a.max == b.max &&
         a.latest == b.latest;
}
void PrintTo(const MetricSummary& s, std::ostream* out) {
  *out << "{" << s.name << " min=" << s.min << " max=" << s.max << " latest=" << s.latest << "}";
}
}  // namespace hpsearch::metrics

namespace hpsearch::runner {
namespace {

using metrics::MetricLog;
using metrics::MetricStrategy;
using metrics::MetricStrategyType;
using metrics::MetricSummary;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

constexpr char kT1[] = "2024-01-01T00:00:01Z";
constexpr char kT2[] = "2024-01-01T00:00:02.5+01:00";  // before kT1 in UTC
constexpr char kT3[] = "2024-01-01T00:00:03.000001Z";

const std::vector<MetricStrategy> kStrategies = {{"loss", MetricStrategyType::kMin},
                                                 {"acc", MetricStrategyType::kMax},
                                                 {"note", MetricStrategyType::kLatest},
                                                 {"f1", MetricStrategyType::kMin}};

// A log with what makes summaries subtle: NaN first, equal numbers written
// differently, text values, "unavailable", timestamps out of order, other
// metrics, and a metric never reported (f1).
const std::vector<MetricLog> kLog = {
    {kT1, "acc", "NaN"},       {kT1, "loss", "0.5"},  {kT3, "loss", "5e-1"},  {kT2, "loss", "0.25"},
    {kT1, "loss", "diverged"}, {kT1, "acc", "0.9"},   {kT1, "other", "1"},    {kT2, "note", "done"},
    {kT1, "note", "unavailable"}, {kT3, "loss", "0.4"}, {kT1, "loss", "0.25"},
};

std::vector<MetricSummary> Summarized(const std::vector<MetricLog>& log) {
  auto summaries = metrics::SummarizeMetrics(log, kStrategies);
  EXPECT_TRUE(summaries.ok()) << summaries.status();
  return *summaries;
}

TEST(TrialLogDigestTest, SummariesAndReportsAreThoseOfTheWholeLog) {
  TrialLogDigest digest(kStrategies, /*objective_reports_kept=*/3);
  for (const MetricLog& entry : kLog) digest.Add(entry);
  EXPECT_EQ(digest.Summaries(), Summarized(kLog));
  // loss's numeric reports in order, the first three.
  EXPECT_THAT(digest.objective_reports(), ElementsAre(0.5, 0.5, 0.25));
}

TEST(TrialLogDigestTest, ABadTimestampLeavesNoSummaries) {
  TrialLogDigest digest(kStrategies, 0);
  digest.Add(MetricLog{kT1, "loss", "1"});
  digest.Add(MetricLog{"yesterday", "loss", "2"});
  digest.Add(MetricLog{kT1, "loss", "0"});
  EXPECT_THAT(digest.Summaries(), IsEmpty());
}

TEST(TrialLogDigestTest, ClearForgetsTheLog) {
  TrialLogDigest digest(kStrategies, 2);
  digest.Add(MetricLog{kT1, "loss", "1"});
  digest.Clear();
  digest.Add(MetricLog{kT1, "loss", "3"});
  EXPECT_EQ(digest.Summaries(), Summarized({{kT1, "loss", "3"}}));
  EXPECT_THAT(digest.objective_reports(), ElementsAre(3));
}

// What a resume and `hpsearch trials` read: the stored log, streamed.
TEST(TrialLogDigestTest, StoredLogDigestsAsTheLogCollected) {
  auto store = metrics::ObjectiveStore::Open((test_util::FreshTestDir() / "store.db").string());
  ASSERT_TRUE(store.ok()) << store.status();
  ASSERT_TRUE((*store)->AppendObservations("t", kLog).ok());
  const std::vector<MetricLog> elsewhere = {{kT3, "loss", "-1"}};
  ASSERT_TRUE((*store)->AppendObservations("elsewhere", elsewhere).ok());
  absl::StatusOr<TrialLogDigest> digest = DigestStoredLog(**store, "t", TrialLogDigest(kStrategies, 3));
  ASSERT_TRUE(digest.ok()) << digest.status();
  EXPECT_EQ(digest->Summaries(), Summarized(kLog));
  // In stored order: by time, then arrival.
  EXPECT_THAT(digest->objective_reports(), ElementsAre(0.25, 0.5, 0.25));
}

}  // namespace
}  // namespace hpsearch::runner
