#include "cli/experiment_checks.h"

#include <string>

#include "api/experiment_proto.h"
#include "runner/trial_collector.h"
#include "suggestion/algorithm.h"
#include "suggestion/median_stop.h"
#include "suggestion/suggest.h"

namespace hpsearch::cli {
namespace {

// Adds what the algorithm itself says: a warning when hpsearch does not serve
// it (Katib's own services would), an error when it rejects the settings.
void CheckAlgorithm(api::LoadedExperiment& loaded) {
  const std::string& name = loaded.experiment->spec.algorithm->algorithm_name;
  const std::string path = "spec.algorithm";
  if (!suggestion::FindAlgorithm(name).ok()) {
    loaded.diagnostics.push_back(
        {api::Severity::kWarning, path + ".algorithmName",
         "algorithm " + name + " is valid for Katib but not served by hpsearch (it serves " +
             suggestion::AlgorithmNames() + ")",
         loaded.source_map.Find(path + ".algorithmName")});
    return;
  }
  absl::Status status = suggestion::ValidateSettings(api::ToProto(*loaded.experiment));
  if (!status.ok()) {
    loaded.diagnostics.push_back({api::Severity::kError, path, std::string(status.message()),
                                  loaded.source_map.Find(path)});
    loaded.experiment.reset();
  }
}

// Adds an error when the early-stopping settings are not ones medianstop
// (Katib's only early-stopping algorithm, which `hpsearch run` applies) takes.
void CheckEarlyStopping(api::LoadedExperiment& loaded) {
  const std::string path = "spec.earlyStopping";
  absl::StatusOr<suggestion::MedianStopSettings> settings =
      suggestion::ParseMedianStopSettings(api::ToProto(*loaded.experiment).spec().early_stopping());
  if (!settings.ok()) {
    loaded.diagnostics.push_back({api::Severity::kError, path, std::string(settings.status().message()),
                                  loaded.source_map.Find(path)});
    loaded.experiment.reset();
  }
}

// Adds a warning when `hpsearch run` cannot collect the metrics the way the
// experiment says (`hpsearch serve` in a cluster does not care), or when
// early stopping cannot see them.
void CheckCollector(api::LoadedExperiment& loaded) {
  absl::StatusOr<runner::CollectorSetup> setup = runner::CollectorSetupOf(*loaded.experiment);
  if (setup.ok()) {
    if (setup->source.kind == runner::MetricsSource::Kind::kEventDirectory && loaded.experiment->spec.early_stopping) {
      loaded.diagnostics.push_back({api::Severity::kWarning, "spec.earlyStopping",
                                    "no trial is stopped early: the TensorFlowEvent collector reads the event files "
                                    "once the trial has ended, in Katib as in hpsearch run",
                                    loaded.source_map.Find("spec.earlyStopping")});
    }
    return;
  }
  // "<field path>: <what>", as CollectorSetupOf words it.
  const std::string refusal(setup.status().message());
  const size_t colon = refusal.find(": ");
  const std::string path(refusal.substr(0, colon));
  loaded.diagnostics.push_back({api::Severity::kWarning, path, refusal.substr(colon + 2),
                                loaded.source_map.Find(path)});
}

}  // namespace

void CheckHpsearchSupport(api::LoadedExperiment& loaded) {
  if (loaded.ok() && loaded.experiment->spec.algorithm) CheckAlgorithm(loaded);
  if (loaded.ok() && loaded.experiment->spec.early_stopping) CheckEarlyStopping(loaded);
  if (loaded.ok()) CheckCollector(loaded);
}

}  // namespace hpsearch::cli
