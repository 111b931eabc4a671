// The experiment's objective direction and the comparisons that follow from
// it, shared by the run loop (best trial, goal) and the reports (sorting,
// best trial in the summary), so both always agree.
#pragma once

#include "api/experiment.h"
#include "metrics/metric_strategy.h"
#include "metrics/objective_store.h"

namespace hpsearch::runner {

// MAXIMIZE or MINIMIZE, from spec.objective.type.
metrics::ObjectiveDirection ObjectiveDirectionOf(const api::Experiment& experiment);

// Whether objective `a` is strictly better than `b`.
bool IsBetter(double a, double b, metrics::ObjectiveDirection direction);

// Whether `objective` meets `goal`, Katib's way: <= when minimizing, >= when
// maximizing.
bool ReachesGoal(double objective, double goal, metrics::ObjectiveDirection direction);

// Whether `trial` has an objective that can be ordered: numeric and not NaN
// (which a custom metricsFormat or a JSON metrics file can yield).
bool HasComparableObjective(const metrics::TrialRecord& trial);

// Whether `trial` takes over from `best` (null: none yet) as the best trial
// so far: it succeeded with a comparable objective strictly better than
// best's, so ties keep the trial seen first.
bool IsNewBest(const metrics::TrialRecord& trial, const metrics::TrialRecord* best,
               metrics::ObjectiveDirection direction);

}  // namespace hpsearch::runner
