#include "api/experiment_proto.h"

namespace hpsearch::api {
namespace {

namespace pb = ::api::v1::beta1;

// The model's enums are declared in the proto enums' order, so the mapping is
// a cast; these asserts keep it that way.
static_assert(static_cast<int>(ObjectiveType::kMaximize) == pb::MAXIMIZE);
static_assert(static_cast<int>(ParameterType::kCategorical) == pb::CATEGORICAL);
static_assert(static_cast<int>(Distribution::kLogNormal) == pb::LOG_NORMAL);

template <typename Proto, typename Model>
Proto ToProtoEnum(Model value) {
  return static_cast<Proto>(static_cast<int>(value));
}

// Values a newer peer might send fall outside the model's enum: unknown.
template <typename Model>
Model FromProtoEnum(int value, Model last) {
  return value > 0 && value <= static_cast<int>(last) ? static_cast<Model>(value) : Model::kUnknown;
}

template <typename Settings>
void SettingsToProto(const std::vector<NameValue>& settings, Settings* proto) {
  for (const NameValue& s : settings) {
    auto* out = proto->Add();
    out->set_name(s.name);
    out->set_value(s.value);
  }
}

template <typename Settings>
std::vector<NameValue> SettingsFromProto(const Settings& proto) {
  std::vector<NameValue> out;
  for (const auto& s : proto) out.push_back({s.name(), s.value()});
  return out;
}

}  // namespace

pb::ParameterSpec ToProto(const ParameterSpec& parameter) {
  pb::ParameterSpec out;
  out.set_name(parameter.name);
  out.set_parameter_type(
      ToProtoEnum<pb::ParameterType>(ParseParameterType(parameter.parameter_type)));
  const FeasibleSpace& fs = parameter.feasible_space;
  pb::FeasibleSpace* space = out.mutable_feasible_space();
  space->set_min(fs.min);
  space->set_max(fs.max);
  space->set_step(fs.step);
  for (const std::string& v : fs.list) space->add_list(v);
  space->set_distribution(ToProtoEnum<pb::Distribution>(ParseDistribution(fs.distribution)));
  return out;
}

ParameterSpec FromProto(const pb::ParameterSpec& proto) {
  ParameterSpec out;
  out.name = proto.name();
  out.parameter_type = ToString(FromProtoEnum(proto.parameter_type(), ParameterType::kCategorical));
  const pb::FeasibleSpace& space = proto.feasible_space();
  out.feasible_space.min = space.min();
  out.feasible_space.max = space.max();
  out.feasible_space.step = space.step();
  out.feasible_space.list.assign(space.list().begin(), space.list().end());
  out.feasible_space.distribution =
      ToString(FromProtoEnum(space.distribution(), Distribution::kLogNormal));
  return out;
}

pb::Experiment ToProto(const Experiment& experiment) {
  pb::Experiment out;
  out.set_name(experiment.metadata.name);
  const ExperimentSpec& spec = experiment.spec;
  pb::ExperimentSpec* s = out.mutable_spec();
  for (const ParameterSpec& p : spec.parameters) {
    *s->mutable_parameter_specs()->add_parameters() = ToProto(p);
  }
  if (spec.objective) {
    const Objective& o = *spec.objective;
    pb::ObjectiveSpec* obj = s->mutable_objective();
    obj->set_type(ToProtoEnum<pb::ObjectiveType>(ParseObjectiveType(o.type)));
    obj->set_goal(o.goal.value_or(0));
    obj->set_objective_metric_name(o.objective_metric_name);
    for (const std::string& m : o.additional_metric_names) obj->add_additional_metric_names(m);
  }
  if (spec.algorithm) {
    s->mutable_algorithm()->set_algorithm_name(spec.algorithm->algorithm_name);
    SettingsToProto(spec.algorithm->algorithm_settings,
                    s->mutable_algorithm()->mutable_algorithm_settings());
  }
  if (spec.early_stopping) {
    s->mutable_early_stopping()->set_algorithm_name(spec.early_stopping->algorithm_name);
    SettingsToProto(spec.early_stopping->algorithm_settings,
                    s->mutable_early_stopping()->mutable_algorithm_settings());
  }
  s->set_parallel_trial_count(spec.parallel_trial_count.value_or(0));
  s->set_max_trial_count(spec.max_trial_count.value_or(0));
  return out;
}

Experiment FromProto(const pb::Experiment& proto) {
  Experiment out;
  out.api_version = "kubeflow.org/v1beta1";
  out.kind = "Experiment";
  out.metadata.name = proto.name();
  const pb::ExperimentSpec& s = proto.spec();
  ExperimentSpec& spec = out.spec;
  for (const pb::ParameterSpec& p : s.parameter_specs().parameters()) {
    spec.parameters.push_back(FromProto(p));
  }
  if (s.has_objective()) {
    const pb::ObjectiveSpec& obj = s.objective();
    Objective& o = spec.objective.emplace();
    o.type = ToString(FromProtoEnum(obj.type(), ObjectiveType::kMaximize));
    if (obj.goal() != 0) o.goal = obj.goal();
    o.objective_metric_name = obj.objective_metric_name();
    o.additional_metric_names.assign(obj.additional_metric_names().begin(),
                                     obj.additional_metric_names().end());
  }
  if (s.has_algorithm()) {
    spec.algorithm = AlgorithmSpec{s.algorithm().algorithm_name(),
                                   SettingsFromProto(s.algorithm().algorithm_settings())};
  }
  if (s.has_early_stopping()) {
    spec.early_stopping = AlgorithmSpec{s.early_stopping().algorithm_name(),
                                        SettingsFromProto(s.early_stopping().algorithm_settings())};
  }
  if (s.parallel_trial_count() != 0) spec.parallel_trial_count = s.parallel_trial_count();
  if (s.max_trial_count() != 0) spec.max_trial_count = s.max_trial_count();
  return out;
}

}  // namespace hpsearch::api
