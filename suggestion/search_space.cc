#include "suggestion/search_space.h"

#include <algorithm>
#include <cmath>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "api/feasible_space.h"
#include "suggestion/internal/normal.h"
#include "suggestion/internal/number_format.h"

namespace hpsearch::suggestion {
namespace {

namespace pb = ::api::v1::beta1;
using internal::FormatDouble;
using internal::ParseDouble;
using internal::ParseInt;

// Ints travel as doubles in a Point; beyond 2^53 they would lose precision.
constexpr double kMaxExactInt = 9007199254740992.0;
// More grid points than this in one stepped double means a step so small it
// is surely a mistake, and the grid arithmetic would lose its exactness.
constexpr double kMaxGridPoints = 1e12;

absl::Status ParamError(absl::string_view name, absl::string_view message) {
  return absl::InvalidArgumentError(
      absl::StrCat("parameter ", name, ": ", message));
}

absl::StatusOr<Distribution> ConvertDistribution(const pb::ParameterSpec& spec) {
  switch (spec.feasible_space().distribution()) {
    case pb::DISTRIBUTION_UNSPECIFIED:
    case pb::UNIFORM:
      return Distribution::kUniform;
    case pb::LOG_UNIFORM:
      return Distribution::kLogUniform;
    case pb::NORMAL:
      return Distribution::kNormal;
    case pb::LOG_NORMAL:
      return Distribution::kLogNormal;
    default:
      return ParamError(spec.name(),
                        absl::StrCat("unknown distribution ",
                                     spec.feasible_space().distribution()));
  }
}

bool IsLog(Distribution distribution) {
  return distribution == Distribution::kLogUniform ||
         distribution == Distribution::kLogNormal;
}

// Reads min, max or step of a numeric parameter.
absl::StatusOr<double> ParseBound(const Parameter& parameter,
                                  absl::string_view field,
                                  const std::string& text) {
  if (parameter.type == ParameterType::kInt) {
    std::optional<int64_t> value = ParseInt(text);
    if (!value || std::abs(static_cast<double>(*value)) > kMaxExactInt) {
      return ParamError(parameter.name,
                        absl::StrFormat("feasibleSpace.%s \"%s\" is not an "
                                        "integer of magnitude at most 2^53",
                                        field, text));
    }
    return static_cast<double>(*value);
  }
  std::optional<double> value = ParseDouble(text);
  if (!value) {
    return ParamError(parameter.name,
                      absl::StrFormat("feasibleSpace.%s \"%s\" is not a number",
                                      field, text));
  }
  return *value;
}

absl::Status FillNumeric(const pb::FeasibleSpace& space, Parameter& parameter) {
  const absl::string_view type_name = ParameterTypeName(parameter.type);
  if (space.list_size() > 0) {
    return ParamError(parameter.name,
                      absl::StrCat("feasibleSpace.list is not supported for "
                                   "parameterType: ",
                                   type_name));
  }
  if (space.min().empty() || space.max().empty()) {
    return ParamError(parameter.name,
                      absl::StrCat("feasibleSpace.max or feasibleSpace.min "
                                   "must be specified for parameterType: ",
                                   type_name));
  }
  absl::StatusOr<double> min = ParseBound(parameter, "min", space.min());
  if (!min.ok()) return min.status();
  absl::StatusOr<double> max = ParseBound(parameter, "max", space.max());
  if (!max.ok()) return max.status();
  // min == max is a constant, as in Katib (its webhook and hyperopt take it).
  if (*min > *max) {
    return ParamError(parameter.name,
                      absl::StrFormat("feasibleSpace.min (%s) must not be greater "
                                      "than feasibleSpace.max (%s)",
                                      space.min(), space.max()));
  }
  if (IsLog(parameter.distribution) && *min <= 0) {
    return ParamError(
        parameter.name,
        absl::StrFormat("feasibleSpace.min (%s) must be > 0 for the %s "
                        "distribution",
                        space.min(), DistributionName(parameter.distribution)));
  }
  if (!std::isfinite(*max - *min)) {
    return ParamError(parameter.name,
                      absl::StrFormat("feasibleSpace.max - feasibleSpace.min (%s - %s) is beyond the largest double",
                                      space.max(), space.min()));
  }
  parameter.min = *min;
  parameter.max = *max;

  if (!space.step().empty()) {
    absl::StatusOr<double> step = ParseBound(parameter, "step", space.step());
    if (!step.ok()) return step.status();
    if (*step <= 0) {
      return ParamError(parameter.name,
                        absl::StrFormat("feasibleSpace.step (%s) must be > 0",
                                        space.step()));
    }
    parameter.step = *step;
  } else if (parameter.type == ParameterType::kInt) {
    parameter.step = 1;  // Katib's default for int parameters.
  }
  if (!parameter.step) return absl::OkStatus();

  const double intervals = (parameter.max - parameter.min) / *parameter.step;
  if (intervals > kMaxGridPoints) {
    return ParamError(
        parameter.name,
        space.step().empty()
            ? absl::StrFormat("feasibleSpace [%s, %s] holds more than 10^12 integers; set feasibleSpace.step",
                              space.min(), space.max())
            : absl::StrFormat("feasibleSpace.step (%s) is too small: more than 10^12 values between min and max",
                              space.step()));
  }
  parameter.cardinality = api::CountGridValues(parameter.min, parameter.max, *parameter.step);
  if (parameter.type == ParameterType::kDouble) {
    std::optional<int> min_decimals = internal::FixedDecimals(parameter.min);
    std::optional<int> step_decimals = internal::FixedDecimals(*parameter.step);
    if (min_decimals && step_decimals) {
      parameter.grid_decimals = std::max(*min_decimals, *step_decimals);
    }
  }
  return absl::OkStatus();
}

absl::Status FillList(const pb::FeasibleSpace& space, Parameter& parameter) {
  const absl::string_view type_name = ParameterTypeName(parameter.type);
  if (!space.min().empty() || !space.max().empty() || !space.step().empty()) {
    return ParamError(parameter.name,
                      absl::StrCat("feasibleSpace .max, .min and .step is not "
                                   "supported for parameterType: ",
                                   type_name));
  }
  if (space.list_size() == 0) {
    return ParamError(parameter.name,
                      absl::StrCat("feasibleSpace.list must not be empty for "
                                   "parameterType: ",
                                   type_name));
  }
  // A discrete element matches a trial's value textually or numerically.
  api::ListRepeats repeats(parameter.type == ParameterType::kDiscrete);
  for (const std::string& element : space.list()) {
    if (parameter.type == ParameterType::kDiscrete && !ParseDouble(element)) {
      return ParamError(parameter.name,
                        absl::StrFormat("feasibleSpace.list element \"%s\" is "
                                        "not a number, as discrete "
                                        "parameters need",
                                        element));
    }
    if (std::optional<std::string_view> earlier = repeats.Add(element)) {
      return ParamError(parameter.name,
                        absl::StrFormat("feasibleSpace.list element \"%s\" appears more than once%s", element,
                                        *earlier == element ? "" : absl::StrCat(" (as \"", std::string(*earlier), "\")")));
    }
  }
  parameter.list.assign(space.list().begin(), space.list().end());
  parameter.cardinality = parameter.list.size();
  return absl::OkStatus();
}

absl::StatusOr<Parameter> ConvertParameter(const pb::ParameterSpec& spec) {
  Parameter parameter;
  parameter.name = spec.name();
  switch (spec.parameter_type()) {
    case pb::DOUBLE:
      parameter.type = ParameterType::kDouble;
      break;
    case pb::INT:
      parameter.type = ParameterType::kInt;
      break;
    case pb::DISCRETE:
      parameter.type = ParameterType::kDiscrete;
      break;
    case pb::CATEGORICAL:
      parameter.type = ParameterType::kCategorical;
      break;
    case pb::UNKNOWN_TYPE:
      return ParamError(spec.name(), "parameterType is not set");
    default:
      return ParamError(spec.name(), absl::StrCat("unknown parameterType ",
                                                  spec.parameter_type()));
  }
  absl::StatusOr<Distribution> distribution = ConvertDistribution(spec);
  if (!distribution.ok()) return distribution.status();
  parameter.distribution = *distribution;

  const bool numeric = parameter.type == ParameterType::kDouble ||
                       parameter.type == ParameterType::kInt;
  absl::Status status = numeric ? FillNumeric(spec.feasible_space(), parameter)
                                : FillList(spec.feasible_space(), parameter);
  if (!status.ok()) return status;
  return parameter;
}

// The distribution's inverse CDF on [min, max]: u in [0,1] -> value.
double ContinuousValue(const Parameter& p, double u) {
  if (p.min == p.max) return p.min;  // the normal's width would be 0 * inf
  double value = 0;
  switch (p.distribution) {
    case Distribution::kUniform:
      value = p.min + u * (p.max - p.min);
      break;
    case Distribution::kLogUniform: {
      const double log_min = std::log(p.min);
      value = std::exp(log_min + u * (std::log(p.max) - log_min));
      break;
    }
    case Distribution::kNormal:
      value = (p.min + p.max) / 2 +
              (p.max - p.min) / 6 * internal::NormalQuantile(u);
      break;
    case Distribution::kLogNormal: {
      const double log_min = std::log(p.min);
      const double log_max = std::log(p.max);
      value = std::exp((log_min + log_max) / 2 +
                       (log_max - log_min) / 6 * internal::NormalQuantile(u));
      break;
    }
  }
  return std::clamp(value, p.min, p.max);
}

// The distribution's CDF: value in [min, max] -> [0,1].
double ContinuousCdf(const Parameter& p, double value) {
  if (p.min == p.max) return 0;
  double u = 0;
  switch (p.distribution) {
    case Distribution::kUniform:
      u = (value - p.min) / (p.max - p.min);
      break;
    case Distribution::kLogUniform: {
      const double log_min = std::log(p.min);
      u = (std::log(value) - log_min) / (std::log(p.max) - log_min);
      break;
    }
    case Distribution::kNormal:
      u = internal::NormalCdf((value - (p.min + p.max) / 2) /
                              ((p.max - p.min) / 6));
      break;
    case Distribution::kLogNormal: {
      const double log_min = std::log(p.min);
      const double log_max = std::log(p.max);
      u = internal::NormalCdf((std::log(value) - (log_min + log_max) / 2) /
                              ((log_max - log_min) / 6));
      break;
    }
  }
  return std::clamp(u, 0.0, 1.0);
}

// Uniform choice among n values: u in [0,1] -> k in [0, n).
uint64_t UniformIndex(double u, uint64_t n) {
  const double k = std::floor(u * static_cast<double>(n));
  return std::min(static_cast<uint64_t>(std::max(k, 0.0)), n - 1);
}

bool IsList(const Parameter& p) {
  return p.type == ParameterType::kDiscrete ||
         p.type == ParameterType::kCategorical;
}

// A unit-cube coordinate clamped into [0,1]; NaN becomes 0 too: !(NaN >= 0).
double ClampUnit(double u) { return u >= 0 ? std::min(u, 1.0) : 0.0; }

// A value computed from the step, rounded to the decimals of min and step
// (so 0.1 + 2 * 0.1 and 3 * 0.1 print "0.3") and kept in [min, max].
double SteppedValue(const Parameter& p, double value) {
  if (p.grid_decimals) value = internal::RoundToDecimals(value, *p.grid_decimals);
  // + 0.0 makes the -0.0 of round(-0.4) * step a 0.0, which prints "0.0".
  return std::clamp(value, p.min, p.max) + 0.0;
}

}  // namespace

absl::string_view ParameterTypeName(ParameterType type) {
  switch (type) {
    case ParameterType::kDouble:
      return "double";
    case ParameterType::kInt:
      return "int";
    case ParameterType::kDiscrete:
      return "discrete";
    case ParameterType::kCategorical:
      return "categorical";
  }
  return "unknown";
}

absl::string_view DistributionName(Distribution distribution) {
  switch (distribution) {
    case Distribution::kUniform:
      return "uniform";
    case Distribution::kLogUniform:
      return "logUniform";
    case Distribution::kNormal:
      return "normal";
    case Distribution::kLogNormal:
      return "logNormal";
  }
  return "unknown";
}

absl::StatusOr<SearchSpace> SearchSpace::FromProto(
    const pb::ExperimentSpec::ParameterSpecs& specs) {
  if (specs.parameters().empty()) {
    return absl::InvalidArgumentError(
        "the search space has no parameters (experiment.spec.parameter_specs "
        "is empty)");
  }
  std::vector<Parameter> parameters;
  absl::flat_hash_set<std::string> names;
  for (int i = 0; i < specs.parameters_size(); ++i) {
    const pb::ParameterSpec& spec = specs.parameters(i);
    if (spec.name().empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat("parameter #", i + 1, " has no name"));
    }
    if (!names.insert(spec.name()).second) {
      return ParamError(spec.name(), "defined more than once");
    }
    absl::StatusOr<Parameter> parameter = ConvertParameter(spec);
    if (!parameter.ok()) return parameter.status();
    parameters.push_back(*std::move(parameter));
  }
  return SearchSpace(std::move(parameters));
}

SearchSpace::SearchSpace(std::vector<Parameter> parameters)
    : parameters_(std::move(parameters)) {
  list_positions_.resize(parameters_.size());
  number_positions_.resize(parameters_.size());
  for (size_t i = 0; i < parameters_.size(); ++i) {
    index_.emplace(parameters_[i].name, i);
    const std::vector<std::string>& list = parameters_[i].list;
    for (size_t k = 0; k < list.size(); ++k) {
      list_positions_[i].emplace(list[k], k);
      // Validation made every discrete element a number.
      if (parameters_[i].type == ParameterType::kDiscrete) number_positions_[i].emplace(*ParseDouble(list[k]), k);
    }
  }
}

Point SearchSpace::Decode(std::span<const double> unit) const {
  Point point(parameters_.size());
  for (size_t i = 0; i < parameters_.size(); ++i) {
    const Parameter& p = parameters_[i];
    const double u = ClampUnit(unit[i]);
    if (!p.cardinality) {
      point[i] = ContinuousValue(p, u);
    } else if (IsList(p) || p.distribution == Distribution::kUniform) {
      point[i] = GridValue(i, UniformIndex(u, *p.cardinality));
    } else {
      point[i] = GridValue(i, GridIndex(i, ContinuousValue(p, u)));
    }
  }
  return point;
}

Point SearchSpace::DecodeQuantized(std::span<const double> unit) const {
  Point point = Decode(unit);
  for (size_t i = 0; i < parameters_.size(); ++i) {
    const Parameter& p = parameters_[i];
    if (IsList(p) || !p.step) continue;
    const double x = ContinuousValue(p, ClampUnit(unit[i]));
    // numpy.round, which hyperopt uses, rounds halves to even as nearbyint.
    point[i] = SteppedValue(p, std::nearbyint(x / *p.step) * *p.step);
  }
  return point;
}

std::vector<double> SearchSpace::Encode(const Point& point) const {
  std::vector<double> unit(parameters_.size());
  for (size_t i = 0; i < parameters_.size(); ++i) {
    const Parameter& p = parameters_[i];
    if (p.cardinality &&
        (IsList(p) || p.distribution == Distribution::kUniform)) {
      unit[i] = (static_cast<double>(GridIndex(i, point[i])) + 0.5) /
                static_cast<double>(*p.cardinality);
    } else {
      unit[i] = ContinuousCdf(p, point[i]);
    }
  }
  return unit;
}

double SearchSpace::GridValue(size_t dimension, uint64_t k) const {
  const Parameter& p = parameters_[dimension];
  if (IsList(p)) return static_cast<double>(k);
  return SteppedValue(p, p.min + static_cast<double>(k) * *p.step);
}

uint64_t SearchSpace::GridIndex(size_t dimension, double value) const {
  const Parameter& p = parameters_[dimension];
  const double k = IsList(p) ? value : std::round((value - p.min) / *p.step);
  return std::min(static_cast<uint64_t>(std::max(k, 0.0)), *p.cardinality - 1);
}

std::string SearchSpace::FormatValue(size_t dimension, double value) const {
  const Parameter& p = parameters_[dimension];
  switch (p.type) {
    case ParameterType::kInt:
      return absl::StrCat(static_cast<int64_t>(value));
    case ParameterType::kDouble:
      return FormatDouble(value);
    case ParameterType::kDiscrete:
    case ParameterType::kCategorical:
      return p.list[static_cast<size_t>(value)];
  }
  return "";
}

std::vector<pb::ParameterAssignment> SearchSpace::ToAssignments(
    const Point& point) const {
  std::vector<pb::ParameterAssignment> assignments(parameters_.size());
  for (size_t i = 0; i < parameters_.size(); ++i) {
    assignments[i].set_name(parameters_[i].name);
    assignments[i].set_value(FormatValue(i, point[i]));
  }
  return assignments;
}

double SearchSpace::Nearest(size_t dimension, double value) const {
  const Parameter& p = parameters_[dimension];
  if (!p.step) return std::clamp(value, p.min, p.max);
  return GridValue(dimension, GridIndex(dimension, std::clamp(value, p.min, p.max)));
}

absl::StatusOr<Point> SearchSpace::ParseAssignments(
    absl::string_view trial_name,
    std::span<const AssignmentView> assignments) const {
  auto error = [&](absl::string_view parameter, absl::string_view message) {
    return absl::InvalidArgumentError(absl::StrCat(
        "trial ", trial_name, ": parameter ", parameter, ": ", message));
  };
  std::vector<std::optional<absl::string_view>> values(parameters_.size());
  for (const AssignmentView& assignment : assignments) {
    auto it = index_.find(assignment.name);
    if (it == index_.end()) {
      return error(assignment.name, "not in the search space");
    }
    if (values[it->second]) return error(assignment.name, "assigned twice");
    values[it->second] = assignment.value;
  }

  Point point(parameters_.size());
  for (size_t i = 0; i < parameters_.size(); ++i) {
    const Parameter& p = parameters_[i];
    if (!values[i]) return error(p.name, "not assigned");
    const absl::string_view text = *values[i];
    auto infeasible = [&](absl::string_view why) {
      return error(p.name,
                   absl::StrFormat("value \"%s\" is not feasible: %s", text, why));
    };
    switch (p.type) {
      case ParameterType::kInt: {
        std::optional<int64_t> value = ParseInt(text);
        if (!value) return infeasible("not an integer");
        point[i] = Nearest(i, static_cast<double>(*value));
        break;
      }
      case ParameterType::kDouble: {
        std::optional<double> value = ParseDouble(text);
        if (!value) return infeasible("not a number");
        point[i] = Nearest(i, *value);
        break;
      }
      case ParameterType::kDiscrete:
      case ParameterType::kCategorical: {
        if (auto found = list_positions_[i].find(text); found != list_positions_[i].end()) {
          point[i] = static_cast<double>(found->second);
          break;
        }
        // Discrete values may be written differently ("0.10" for "0.1").
        const std::optional<double> number = p.type == ParameterType::kDiscrete ? ParseDouble(text) : std::nullopt;
        auto found = number ? number_positions_[i].find(*number) : number_positions_[i].end();
        if (found == number_positions_[i].end()) return infeasible("not in the list");
        point[i] = static_cast<double>(found->second);
        break;
      }
    }
  }
  return point;
}

std::vector<AssignmentView> ViewAssignments(
    const google::protobuf::RepeatedPtrField<pb::ParameterAssignment>& assignments) {
  std::vector<AssignmentView> views;
  views.reserve(static_cast<size_t>(assignments.size()));
  for (const pb::ParameterAssignment& assignment : assignments) {
    views.push_back({assignment.name(), assignment.value()});
  }
  return views;
}

}  // namespace hpsearch::suggestion
