// What hpsearch itself says of an Experiment, beyond Katib's webhook rules:
// shared by `hpsearch validate` and `hpsearch run`, so both report the same
// problems at the same FILE:LINE:COL.
#pragma once

#include "api/experiment_loader.h"

namespace hpsearch::cli {

// For an experiment that loaded: a warning when hpsearch does not serve its
// algorithm (Katib's own services would) or `hpsearch run` cannot collect
// its metrics that way (Katib's cluster-side collectors), an error when the
// algorithm rejects its settings or search space (as
// ValidateAlgorithmSettings would) or medianstop its early-stopping settings
// (as ValidateEarlyStoppingSettings would). An error drops loaded.experiment.
void CheckHpsearchSupport(api::LoadedExperiment& loaded);

}  // namespace hpsearch::cli
