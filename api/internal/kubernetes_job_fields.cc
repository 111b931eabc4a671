#include "api/internal/kubernetes_job_fields.h"

namespace hpsearch::api::internal {
namespace {

using enum Shape;
using enum Scalar;

// core/v1 Container.
constexpr KubernetesField kContainerFields[] = {
    {"name", kScalar, kString},
    {"image", kScalar, kString},
    {"command", kList, kString},
    {"args", kList, kString},
    {"workingDir", kScalar, kString},
    {"ports", kList},
    {"envFrom", kList},
    {"env", kList},
    {"resources", kMapping},
    {"resizePolicy", kList},
    {"restartPolicy", kScalar, kString},
    {"restartPolicyRules", kList},
    {"volumeMounts", kList},
    {"volumeDevices", kList},
    {"livenessProbe", kMapping},
    {"readinessProbe", kMapping},
    {"startupProbe", kMapping},
    {"lifecycle", kMapping},
    {"terminationMessagePath", kScalar, kString},
    {"terminationMessagePolicy", kScalar, kString},
    {"imagePullPolicy", kScalar, kString},
    {"securityContext", kMapping},
    {"stdin", kScalar, kBoolean},
    {"stdinOnce", kScalar, kBoolean},
    {"tty", kScalar, kBoolean},
};
constexpr KubernetesType kContainer{"Container", kContainerFields};

// core/v1 PodSpec.
constexpr KubernetesField kPodSpecFields[] = {
    {"volumes", kList},
    {"initContainers", kList, kAny, &kContainer},
    {"containers", kList, kAny, &kContainer},
    {"ephemeralContainers", kList},
    {"restartPolicy", kScalar, kString},
    {"terminationGracePeriodSeconds", kScalar, kInteger},
    {"activeDeadlineSeconds", kScalar, kInteger},
    {"dnsPolicy", kScalar, kString},
    {"nodeSelector", kMapping, kString},
    {"serviceAccountName", kScalar, kString},
    {"serviceAccount", kScalar, kString},
    {"automountServiceAccountToken", kScalar, kBoolean},
    {"nodeName", kScalar, kString},
    {"hostNetwork", kScalar, kBoolean},
    {"hostPID", kScalar, kBoolean},
    {"hostIPC", kScalar, kBoolean},
    {"shareProcessNamespace", kScalar, kBoolean},
    {"securityContext", kMapping},
    {"imagePullSecrets", kList},
    {"hostname", kScalar, kString},
    {"subdomain", kScalar, kString},
    {"affinity", kMapping},
    {"schedulerName", kScalar, kString},
    {"tolerations", kList},
    {"hostAliases", kList},
    {"priorityClassName", kScalar, kString},
    {"priority", kScalar, kInteger},
    {"dnsConfig", kMapping},
    {"readinessGates", kList},
    {"runtimeClassName", kScalar, kString},
    {"enableServiceLinks", kScalar, kBoolean},
    {"preemptionPolicy", kScalar, kString},
    {"overhead", kMapping},
    {"topologySpreadConstraints", kList},
    {"setHostnameAsFQDN", kScalar, kBoolean},
    {"os", kMapping},
    {"hostUsers", kScalar, kBoolean},
    {"schedulingGates", kList},
    {"resourceClaims", kList},
    {"resources", kMapping},
    {"hostnameOverride", kScalar, kString},
    {"schedulingGroup", kMapping},
    {"evictionResponders", kList},
};
constexpr KubernetesType kPodSpec{"PodSpec", kPodSpecFields};

// core/v1 PodTemplateSpec.
constexpr KubernetesField kPodTemplateSpecFields[] = {
    {"metadata", kMapping},
    {"spec", kMapping, kAny, &kPodSpec},
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
    {"template", kMapping, kAny, &kPodTemplateSpec},
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
    {"spec", kMapping, kAny, &kJobSpec},
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
