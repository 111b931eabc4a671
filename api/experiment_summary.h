// A one-screen, human-readable summary of a (defaulted, valid) Experiment:
// name, objective and goal, algorithm and settings, early stopping, each
// parameter's range, the size of the search space, the trial counts and the
// primary container's command line. `hpsearch validate` prints it; the
// runner can print it when an experiment starts.
#pragma once

#include <string>

#include "api/experiment.h"

namespace hpsearch::api {

std::string SummarizeExperiment(const Experiment& experiment);

// "lr: double [0.01, 0.05] step 0.01, logUniform" style, one parameter.
std::string DescribeParameter(const ParameterSpec& parameter);

// The primary container's command and args as one shell-like line, items
// with spaces or quotes single-quoted; empty when there is no such container.
std::string TrialCommandLine(const TrialTemplate& trial_template);

}  // namespace hpsearch::api
