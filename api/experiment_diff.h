// Which parts of an Experiment differ between two versions of its file:
// what a resumed run compares, so that a comment or a reformatted line is
// no change, and a real one is named.
#pragma once

#include <string>
#include <vector>

#include "api/experiment.h"

namespace hpsearch::api {

// The Katib field paths ("spec.maxTrialCount", "spec.parameters",
// "metadata.annotations", ...) whose values differ between `before` and
// `after`, both loaded and defaulted; empty when they are the same.
std::vector<std::string> ChangedFields(const Experiment& before, const Experiment& after);

}  // namespace hpsearch::api
