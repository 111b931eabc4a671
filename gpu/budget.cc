#include "gpu/budget.h"

#include <cmath>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/strip.h"

namespace hpsearch::gpu {
namespace {

struct Suffix {
  absl::string_view text;
  double multiplier;
};
// Longest first, so "Mi" is tried before "M".
constexpr Suffix kSuffixes[] = {
    {"Ki", 0x1p10}, {"Mi", 0x1p20}, {"Gi", 0x1p30}, {"Ti", 0x1p40},
    {"k", 1e3},     {"M", 1e6},     {"G", 1e9},     {"T", 1e12},
};

}  // namespace

absl::StatusOr<double> ParseGpuMemoryFraction(absl::string_view text) {
  double fraction = 0;
  if (!absl::SimpleAtod(absl::StripAsciiWhitespace(text), &fraction) || !(fraction > 0.0 && fraction <= 1.0)) {
    return absl::InvalidArgumentError(absl::StrCat("\"", text, "\" is not a number in (0, 1]"));
  }
  return fraction;
}

absl::StatusOr<uint64_t> ParseMemorySize(absl::string_view text) {
  absl::string_view number = absl::StripAsciiWhitespace(text);
  double multiplier = 1;
  for (const Suffix& suffix : kSuffixes) {
    if (absl::ConsumeSuffix(&number, suffix.text)) {
      multiplier = suffix.multiplier;
      break;
    }
  }
  double value = 0;
  // SimpleAtod accepts "inf" and "nan": the range check rejects them.
  const bool parsed = !number.empty() && absl::ascii_isdigit(static_cast<unsigned char>(number.back())) &&
                      absl::SimpleAtod(number, &value);
  const double bytes = std::floor(value * multiplier);
  if (!parsed || !(bytes >= 1 && bytes < 0x1p63)) {
    return absl::InvalidArgumentError(
        absl::StrCat("\"", text, "\" is not a memory size such as 6Gi, 512Mi or 8G"));
  }
  return static_cast<uint64_t>(bytes);
}

absl::StatusOr<MemoryBudget> MemoryBudget::Fraction(double fraction) {
  if (!(fraction > 0.0 && fraction <= 1.0)) {
    return absl::InvalidArgumentError(absl::StrCat("GPU memory fraction ", fraction, " is not in (0, 1]"));
  }
  return MemoryBudget(fraction, 0);
}

absl::StatusOr<MemoryBudget> MemoryBudget::Bytes(uint64_t bytes) {
  if (bytes == 0) return absl::InvalidArgumentError("a GPU memory budget of 0 bytes");
  return MemoryBudget(std::nullopt, bytes);
}

uint64_t MemoryBudget::BytesFor(uint64_t capacity_bytes) const {
  if (!fraction_.has_value()) return bytes_;
  return static_cast<uint64_t>(std::floor(static_cast<double>(capacity_bytes) * *fraction_));
}

std::string MemoryBudget::ToString() const {
  if (fraction_.has_value()) return absl::StrFormat("%g%% of a GPU", *fraction_ * 100);
  return absl::StrFormat("%.1f GiB", static_cast<double>(bytes_) / 0x1p30);
}

BudgetRequest BudgetRequestFromAnnotations(const std::map<std::string, std::string>& annotations) {
  BudgetRequest request;
  if (auto it = annotations.find(std::string(kGpuMemoryFractionAnnotation)); it != annotations.end()) {
    request.fraction = it->second;
  }
  if (auto it = annotations.find(std::string(kGpuMemoryAnnotation)); it != annotations.end()) {
    request.size = it->second;
  }
  return request;
}

namespace {

// The budget `request` names, if any; `fraction_source` and `size_source`
// name where each value came from, for errors.
absl::StatusOr<std::optional<MemoryBudget>> RequestedBudget(const BudgetRequest& request,
                                                            absl::string_view fraction_source,
                                                            absl::string_view size_source) {
  if (request.fraction.has_value() && request.size.has_value()) {
    return absl::InvalidArgumentError(
        absl::StrCat("give either ", fraction_source, " or ", size_source, ", not both"));
  }
  if (request.fraction.has_value()) {
    absl::StatusOr<double> fraction = ParseGpuMemoryFraction(*request.fraction);
    if (!fraction.ok()) return absl::InvalidArgumentError(absl::StrCat(fraction_source, ": ", fraction.status().message()));
    return MemoryBudget::Fraction(*fraction);
  }
  if (request.size.has_value()) {
    absl::StatusOr<uint64_t> bytes = ParseMemorySize(*request.size);
    if (!bytes.ok()) return absl::InvalidArgumentError(absl::StrCat(size_source, ": ", bytes.status().message()));
    return MemoryBudget::Bytes(*bytes);
  }
  return std::nullopt;
}

}  // namespace

absl::StatusOr<MemoryBudget> ChooseBudget(const BudgetRequest& flags, const BudgetRequest& annotations,
                                          int parallel_trial_count, int gpu_count) {
  absl::StatusOr<std::optional<MemoryBudget>> from_flags =
      RequestedBudget(flags, "--gpu-memory-fraction", "--gpu-memory");
  if (!from_flags.ok()) return from_flags.status();
  if (from_flags->has_value()) return **from_flags;
  absl::StatusOr<std::optional<MemoryBudget>> from_annotations =
      RequestedBudget(annotations, absl::StrCat("annotation ", std::string(kGpuMemoryFractionAnnotation)),
                      absl::StrCat("annotation ", std::string(kGpuMemoryAnnotation)));
  if (!from_annotations.ok()) return from_annotations.status();
  if (from_annotations->has_value()) return **from_annotations;
  if (parallel_trial_count < 1 || gpu_count < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("cannot share ", gpu_count, " GPUs among ", parallel_trial_count, " parallel trials"));
  }
  const int trials_per_gpu = (parallel_trial_count + gpu_count - 1) / gpu_count;
  return MemoryBudget::Fraction(1.0 / trials_per_gpu);
}

}  // namespace hpsearch::gpu
