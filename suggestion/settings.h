// Algorithm settings: a declarative schema per algorithm and its parser.
//
// Each algorithm lists its settings once as SettingSpec rows (name, type,
// default, bounds or choices, doc); parsing, validation messages and the
// documentation table all follow from those rows, so a setting cannot be
// accepted by one and unknown to another.
//
// Example:
//   constexpr SettingSpec kSettings[] = {
//       {.name = "random_state", .type = SettingType::kInt, .min = 0,
//        .doc = "Seed of the random generator."}};
//   absl::StatusOr<Settings> settings =
//       Settings::Parse("random", kSettings, spec.algorithm().algorithm_settings());
//   std::optional<int64_t> seed = settings->GetInt("random_state");
#pragma once

#include <cstdint>
#include <limits>
#include <optional>
#include <span>
#include <string>
#include <variant>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "katib/v1beta1/api.pb.h"

namespace hpsearch::suggestion {

enum class SettingType { kInt, kDouble, kChoice };

struct SettingSpec {
  absl::string_view name = {};
  SettingType type = SettingType::kInt;
  // Value used when the experiment does not set it; empty means none, and
  // the algorithm sees the setting as absent.
  absl::string_view default_value = {};
  // Inclusive bounds of kInt and kDouble settings.
  double min = -std::numeric_limits<double>::infinity();
  double max = std::numeric_limits<double>::infinity();
  // Allowed values of a kChoice setting.
  std::span<const absl::string_view> choices = {};
  absl::string_view doc = {};
  // Katib's own message for a value of the right kind that the setting
  // refuses (out of bounds, not a choice), $0 standing for the value, which
  // users search for; empty where Katib has none.
  absl::string_view katib_refusal = {};
};

// Renders a spec's type, bounds or choices for messages and documentation,
// e.g. "integer >= 0" or "one of GP, RF".
std::string DescribeSettingType(const SettingSpec& spec);

class Settings {
 public:
  using Value = std::variant<int64_t, double, std::string>;

  // Parses the experiment's settings against `schema`. Errors
  // (INVALID_ARGUMENT): "unknown setting X for algorithm Y", "failed to
  // validate X(V): must be <type>" for a value of the wrong kind, and the
  // spec's katib_refusal (with "(it must be one of ...)" for a choice) for
  // one it refuses. A repeated
  // name takes its last value, as Katib's services do.
  static absl::StatusOr<Settings> Parse(
      absl::string_view algorithm, std::span<const SettingSpec> schema,
      const google::protobuf::RepeatedPtrField<::api::v1::beta1::AlgorithmSetting>&
          settings);

  // The value given or defaulted; nullopt when absent or of another type.
  std::optional<int64_t> GetInt(absl::string_view name) const;
  std::optional<double> GetDouble(absl::string_view name) const;
  std::optional<std::string> GetChoice(absl::string_view name) const;

 private:
  absl::flat_hash_map<std::string, Value> values_;
};

}  // namespace hpsearch::suggestion
