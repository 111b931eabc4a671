// Numeric views of a parameter's feasible space, whose bounds Katib keeps as
// strings: strict number parsing (the whole string, finite values only) and
// the number of points a grid search would visit.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string_view>

#include "api/experiment.h"

namespace hpsearch::api {

// A finite decimal or scientific number such as "0.01", "-3", "+1e-4".
std::optional<double> ParseNumber(std::string_view s);
// A base-10 integer such as "32" or "-1" that fits in int64.
std::optional<int64_t> ParseInteger(std::string_view s);

// Finds the repeats of a feasible space's list, element by element.
// Discrete elements are numbers, so "0.1" and "0.10" are one; categorical
// ones (and a discrete one that is no number) are text.
class ListRepeats {
 public:
  explicit ListRepeats(bool discrete) : discrete_(discrete) {}
  // The earlier element equal to `element`, if there is one. The elements
  // must outlive this.
  std::optional<std::string_view> Add(std::string_view element);

 private:
  bool discrete_;
  std::map<std::string_view, std::string_view> texts_;
  std::map<double, std::string_view> numbers_;
};

// How many values Katib's grid search takes from min to max in steps of
// step (min <= max, step > 0): numpy.arange(min, max + step, step), less its
// last value when that lies above max. Rounding decides, as in Katib:
// [0, 0.3] step 0.1 gives 0, 0.1, 0.2 (0.30000000000000004 lies above 0.3),
// [0.1, 0.3] step 0.1 gives 0.1, 0.2, 0.3. Saturates at UINT64_MAX. The one
// count both `hpsearch validate` and the grid algorithm use.
uint64_t CountGridValues(double min, double max, double step);

// Whether that rounding makes the grid stop one value short of a max that
// is min + k * step as written: worth a warning, as users mean max.
bool GridLosesMax(double min, double max, double step);

// Grid points of one parameter, as Katib's grid search enumerates them:
// int: min, min+step, ... <= max (step 1 when unset); double: the same with
// a required step; discrete/categorical: the list. nullopt when the space is
// continuous (double without step) or the spec is not valid.
std::optional<uint64_t> CountGridPoints(const ParameterSpec& parameter);

// The product over all parameters, saturating at UINT64_MAX; nullopt when any
// parameter is continuous.
std::optional<uint64_t> CountGridPoints(const std::vector<ParameterSpec>& parameters);

}  // namespace hpsearch::api
