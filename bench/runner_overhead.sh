#!/usr/bin/env bash
# Engine overhead of `hpsearch run`: N trivial trials run back to back, so
# the wall time per trial is almost all engine and operating system:
# launching, reading the output, recording start, metrics and end durably in
# the store. Prints, per parallelTrialCount, wall time per trial, the
# engine's own CPU (trials excluded) and its per-trial latencies (p50/p99:
# launch to started, launch to first line, exit to recorded, exit to
# durable), which `hpsearch run` reports at the end of every run and in
# summary.json. First, the disk's latency for a 4 KiB write + fdatasync,
# which bounds "exit to durable".
#
#   bench/runner_overhead.sh [BUILD_DIR] [TRIALS] [PARALLEL...]
#
# TRIAL_SECONDS=S makes each trial sleep S seconds before printing (through
# /bin/sh), for the engine's CPU share with trials that take some time.
# TRIAL_PYTHON=1 makes each trial a one-line Python program (/usr/bin/python3
# printing the metric), the smallest trial most users would write.
#
# Each run gets a fresh workdir, never deleted between runs: on ext4 without
# a journal (this VM), creating files right after deleting many costs far
# more kernel time (inodes deleted in the last 5 s, or 305 s while their
# inode table block is dirty, are skipped one by one). They go in a
# temporary folder deleted at the end, or in BENCH_TMP (kept), so that runs
# from several invocations can be compared without deletions in between.
set -euo pipefail
build=${1:-build}
trials=${2:-1000}
shift 2 2>/dev/null || true
parallels=("${@:-1 4}")
hpsearch=$(realpath "$build/bin/hpsearch")
if [[ -n "${BENCH_TMP:-}" ]]; then
  tmp=$(mktemp -d -p "$BENCH_TMP")
else
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
fi

if [[ -n "${TRIAL_PYTHON:-}" ]]; then
  command="[/usr/bin/python3, -c, \"print('loss=\${trialParameters.x}')\"]"
elif [[ -n "${TRIAL_SECONDS:-}" ]]; then
  command="[/bin/sh, -c, \"sleep $TRIAL_SECONDS; echo loss=\${trialParameters.x}\"]"
else
  command="[/bin/echo, \"loss=\${trialParameters.x}\"]"
fi

probe_start=$(date +%s.%N)
dd if=/dev/zero of="$tmp/probe" bs=4k count=200 oflag=dsync status=none
probe_end=$(date +%s.%N)
awk -v s="$probe_start" -v e="$probe_end" 'BEGIN {
  printf "disk: %.2f ms per 4 KiB write + fdatasync\n", 1000 * (e - s) / 200 }'

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
                command: $command
            restartPolicy: Never
YAML
  work="$tmp/work-$parallel"
  start=$(date +%s.%N)
  "$hpsearch" run "$tmp/echo.yaml" --workdir "$work" >/dev/null 2>"$tmp/err"
  end=$(date +%s.%N)
  cpu_line=$(grep -o "engine CPU.*" "$tmp/err")
  overhead_line=$(grep -o "engine overhead.*" "$tmp/err" || true)
  awk -v s="$start" -v e="$end" -v n="$trials" -v p="$parallel" -v cpu="$cpu_line" -v o="$overhead_line" 'BEGIN {
    split(cpu, word, " ")  # engine CPU <seconds> s over ...
    printf "parallel %d: %d trials in %.2f s = %.2f ms per trial; %s = %.2f ms per trial\n  %s\n",
      p, n, e - s, 1000 * (e - s) / n, cpu, 1000 * word[3] / n, o }'
done
