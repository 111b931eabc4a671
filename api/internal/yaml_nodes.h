// Small facts about yaml-cpp nodes that the loader's diagnostics need.
#pragma once

#include <string_view>

#include "api/diagnostic.h"
#include "yaml-cpp/yaml.h"

namespace hpsearch::api::internal {

// 1-based; {0, 0} for a node built in code rather than read.
SourcePosition PositionOf(const YAML::Mark& mark);

// "a mapping", "a list", "a scalar", "null" or "nothing", for messages.
std::string_view Describe(const YAML::Node& node);

}  // namespace hpsearch::api::internal
