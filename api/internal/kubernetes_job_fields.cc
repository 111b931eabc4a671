#include "api/internal/kubernetes_job_fields.h"

namespace hpsearch::api::internal {
namespace {

using enum Shape;
using enum Scalar;
using enum Empty;

// core/v1 Container.
constexpr KubernetesField kContainerFields[] = {
    {"name", kScalar, kString},
    {"image", kScalar, kString, kDropped},
    {"command", kList, kString, kDropped},
    {"args", kList, kString, kDropped},
    {"workingDir", kScalar, kString, kDropped},
    {"ports", kList, kAny, kDropped},
    {"envFrom", kList, kAny, kDropped},
    {"env", kList, kAny, kDropped},
    {"resources", kMapping},
    {"resizePolicy", kList, kAny, kDropped},
    {"restartPolicy", kScalar, kString},
    {"restartPolicyRules", kList, kAny, kDropped},
    {"volumeMounts", kList, kAny, kDropped},
    {"volumeDevices", kList, kAny, kDropped},
    {"livenessProbe", kMapping},
    {"readinessProbe", kMapping},
    {"startupProbe", kMapping},
    {"lifecycle", kMapping},
    {"terminationMessagePath", kScalar, kString, kDropped},
    {"terminationMessagePolicy", kScalar, kString, kDropped},
    {"imagePullPolicy", kScalar, kString, kDropped},
    {"securityContext", kMapping},
    {"stdin", kScalar, kBoolean, kDropped},
    {"stdinOnce", kScalar, kBoolean, kDropped},
    {"tty", kScalar, kBoolean, kDropped},
};
constexpr KubernetesType kContainer{"Container", kContainerFields};

// core/v1 PodSpec.
constexpr KubernetesField kPodSpecFields[] = {
    {"volumes", kList, kAny, kDropped},
    {"initContainers", kList, kAny, kDropped, &kContainer},
    {"containers", kList, kAny, kKept, &kContainer},
    {"ephemeralContainers", kList, kAny, kDropped},
    {"restartPolicy", kScalar, kString, kDropped},
    {"terminationGracePeriodSeconds", kScalar, kInteger},
    {"activeDeadlineSeconds", kScalar, kInteger},
    {"dnsPolicy", kScalar, kString, kDropped},
    {"nodeSelector", kMapping, kString, kDropped},
    {"serviceAccountName", kScalar, kString, kDropped},
    {"serviceAccount", kScalar, kString, kDropped},
    {"automountServiceAccountToken", kScalar, kBoolean},
    {"nodeName", kScalar, kString, kDropped},
    {"hostNetwork", kScalar, kBoolean, kDropped},
    {"hostPID", kScalar, kBoolean, kDropped},
    {"hostIPC", kScalar, kBoolean, kDropped},
    {"shareProcessNamespace", kScalar, kBoolean},
    {"securityContext", kMapping},
    {"imagePullSecrets", kList, kAny, kDropped},
    {"hostname", kScalar, kString, kDropped},
    {"subdomain", kScalar, kString, kDropped},
    {"affinity", kMapping},
    {"schedulerName", kScalar, kString, kDropped},
    {"tolerations", kList, kAny, kDropped},
    {"hostAliases", kList, kAny, kDropped},
    {"priorityClassName", kScalar, kString, kDropped},
    {"priority", kScalar, kInteger},
    {"dnsConfig", kMapping},
    {"readinessGates", kList, kAny, kDropped},
    {"runtimeClassName", kScalar, kString},
    {"enableServiceLinks", kScalar, kBoolean},
    {"preemptionPolicy", kScalar, kString},
    {"overhead", kMapping, kAny, kDropped},
    {"topologySpreadConstraints", kList, kAny, kDropped},
    {"setHostnameAsFQDN", kScalar, kBoolean},
    {"os", kMapping},
    {"hostUsers", kScalar, kBoolean},
    {"schedulingGates", kList, kAny, kDropped},
    {"resourceClaims", kList, kAny, kDropped},
    {"resources", kMapping},
    {"hostnameOverride", kScalar, kString},
    {"schedulingGroup", kMapping},
    {"evictionResponders", kList, kAny, kDropped},
};
constexpr KubernetesType kPodSpec{"PodSpec", kPodSpecFields};

// core/v1 PodTemplateSpec.
constexpr KubernetesField kPodTemplateSpecFields[] = {
    {"metadata", kMapping},
    {"spec", kMapping, kAny, kKept, &kPodSpec},
};
constexpr KubernetesType kPodTemplateSpec{"PodTemplateSpec", kPodTemplateSpecFields};

// batch/v1 JobSpec.
constexpr KubernetesField kJobSpecFields[] = {
    {"parallelism", kScalar, kInteger},
    {"completions", kScalar, kInteger},
    {"activeDeadlineSeconds", kScalar, kInteger},
    {"podFailurePolicy", kMapping},
    {"successPolicy", kMapping},
    {"backoffLimit", kScalar, kInteger},
    {"backoffLimitPerIndex", kScalar, kInteger},
    {"maxFailedIndexes", kScalar, kInteger},
    {"selector", kMapping},
    {"manualSelector", kScalar, kBoolean},
    {"template", kMapping, kAny, kKept, &kPodTemplateSpec},
    {"ttlSecondsAfterFinished", kScalar, kInteger},
    {"completionMode", kScalar, kString},
    {"suspend", kScalar, kBoolean},
    {"podReplacementPolicy", kScalar, kString},
    {"managedBy", kScalar, kString},
    {"scheduling", kMapping},
};
constexpr KubernetesType kJobSpec{"JobSpec", kJobSpecFields};

// batch/v1 Job, with its inlined TypeMeta.
constexpr KubernetesField kJobFields[] = {
    {"apiVersion", kScalar, kString},
    {"kind", kScalar, kString},
    {"metadata", kMapping},
    {"spec", kMapping, kAny, kKept, &kJobSpec},
    {"status", kMapping},
};
constexpr KubernetesType kJob{"Job", kJobFields};

}  // namespace

const KubernetesField* KubernetesType::Find(std::string_view field_name) const {
  for (const KubernetesField& field : fields) {
    if (field.name == field_name) return &field;
  }
  return nullptr;
}

const KubernetesType& BatchV1Job() { return kJob; }

}  // namespace hpsearch::api::internal
