// Random search (Katib's "random"): independent samples of the parameters'
// distributions.
//
// The k-th suggestion of an experiment is a pure function of (seed, k): its
// d unit-cube coordinates are the first d draws of std::mt19937_64 seeded
// with SplitMix64(SplitMix64(seed) + k), each turned into a double in [0,1)
// from its top 53 bits, and decoded by the SearchSpace as Katib's hyperopt
// samples (SearchSpace::DecodeQuantized). The same experiment thus always
// gets the same sequence, on every platform, across restarts and retries,
// and successive calls continue it instead of repeating it. The seed is the
// random_state setting or, without it, the FNV-1a 64 hash of the experiment
// name.
#pragma once

#include <cstdint>
#include <vector>

#include "absl/strings/string_view.h"
#include "suggestion/algorithm.h"

namespace hpsearch::suggestion {

const AlgorithmDefinition& RandomSearch();

// The seed random search uses for an experiment without random_state.
uint64_t SeedFromExperimentName(absl::string_view experiment_name);

// The seed of an experiment's pseudo-random choices, in every algorithm that
// makes them: its random_state setting or, without it,
// SeedFromExperimentName.
uint64_t ExperimentSeed(const AlgorithmInput& input);

// SplitMix64's output for the state x: a bijective mix of 64 bits, each
// output bit depending on every input bit.
uint64_t SplitMix64(uint64_t x);

// The k-th point of the unit-cube sequence for `seed` (see above).
std::vector<double> RandomUnitPoint(uint64_t seed, uint64_t k, size_t dimensions);

}  // namespace hpsearch::suggestion
