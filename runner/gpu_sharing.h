// Sharing this machine's GPUs between a run's trials: which GPUs, and each
// trial's memory budget (gpu/partitioner.h does the placing and watching).
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "api/experiment.h"
#include "gpu/budget.h"
#include "gpu/device.h"
#include "gpu/partitioner.h"

namespace hpsearch::runner {

struct GpuSharingOptions {
  // Each trial's GPU memory budget: from here (the command line) when set,
  // else the experiment's annotations, else an equal share of a GPU per
  // parallel trial.
  gpu::BudgetRequest budget;
  // An NVIDIA MPS daemon serves the GPUs: trials also get its limits.
  bool mps = false;
  // How long a trial may stay above its budget before it is stopped.
  std::chrono::milliseconds over_budget_grace = std::chrono::seconds(3);
  // Where the GPUs come from; empty means NVML (gpu::OpenNvml).
  std::function<absl::StatusOr<std::unique_ptr<gpu::GpuBackend>>()> open;
};

// The partitioner for `experiment`'s trials, whose processes carry their
// trial's name in `trial_variable`; null without a usable GPU: the trials
// then run as they are. `notify` tells the user which it is, once. Fails on
// a budget that cannot be met.
absl::StatusOr<std::unique_ptr<gpu::GpuPartitioner>> OpenGpuSharing(
    const api::Experiment& experiment, const GpuSharingOptions& options, const std::string& trial_variable,
    const std::function<void(const std::string&)>& notify);

}  // namespace hpsearch::runner
