#include "suggestion/internal/number_format.h"

#include <cmath>
#include <random>

#include "gtest/gtest.h"

namespace hpsearch::suggestion::internal {
namespace {

TEST(FormatDoubleTest, MatchesPythonRepr) {
  EXPECT_EQ(FormatDouble(0.01), "0.01");
  EXPECT_EQ(FormatDouble(0.1 + 0.2), "0.30000000000000004");
  EXPECT_EQ(FormatDouble(1.0), "1.0");
  EXPECT_EQ(FormatDouble(-2.5), "-2.5");
  EXPECT_EQ(FormatDouble(0.0001), "0.0001");
  EXPECT_EQ(FormatDouble(0.00001), "1e-05");
  EXPECT_EQ(FormatDouble(1.5e-7), "1.5e-07");
  EXPECT_EQ(FormatDouble(123456789.0), "123456789.0");
  EXPECT_EQ(FormatDouble(1e16), "1e+16");
  EXPECT_EQ(FormatDouble(1.25e16), "1.25e+16");
  EXPECT_EQ(FormatDouble(9999999999999998.0), "9999999999999998.0");
  EXPECT_EQ(FormatDouble(-0.0), "0.0");
  EXPECT_EQ(FormatDouble(1e-300), "1e-300");
}

TEST(FormatDoubleTest, RoundTripsRandomDoubles) {
  std::mt19937_64 engine(7);
  for (int i = 0; i < 10000; ++i) {
    const double value =
        std::ldexp(static_cast<double>(engine() >> 11), static_cast<int>(engine() % 200) - 150);
    const std::optional<double> parsed = ParseDouble(FormatDouble(value));
    ASSERT_TRUE(parsed.has_value()) << FormatDouble(value);
    EXPECT_EQ(*parsed, value) << FormatDouble(value);
  }
}

TEST(ParseDoubleTest, AcceptsNumbersOnly) {
  EXPECT_EQ(ParseDouble("0.5"), 0.5);
  EXPECT_EQ(ParseDouble("+3"), 3.0);
  EXPECT_EQ(ParseDouble("-1e-3"), -1e-3);
  EXPECT_EQ(ParseDouble(".5"), 0.5);
  EXPECT_FALSE(ParseDouble(""));
  EXPECT_FALSE(ParseDouble(" 1"));
  EXPECT_FALSE(ParseDouble("1 "));
  EXPECT_FALSE(ParseDouble("1.0x"));
  EXPECT_FALSE(ParseDouble("nan"));
  EXPECT_FALSE(ParseDouble("inf"));
  EXPECT_FALSE(ParseDouble("1e999"));
  EXPECT_FALSE(ParseDouble("+-1"));
  EXPECT_FALSE(ParseDouble("+"));
}

TEST(ParseIntTest, AcceptsIntegersOnly) {
  EXPECT_EQ(ParseInt("32"), 32);
  EXPECT_EQ(ParseInt("-7"), -7);
  EXPECT_EQ(ParseInt("+7"), 7);
  EXPECT_FALSE(ParseInt("3.0"));
  EXPECT_FALSE(ParseInt("1e3"));
  EXPECT_FALSE(ParseInt("99999999999999999999"));
  EXPECT_FALSE(ParseInt(""));
}

TEST(FixedDecimalsTest, FindsShortestDecimalForm) {
  EXPECT_EQ(FixedDecimals(0.01), 2);
  EXPECT_EQ(FixedDecimals(3.0), 0);
  EXPECT_EQ(FixedDecimals(0.125), 3);
  EXPECT_FALSE(FixedDecimals(1e-20));
  EXPECT_EQ(RoundToDecimals(0.1 + 2 * 0.1, 1), 0.3);
}

}  // namespace
}  // namespace hpsearch::suggestion::internal
