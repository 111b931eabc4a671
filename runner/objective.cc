#include "runner/objective.h"

#include <cmath>

namespace hpsearch::runner {

metrics::ObjectiveDirection ObjectiveDirectionOf(const api::Experiment& experiment) {
  return api::ParseObjectiveType(experiment.spec.objective->type) == api::ObjectiveType::kMaximize
             ? metrics::ObjectiveDirection::kMaximize
             : metrics::ObjectiveDirection::kMinimize;
}

bool IsBetter(double a, double b, metrics::ObjectiveDirection direction) {
  return direction == metrics::ObjectiveDirection::kMinimize ? a < b : a > b;
}

bool ReachesGoal(double objective, double goal, metrics::ObjectiveDirection direction) {
  return direction == metrics::ObjectiveDirection::kMinimize ? objective <= goal : objective >= goal;
}

bool HasComparableObjective(const metrics::TrialRecord& trial) {
  return trial.objective_numeric.has_value() && !std::isnan(*trial.objective_numeric);
}

bool IsNewBest(const metrics::TrialRecord& trial, const metrics::TrialRecord* best,
               metrics::ObjectiveDirection direction) {
  if (trial.status != metrics::TrialStatus::kSucceeded || !HasComparableObjective(trial)) return false;
  return best == nullptr || IsBetter(*trial.objective_numeric, *best->objective_numeric, direction);
}

}  // namespace hpsearch::runner
