#include "api/internal/kubernetes_job_fields.h"

namespace hpsearch::api::internal {
namespace {

using enum Shape;

// core/v1 Container.
constexpr KubernetesField kContainerFields[] = {
    {"name", kScalar},
    {"image", kScalar},
    {"command", kList},
    {"args", kList},
    {"workingDir", kScalar},
    {"ports", kList},
    {"envFrom", kList},
    {"env", kList},
    {"resources", kMapping},
    {"resizePolicy", kList},
    {"restartPolicy", kScalar},
    {"restartPolicyRules", kList},
    {"volumeMounts", kList},
    {"volumeDevices", kList},
    {"livenessProbe", kMapping},
    {"readinessProbe", kMapping},
    {"startupProbe", kMapping},
    {"lifecycle", kMapping},
    {"terminationMessagePath", kScalar},
    {"terminationMessagePolicy", kScalar},
    {"imagePullPolicy", kScalar},
    {"securityContext", kMapping},
    {"stdin", kScalar},
    {"stdinOnce", kScalar},
    {"tty", kScalar},
};
constexpr KubernetesType kContainer{"Container", kContainerFields};

// core/v1 PodSpec.
constexpr KubernetesField kPodSpecFields[] = {
    {"volumes", kList},
    {"initContainers", kList, &kContainer},
    {"containers", kList, &kContainer},
    {"ephemeralContainers", kList},
    {"restartPolicy", kScalar},
    {"terminationGracePeriodSeconds", kScalar},
    {"activeDeadlineSeconds", kScalar},
    {"dnsPolicy", kScalar},
    {"nodeSelector", kMapping},
    {"serviceAccountName", kScalar},
    {"serviceAccount", kScalar},
    {"automountServiceAccountToken", kScalar},
    {"nodeName", kScalar},
    {"hostNetwork", kScalar},
    {"hostPID", kScalar},
    {"hostIPC", kScalar},
    {"shareProcessNamespace", kScalar},
    {"securityContext", kMapping},
    {"imagePullSecrets", kList},
    {"hostname", kScalar},
    {"subdomain", kScalar},
    {"affinity", kMapping},
    {"schedulerName", kScalar},
    {"tolerations", kList},
    {"hostAliases", kList},
    {"priorityClassName", kScalar},
    {"priority", kScalar},
    {"dnsConfig", kMapping},
    {"readinessGates", kList},
    {"runtimeClassName", kScalar},
    {"enableServiceLinks", kScalar},
    {"preemptionPolicy", kScalar},
    {"overhead", kMapping},
    {"topologySpreadConstraints", kList},
    {"setHostnameAsFQDN", kScalar},
    {"os", kMapping},
    {"hostUsers", kScalar},
    {"schedulingGates", kList},
    {"resourceClaims", kList},
    {"resources", kMapping},
    {"hostnameOverride", kScalar},
    {"schedulingGroup", kMapping},
    {"evictionResponders", kList},
};
constexpr KubernetesType kPodSpec{"PodSpec", kPodSpecFields};

// core/v1 PodTemplateSpec.
constexpr KubernetesField kPodTemplateSpecFields[] = {
    {"metadata", kMapping},
    {"spec", kMapping, &kPodSpec},
};
constexpr KubernetesType kPodTemplateSpec{"PodTemplateSpec", kPodTemplateSpecFields};

// batch/v1 JobSpec.
constexpr KubernetesField kJobSpecFields[] = {
    {"parallelism", kScalar},
    {"completions", kScalar},
    {"activeDeadlineSeconds", kScalar},
    {"podFailurePolicy", kMapping},
    {"successPolicy", kMapping},
    {"backoffLimit", kScalar},
    {"backoffLimitPerIndex", kScalar},
    {"maxFailedIndexes", kScalar},
    {"selector", kMapping},
    {"manualSelector", kScalar},
    {"template", kMapping, &kPodTemplateSpec},
    {"ttlSecondsAfterFinished", kScalar},
    {"completionMode", kScalar},
    {"suspend", kScalar},
    {"podReplacementPolicy", kScalar},
    {"managedBy", kScalar},
    {"scheduling", kMapping},
};
constexpr KubernetesType kJobSpec{"JobSpec", kJobSpecFields};

// batch/v1 Job, with its inlined TypeMeta.
constexpr KubernetesField kJobFields[] = {
    {"apiVersion", kScalar},
    {"kind", kScalar},
    {"metadata", kMapping},
    {"spec", kMapping, &kJobSpec},
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
