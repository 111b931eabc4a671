// YAML 1.1's merge key, `<<: *defaults`, which kubectl resolves (its YAML
// reader is go-yaml's) and yaml-cpp does not: without this, a Katib
// Experiment that shares settings through anchors would lose the merged
// fields here and run a different experiment than the cluster would.
#pragma once

#include <vector>

#include "api/diagnostic.h"
#include "yaml-cpp/yaml.h"

namespace hpsearch::api::internal {

// Resolves every merge key under `root` in place, as the YAML spec has it:
// a mapping's own keys win over merged ones, and of the mappings merged
// from a list the earlier win. Each merged entry keeps its source position
// (where the anchored mapping was written). A merge of anything but a
// mapping or a list of mappings is an error, returned. `root` must be
// within the loader's node and depth limits (no alias cycles).
std::vector<Diagnostic> ResolveMergeKeys(YAML::Node root);

}  // namespace hpsearch::api::internal
