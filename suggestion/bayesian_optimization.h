// Bayesian optimization (Katib's "bayesianoptimization", skopt's settings):
// a Gaussian process on the search space's unit-cube encoding, and the point
// that maximizes an acquisition function.
//
// Each call is a function of (space, settings, trials, position), and of
// the model cache only through the starting point of the fit (below):
//   - Positions below n_initial_points, and every position while fewer than
//     two trials have an objective value, take the point of a randomized
//     Halton design at that position (seeded by random_state, or the
//     experiment name's hash as random search does).
//   - Otherwise a GaussianProcess (internal/gaussian_process.h) is fitted to
//     the observed trials (objective negated when maximizing, divided by its
//     standard deviation and shifted so that the worst is 0, the prior
//     mean) in the encoding where integer, discrete and categorical values
//     sit at their cell centres, categorical ones with 3 or more elements
//     one-hot. Trials still running, and earlier points of the same batch,
//     are added as observations of the worst value (a pessimistic constant
//     liar), so that they are not proposed again and a batch spreads out.
//   - The fit starts from hyperparameters cached per experiment when an
//     earlier call was fitted on a strict subset of this call's
//     observations (a few steps instead of a multi-start fit); a repeated
//     request and a repeated sequence of calls give the same answers.
//   - The acquisition (EI as log EI, PI as log PI, LCB with kappa 1.96, or
//     gp_hedge, which picks among the three nominees by a softmax of their
//     predicted improvement drawn deterministically from the seed and
//     position) is maximized over 1024 Halton candidates plus perturbations
//     of the best trials, all snapped to feasible values (every untried
//     point instead, once at most 2048 are left in a finite space), and,
//     unless acq_optimizer is "sampling", refined by a local search from the
//     best few.
//   - The best point that equals no trial's point (in any state: failed
//     trials are not re-suggested although they are not learned from) and
//     no earlier point of the batch is returned. Fewer points come back
//     only when the space has no untried point left.
// base_estimator other than GP and acq_func EIps/PIps are rejected by
// validate: they cannot be honoured.
#pragma once

#include <cstddef>

#include "suggestion/algorithm.h"

namespace hpsearch::suggestion {

const AlgorithmDefinition& BayesianOptimization();

// The process-wide cache of fitted GP hyperparameters (warm starts, see
// above): emptied, and its number of experiments. For tests and benchmarks.
void ClearBayesianOptimizationCache();
size_t BayesianOptimizationCacheSize();

}  // namespace hpsearch::suggestion
