#include "metrics/go_float.h"

#include <gtest/gtest.h>

#include <cmath>

namespace hpsearch::metrics {
namespace {

TEST(GoFloatTest, AcceptsGoSyntax) {
  const std::pair<const char*, double> cases[] = {
      {"0", 0},       {"1", 1},       {"-0.5", -0.5}, {"+.5", 0.5},
      {"1.", 1},      {"1e3", 1000},  {"1E+3", 1000}, {"-7.53e-05", -7.53e-05},
      {"0x1.8p1", 3}, {"0X10P0", 16}, {"1e-400", 0},  {"007", 7}};
  for (const auto& [text, want] : cases) {
    const auto got = ParseGoFloat(text);
    ASSERT_TRUE(got) << text;
    EXPECT_EQ(*got, want) << text;
  }
  EXPECT_TRUE(std::isinf(*ParseGoFloat("-Inf")));
  EXPECT_TRUE(std::isinf(*ParseGoFloat("+infinity")));
  EXPECT_TRUE(std::isnan(*ParseGoFloat("NaN")));
}

TEST(GoFloatTest, RejectsWhatGoRejects) {
  for (const char* bad :
       {"",     "+",  "-",    ".",     "e5",    "1e",    "1e+",    "1.5.2",       " 1",  "1 ",
        "0x10", "0x", "+nan", "infin", "1_000", "1e400", "-1e400", "unavailable", "1,5", "0.5f"}) {
    EXPECT_FALSE(ParseGoFloat(bad)) << bad;
  }
}

}  // namespace
}  // namespace hpsearch::metrics
