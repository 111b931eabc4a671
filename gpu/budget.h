// A trial's GPU memory budget, and where it comes from.
//
// Fractions are of a device's capacity: its memory less what the driver
// keeps for itself (gpu/placement.h), so that one trial with a fraction of
// 1 fits an otherwise idle GPU.
//
// A budget is the whole GPU memory footprint a trial may have on its device
// as NVML sees it: what its allocator hands out plus the CUDA context and
// library workspaces, which no allocator cap covers. It is either a fraction
// of a device's memory (the same experiment then fits GPUs of any size) or
// an absolute size. An experiment asks for one with an annotation that Katib
// ignores, so the same YAML runs in a cluster:
//   hpsearch.kubeflow.org/gpu-memory-fraction: "0.25"
//   hpsearch.kubeflow.org/gpu-memory: "6Gi"      (a Kubernetes quantity)
// `hpsearch run --gpu-memory-fraction / --gpu-memory` override both.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace hpsearch::gpu {

inline constexpr std::string_view kGpuMemoryFractionAnnotation =
    "hpsearch.kubeflow.org/gpu-memory-fraction";
inline constexpr std::string_view kGpuMemoryAnnotation = "hpsearch.kubeflow.org/gpu-memory";

// A number in (0, 1]; INVALID_ARGUMENT otherwise.
absl::StatusOr<double> ParseGpuMemoryFraction(absl::string_view text);

// A Kubernetes quantity of bytes: a plain or decimal number with an optional
// binary (Ki, Mi, Gi, Ti) or decimal (k, M, G, T) suffix, e.g. "6Gi",
// "1.5Gi", "8G", "512Mi", "4000000000". INVALID_ARGUMENT unless positive.
absl::StatusOr<uint64_t> ParseMemorySize(absl::string_view text);

class MemoryBudget {
 public:
  // INVALID_ARGUMENT unless 0 < fraction <= 1.
  static absl::StatusOr<MemoryBudget> Fraction(double fraction);
  // INVALID_ARGUMENT when zero.
  static absl::StatusOr<MemoryBudget> Bytes(uint64_t bytes);

  // The budget in bytes on a device with `capacity_bytes` for processes
  // (a fraction is of that).
  uint64_t BytesFor(uint64_t capacity_bytes) const;
  // "25% of a GPU" or "6.0 GiB".
  std::string ToString() const;

 private:
  MemoryBudget(std::optional<double> fraction, uint64_t bytes) : fraction_(fraction), bytes_(bytes) {}
  std::optional<double> fraction_;
  uint64_t bytes_ = 0;
};

// The budget asked for, as text: from the command line or the annotations.
struct BudgetRequest {
  std::optional<std::string> fraction;  // ParseGpuMemoryFraction
  std::optional<std::string> size;      // ParseMemorySize
  bool empty() const { return !fraction && !size; }
};

// The request the annotations above make (absent ones stay unset).
BudgetRequest BudgetRequestFromAnnotations(const std::map<std::string, std::string>& annotations);

// Each trial's budget: `flags` when they name one, else `annotations`, else
// an equal share of a GPU when `parallel_trial_count` trials spread over
// `gpu_count` GPUs: 1 / ceil(parallel_trial_count / gpu_count).
// INVALID_ARGUMENT, naming the source, for an unparsable value or when a
// source names both a fraction and a size; also when a count is below 1.
absl::StatusOr<MemoryBudget> ChooseBudget(const BudgetRequest& flags, const BudgetRequest& annotations,
                                          int parallel_trial_count, int gpu_count);

}  // namespace hpsearch::gpu
