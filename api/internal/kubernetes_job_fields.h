// The fields of Kubernetes' batch/v1 Job, from the Job down to its
// containers, by JSON name, with the shape each value must have, for
// scalars their JSON type, and whether an empty value survives conversion.
// Katib's webhook converts a batch/v1 Job trial spec into this typed Job and
// refuses the experiment when a value does not convert or a field is
// dropped.
//
// Taken from k8s.io/api batch/v1/types.go and core/v1/types.go as of
// 2026-07-24 (commit 10b39a39bcee), alpha fields included, so that no field
// a cluster may know is refused.
#pragma once

#include <span>
#include <string_view>

namespace hpsearch::api::internal {

// What a JSON value must be to convert: a struct or map, a slice, or a
// string, number or bool.
enum class Shape { kMapping, kList, kScalar };

// The JSON type of a scalar field, or of each item of a []string or value of
// a map[string]string; kAny where it is not checked (structs).
enum class Scalar { kAny, kString, kInteger, kBoolean };

// Whether converting to the typed Job keeps a field's empty value ("",
// false, [] or {}): kDropped for a non-pointer string, bool, slice or map
// with `omitempty`, which Go's JSON encoding leaves out, so Katib's webhook
// sees the field vanish; kKept for pointers, structs and fields without
// `omitempty`. (No integer field of these types is a non-pointer omitempty.)
enum class Empty { kKept, kDropped };

struct KubernetesType;

struct KubernetesField {
  std::string_view name;
  Shape shape;
  Scalar scalar = Scalar::kAny;
  Empty empty = Empty::kKept;
  // The type of the mapping, or of each item of the list, whose fields are
  // checked in turn; null where they are not.
  const KubernetesType* type = nullptr;
};

struct KubernetesType {
  std::string_view name;  // Kubernetes' Go type: "Job", "PodSpec", ...
  std::span<const KubernetesField> fields;

  // Null when the type has no field of that name.
  const KubernetesField* Find(std::string_view field_name) const;
};

const KubernetesType& BatchV1Job();

}  // namespace hpsearch::api::internal
