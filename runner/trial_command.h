// Turning an Experiment's trial template into one trial's command line.
//
// Katib substitutes `${trialParameters.X}` placeholders in the trialSpec
// with each trial's values: a trial parameter whose reference names an
// experiment parameter takes that parameter's assignment, and one whose
// reference is `${trialSpec.Name}` (Namespace, Kind, APIVersion,
// Labels[key], Annotations[key]) takes the trial's metadata. hpsearch does
// the same on the primary container's command and args, value by value, so
// a value reaches the trial verbatim as (part of) one argv element, whatever
// quotes, spaces or shell syntax it holds.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "api/experiment.h"

namespace hpsearch::runner {

// One trial's identity and parameter assignments (name -> value).
struct TrialIdentity {
  std::string name;
  std::string namespace_;
  std::map<std::string, std::string> assignments;
};

// The primary container's command, args and literal env for one trial.
struct TrialCommand {
  std::vector<std::string> argv;  // argv[0] not yet resolved to a path
  std::vector<api::NameValue> env;
};

// The value of every trial parameter for `trial`. Fails with
// INVALID_ARGUMENT naming the reference that cannot be resolved.
absl::StatusOr<std::map<std::string, std::string>> TrialParameterValues(
    const api::TrialTemplate& trial_template, const TrialIdentity& trial);

// Replaces each `${trialParameters.X}` in `text` with values[X]. Fails with
// INVALID_ARGUMENT naming an undefined X.
absl::StatusOr<std::string> SubstituteTrialParameters(
    std::string_view text, const std::map<std::string, std::string>& values);

// Kubernetes' expansion of a container's command, args and env values:
// $(NAME) becomes the value of `variables`' NAME, and stays as written when
// there is none; $$ is a $ (so $$(NAME) stays "$(NAME)").
std::string ExpandContainerVariables(std::string_view text, const std::map<std::string, std::string>& variables);

// The primary container's command followed by its args, and its env, with
// every placeholder substituted. $(NAME) references to the container's env
// are expanded as Kubernetes would, in the template's own text: a
// parameter's value arrives verbatim, whatever it holds. Fails when the experiment has no trial
// template, no primary container or an empty command line.
absl::StatusOr<TrialCommand> BuildTrialCommand(const api::Experiment& experiment,
                                               const TrialIdentity& trial);

}  // namespace hpsearch::runner
