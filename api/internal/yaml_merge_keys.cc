#include "api/internal/yaml_merge_keys.h"

#include <optional>
#include <set>
#include <string>

#include "api/internal/strings.h"
#include "api/internal/yaml_nodes.h"

namespace hpsearch::api::internal {
namespace {

// A plain `<<`: quoted, it is an ordinary key.
bool IsMergeKey(const YAML::Node& key) {
  return key.IsScalar() && key.Tag() == "?" && key.Scalar() == "<<";
}

class MergeKeyResolver {
 public:
  std::vector<Diagnostic> Take() && { return std::move(errors_); }

  void Resolve(YAML::Node node, const std::string& path) {
    if (node.IsSequence()) {
      size_t i = 0;
      for (auto it = node.begin(); it != node.end(); ++it, ++i) Resolve(*it, IndexPath(path, i));
    } else if (node.IsMap()) {
      MergeInto(node, path);
      for (auto it = node.begin(); it != node.end(); ++it) {
        if (it->first.IsScalar()) Resolve(it->second, ChildPath(path, it->first.Scalar()));
      }
    }
  }

 private:
  // Replaces `map`'s merge key by the entries it brings that `map` lacks.
  void MergeInto(YAML::Node map, const std::string& path) {
    std::optional<YAML::Node> merge_key;
    YAML::Node sources;
    std::set<std::string> keys;  // yaml-cpp's own lookup is linear
    for (auto it = map.begin(); it != map.end(); ++it) {
      if (!IsMergeKey(it->first)) {
        if (it->first.IsScalar()) keys.insert(it->first.Scalar());
      } else if (merge_key) {
        // One merge key per mapping (it may list several mappings), as YAML
        // keys are unique; go-yaml would apply each, the later winning.
        errors_.push_back(
            {Severity::kError, ChildPath(path, "<<"), "duplicate field", PositionOf(it->first.Mark())});
      } else {
        merge_key = it->first;
        sources = it->second;
      }
    }
    if (!merge_key) return;
    map.remove(*merge_key);
    const std::string merge_path = ChildPath(path, "<<");
    if (sources.IsMap()) {
      MergeEntries(map, keys, sources, merge_path);
    } else if (sources.IsSequence()) {
      size_t i = 0;
      for (auto it = sources.begin(); it != sources.end(); ++it, ++i) {
        if (it->IsMap()) {
          MergeEntries(map, keys, *it, merge_path);
        } else {
          Refuse(*it, IndexPath(merge_path, i));
        }
      }
    } else {
      Refuse(sources, merge_path);
    }
  }

  void MergeEntries(YAML::Node map, std::set<std::string>& keys, YAML::Node source,
                    const std::string& merge_path) {
    MergeInto(source, merge_path);  // a merged mapping may merge others itself
    for (auto it = source.begin(); it != source.end(); ++it) {
      if (it->first.IsScalar() && keys.insert(it->first.Scalar()).second) {
        map.force_insert(it->first, it->second);
      }
    }
  }

  void Refuse(const YAML::Node& value, std::string path) {
    errors_.push_back({Severity::kError, std::move(path),
                       Cat("a merge key (<<) takes a mapping or a list of mappings, got ", Describe(value)),
                       PositionOf(value.Mark())});
  }

  std::vector<Diagnostic> errors_;
};

}  // namespace

std::vector<Diagnostic> ResolveMergeKeys(YAML::Node root) {
  MergeKeyResolver resolver;
  resolver.Resolve(root, "");
  return std::move(resolver).Take();
}

}  // namespace hpsearch::api::internal
