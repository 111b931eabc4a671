// Model <-> api.v1.beta1.Experiment conversion.
#include "api/experiment_proto.h"

#include <fstream>
#include <string>

#include "api/experiment_loader.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"

namespace hpsearch::api {
namespace {

namespace pb = ::api::v1::beta1;

// The part of the model the proto carries.
Experiment ProtoView(const Experiment& e) {
  Experiment out;
  out.api_version = e.api_version;
  out.kind = e.kind;
  out.metadata.name = e.metadata.name;
  out.spec.parameters = e.spec.parameters;
  out.spec.objective = e.spec.objective;
  out.spec.objective->metric_strategies.clear();
  out.spec.algorithm = e.spec.algorithm;
  out.spec.early_stopping = e.spec.early_stopping;
  out.spec.parallel_trial_count = e.spec.parallel_trial_count;
  out.spec.max_trial_count = e.spec.max_trial_count;
  return out;
}

Experiment LoadFixture(const std::string& relative) {
  LoadedExperiment loaded =
      LoadExperimentFile(std::string(HPSEARCH_SOURCE_DIR) + "/tests/" + relative);
  EXPECT_TRUE(loaded.ok()) << relative;
  return loaded.ok() ? *loaded.experiment : Experiment{};
}

TEST(ExperimentProto, RoundTripsEveryValidFixture) {
  for (const char* name : {"random", "grid", "hyperopt-distribution", "optuna-distribution",
                           "median-stop", "file-metrics-collector", "simple-pbt"}) {
    SCOPED_TRACE(name);
    const Experiment e = LoadFixture(std::string("fixtures/experiments/valid/") + name + ".yaml");
    EXPECT_EQ(FromProto(ToProto(e)), ProtoView(e));
  }
}

TEST(ExperimentProto, MapsFieldsExactly) {
  const Experiment e = LoadFixture("fixtures/experiments/valid/median-stop.yaml");
  const pb::Experiment p = ToProto(e);
  EXPECT_EQ(p.name(), "median-stop");
  const pb::ExperimentSpec& s = p.spec();
  EXPECT_EQ(s.objective().type(), pb::MAXIMIZE);
  EXPECT_EQ(s.objective().goal(), 0.99);
  EXPECT_EQ(s.objective().objective_metric_name(), "accuracy");
  ASSERT_EQ(s.objective().additional_metric_names_size(), 1);
  EXPECT_EQ(s.algorithm().algorithm_name(), "random");
  EXPECT_EQ(s.early_stopping().algorithm_name(), "medianstop");
  ASSERT_EQ(s.early_stopping().algorithm_settings_size(), 2);
  EXPECT_EQ(s.early_stopping().algorithm_settings(1).name(), "start_step");
  EXPECT_EQ(s.early_stopping().algorithm_settings(1).value(), "2");
  EXPECT_EQ(s.parallel_trial_count(), 3);
  EXPECT_EQ(s.max_trial_count(), 12);
  ASSERT_EQ(s.parameter_specs().parameters_size(), 2);
  const pb::ParameterSpec& lr = s.parameter_specs().parameters(0);
  EXPECT_EQ(lr.name(), "lr");
  EXPECT_EQ(lr.parameter_type(), pb::DOUBLE);
  EXPECT_EQ(lr.feasible_space().min(), "0.01");
  EXPECT_EQ(lr.feasible_space().max(), "0.05");
  EXPECT_EQ(lr.feasible_space().distribution(), pb::UNIFORM);
}

TEST(ExperimentProto, EveryEnumValue) {
  const std::vector<std::pair<std::string, pb::ParameterType>> types = {
      {"double", pb::DOUBLE},
      {"int", pb::INT},
      {"discrete", pb::DISCRETE},
      {"categorical", pb::CATEGORICAL},
      {"", pb::UNKNOWN_TYPE}};
  for (const auto& [name, value] : types) {
    ParameterSpec p;
    p.name = "x";
    p.parameter_type = name;
    EXPECT_EQ(ToProto(p).parameter_type(), value);
    EXPECT_EQ(FromProto(ToProto(p)), p);
  }
  const std::vector<std::pair<std::string, pb::Distribution>> distributions = {
      {"uniform", pb::UNIFORM},
      {"logUniform", pb::LOG_UNIFORM},
      {"normal", pb::NORMAL},
      {"logNormal", pb::LOG_NORMAL},
      {"", pb::DISTRIBUTION_UNSPECIFIED}};
  for (const auto& [name, value] : distributions) {
    ParameterSpec p;
    p.name = "x";
    p.feasible_space.list = {"1", "2"};
    p.feasible_space.distribution = name;
    EXPECT_EQ(ToProto(p).feasible_space().distribution(), value);
    EXPECT_EQ(FromProto(ToProto(p)), p);
  }
}

TEST(ExperimentProto, ProtoRoundTripsThroughTheModel) {
  pb::Experiment p;
  p.set_name("from-katib");
  pb::ExperimentSpec* s = p.mutable_spec();
  s->mutable_objective()->set_type(pb::MINIMIZE);
  s->mutable_objective()->set_goal(0.25);
  s->mutable_objective()->set_objective_metric_name("loss");
  s->mutable_algorithm()->set_algorithm_name("grid");
  auto* setting = s->mutable_algorithm()->add_algorithm_settings();
  setting->set_name("random_state");
  setting->set_value("3");
  s->set_parallel_trial_count(2);
  s->set_max_trial_count(9);
  pb::ParameterSpec* param = s->mutable_parameter_specs()->add_parameters();
  param->set_name("units");
  param->set_parameter_type(pb::INT);
  param->mutable_feasible_space()->set_min("8");
  param->mutable_feasible_space()->set_max("64");
  param->mutable_feasible_space()->set_step("8");
  param->mutable_feasible_space()->set_distribution(pb::LOG_UNIFORM);
  EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(ToProto(FromProto(p)), p))
      << ToProto(FromProto(p)).DebugString();
}

TEST(ExperimentProto, OutOfRangeEnumsBecomeUnknown) {
  pb::ParameterSpec p;
  p.set_parameter_type(static_cast<pb::ParameterType>(42));
  p.mutable_feasible_space()->set_distribution(static_cast<pb::Distribution>(-1));
  const ParameterSpec m = FromProto(p);
  EXPECT_EQ(m.parameter_type, "");
  EXPECT_EQ(m.feasible_space.distribution, "");
}

}  // namespace
}  // namespace hpsearch::api
