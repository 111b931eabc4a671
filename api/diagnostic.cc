#include "api/diagnostic.h"

#include <algorithm>

#include "api/internal/strings.h"

namespace hpsearch::api {

using internal::Cat;

std::string FormatDiagnostic(std::string_view file, const Diagnostic& d) {
  std::string out(file);
  if (d.position.line > 0) {
    out += Cat(":", d.position.line, ":", d.position.column);
  }
  out += Cat(": ", d.severity == Severity::kError ? "error" : "warning", ": ");
  if (!d.path.empty()) out += Cat(d.path, ": ");
  out += Cat(d.message);
  return out;
}

bool HasErrors(const std::vector<Diagnostic>& diagnostics) {
  return std::any_of(diagnostics.begin(), diagnostics.end(),
                     [](const Diagnostic& d) { return d.severity == Severity::kError; });
}

void SourceMap::Add(std::string path, SourcePosition position) {
  positions_.emplace(std::move(path), position);
}

SourcePosition SourceMap::Find(std::string_view path) const {
  while (true) {
    if (auto it = positions_.find(path); it != positions_.end()) return it->second;
    // Strip the last ".child" or "[index]" and look again.
    const size_t cut = path.find_last_of(".[");
    if (cut == std::string_view::npos || path.empty()) break;
    path = path.substr(0, cut);
  }
  if (auto it = positions_.find(""); it != positions_.end()) return it->second;
  return {1, 1};
}

std::string ChildPath(std::string_view parent, std::string_view child) {
  if (parent.empty()) return std::string(child);
  return Cat(parent, ".", child);
}

std::string IndexPath(std::string_view parent, size_t index) {
  return Cat(parent, "[", index, "]");
}

}  // namespace hpsearch::api
