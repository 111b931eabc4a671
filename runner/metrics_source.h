// Where a trial's metrics come from: the collector kinds of
// spec.metricsCollectorSpec that `hpsearch run` supports, in local form.
#pragma once

#include <filesystem>

namespace hpsearch::runner {

struct MetricsSource {
  enum class Kind {
    kOutput,          // StdOut: the trial's stdout and stderr, read as they arrive
    kFile,            // File: one file, followed as the trial writes it
    kEventDirectory,  // TensorFlowEvent: the TensorBoard event files under a directory, read at the end
  };
  Kind kind = Kind::kOutput;
  // kFile and kEventDirectory: the absolute path, without a trailing '/'.
  std::filesystem::path path;

  bool HasPath() const { return kind != Kind::kOutput; }
};

}  // namespace hpsearch::runner
