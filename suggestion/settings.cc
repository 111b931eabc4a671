#include "suggestion/settings.h"

#include <algorithm>
#include <cmath>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/substitute.h"
#include "suggestion/internal/number_format.h"

namespace hpsearch::suggestion {
namespace {

std::string FormatBound(const SettingSpec& spec, double bound) {
  return spec.type == SettingType::kInt
             ? absl::StrCat(static_cast<int64_t>(bound))
             : internal::FormatDouble(bound);
}

std::optional<Settings::Value> ParseValue(const SettingSpec& spec,
                                          const std::string& text) {
  switch (spec.type) {
    case SettingType::kInt: {
      std::optional<int64_t> value = internal::ParseInt(text);
      if (!value || *value < spec.min || *value > spec.max) return std::nullopt;
      return *value;
    }
    case SettingType::kDouble: {
      std::optional<double> value = internal::ParseDouble(text);
      if (!value || *value < spec.min || *value > spec.max) return std::nullopt;
      return *value;
    }
    case SettingType::kChoice:
      if (std::find(spec.choices.begin(), spec.choices.end(), text) ==
          spec.choices.end()) {
        return std::nullopt;
      }
      return text;
  }
  return std::nullopt;
}

// Whether `text` is a value of the setting's kind, in bounds or not.
bool OfKind(const SettingSpec& spec, const std::string& text) {
  switch (spec.type) {
    case SettingType::kInt:
      return internal::ParseInt(text).has_value();
    case SettingType::kDouble:
      return internal::ParseDouble(text).has_value();
    case SettingType::kChoice:
      return true;
  }
  return false;
}

}  // namespace

std::string DescribeSettingType(const SettingSpec& spec) {
  if (spec.type == SettingType::kChoice) {
    return absl::StrCat("one of ", absl::StrJoin(spec.choices, ", "));
  }
  std::string text = spec.type == SettingType::kInt ? "an integer" : "a number";
  if (std::isfinite(spec.min)) absl::StrAppend(&text, " >= ", FormatBound(spec, spec.min));
  if (std::isfinite(spec.min) && std::isfinite(spec.max)) absl::StrAppend(&text, " and");
  if (std::isfinite(spec.max)) absl::StrAppend(&text, " <= ", FormatBound(spec, spec.max));
  return text;
}

absl::StatusOr<Settings> Settings::Parse(
    absl::string_view algorithm, std::span<const SettingSpec> schema,
    const google::protobuf::RepeatedPtrField<::api::v1::beta1::AlgorithmSetting>&
        settings) {
  Settings parsed;
  for (const SettingSpec& spec : schema) {
    if (spec.default_value.empty()) continue;
    // Defaults are part of the schema, so a bad one is a programming error
    // caught by the settings tests.
    if (std::optional<Value> value = ParseValue(spec, std::string(spec.default_value))) {
      parsed.values_[spec.name] = *std::move(value);
    }
  }
  for (const ::api::v1::beta1::AlgorithmSetting& setting : settings) {
    auto spec = std::find_if(schema.begin(), schema.end(),
                             [&](const SettingSpec& s) { return s.name == setting.name(); });
    if (spec == schema.end()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "unknown setting ", setting.name(), " for algorithm ", algorithm));
    }
    std::optional<Value> value = ParseValue(*spec, setting.value());
    if (!value && !spec->katib_refusal.empty() && OfKind(*spec, setting.value())) {
      // Katib's words for a number give its bounds; for a choice, not the choices.
      const std::string choices =
          spec->type == SettingType::kChoice ? absl::StrCat(" (it must be ", DescribeSettingType(*spec), ")") : "";
      return absl::InvalidArgumentError(
          absl::StrCat(absl::Substitute(spec->katib_refusal, setting.value()), choices));
    }
    if (!value) {
      return absl::InvalidArgumentError(
          absl::StrCat("failed to validate ", setting.name(), "(",
                       setting.value(), "): must be ", DescribeSettingType(*spec)));
    }
    parsed.values_[spec->name] = *std::move(value);
  }
  return parsed;
}

std::optional<int64_t> Settings::GetInt(absl::string_view name) const {
  auto it = values_.find(name);
  if (it == values_.end() || !std::holds_alternative<int64_t>(it->second)) {
    return std::nullopt;
  }
  return std::get<int64_t>(it->second);
}

std::optional<double> Settings::GetDouble(absl::string_view name) const {
  auto it = values_.find(name);
  if (it == values_.end() || !std::holds_alternative<double>(it->second)) {
    return std::nullopt;
  }
  return std::get<double>(it->second);
}

std::optional<std::string> Settings::GetChoice(absl::string_view name) const {
  auto it = values_.find(name);
  if (it == values_.end() || !std::holds_alternative<std::string>(it->second)) {
    return std::nullopt;
  }
  return std::get<std::string>(it->second);
}

}  // namespace hpsearch::suggestion
