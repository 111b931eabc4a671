// Parsing an Experiment from YAML text into the model, with positions.
//
// This is the structural half of loading: YAML syntax, the Experiment
// documents (other objects are skipped), YAML merge keys, field
// types (a mapping where a mapping belongs, a list of strings where one
// belongs, integers for counts, ...), apiVersion/kind, and the extraction of
// containers and ${...} strings from the free-form trialSpec. Semantic rules
// live in api/experiment_validation.h; most callers want both and should use
// api/experiment_loader.h.
//
// Fields the Experiment type does not have are reported as warnings: Katib's
// CRD keeps unknown fields and its controller ignores them, which usually
// hides a typo. The free-form trialSpec, metadata and status are exempt,
// except a batch/v1 Job trialSpec, which Katib's webhook converts to
// Kubernetes' Job: there an unknown field or a value of the wrong shape, from
// the Job down to its containers, is an error, as Katib refuses it.
//
// Katib's webhook decodes the Experiment into Go types, so a scalar of the
// wrong JSON type (`min: 0.01` unquoted, a number for a string field;
// `maxTrialCount: "12"`, a string for a number) makes it refuse the
// experiment. hpsearch reads either and warns.
#pragma once

#include <string_view>
#include <vector>

#include "api/diagnostic.h"
#include "api/experiment.h"

namespace hpsearch::api {

struct ParsedExperiment {
  Experiment experiment;                // whatever could be read, even when there are errors
  std::vector<Diagnostic> diagnostics;  // positioned
  SourceMap source_map;                 // every field read, by field path
  // False when the text is not usable YAML (syntax error, no Experiment or,
  // for ParseExperimentYaml, several; a root that is not a mapping, a
  // document too large).
  bool structurally_usable = false;
};

// The file's one Experiment; more than one is an error naming them.
ParsedExperiment ParseExperimentYaml(std::string_view text);

// Each Experiment of a file, as ParseExperimentYaml reads a lone one (the
// warnings about other objects skipped come with the first). When the file
// as a whole cannot be read (syntax, no Experiment), a single result that
// is not structurally usable says why.
std::vector<ParsedExperiment> ParseExperimentsYaml(std::string_view text);

inline constexpr std::string_view kExperimentApiVersion = "kubeflow.org/v1beta1";
inline constexpr std::string_view kExperimentKind = "Experiment";

}  // namespace hpsearch::api
