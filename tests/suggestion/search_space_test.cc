#include "suggestion/search_space.h"

#include <cmath>
#include <map>
#include <random>
#include <set>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "suggestion/internal/number_format.h"
#include "tests/suggestion/test_util.h"

namespace hpsearch::suggestion {
namespace {

using ::testing::HasSubstr;
using testing::Specs;

SearchSpace MustBuild(const std::string& text) {
  absl::StatusOr<SearchSpace> space = SearchSpace::FromProto(Specs(text));
  EXPECT_TRUE(space.ok()) << space.status();
  return *std::move(space);
}

std::string Error(const std::string& text) {
  absl::StatusOr<SearchSpace> space = SearchSpace::FromProto(Specs(text));
  EXPECT_FALSE(space.ok()) << text;
  EXPECT_EQ(space.status().code(), absl::StatusCode::kInvalidArgument);
  return std::string(space.status().message());
}

// Decodes many random unit points and checks every value is feasible by
// parsing its printed form back as a trial would carry it.
void ExpectFeasibleSamples(const SearchSpace& space, int samples = 2000) {
  std::mt19937_64 engine(42);
  std::uniform_real_distribution<double> uniform(0, 1);
  for (int s = 0; s < samples; ++s) {
    std::vector<double> unit(space.dimensions());
    for (double& u : unit) u = uniform(engine);
    if (s == 0) std::fill(unit.begin(), unit.end(), 0.0);
    if (s == 1) std::fill(unit.begin(), unit.end(), 1.0);
    const Point point = space.Decode(unit);
    google::protobuf::RepeatedPtrField<::api::v1::beta1::ParameterAssignment> assignments;
    for (auto& a : space.ToAssignments(point)) *assignments.Add() = a;
    absl::StatusOr<Point> parsed = space.ParseAssignments("t", ViewAssignments(assignments));
    ASSERT_TRUE(parsed.ok()) << parsed.status();
    EXPECT_EQ(*parsed, point);
    for (size_t i = 0; i < space.dimensions(); ++i) {
      const Parameter& p = space.parameters()[i];
      if (p.type == ParameterType::kDouble || p.type == ParameterType::kInt) {
        EXPECT_GE(point[i], p.min);
        EXPECT_LE(point[i], p.max);
      }
    }
  }
}

TEST(SearchSpaceTest, ReadsEveryKind) {
  const SearchSpace space = MustBuild(R"pb(
    parameters { name: "lr" parameter_type: DOUBLE
                 feasible_space { min: "0.01" max: "0.05" } }
    parameters { name: "batch" parameter_type: INT
                 feasible_space { min: "16" max: "128" step: "16" } }
    parameters { name: "momentum" parameter_type: DISCRETE
                 feasible_space { list: "0.9" list: "0.99" } }
    parameters { name: "optimizer" parameter_type: CATEGORICAL
                 feasible_space { list: "sgd" list: "adam" list: "ftrl" } }
  )pb");
  ASSERT_EQ(space.dimensions(), 4);
  const auto& p = space.parameters();
  EXPECT_EQ(p[0].type, ParameterType::kDouble);
  EXPECT_FALSE(p[0].cardinality);
  EXPECT_EQ(p[1].cardinality, 8);
  EXPECT_EQ(p[2].cardinality, 2);
  EXPECT_EQ(p[3].cardinality, 3);
  ExpectFeasibleSamples(space);
}

TEST(SearchSpaceTest, IntStepDefaultsToOne) {
  const SearchSpace space = MustBuild(R"pb(
    parameters { name: "n" parameter_type: INT feasible_space { min: "1" max: "5" } })pb");
  EXPECT_EQ(space.parameters()[0].step, 1);
  EXPECT_EQ(space.parameters()[0].cardinality, 5);
  EXPECT_EQ(space.FormatValue(0, 3), "3");
}

TEST(SearchSpaceTest, IntUniformHitsEveryValueEvenly) {
  const SearchSpace space = MustBuild(R"pb(
    parameters { name: "n" parameter_type: INT feasible_space { min: "1" max: "4" } })pb");
  std::map<double, int> counts;
  for (int i = 0; i < 400; ++i) counts[space.Decode(std::vector<double>{(i + 0.5) / 400})[0]]++;
  EXPECT_EQ(counts, (std::map<double, int>{{1, 100}, {2, 100}, {3, 100}, {4, 100}}));
}

TEST(SearchSpaceTest, SteppedDoublesPrintWithoutNoise) {
  const SearchSpace space = MustBuild(R"pb(
    parameters { name: "x" parameter_type: DOUBLE
                 feasible_space { min: "0" max: "0.7" step: "0.1" } })pb");
  // Katib's numpy grid: 0.0, 0.1, 0.2, 0.30000000000000004, 0.4, 0.5,
  // 0.6000000000000001 (0.7000000000000001 lies above max).
  ASSERT_EQ(space.parameters()[0].cardinality, 7);
  std::vector<std::string> values;
  for (uint64_t k = 0; k < 7; ++k) values.push_back(space.FormatValue(0, space.GridValue(0, k)));
  EXPECT_THAT(values, ::testing::ElementsAre("0.0", "0.1", "0.2", "0.3", "0.4", "0.5", "0.6"));
  ExpectFeasibleSamples(space);
}

// Katib's random search samples a stepped number as hyperopt's quniform
// (and qloguniform, qnormal, qlognormal) do: round(x / step) * step.
TEST(SearchSpaceTest, DecodeQuantizedRoundsToMultiplesOfTheStepAsHyperopt) {
  const SearchSpace space = MustBuild(R"pb(
    parameters { name: "x" parameter_type: DOUBLE feasible_space { min: "0" max: "0.3" step: "0.1" } }
    parameters { name: "n" parameter_type: INT feasible_space { min: "0" max: "4" } }
    parameters { name: "m" parameter_type: INT feasible_space { min: "1" max: "10" step: "3" } }
    parameters { name: "y" parameter_type: DOUBLE feasible_space { min: "-0.2" max: "0.2" step: "0.1" } }
    parameters { name: "c" parameter_type: CATEGORICAL feasible_space { list: "a" list: "b" } })pb");
  auto printed = [&](const std::vector<double>& unit) {
    std::string values;
    for (const auto& assignment : space.ToAssignments(space.DecodeQuantized(unit))) {
      values += assignment.value() + " ";
    }
    return values;
  };
  // x: 0.297 rounds up to max, printed "0.3" (hyperopt's 3 * 0.1 would
  // print 0.30000000000000004); n: 2.5 rounds to even; m: 1 / 3 rounds to 0,
  // clipped to min; y: -0.04 rounds to -0.0, printed "0.0".
  EXPECT_EQ(printed({0.99, 0.625, 0.0, 0.4, 0.0}), "0.3 2 1 0.0 a ");
  EXPECT_EQ(printed({0.0, 0.875, 1.0, 0.0, 0.99}), "0.0 4 9 -0.2 b ");
  // Decode's grid never reaches 0.3 (0.1 * 3 lies above it, as in numpy).
  EXPECT_EQ(space.FormatValue(0, space.Decode(std::vector<double>{0.99, 0, 0, 0, 0})[0]), "0.2");
}

TEST(SearchSpaceTest, SteppedDoubleDropsPointsAboveMax) {
  const SearchSpace space = MustBuild(R"pb(
    parameters { name: "x" parameter_type: DOUBLE
                 feasible_space { min: "0.01" max: "0.05" step: "0.015" } })pb");
  // 0.01, 0.025, 0.04; 0.055 is above max.
  EXPECT_EQ(space.parameters()[0].cardinality, 3);
  EXPECT_EQ(space.FormatValue(0, space.GridValue(0, 2)), "0.04");
}

TEST(SearchSpaceTest, EveryDistributionStaysInBounds) {
  for (const char* distribution : {"UNIFORM", "LOG_UNIFORM", "NORMAL", "LOG_NORMAL"}) {
    SCOPED_TRACE(distribution);
    const std::string d = distribution;
    ExpectFeasibleSamples(MustBuild(
        "parameters { name: 'a' parameter_type: DOUBLE feasible_space { min: '0.001' "
        "max: '10' distribution: " + d + " } }"
        "parameters { name: 'b' parameter_type: DOUBLE feasible_space { min: '1' "
        "max: '100' step: '0.5' distribution: " + d + " } }"
        "parameters { name: 'c' parameter_type: INT feasible_space { min: '1' "
        "max: '1000' distribution: " + d + " } }"
        "parameters { name: 'd' parameter_type: INT feasible_space { min: '2' "
        "max: '64' step: '2' distribution: " + d + " } }"));
  }
}

TEST(SearchSpaceTest, ARangeOfOnePointIsAConstant) {
  for (const char* distribution : {"UNIFORM", "LOG_UNIFORM", "NORMAL", "LOG_NORMAL"}) {
    SCOPED_TRACE(distribution);
    const std::string d = distribution;
    const SearchSpace space = MustBuild(
        "parameters { name: 'a' parameter_type: DOUBLE feasible_space { min: '0.3' max: '0.3' distribution: " + d +
        " } }"
        "parameters { name: 'b' parameter_type: INT feasible_space { min: '4' max: '4' distribution: " + d + " } }"
        "parameters { name: 'c' parameter_type: DOUBLE feasible_space { min: '2' max: '2' step: '0.5' "
        "distribution: " + d + " } }");
    ExpectFeasibleSamples(space, 100);
    for (double u : {0.0, 0.5, 1.0}) EXPECT_EQ(space.Decode(std::vector<double>{u, u, u}), (Point{0.3, 4, 2}));
    EXPECT_EQ(space.Decode(space.Encode(Point{0.3, 4, 2})), (Point{0.3, 4, 2}));
  }
}

TEST(SearchSpaceTest, NormalCentersOnTheMidpoint) {
  const SearchSpace space = MustBuild(R"pb(
    parameters { name: "x" parameter_type: DOUBLE
                 feasible_space { min: "0" max: "6" distribution: NORMAL } })pb");
  EXPECT_NEAR(space.Decode(std::vector<double>{0.5})[0], 3, 1e-12);
  // One standard deviation is (max - min) / 6 = 1.
  EXPECT_NEAR(space.Decode(std::vector<double>{0.8413447460685429})[0], 4, 1e-9);
  EXPECT_EQ(space.Decode(std::vector<double>{0.0})[0], 0);
  EXPECT_EQ(space.Decode(std::vector<double>{1.0})[0], 6);
}

TEST(SearchSpaceTest, LogUniformIsUniformInLogSpace) {
  const SearchSpace space = MustBuild(R"pb(
    parameters { name: "x" parameter_type: DOUBLE
                 feasible_space { min: "0.001" max: "10" distribution: LOG_UNIFORM } })pb");
  EXPECT_NEAR(space.Decode(std::vector<double>{0.5})[0], 0.1, 1e-12);
  EXPECT_NEAR(space.Decode(std::vector<double>{0.25})[0], 0.01, 1e-12);
  const SearchSpace log_normal = MustBuild(R"pb(
    parameters { name: "x" parameter_type: DOUBLE
                 feasible_space { min: "0.001" max: "10" distribution: LOG_NORMAL } })pb");
  EXPECT_NEAR(log_normal.Decode(std::vector<double>{0.5})[0], 0.1, 1e-12);
}

TEST(SearchSpaceTest, EncodeInvertsDecode) {
  const SearchSpace space = MustBuild(R"pb(
    parameters { name: "a" parameter_type: DOUBLE feasible_space { min: "-1" max: "3" } }
    parameters { name: "b" parameter_type: DOUBLE
                 feasible_space { min: "0.001" max: "1" distribution: LOG_NORMAL } }
    parameters { name: "c" parameter_type: INT
                 feasible_space { min: "1" max: "512" distribution: LOG_UNIFORM } }
    parameters { name: "d" parameter_type: DOUBLE
                 feasible_space { min: "0" max: "1" step: "0.05" distribution: NORMAL } }
    parameters { name: "e" parameter_type: CATEGORICAL feasible_space { list: "x" list: "y" } }
  )pb");
  std::mt19937_64 engine(3);
  std::uniform_real_distribution<double> uniform(0, 1);
  for (int s = 0; s < 1000; ++s) {
    std::vector<double> unit(space.dimensions());
    for (double& u : unit) u = uniform(engine);
    const Point point = space.Decode(unit);
    const std::vector<double> encoded = space.Encode(point);
    for (double u : encoded) {
      EXPECT_GE(u, 0);
      EXPECT_LE(u, 1);
    }
    const Point again = space.Decode(encoded);
    EXPECT_NEAR(again[0], point[0], 1e-12);
    EXPECT_NEAR(again[1], point[1], 1e-12);
    EXPECT_EQ(again[2], point[2]);
    EXPECT_EQ(again[3], point[3]);
    EXPECT_EQ(again[4], point[4]);
  }
}

TEST(SearchSpaceTest, DecodeClampsOutOfCubeInput) {
  const SearchSpace space = MustBuild(R"pb(
    parameters { name: "a" parameter_type: DOUBLE feasible_space { min: "1" max: "2" } }
    parameters { name: "b" parameter_type: CATEGORICAL feasible_space { list: "x" list: "y" } })pb");
  EXPECT_EQ(space.Decode(std::vector<double>{-5, 7}), (Point{1, 1}));
  EXPECT_EQ(space.Decode(std::vector<double>{std::nan(""), 1}), (Point{1, 1}));
}

TEST(SearchSpaceTest, RejectsBadSpecsNamingTheParameter) {
  EXPECT_THAT(Error(""), HasSubstr("no parameters"));
  EXPECT_THAT(Error("parameters { parameter_type: INT feasible_space { min: '1' max: '2' } }"),
              HasSubstr("parameter #1 has no name"));
  EXPECT_THAT(Error("parameters { name: 'x' feasible_space { min: '1' max: '2' } }"),
              HasSubstr("parameter x: parameterType is not set"));
  EXPECT_THAT(Error("parameters { name: 'x' parameter_type: 9 feasible_space { min: '1' max: '2' } }"),
              HasSubstr("parameter x: unknown parameterType 9"));
  EXPECT_THAT(Error("parameters { name: 'x' parameter_type: DOUBLE feasible_space { min: '1' max: '2' distribution: 8 } }"),
              HasSubstr("parameter x: unknown distribution 8"));
  EXPECT_THAT(Error("parameters { name: 'x' parameter_type: DOUBLE feasible_space { max: '2' } }"),
              HasSubstr("parameter x: feasibleSpace.max or feasibleSpace.min must be specified"));
  EXPECT_THAT(Error("parameters { name: 'x' parameter_type: DOUBLE feasible_space { min: 'a' max: '2' } }"),
              HasSubstr("parameter x: feasibleSpace.min \"a\" is not a number"));
  EXPECT_THAT(Error("parameters { name: 'x' parameter_type: INT feasible_space { min: '1.5' max: '2' } }"),
              HasSubstr("parameter x: feasibleSpace.min \"1.5\" is not an integer"));
  EXPECT_THAT(Error("parameters { name: 'x' parameter_type: DOUBLE feasible_space { min: '3' max: '2' } }"),
              HasSubstr("parameter x: feasibleSpace.min (3) must not be greater than feasibleSpace.max (2)"));
  EXPECT_THAT(Error("parameters { name: 'x' parameter_type: DOUBLE feasible_space { min: '0' max: '1' step: '0' } }"),
              HasSubstr("parameter x: feasibleSpace.step (0) must be > 0"));
  EXPECT_THAT(Error("parameters { name: 'x' parameter_type: INT feasible_space { min: '0' max: '9' step: '-1' } }"),
              HasSubstr("must be > 0"));
  EXPECT_THAT(Error("parameters { name: 'x' parameter_type: DOUBLE feasible_space { min: '0' max: '1' step: '1e-13' } }"),
              HasSubstr("too small"));
  EXPECT_THAT(Error("parameters { name: 'x' parameter_type: INT feasible_space { min: '0' max: '9007199254740992' } }"),
              HasSubstr("parameter x: feasibleSpace [0, 9007199254740992] holds more than 10^12 integers"));
  EXPECT_THAT(Error("parameters { name: 'x' parameter_type: DOUBLE feasible_space { min: '-1e308' max: '1e308' } }"),
              HasSubstr("parameter x: feasibleSpace.max - feasibleSpace.min (1e308 - -1e308) is beyond the largest double"));
  EXPECT_THAT(Error("parameters { name: 'x' parameter_type: DOUBLE feasible_space { min: '0' max: '1' distribution: LOG_UNIFORM } }"),
              HasSubstr("parameter x: feasibleSpace.min (0) must be > 0 for the logUniform distribution"));
  EXPECT_THAT(Error("parameters { name: 'x' parameter_type: CATEGORICAL feasible_space { } }"),
              HasSubstr("parameter x: feasibleSpace.list must not be empty"));
  EXPECT_THAT(Error("parameters { name: 'x' parameter_type: CATEGORICAL feasible_space { list: 'a' list: 'a' } }"),
              HasSubstr("parameter x: feasibleSpace.list element \"a\" appears more than once"));
  // Discrete elements are numbers; categorical ones text.
  EXPECT_THAT(Error("parameters { name: 'x' parameter_type: DISCRETE feasible_space { list: '0.1' list: '0.10' } }"),
              HasSubstr("parameter x: feasibleSpace.list element \"0.10\" appears more than once (as \"0.1\")"));
  MustBuild("parameters { name: 'x' parameter_type: CATEGORICAL feasible_space { list: '0.1' list: '0.10' } }");
  EXPECT_THAT(Error("parameters { name: 'x' parameter_type: DISCRETE feasible_space { list: '1' list: 'b' } }"),
              HasSubstr("parameter x: feasibleSpace.list element \"b\" is not a number"));
  EXPECT_THAT(Error("parameters { name: 'x' parameter_type: CATEGORICAL feasible_space { list: 'a' min: '1' } }"),
              HasSubstr("parameter x: feasibleSpace .max, .min and .step is not supported"));
  EXPECT_THAT(Error("parameters { name: 'x' parameter_type: INT feasible_space { min: '1' max: '3' list: '2' } }"),
              HasSubstr("parameter x: feasibleSpace.list is not supported"));
  EXPECT_THAT(Error("parameters { name: 'x' parameter_type: CATEGORICAL feasible_space { list: 'a' } }"
                    "parameters { name: 'x' parameter_type: CATEGORICAL feasible_space { list: 'a' } }"),
              HasSubstr("parameter x: defined more than once"));
}

class ParseAssignmentsTest : public ::testing::Test {
 protected:
  absl::StatusOr<Point> Parse(const std::string& assignments_text) {
    auto assignments = testing::ParseText<::api::v1::beta1::TrialSpec::ParameterAssignments>(
        assignments_text);
    return space_.ParseAssignments("trial-7", ViewAssignments(assignments.assignments()));
  }
  std::string Error(const std::string& text) {
    absl::StatusOr<Point> point = Parse(text);
    EXPECT_FALSE(point.ok()) << text;
    EXPECT_EQ(point.status().code(), absl::StatusCode::kInvalidArgument);
    return std::string(point.status().message());
  }

  SearchSpace space_ = MustBuild(R"pb(
    parameters { name: "lr" parameter_type: DOUBLE
                 feasible_space { min: "0.1" max: "0.3" step: "0.1" } }
    parameters { name: "n" parameter_type: INT feasible_space { min: "2" max: "10" step: "2" } }
    parameters { name: "m" parameter_type: DISCRETE feasible_space { list: "0.5" list: "1" } }
    parameters { name: "o" parameter_type: CATEGORICAL feasible_space { list: "sgd" list: "adam" } })pb");
};

TEST_F(ParseAssignmentsTest, ReadsFeasibleValuesInAnyOrder) {
  absl::StatusOr<Point> point = Parse(R"pb(
    assignments { name: "o" value: "adam" }
    assignments { name: "lr" value: "0.30000000000000004" }
    assignments { name: "n" value: "6" }
    assignments { name: "m" value: "1.0" })pb");
  ASSERT_TRUE(point.ok()) << point.status();
  EXPECT_EQ(*point, (Point{0.3, 6, 1, 1}));
}

// Katib's hyperopt random makes such values (quniform rounds to multiples of
// the step, and past max); they must not stall the experiment.
TEST_F(ParseAssignmentsTest, ReadsNumbersOutsideTheSpaceOrOffItsGridAsTheNearestPoint) {
  const std::string list_values = "assignments { name: 'm' value: '1' } assignments { name: 'o' value: 'sgd' }";
  auto parse = [&](const std::string& lr, const std::string& n) {
    absl::StatusOr<Point> point = Parse(list_values + "assignments { name: 'lr' value: '" + lr +
                                        "' } assignments { name: 'n' value: '" + n + "' }");
    EXPECT_TRUE(point.ok()) << point.status();
    return point.ok() ? std::vector<double>{(*point)[0], (*point)[1]} : std::vector<double>{};
  };
  EXPECT_EQ(parse("0.5", "5"), (std::vector<double>{0.3, 6}));
  EXPECT_EQ(parse("0.14", "12"), (std::vector<double>{0.1, 10}));
  EXPECT_EQ(parse("-1e300", "-7"), (std::vector<double>{0.1, 2}));
  EXPECT_EQ(parse("0.26", "7"), (std::vector<double>{0.3, 8}));
}

TEST_F(ParseAssignmentsTest, RejectsInfeasibleTrialsNamingTrialAndParameter) {
  const std::string rest =
      "assignments { name: 'n' value: '6' } assignments { name: 'm' value: '1' } "
      "assignments { name: 'o' value: 'sgd' }";
  EXPECT_THAT(Error(rest), HasSubstr("trial trial-7: parameter lr: not assigned"));
  EXPECT_THAT(Error(rest + "assignments { name: 'lr' value: '0.2' } assignments { name: 'zz' value: '1' }"),
              HasSubstr("trial trial-7: parameter zz: not in the search space"));
  EXPECT_THAT(Error(rest + "assignments { name: 'lr' value: '0.2' } assignments { name: 'lr' value: '0.2' }"),
              HasSubstr("trial trial-7: parameter lr: assigned twice"));
  EXPECT_THAT(Error(rest + "assignments { name: 'lr' value: 'abc' }"),
              HasSubstr("trial trial-7: parameter lr: value \"abc\" is not feasible: not a number"));
  const std::string others =
      "assignments { name: 'lr' value: '0.2' } assignments { name: 'm' value: '1' } "
      "assignments { name: 'o' value: 'sgd' }";
  EXPECT_THAT(Error(others + "assignments { name: 'n' value: '6.0' }"),
              HasSubstr("parameter n: value \"6.0\" is not feasible: not an integer"));
  EXPECT_THAT(Error("assignments { name: 'lr' value: '0.2' } assignments { name: 'n' value: '4' } "
                    "assignments { name: 'm' value: '1' } assignments { name: 'o' value: 'SGD' }"),
              HasSubstr("parameter o: value \"SGD\" is not feasible: not in the list"));
}

}  // namespace
}  // namespace hpsearch::suggestion
