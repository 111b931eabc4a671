#include "metrics/katib_time.h"

#include <gtest/gtest.h>

namespace hpsearch::metrics {
namespace {

TEST(KatibTimeTest, ParsesRfc3339AndRfc3339Nano) {
  EXPECT_EQ(ParseRfc3339("1970-01-01T00:00:00Z"), (KatibTime{0, 0}));
  EXPECT_EQ(ParseRfc3339("2024-03-04T17:55:08Z"), (KatibTime{1709574908, 0}));
  EXPECT_EQ(ParseRfc3339("2021-12-02T14:27:50.000035161Z"), (KatibTime{1638455270, 35161}));
  EXPECT_EQ(ParseRfc3339("2021-12-02T14:27:50.5+09:00"),
            (KatibTime{1638455270 - 9 * 3600, 500000000}));
  EXPECT_EQ(ParseRfc3339("1970-01-01T00:00:00-01:30"), (KatibTime{5400, 0}));
  // Digits past nanoseconds are truncated, as in Go.
  EXPECT_EQ(ParseRfc3339("1970-01-01T00:00:00.1234567899Z"), (KatibTime{0, 123456789}));
  EXPECT_EQ(ParseRfc3339(kZeroTimestamp), kZeroTime);
  EXPECT_EQ(ParseRfc3339("2024-02-29T23:59:59Z"), (KatibTime{1709251199, 0}));
}

TEST(KatibTimeTest, RejectsWhatGoRejects) {
  for (const char* bad :
       {"", "invalid", "2024-03-04", "2024-03-04T17:55:08", "2024-03-04 17:55:08Z",
        "2024-13-04T17:55:08Z", "2023-02-29T00:00:00Z", "2024-03-04T24:00:00Z",
        "2024-03-04T17:60:08Z", "2024-03-04T17:55:60Z", "2024-03-04T17:55:08z",
        "2024-03-04T17:55:08.Z", "2024-03-04T17:55:08+0900", "2024-03-04T17:55:08+24:00",
        "2024-03-04T17:55:08Zjunk", "+024-03-04T17:55:08Z", "2024-03-04t17:55:08Z"}) {
    EXPECT_FALSE(ParseRfc3339(bad)) << bad;
  }
}

TEST(KatibTimeTest, RejectsInstantsAnOffsetMovesOutOfRfc3339Years) {
  EXPECT_FALSE(ParseRfc3339("0000-01-01T00:01:00+00:02"));
  EXPECT_FALSE(ParseRfc3339("9999-12-31T23:58:59-00:02"));
  EXPECT_EQ(FormatRfc3339Nano(*ParseRfc3339("0000-01-01T00:01:00+00:01")), "0000-01-01T00:00:00Z");
  EXPECT_EQ(FormatRfc3339Nano(*ParseRfc3339("9999-12-31T23:58:59-00:01")), "9999-12-31T23:59:59Z");
}

TEST(KatibTimeTest, FormatsLikeGoRfc3339Nano) {
  EXPECT_EQ(FormatRfc3339Nano(kZeroTime), "0001-01-01T00:00:00Z");
  EXPECT_EQ(FormatRfc3339Nano({1638422847, 28721}), "2021-12-02T05:27:27.000028721Z");
  EXPECT_EQ(FormatRfc3339Nano({0, 500000000}), "1970-01-01T00:00:00.5Z");
  EXPECT_EQ(FormatRfc3339Nano({-1, 0}), "1969-12-31T23:59:59Z");
}

TEST(KatibTimeTest, MicrosRoundTrip) {
  for (KatibTime t :
       {kZeroTime, KatibTime{0, 0}, KatibTime{-1, 999999000}, KatibTime{1638422847, 287801000}}) {
    EXPECT_EQ(KatibTime::FromMicros(t.micros()), t);
  }
  EXPECT_EQ(KatibTime::FromMicros(KatibTime{5, 123456789}.micros()), (KatibTime{5, 123456000}));
}

TEST(KatibTimeTest, FormatsStoreMicrosAndLeavesNoTimeEmpty) {
  EXPECT_EQ(FormatMicrosRfc3339Nano(1700000000123456), "2023-11-14T22:13:20.123456Z");
  EXPECT_EQ(FormatMicrosRfc3339Nano(std::nullopt), "");
}

TEST(KatibTimeTest, UnixFloatKeepsKatibsFractionQuirk) {
  // From Katib's file-metricscollector tests.
  EXPECT_EQ(FormatRfc3339Nano(*KatibTimeFromUnixFloat(1638422847.28721)),
            "2021-12-02T05:27:27.000028721Z");
  EXPECT_EQ(FormatRfc3339Nano(*KatibTimeFromUnixFloat(1638422847.287801)),
            "2021-12-02T05:27:27.000287801Z");
  EXPECT_EQ(FormatRfc3339Nano(*KatibTimeFromUnixFloat(1638422847)), "2021-12-02T05:27:27Z");
  EXPECT_FALSE(KatibTimeFromUnixFloat(1e300));
  EXPECT_FALSE(KatibTimeFromUnixFloat(std::numeric_limits<double>::infinity()));
}

}  // namespace
}  // namespace hpsearch::metrics
