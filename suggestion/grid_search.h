// Grid search (Katib's "grid"): every combination of the parameters' grid
// values, each exactly once.
//
// Grid values are Katib's: int range(min, max + 1, step) with step 1 by
// default, double arange(min, max + step, step) without points above max
// (a double without a step is an error), and discrete and categorical lists
// whole. Combinations are visited in a pseudo-random order, a bijection of
// the grid's numbering (internal::IndexPermutation) keyed by the
// experiment's seed (random_state, or else derived from the experiment
// name, as in random search): like Katib's grid, Optuna's GridSampler,
// which picks a uniformly random unvisited combination for each trial, a
// maxTrialCount below the grid's size spreads over the whole grid instead
// of exhausting a corner of it. The order matches GridSampler's in
// distribution, not point by point. Each call walks the order from the
// start and returns the first combinations no trial of the request holds,
// in any state, so calls continue each other, survive restarts and never
// repeat a point; the earliest of those go to the trials Katib left out of
// the request (first_index counts every point delivered). When fewer new
// combinations remain than requested, it returns those (the caller decides
// what a shortfall means). A grid of more than 2^64 - 1 points is refused.
#pragma once

#include <cstdint>
#include <optional>

#include "absl/status/status.h"
#include "suggestion/algorithm.h"

namespace hpsearch::suggestion {

const AlgorithmDefinition& GridSearch();

// The number of grid points, or nullopt when some parameter has no grid (a
// double without a step) or the product exceeds uint64.
std::optional<uint64_t> GridSize(const SearchSpace& space);

// INVALID_ARGUMENT, in Katib's words, when the space is finite and smaller
// than spec.maxTrialCount: the search would run out of new points before the
// experiment ends. For the algorithms whose definition asks for it.
absl::Status ValidateMaxTrialCount(const ::api::v1::beta1::Experiment& experiment, const SearchSpace& space);

}  // namespace hpsearch::suggestion
