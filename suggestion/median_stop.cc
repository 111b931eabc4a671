#include "suggestion/median_stop.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "suggestion/settings.h"

namespace hpsearch::suggestion {
namespace {

namespace pb = ::api::v1::beta1;

constexpr SettingSpec kMedianStopSettings[] = {
    {.name = "min_trials_required",
     .type = SettingType::kInt,
     .default_value = "3",
     .min = 1,
     .doc = "Succeeded trials needed before new trials get a rule.",
     .katib_refusal = "min_trials_required must be greater than zero (>0)"},
    {.name = "start_step",
     .type = SettingType::kInt,
     .default_value = "4",
     .min = 1,
     .doc = "Objective reports averaged per succeeded trial, and the report "
            "at which a new trial is checked.",
     .katib_refusal = "start_step must be greater or equal than one (>=1)"},
};

}  // namespace

absl::StatusOr<MedianStopSettings> ParseMedianStopSettings(
    const pb::EarlyStoppingSpec& spec) {
  if (spec.algorithm_name() != kMedianStopName) {
    return absl::InvalidArgumentError(
        absl::StrCat("unknown early stopping algorithm name ", spec.algorithm_name(),
                     "; hpsearch runs ", kMedianStopName));
  }
  // Early-stopping settings are name/value pairs like the algorithm's.
  google::protobuf::RepeatedPtrField<pb::AlgorithmSetting> settings;
  for (const pb::EarlyStoppingSetting& setting : spec.algorithm_settings()) {
    pb::AlgorithmSetting* copy = settings.Add();
    copy->set_name(setting.name());
    copy->set_value(setting.value());
  }
  absl::StatusOr<Settings> parsed =
      Settings::Parse(kMedianStopName, kMedianStopSettings, settings);
  if (!parsed.ok()) return parsed.status();
  return MedianStopSettings{.min_trials_required = *parsed->GetInt("min_trials_required"),
                            .start_step = *parsed->GetInt("start_step")};
}

void MedianStop::AddSucceeded(absl::string_view trial,
                              std::span<const double> objective_reports) {
  if (objective_reports.empty() || averages_.contains(trial)) return;
  const size_t counted =
      std::min(objective_reports.size(), static_cast<size_t>(settings_.start_step));
  double sum = 0;
  for (size_t i = 0; i < counted; ++i) sum += objective_reports[i];
  const double average = sum / static_cast<double>(counted);
  averages_.emplace(trial, average);
  sum_of_averages_ += average;
}

std::optional<StoppingRule> MedianStop::RuleForNewTrial() const {
  if (static_cast<int64_t>(averages_.size()) < settings_.min_trials_required) {
    return std::nullopt;
  }
  return StoppingRule{.value = sum_of_averages_ / static_cast<double>(averages_.size()),
                      .maximize = maximize_,
                      .start_step = settings_.start_step};
}

bool StoppingRuleCheck::Report(double value) {
  ++reports_;
  if (reports_ == 1 || (rule_.maximize ? value > best_ : value < best_)) best_ = value;
  if (reports_ != rule_.start_step) return false;
  return rule_.maximize ? best_ < rule_.value : best_ > rule_.value;
}

}  // namespace hpsearch::suggestion
