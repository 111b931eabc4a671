#include "runner/gpu_sharing.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "gpu/nvml_backend.h"
#include "gpu/process_tree.h"

namespace hpsearch::runner {

absl::StatusOr<std::unique_ptr<gpu::GpuPartitioner>> OpenGpuSharing(
    const api::Experiment& experiment, const GpuSharingOptions& options, const std::string& trial_variable,
    const std::function<void(const std::string&)>& notify) {
  absl::StatusOr<std::unique_ptr<gpu::GpuBackend>> backend = options.open ? options.open() : gpu::OpenNvml();
  const gpu::BudgetRequest annotated = gpu::BudgetRequestFromAnnotations(experiment.metadata.annotations);
  const bool asked = !options.budget.empty() || !annotated.empty() || options.mps;
  const std::string ignored = asked ? "; the GPU memory budget and MPS settings asked for are ignored" : "";
  if (!backend.ok()) {
    notify(absl::StrCat("no NVIDIA GPU: ", backend.status().message(), "; trials run on CPU", ignored));
    return nullptr;
  }
  if ((*backend)->DeviceCount() == 0) {
    notify(absl::StrCat("no NVIDIA GPU: CUDA_VISIBLE_DEVICES hides them all; trials run on CPU", ignored));
    return nullptr;
  }
  // Katib's rule for how many trials run at once.
  int parallel = experiment.spec.parallel_trial_count.value_or(3);
  if (experiment.spec.max_trial_count) parallel = std::min(parallel, *experiment.spec.max_trial_count);
  absl::StatusOr<gpu::MemoryBudget> budget =
      gpu::ChooseBudget(options.budget, annotated, parallel, (*backend)->DeviceCount());
  if (!budget.ok()) return budget.status();
  absl::StatusOr<std::unique_ptr<gpu::GpuPartitioner>> partitioner = gpu::GpuPartitioner::Create(
      *std::move(backend), std::make_unique<gpu::ProcfsProcessTable>(trial_variable),
      {.budget = *budget, .mps = options.mps, .over_budget_grace = options.over_budget_grace});
  if (!partitioner.ok()) return partitioner.status();
  const std::vector<gpu::GpuDevice>& devices = (*partitioner)->devices();
  notify(absl::StrFormat("sharing %d GPU%s (%s%s): %s per trial%s", devices.size(), devices.size() == 1 ? "" : "s",
                         devices.front().name, devices.size() == 1 ? "" : ", ...",
                         (*partitioner)->budget().ToString(), options.mps ? ", with MPS limits" : ""));
  return partitioner;
}

}  // namespace hpsearch::runner
