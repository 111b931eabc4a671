#!/usr/bin/env bash
# The GPU checks of shared/ARCHITECTURE.md, on a machine with an NVIDIA GPU,
# CMake, a compiler and PyTorch, from the repository root, with gpu-bundle/
# (scripts/gpu-bundle.sh) beside it. Writes what it saw to OUT_DIR:
# summary.txt (every result), build.log and nvidia-smi samples; the runs'
# workdirs go to $WORK (default /tmp/hpsearch-gpu-check).
#
#   scripts/gpu-check.sh OUT_DIR [STEP...]
#
# Steps (default: all, in this order):
#   build       hpsearch-trial and its tests against PyTorch's LibTorch
#               (build-trial-cuda/)
#   tests       those tests: the training health checks on CPU and CUDA
#   cap         hpsearch-trial's own memory cap: within it trains, past it exits 3
#   share       manifests/examples/gpu-shared.yaml: four trials at 25% each
#   overbudget  bench/gpu_sharing/over-budget.yaml: the 8 GiB trial stopped
#   frameworks  bench/gpu_sharing/framework-caps.yaml: PyTorch and JAX trials
#               refuse allocations past the cap hpsearch gives them
#   throughput  bench/gpu_sharing/throughput.yaml with 1, 2, 4, 8 trials at once
#               (THROUGHPUT_TRIALS and THROUGHPUT_EPOCHS override its counts)
#   mps         the share step under an MPS daemon of its own (--gpu-mps): the
#               trials' memory must still be measured (MPS clients listed);
#               the daemon is stopped afterwards, the GPU's settings untouched
set -uo pipefail
out=${1:?usage: scripts/gpu-check.sh OUT_DIR [STEP...]}
shift
steps=${*:-build tests cap share overbudget frameworks throughput mps}
work=${WORK:-/tmp/hpsearch-gpu-check}
mkdir -p "$out" "$work"
root=$PWD
bundle=$root/gpu-bundle
[[ -x $bundle/bin/hpsearch ]] || { echo "gpu-check: $bundle is missing; run scripts/gpu-bundle.sh first" >&2; exit 1; }
export PATH="$root/build-trial-cuda/bin:$bundle/bin:$PATH"
dev=$bundle/dev
# The tests' libraries from dev/: the loader finds those they load in turn
# (Abseil's own dependencies) only through this path.
dev_libs=$dev/lib/x86_64-linux-gnu
# Where hpsearch-trial looks for the dataset by default.
if [[ ! -e /usr/share/datasets/fashion-mnist ]]; then
  mkdir -p /usr/share/datasets && ln -s "$bundle/fashion-mnist" /usr/share/datasets/fashion-mnist
fi

summary=$out/summary.txt
say() { printf '%s\n' "$*" | tee -a "$summary"; }
section() { say "" "== $* ($(date -u +%H:%M:%S))"; }
# Runs a command, its output into the summary, and says its exit status.
record() {
  say "\$ $*"
  "$@" 2>&1 | tee -a "$summary"
  say "exit ${PIPESTATUS[0]}"
}
# Samples every compute process's GPU memory twice a second into $1 until
# the returned PID is killed.
watch_gpu() {
  nvidia-smi --query-compute-apps=timestamp,pid,process_name,used_memory --format=csv -lms 500 >"$1" 2>&1 &
  echo $!
}

section "machine"
record nvidia-smi
record hpsearch gpus

for step in $steps; do
  case $step in
    build)
      section "build hpsearch-trial and its tests against PyTorch's LibTorch"
      if ! prefix=$(python3 -c 'import torch; print(torch.utils.cmake_prefix_path)'); then
        say "python3 cannot import torch: no LibTorch to build hpsearch-trial against"
        continue
      fi
      say "torch $(python3 -c 'import torch; print(torch.__version__, "CUDA", torch.version.cuda)')"
      PKG_CONFIG_PATH=$dev_libs/pkgconfig cmake -S . -B build-trial-cuda -DHPSEARCH_TRIAL_ONLY=ON \
        -DCMAKE_BUILD_TYPE=Release -DCMAKE_PREFIX_PATH="$prefix;$dev" \
        -DZLIB_INCLUDE_DIR="$dev/include" -DZLIB_LIBRARY="$dev_libs/libz.so" >"$out/build.log" 2>&1 &&
        LD_LIBRARY_PATH=$dev_libs cmake --build build-trial-cuda -j "$(nproc)" >>"$out/build.log" 2>&1
      say "build exit $?"
      grep 'CUDA support' "$out/build.log" | tee -a "$summary"
      ;;
    tests)
      section "hpsearch-trial's tests, its CUDA ones included"
      LD_LIBRARY_PATH=$dev_libs record ctest --test-dir build-trial-cuda --output-on-failure -j 4
      ;;
    cap)
      section "hpsearch-trial caps itself"
      record hpsearch-trial --device cuda --gpu-memory-fraction 0.25 --model cnn --epochs 1 --train-limit 20000
      record hpsearch-trial --device cuda --gpu-memory-fraction 0.001 --model cnn --epochs 1 --train-limit 2000
      HPSEARCH_GPU_MEMORY_FRACTION=0.001 record hpsearch-trial --device cuda --epochs 1 --train-limit 2000
      ;;
    share)
      section "four trials share the GPU at 25% each"
      watcher=$(watch_gpu "$out/share-smi.csv")
      record hpsearch run manifests/examples/gpu-shared.yaml --workdir "$work/share" --force
      kill "$watcher"
      record hpsearch trials --workdir "$work/share"
      say "most memory any one trial process used, MiB: $(awk -F', ' 'NR > 1 {gsub(/ MiB/, "", $4); if ($4 > m) m = $4} END {print m}' "$out/share-smi.csv")"
      ;;
    overbudget)
      section "a trial over its budget is stopped, its neighbour finishes"
      watcher=$(watch_gpu "$out/overbudget-smi.csv")
      record hpsearch run bench/gpu_sharing/over-budget.yaml --workdir "$work/overbudget" --gpu-memory 4Gi --force
      kill "$watcher"
      record hpsearch trials --workdir "$work/overbudget"
      ;;
    frameworks)
      section "PyTorch and JAX trials cap themselves with the variables hpsearch sets"
      record hpsearch run bench/gpu_sharing/framework-caps.yaml --workdir "$work/frameworks" --gpu-memory 3Gi --force
      record hpsearch trials --workdir "$work/frameworks"
      for trial in "$work"/frameworks/trials/*/; do
        say "$(basename "$trial"): $(grep -h '^refused' "$trial"stderr.log)"
      done
      ;;
    throughput)
      trials=${THROUGHPUT_TRIALS:-$(awk '$1 == "maxTrialCount:" {print $2}' bench/gpu_sharing/throughput.yaml)}
      epochs=${THROUGHPUT_EPOCHS:-$(grep -o -- '--epochs=[0-9]*' bench/gpu_sharing/throughput.yaml | cut -d= -f2)}
      section "trials per hour, $trials trials of $epochs epochs with 1, 2, 4 and 8 at once"
      for parallel in 1 2 4 8; do
        run=$work/throughput-$trials-$epochs-$parallel
        sed -e "s/^  parallelTrialCount: 1$/  parallelTrialCount: $parallel/" -e "s/^  maxTrialCount: .*/  maxTrialCount: $trials/" \
          -e "s/--epochs=[0-9]*/--epochs=$epochs/" bench/gpu_sharing/throughput.yaml >"$run.yaml"
        start=$(date +%s.%N)
        hpsearch run "$run.yaml" --workdir "$run" --force >"$run.log" 2>&1
        status=$?
        end=$(date +%s.%N)
        failed=$(hpsearch trials --workdir "$run" --format csv | grep -c ',Failed,')
        say "$(awk -v p="$parallel" -v s="$start" -v e="$end" -v rc="$status" -v f="$failed" -v n="$trials" \
          'BEGIN {printf "parallel %d: %.1f s for %d trials, %.0f trials/hour, exit %d, %d failed", p, e - s, n, n * 3600 / (e - s), rc, f}')"
        { echo "# parallel $parallel"; hpsearch trials --workdir "$run" --format csv; } >>"$out/throughput.csv"
      done
      ;;
    mps)
      section "four trials share the GPU at 25% each under MPS"
      if ! command -v nvidia-cuda-mps-control >/dev/null; then
        say "nvidia-cuda-mps-control not found: no MPS here"
        continue
      fi
      # A private daemon: its pipe and log folders are ours, so it serves only
      # this run (the engine's environment reaches the trials).
      export CUDA_MPS_PIPE_DIRECTORY=$work/mps-pipe CUDA_MPS_LOG_DIRECTORY=$work/mps-log
      mkdir -p "$CUDA_MPS_PIPE_DIRECTORY" "$CUDA_MPS_LOG_DIRECTORY"
      record nvidia-cuda-mps-control -d
      watcher=$(watch_gpu "$out/mps-smi.csv")
      record hpsearch run manifests/examples/gpu-shared.yaml --workdir "$work/mps" --gpu-mps --force
      kill "$watcher"
      record hpsearch trials --workdir "$work/mps"
      echo quit | nvidia-cuda-mps-control
      say "MPS daemon stopped, exit $?"
      unset CUDA_MPS_PIPE_DIRECTORY CUDA_MPS_LOG_DIRECTORY
      ;;
    *)
      say "unknown step $step"
      ;;
  esac
done
