#include "api/experiment.h"

#include <array>
#include <utility>

namespace hpsearch::api {
namespace {

template <typename Enum, size_t N>
using Spellings = std::array<std::pair<Enum, std::string_view>, N>;

constexpr Spellings<ObjectiveType, 2> kObjectiveTypes{{
    {ObjectiveType::kMinimize, "minimize"},
    {ObjectiveType::kMaximize, "maximize"},
}};
constexpr Spellings<ParameterType, 4> kParameterTypes{{
    {ParameterType::kDouble, "double"},
    {ParameterType::kInt, "int"},
    {ParameterType::kDiscrete, "discrete"},
    {ParameterType::kCategorical, "categorical"},
}};
constexpr Spellings<Distribution, 4> kDistributions{{
    {Distribution::kUniform, "uniform"},
    {Distribution::kLogUniform, "logUniform"},
    {Distribution::kNormal, "normal"},
    {Distribution::kLogNormal, "logNormal"},
}};
constexpr Spellings<MetricStrategyType, 3> kMetricStrategyTypes{{
    {MetricStrategyType::kMin, "min"},
    {MetricStrategyType::kMax, "max"},
    {MetricStrategyType::kLatest, "latest"},
}};
constexpr Spellings<ResumePolicy, 3> kResumePolicies{{
    {ResumePolicy::kNever, "Never"},
    {ResumePolicy::kLongRunning, "LongRunning"},
    {ResumePolicy::kFromVolume, "FromVolume"},
}};
constexpr Spellings<CollectorKind, 7> kCollectorKinds{{
    {CollectorKind::kStdOut, "StdOut"},
    {CollectorKind::kFile, "File"},
    {CollectorKind::kTensorFlowEvent, "TensorFlowEvent"},
    {CollectorKind::kPrometheusMetric, "PrometheusMetric"},
    {CollectorKind::kCustom, "Custom"},
    {CollectorKind::kPush, "Push"},
    {CollectorKind::kNone, "None"},
}};

template <typename Enum, size_t N>
Enum Parse(const Spellings<Enum, N>& table, std::string_view s) {
  for (const auto& [value, spelling] : table) {
    if (spelling == s) return value;
  }
  return Enum::kUnknown;
}

template <typename Enum, size_t N>
std::string_view Spell(const Spellings<Enum, N>& table, Enum v) {
  for (const auto& [value, spelling] : table) {
    if (value == v) return spelling;
  }
  return "";
}

}  // namespace

ObjectiveType ParseObjectiveType(std::string_view s) { return Parse(kObjectiveTypes, s); }
ParameterType ParseParameterType(std::string_view s) { return Parse(kParameterTypes, s); }
Distribution ParseDistribution(std::string_view s) { return Parse(kDistributions, s); }
MetricStrategyType ParseMetricStrategyType(std::string_view s) {
  return Parse(kMetricStrategyTypes, s);
}
ResumePolicy ParseResumePolicy(std::string_view s) { return Parse(kResumePolicies, s); }
CollectorKind ParseCollectorKind(std::string_view s) { return Parse(kCollectorKinds, s); }

std::string_view ToString(ObjectiveType v) { return Spell(kObjectiveTypes, v); }
std::string_view ToString(ParameterType v) { return Spell(kParameterTypes, v); }
std::string_view ToString(Distribution v) { return Spell(kDistributions, v); }
std::string_view ToString(MetricStrategyType v) { return Spell(kMetricStrategyTypes, v); }
std::string_view ToString(ResumePolicy v) { return Spell(kResumePolicies, v); }
std::string_view ToString(CollectorKind v) { return Spell(kCollectorKinds, v); }

const Container* TrialTemplate::PrimaryContainer() const {
  if (!trial_spec) return nullptr;
  for (const Container& c : trial_spec->containers) {
    if (c.name == primary_container_name) return &c;
  }
  return nullptr;
}

}  // namespace hpsearch::api
