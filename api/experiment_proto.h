// Conversion between the Experiment model and Katib's gRPC message
// api.v1.beta1.Experiment, which carries what suggestion services see: the
// name, parameter specs, objective, algorithm, early stopping and the
// parallel/max trial counts (the other fields have no place in it).
//
// Strings go across unchanged; enum fields map Katib's spellings to the proto
// enums and back, anything unknown to UNKNOWN / DISTRIBUTION_UNSPECIFIED
// (and back to ""). proto3 cannot tell an unset goal or count from zero, so
// a zero goal or count in the proto becomes "not set" in the model; a
// validated Experiment never has zero counts, and a goal of exactly 0 is the
// one value that does not survive the round trip.
#pragma once

#include "api/experiment.h"
#include "katib/v1beta1/api.pb.h"

namespace hpsearch::api {

::api::v1::beta1::Experiment ToProto(const Experiment& experiment);
Experiment FromProto(const ::api::v1::beta1::Experiment& proto);

// The parts, for callers that hold only a spec (e.g. a GetSuggestionsRequest).
::api::v1::beta1::ParameterSpec ToProto(const ParameterSpec& parameter);
ParameterSpec FromProto(const ::api::v1::beta1::ParameterSpec& proto);

}  // namespace hpsearch::api
