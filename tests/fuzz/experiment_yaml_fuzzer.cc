// Feeds arbitrary bytes to the Experiment loader (parse, defaults,
// validation) and the summary of whatever loads. Any crash, sanitizer report,
// escaped exception or hang is a bug: bad input must only yield diagnostics.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "api/experiment_loader.h"
#include "api/experiment_proto.h"
#include "api/experiment_summary.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const hpsearch::api::LoadedExperiment loaded = hpsearch::api::LoadExperimentText(text);
  for (const hpsearch::api::Diagnostic& d : loaded.diagnostics) {
    (void)hpsearch::api::FormatDiagnostic("fuzz.yaml", d);
  }
  if (loaded.ok()) {
    (void)hpsearch::api::SummarizeExperiment(*loaded.experiment);
    (void)hpsearch::api::FromProto(hpsearch::api::ToProto(*loaded.experiment));
  }
  return 0;
}
