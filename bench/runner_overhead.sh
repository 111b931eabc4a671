#!/usr/bin/env bash
# Engine overhead of `hpsearch run`: N trivial trials (/bin/echo printing the
# objective) run back to back, so the wall time per trial is almost all
# engine: launching, reading the output, recording start, metrics and end
# durably in the store. Also reports the engine's own CPU use.
#
#   bench/runner_overhead.sh [BUILD_DIR] [TRIALS] [PARALLEL...]
set -euo pipefail
build=${1:-build}
trials=${2:-1000}
shift 2 2>/dev/null || true
parallels=("${@:-1 4}")
hpsearch=$(realpath "$build/bin/hpsearch")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

for parallel in ${parallels[*]}; do
  cat > "$tmp/echo.yaml" <<YAML
apiVersion: kubeflow.org/v1beta1
kind: Experiment
metadata:
  name: overhead
spec:
  objective: {type: minimize, objectiveMetricName: loss}
  algorithm: {algorithmName: random}
  parallelTrialCount: $parallel
  maxTrialCount: $trials
  parameters:
    - {name: x, parameterType: double, feasibleSpace: {min: "0", max: "1"}}
  trialTemplate:
    primaryContainerName: main
    trialParameters: [{name: x, reference: x}]
    trialSpec:
      apiVersion: batch/v1
      kind: Job
      spec:
        template:
          spec:
            containers:
              - name: main
                image: busybox
                command: [/bin/echo, "loss=\${trialParameters.x}"]
            restartPolicy: Never
YAML
  rm -rf "$tmp/work"
  start=$(date +%s.%N)
  "$hpsearch" run "$tmp/echo.yaml" --workdir "$tmp/work" >/dev/null 2>"$tmp/err"
  end=$(date +%s.%N)
  cpu_line=$(grep -o "engine CPU.*" "$tmp/err")
  overhead_line=$(grep -o "engine overhead.*" "$tmp/err" || true)
  awk -v s="$start" -v e="$end" -v n="$trials" -v p="$parallel" -v cpu="$cpu_line" -v o="$overhead_line" 'BEGIN {
    printf "parallel %d: %d trials in %.2f s = %.2f ms per trial; %s\n  %s\n", p, n, e - s, 1000 * (e - s) / n, cpu, o }'
done
