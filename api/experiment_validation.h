// Katib's validating-webhook rules for an Experiment, plus the checks
// hpsearch needs to run one locally (numeric bounds that parse and are
// ordered, steps, lists, the primary container, filter regexes).
//
// Run it on a defaulted Experiment (ApplyExperimentDefaults), as Katib does.
// Diagnostics carry field paths but no positions; the loader places them.
// Where Katib has wording for a rule the message keeps it.
#pragma once

#include <span>
#include <string_view>
#include <vector>

#include "api/diagnostic.h"
#include "api/experiment.h"

namespace hpsearch::api {

std::vector<Diagnostic> ValidateExperiment(const Experiment& experiment);

// The suggestion algorithms and early-stopping algorithms Katib ships (its
// default katib-config); these are the names an Experiment may use.
std::span<const std::string_view> KatibAlgorithmNames();
std::span<const std::string_view> KatibEarlyStoppingAlgorithmNames();

}  // namespace hpsearch::api
