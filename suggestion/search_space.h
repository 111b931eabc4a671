// The search space of an experiment, built from Katib's ParameterSpecs.
//
// SearchSpace validates the parameter specs once and then converts between
// three forms of a point:
//   - Katib's strings (ParameterAssignment values), as trials carry them;
//   - a Point: one number per parameter (the value for double and int
//     parameters, the list index for discrete and categorical ones);
//   - the unit cube [0,1]^d, where each coordinate is the parameter's
//     distribution CDF, so a uniform sample of the cube is a sample of the
//     experiment's prior, and continuous optimizers can work on a box.
//
// Decoded points are always feasible: inside [min, max], on the step grid
// (min + k * step), and an element of the list. (DecodeQuantized, random
// search's, takes multiples of the step instead, as Katib's does.) Values print as Katib's
// Python services print them (ints "32", doubles like Python's repr, list
// values verbatim), so that assignments read back from trials round-trip.
//
// Example:
//   absl::StatusOr<SearchSpace> space =
//       SearchSpace::FromProto(experiment.spec().parameter_specs());
//   Point point = space->Decode({0.5, 0.25});
//   auto assignments = space->ToAssignments(point);
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "katib/v1beta1/api.pb.h"

namespace hpsearch::suggestion {

enum class ParameterType { kDouble, kInt, kDiscrete, kCategorical };

// For double and int parameters; list parameters have no distribution.
enum class Distribution { kUniform, kLogUniform, kNormal, kLogNormal };

absl::string_view ParameterTypeName(ParameterType type);
absl::string_view DistributionName(Distribution distribution);

// One validated dimension of the search space.
struct Parameter {
  std::string name;
  ParameterType type = ParameterType::kDouble;
  Distribution distribution = Distribution::kUniform;
  // Bounds of double and int parameters (ints are exact up to 2^53).
  double min = 0;
  double max = 0;
  // Always set for int parameters (default 1); optional for doubles.
  std::optional<double> step;
  // Elements of discrete and categorical parameters, verbatim.
  std::vector<std::string> list;
  // Number of feasible values: the list size, or the number of step grid
  // points min + k * step <= max; nullopt for a double without a step.
  std::optional<uint64_t> cardinality;
  // Digits after the point that values of a stepped double are rounded to
  // (those of min and step), so 0.1 + 2 * 0.1 and 3 * 0.1 print "0.3".
  std::optional<int> grid_decimals;
};

// One coordinate per parameter, in the order of the specs: the value for
// double and int parameters, the list index for discrete and categorical.
using Point = std::vector<double>;

// One parameter's value as a trial carries it: Katib's name and string.
struct AssignmentView {
  absl::string_view name;
  absl::string_view value;
};

class SearchSpace {
 public:
  // Validates the specs. Errors are INVALID_ARGUMENT naming the parameter:
  // no parameters, duplicate or empty names, unknown type or distribution,
  // missing or unparsable min/max/step, min >= max, step <= 0, a log
  // distribution with min <= 0, a missing or duplicate list element, a
  // non-numeric discrete element, fields that do not belong to the type.
  static absl::StatusOr<SearchSpace> FromProto(
      const ::api::v1::beta1::ExperimentSpec::ParameterSpecs& specs);

  const std::vector<Parameter>& parameters() const { return parameters_; }
  size_t dimensions() const { return parameters_.size(); }

  // Maps a point of [0,1]^d (coordinates outside are clamped) to a feasible
  // Point. `unit.size()` must equal dimensions().
  Point Decode(std::span<const double> unit) const;

  // Decode as Katib's random search (hyperopt) samples: a number with a step
  // takes its distribution's value x rounded to a multiple of the step,
  // round(x / step) * step with halves to even (hyperopt's quniform,
  // qloguniform, qnormal, qlognormal), rounded to the decimals of min and
  // step and clipped to [min, max]. Unlike Decode's grid min + k * step, max
  // comes out when it is a multiple of the step: uniform [0, 0.3] step 0.1
  // gives 0 and 0.3 with probability 1/6 each, 0.1 and 0.2 with 1/3.
  // Off the multiples, a min or max comes out only where rounding went past
  // it ([1, 10] step 3 gives 1 (from 0), 3, 6 and 9).
  Point DecodeQuantized(std::span<const double> unit) const;

  // Maps a feasible Point into [0,1]^d such that Decode(Encode(p)) == p for
  // grid and list parameters and equals p up to rounding for continuous ones.
  std::vector<double> Encode(const Point& point) const;

  // The k-th grid value (0 <= k < cardinality) of a parameter with a
  // cardinality: min + k * step for numbers, k for lists.
  double GridValue(size_t dimension, uint64_t k) const;
  // The grid index of a feasible coordinate of such a parameter.
  uint64_t GridIndex(size_t dimension, double value) const;

  // The feasible coordinate of a numeric parameter nearest to `value`:
  // clamped to [min, max], then snapped to its grid if it has a step.
  double Nearest(size_t dimension, double value) const;

  // Katib's string for a coordinate: "32", "0.01", or the list element.
  std::string FormatValue(size_t dimension, double value) const;
  std::vector<::api::v1::beta1::ParameterAssignment> ToAssignments(
      const Point& point) const;

  // Reads a trial's assignments back into a Point. INVALID_ARGUMENT naming
  // the trial and parameter when a parameter is unknown, missing or
  // repeated, a number does not parse or a list value is not in the list.
  // A number outside the space or off its grid reads as the nearest
  // feasible value (Nearest): Katib's own services make such trials
  // (hyperopt's quniform rounds past max and to multiples of the step, not
  // min + k * step), and rejecting them would stall the experiment for good.
  // So "0.30000000000000004" reads as 0.3.
  absl::StatusOr<Point> ParseAssignments(
      absl::string_view trial_name,
      std::span<const AssignmentView> assignments) const;

 private:
  explicit SearchSpace(std::vector<Parameter> parameters);

  std::vector<Parameter> parameters_;
  absl::flat_hash_map<std::string, size_t> index_;  // parameter name -> dimension
  // Per dimension, list element -> its first position, and for discrete
  // lists its number -> that position ("0.10" is "0.1"): a request holds
  // tens of thousands of trials, and a list can be long.
  std::vector<absl::flat_hash_map<std::string, size_t>> list_positions_;
  std::vector<absl::flat_hash_map<double, size_t>> number_positions_;
};

// A trial's assignments as views, from Katib's messages or from the runner's
// own records, for ParseAssignments.
std::vector<AssignmentView> ViewAssignments(
    const google::protobuf::RepeatedPtrField<
        ::api::v1::beta1::ParameterAssignment>& assignments);

}  // namespace hpsearch::suggestion
