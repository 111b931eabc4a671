#include "api/feasible_space.h"

#include <limits>

#include "gtest/gtest.h"

namespace hpsearch::api {
namespace {

ParameterSpec Param(std::string type, std::string min, std::string max, std::string step = "") {
  ParameterSpec p;
  p.name = "p";
  p.parameter_type = std::move(type);
  p.feasible_space.min = std::move(min);
  p.feasible_space.max = std::move(max);
  p.feasible_space.step = std::move(step);
  return p;
}

TEST(FeasibleSpace, ParsesNumbersStrictly) {
  EXPECT_EQ(ParseNumber("0.01"), 0.01);
  EXPECT_EQ(ParseNumber("+1e-3"), 1e-3);
  EXPECT_EQ(ParseNumber("-2"), -2.0);
  for (const char* bad : {"", " 1", "1 ", "1.0x", "nan", "inf", "1e999", "+", "+-1", "0x10"}) {
    EXPECT_EQ(ParseNumber(bad), std::nullopt) << bad;
  }
  EXPECT_EQ(ParseInteger("64"), 64);
  EXPECT_EQ(ParseInteger("-3"), -3);
  EXPECT_EQ(ParseInteger("1.0"), std::nullopt);
  EXPECT_EQ(ParseInteger("99999999999999999999"), std::nullopt);
}

TEST(FeasibleSpace, CountsGridPointsLikeKatib) {
  EXPECT_EQ(CountGridPoints(Param("int", "1", "10")), 10u);
  EXPECT_EQ(CountGridPoints(Param("int", "16", "64", "16")), 4u);
  EXPECT_EQ(CountGridPoints(Param("int", "16", "70", "16")), 4u);
  EXPECT_EQ(CountGridPoints(Param("int", "1", "1")), 1u);
  EXPECT_EQ(CountGridPoints(Param("double", "0.1", "0.5", "0.1")), 5u);
  EXPECT_EQ(CountGridPoints(Param("double", "0.01", "0.05", "0.02")), 3u);
  EXPECT_EQ(CountGridPoints(Param("double", "0.01", "0.05")), std::nullopt);
  EXPECT_EQ(CountGridPoints(Param("int", "5", "1")), std::nullopt);
  EXPECT_EQ(CountGridPoints(Param("int", "-9223372036854775808", "9223372036854775807")),
            std::numeric_limits<uint64_t>::max());
  ParameterSpec list = Param("categorical", "", "");
  list.feasible_space.list = {"a", "b", "c"};
  EXPECT_EQ(CountGridPoints(list), 3u);
  EXPECT_EQ(CountGridPoints({list, Param("int", "1", "4")}), 12u);
  EXPECT_EQ(CountGridPoints({list, Param("double", "0", "1")}), std::nullopt);
}

// The lengths of Katib's grids (numpy.arange(min, max + step, step) less a
// last value above max), computed with numpy 1.24 by the expression Katib's
// search_space.py runs: rounding drops max from some grids and not others.
TEST(FeasibleSpace, CountsSteppedDoublesExactlyAsKatibsNumpyGrid) {
  struct Case {
    double min, max, step;
    uint64_t katib;
  };
  for (const Case& c : std::initializer_list<Case>{{0, 0.3, 0.1, 3},
                                                   {0, 0.7, 0.1, 7},
                                                   {1, 2, 0.1, 10},
                                                   {0.001, 0.01, 0.001, 9},
                                                   {0.1, 0.3, 0.1, 3},
                                                   {0.1, 0.5, 0.1, 5},
                                                   {0.01, 0.05, 0.02, 3},
                                                   {0.1, 0.95, 0.05, 17},
                                                   {0, 1, 0.25, 5},
                                                   {0.5, 0.5, 0.1, 1},
                                                   {-1, 1, 0.2, 11},
                                                   {1e-5, 1e-4, 1e-5, 10},
                                                   {0, 10, 3, 4}}) {
    EXPECT_EQ(CountGridValues(c.min, c.max, c.step), c.katib) << c.min << " " << c.max << " " << c.step;
  }
}

TEST(FeasibleSpace, TellsWhenRoundingDropsMaxFromTheGrid) {
  EXPECT_TRUE(GridLosesMax(0, 0.3, 0.1));
  EXPECT_TRUE(GridLosesMax(1, 2, 0.1));
  EXPECT_FALSE(GridLosesMax(0.1, 0.3, 0.1));
  EXPECT_FALSE(GridLosesMax(0, 1, 0.25));
  EXPECT_FALSE(GridLosesMax(0, 10, 3));  // 10 is not on the grid anyway
}

}  // namespace
}  // namespace hpsearch::api
