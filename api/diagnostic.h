// Diagnostics about an Experiment file, shaped like a compiler's:
//   FILE:LINE:COL: error: spec.parameters[2].feasibleSpace.min: must be a number
//
// A Diagnostic names the offending field by its Katib field path (the same
// notation Katib's webhook uses) and carries the 1-based source position of
// that field. SourceMap records where each field path was written so that
// checks working on the model (which knows no positions) can be placed.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace hpsearch::api {

// 1-based line and column; {0, 0} when unknown.
struct SourcePosition {
  int line = 0;
  int column = 0;
  bool operator==(const SourcePosition&) const = default;
};

enum class Severity { kError, kWarning };

struct Diagnostic {
  Severity severity = Severity::kError;
  std::string path;  // e.g. "spec.parameters[0].feasibleSpace.min"; may be empty
  std::string message;
  SourcePosition position;
};

// "FILE:LINE:COL: error: PATH: MESSAGE" (LINE:COL omitted when unknown,
// "PATH: " omitted when the path is empty, "warning" for warnings).
std::string FormatDiagnostic(std::string_view file, const Diagnostic& d);

bool HasErrors(const std::vector<Diagnostic>& diagnostics);

// Field path -> position of the field as written.
class SourceMap {
 public:
  void Add(std::string path, SourcePosition position);

  // The position of `path`, or of its nearest written ancestor (a missing
  // field is reported where its parent is); {1, 1} when nothing matches.
  SourcePosition Find(std::string_view path) const;

 private:
  std::map<std::string, SourcePosition, std::less<>> positions_;
};

// "parent.child", or "child" when parent is empty.
std::string ChildPath(std::string_view parent, std::string_view child);
// "parent[index]".
std::string IndexPath(std::string_view parent, size_t index);

}  // namespace hpsearch::api
