#include "suggestion/settings.h"

#include <fstream>
#include <sstream>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "suggestion/algorithm.h"
#include "suggestion/suggest.h"
#include "tests/suggestion/test_util.h"

namespace hpsearch::suggestion {
namespace {

using ::testing::HasSubstr;
namespace pb = ::api::v1::beta1;

constexpr absl::string_view kKernels[] = {"GP", "RF"};
constexpr SettingSpec kSchema[] = {
    {.name = "seed", .type = SettingType::kInt, .min = 0},
    {.name = "xi", .type = SettingType::kDouble, .default_value = "0.5", .min = 0, .max = 1},
    {.name = "kernel", .type = SettingType::kChoice, .default_value = "GP", .choices = kKernels},
};

absl::StatusOr<Settings> Parse(const std::string& text) {
  return Settings::Parse("algo", kSchema, testing::ParseText<pb::AlgorithmSpec>(text).algorithm_settings());
}

TEST(SettingsTest, AppliesDefaultsAndValues) {
  absl::StatusOr<Settings> settings = Parse("");
  ASSERT_TRUE(settings.ok());
  EXPECT_FALSE(settings->GetInt("seed"));
  EXPECT_EQ(settings->GetDouble("xi"), 0.5);
  EXPECT_EQ(settings->GetChoice("kernel"), "GP");

  settings = Parse(R"pb(algorithm_settings { name: "seed" value: "7" }
                        algorithm_settings { name: "kernel" value: "RF" }
                        algorithm_settings { name: "seed" value: "9" })pb");
  ASSERT_TRUE(settings.ok()) << settings.status();
  EXPECT_EQ(settings->GetInt("seed"), 9);
  EXPECT_EQ(settings->GetChoice("kernel"), "RF");
}

TEST(SettingsTest, RejectsUnknownNamesAndBadValues) {
  auto error = [](const std::string& text) {
    absl::StatusOr<Settings> settings = Parse(text);
    EXPECT_EQ(settings.status().code(), absl::StatusCode::kInvalidArgument) << text;
    return std::string(settings.status().message());
  };
  EXPECT_EQ(error("algorithm_settings { name: 'foo' value: '1' }"),
            "unknown setting foo for algorithm algo");
  EXPECT_EQ(error("algorithm_settings { name: 'seed' value: '-1' }"),
            "failed to validate seed(-1): must be an integer >= 0");
  EXPECT_EQ(error("algorithm_settings { name: 'seed' value: 'abc' }"),
            "failed to validate seed(abc): must be an integer >= 0");
  EXPECT_EQ(error("algorithm_settings { name: 'seed' value: '1.5' }"),
            "failed to validate seed(1.5): must be an integer >= 0");
  EXPECT_EQ(error("algorithm_settings { name: 'xi' value: '2' }"),
            "failed to validate xi(2): must be a number >= 0.0 and <= 1.0");
  EXPECT_EQ(error("algorithm_settings { name: 'kernel' value: 'SVM' }"),
            "failed to validate kernel(SVM): must be one of GP, RF");
}

TEST(SettingsTest, EveryRegisteredDefaultParses) {
  for (const AlgorithmDefinition& algorithm : Algorithms()) {
    for (const SettingSpec& spec : algorithm.settings) {
      if (spec.default_value.empty()) continue;
      pb::AlgorithmSpec explicit_default;
      auto* setting = explicit_default.add_algorithm_settings();
      setting->set_name(std::string(spec.name));
      setting->set_value(std::string(spec.default_value));
      EXPECT_TRUE(Settings::Parse(algorithm.name, algorithm.settings,
                                  explicit_default.algorithm_settings())
                      .ok())
          << algorithm.name << "." << spec.name;
    }
  }
}

TEST(SettingsTest, DocsEmbedTheGeneratedTable) {
  std::ifstream file(std::string(HPSEARCH_SOURCE_DIR) + "/docs/suggestion-service.md");
  std::stringstream docs;
  docs << file.rdbuf();
  EXPECT_THAT(docs.str(), HasSubstr(AlgorithmSettingsTable()))
      << "update docs/suggestion-service.md with `hpsearch serve --list-algorithms`";
}

pb::Experiment Experiment(const std::string& algorithm_text) {
  return testing::ParseText<pb::Experiment>(R"pb(
    name: "e"
    spec {
      parameter_specs {
        parameters { name: "lr" parameter_type: DOUBLE feasible_space { min: "0.01" max: "0.03" step: "0.01" } }
        parameters { name: "n" parameter_type: INT feasible_space { min: "1" max: "4" } }
      }
      max_trial_count: 12
      algorithm { )pb" + algorithm_text + "}}");
}

TEST(ValidateSettingsTest, AcceptsRandomAndGrid) {
  EXPECT_TRUE(ValidateSettings(Experiment("algorithm_name: 'random'")).ok());
  EXPECT_TRUE(ValidateSettings(Experiment(
      "algorithm_name: 'random' algorithm_settings { name: 'random_state' value: '10' }")).ok());
  EXPECT_TRUE(ValidateSettings(Experiment(
      "algorithm_name: 'grid' algorithm_settings { name: 'random_state' value: '0' }")).ok());
}

TEST(ValidateSettingsTest, RejectsWithKatibWording) {
  auto message = [](const pb::Experiment& experiment) {
    absl::Status status = ValidateSettings(experiment);
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
    return std::string(status.message());
  };
  EXPECT_THAT(message(Experiment("algorithm_name: 'hyperband'")),
              HasSubstr("unknown algorithm name hyperband"));
  EXPECT_THAT(message(Experiment("")), HasSubstr("unknown algorithm name \"\""));
  EXPECT_EQ(message(Experiment("algorithm_name: 'random' algorithm_settings { name: 'gamma' value: '1' }")),
            "unknown setting gamma for algorithm random");
  EXPECT_EQ(message(Experiment("algorithm_name: 'grid' algorithm_settings { name: 'random_state' value: '-3' }")),
            "failed to validate random_state(-3): must be an integer >= 0");

  pb::Experiment too_many = Experiment("algorithm_name: 'grid'");
  too_many.mutable_spec()->set_max_trial_count(13);
  EXPECT_EQ(message(too_many), "Max Trial Count: 13 > all possible search combinations: 12");

  pb::Experiment no_step = Experiment("algorithm_name: 'grid'");
  no_step.mutable_spec()->mutable_parameter_specs()->mutable_parameters(0)
      ->mutable_feasible_space()->clear_step();
  EXPECT_EQ(message(no_step),
            "Param lr step is nil; For discrete search space, all parameters must include step");
  // Random needs no step.
  no_step.mutable_spec()->mutable_algorithm()->set_algorithm_name("random");
  EXPECT_TRUE(ValidateSettings(no_step).ok());

  pb::Experiment bad_space = Experiment("algorithm_name: 'random'");
  bad_space.mutable_spec()->mutable_parameter_specs()->mutable_parameters(1)
      ->mutable_feasible_space()->set_max("0");
  EXPECT_THAT(message(bad_space), HasSubstr("parameter n: feasibleSpace.min (1) must not be greater"));
}

}  // namespace
}  // namespace hpsearch::suggestion
