#include "runner/trial_command.h"

#include <yaml-cpp/yaml.h>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace hpsearch::runner {
namespace {

constexpr std::string_view kParameterPrefix = "${trialParameters.";
constexpr std::string_view kMetadataPrefix = "${trialSpec.";

// metadata.labels[key] or metadata.annotations[key] of the trialSpec.
absl::StatusOr<std::string> TrialSpecMetadataEntry(const api::TrialSpec& spec,
                                                   std::string_view field,
                                                   const std::string& key,
                                                   const std::string& reference) {
  try {
    YAML::Node value = YAML::Load(spec.yaml)["metadata"][std::string(field)][key];
    if (value && value.IsScalar()) return value.Scalar();
  } catch (const YAML::Exception&) {
    // The loader has parsed this text before; fall through to the error.
  }
  return absl::InvalidArgumentError(absl::StrCat("illegal reference of trial metadata: ",
                                                 reference, "; the trialSpec has no ",
                                                 std::string(field), " entry ", key));
}

absl::StatusOr<std::string> MetadataValue(const api::TrialTemplate& trial_template,
                                          const TrialIdentity& trial,
                                          const std::string& reference) {
  std::string key = reference.substr(kMetadataPrefix.size(),
                                     reference.size() - kMetadataPrefix.size() - 1);
  static const api::TrialSpec kEmptySpec;
  const api::TrialSpec& spec = trial_template.trial_spec ? *trial_template.trial_spec : kEmptySpec;
  if (key == "Name") return trial.name;
  if (key == "Namespace") return trial.namespace_;
  if (key == "Kind") return spec.kind;
  if (key == "APIVersion") return spec.api_version;
  static constexpr std::pair<std::string_view, std::string_view> kIndexed[] = {
      {"Labels[", "labels"}, {"Annotations[", "annotations"}};
  for (auto [prefix, field] : kIndexed) {
    if (key.starts_with(prefix) && key.ends_with(']') && key.size() > prefix.size() + 1) {
      std::string index = key.substr(prefix.size(), key.size() - prefix.size() - 1);
      return TrialSpecMetadataEntry(spec, field, index, reference);
    }
  }
  return absl::InvalidArgumentError(
      absl::StrCat("illegal reference of trial metadata: ", reference));
}

bool IsMetadataReference(std::string_view reference) {
  return reference.starts_with(kMetadataPrefix) && reference.ends_with('}') &&
         reference.size() > kMetadataPrefix.size() + 1;
}

}  // namespace

absl::StatusOr<std::map<std::string, std::string>> TrialParameterValues(
    const api::TrialTemplate& trial_template, const TrialIdentity& trial) {
  std::map<std::string, std::string> values;
  for (const api::TrialParameterSpec& parameter : trial_template.trial_parameters) {
    if (IsMetadataReference(parameter.reference)) {
      absl::StatusOr<std::string> value = MetadataValue(trial_template, trial, parameter.reference);
      if (!value.ok()) return value.status();
      values[parameter.name] = *std::move(value);
      continue;
    }
    auto assignment = trial.assignments.find(parameter.reference);
    if (assignment == trial.assignments.end()) {
      return absl::InvalidArgumentError(
          absl::StrCat("trial parameter ", parameter.name, " references ", parameter.reference,
                       ", which trial ", trial.name, " has no assignment for"));
    }
    values[parameter.name] = assignment->second;
  }
  return values;
}

absl::StatusOr<std::string> SubstituteTrialParameters(
    std::string_view text, const std::map<std::string, std::string>& values) {
  std::string out;
  while (true) {
    size_t start = text.find(kParameterPrefix);
    if (start == std::string_view::npos) break;
    size_t end = text.find('}', start + kParameterPrefix.size());
    if (end == std::string_view::npos) break;  // no placeholder, just text
    std::string name(text.substr(start + kParameterPrefix.size(),
                                 end - start - kParameterPrefix.size()));
    auto value = values.find(name);
    if (value == values.end()) {
      return absl::InvalidArgumentError(
          absl::StrCat("${trialParameters.", name, "} is not a defined trial parameter"));
    }
    out.append(text.substr(0, start)).append(value->second);
    text.remove_prefix(end + 1);
  }
  out.append(text);
  return out;
}

std::string ExpandContainerVariables(std::string_view text, const std::map<std::string, std::string>& variables) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '$' || i + 1 == text.size()) {
      out += text[i];
    } else if (text[i + 1] == '$') {
      out += '$';
      ++i;
    } else if (const size_t close = text.find(')', i + 2); text[i + 1] == '(' && close != std::string_view::npos) {
      const std::string name(text.substr(i + 2, close - i - 2));
      auto it = variables.find(name);
      out += it != variables.end() ? it->second : std::string(text.substr(i, close - i + 1));
      i = close;
    } else {
      out += '$';
    }
  }
  return out;
}

absl::StatusOr<TrialCommand> BuildTrialCommand(const api::Experiment& experiment,
                                               const TrialIdentity& trial) {
  const std::optional<api::TrialTemplate>& trial_template = experiment.spec.trial_template;
  if (!trial_template) return absl::InvalidArgumentError("the experiment has no trialTemplate");
  const api::Container* container = trial_template->PrimaryContainer();
  if (container == nullptr) {
    return absl::InvalidArgumentError(absl::StrCat("the trialSpec has no container named ",
                                                   trial_template->primary_container_name));
  }
  // Without a command, Kubernetes passes the args to the image's entrypoint
  // if it has one, which a local run cannot see; without one (many images)
  // the args are the command line, as here.
  if (container->command.empty() && (container->args.empty() || container->args.front().starts_with('-'))) {
    return absl::InvalidArgumentError(absl::StrCat(
        "container ", container->name, " has no command",
        container->args.empty() ? " nor args" : absl::StrCat(" and its args start with a flag (", container->args.front(), ")"),
        ": in a cluster the image's entrypoint would run, which hpsearch run cannot see; "
        "name the program to run in command"));
  }
  absl::StatusOr<std::map<std::string, std::string>> values =
      TrialParameterValues(*trial_template, trial);
  if (!values.ok()) return values.status();

  // Kubernetes expands $(NAME) after Katib has substituted the parameters;
  // expanding the template's text first gives the same result, except that
  // a parameter's value is never read as a reference.
  std::map<std::string, std::string> variables;  // each sees those before it
  TrialCommand command;
  for (const api::NameValue& variable : container->env) {
    std::string expanded = ExpandContainerVariables(variable.value, variables);
    absl::StatusOr<std::string> value = SubstituteTrialParameters(expanded, *values);
    if (!value.ok()) return value.status();
    variables[variable.name] = std::move(expanded);
    command.env.push_back({variable.name, *std::move(value)});
  }
  for (const std::vector<std::string>* part : {&container->command, &container->args}) {
    for (const std::string& word : *part) {
      absl::StatusOr<std::string> substituted =
          SubstituteTrialParameters(ExpandContainerVariables(word, variables), *values);
      if (!substituted.ok()) return substituted.status();
      command.argv.push_back(*std::move(substituted));
    }
  }
  return command;
}

}  // namespace hpsearch::runner
