#!/usr/bin/env bash
# Builds the libFuzzer targets with clang in build-fuzz and runs each for a
# bounded time, seeded from the test fixtures. The libraries are built with
# ASan+UBSan and libFuzzer coverage (-fsanitize=fuzzer-no-link).
#
#   scripts/fuzz.sh                      # every fuzzer, 60 s each
#   SECONDS_PER_TARGET=300 scripts/fuzz.sh experiment_yaml_fuzzer
#
# Crashes are written to build-fuzz/artifacts/; the run fails on the first.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
seconds=${SECONDS_PER_TARGET:-60}
build=${FUZZ_BUILD_DIR:-build-fuzz}

CC=${CC:-clang} CXX=${CXX:-clang++} cmake -S . -B "$build" -G Ninja \
  -DHPSEARCH_BUILD_FUZZERS=ON -DHPSEARCH_BUILD_TESTS=ON -DHPSEARCH_BUILD_TRIAL=OFF \
  -DHPSEARCH_SANITIZE=address,undefined -DCMAKE_CXX_FLAGS=-fsanitize=fuzzer-no-link \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null

targets=("$@")
if [[ ${#targets[@]} -eq 0 ]]; then
  mapfile -t targets < <(sed -n 's/^hpsearch_add_fuzzer(\([A-Za-z0-9_]*\).*/\1/p' tests/fuzz/CMakeLists.txt)
fi
cmake --build "$build" -j"${JOBS:-2}" --target "${targets[@]}"

# Seeds: every fixture file; each fuzzer may also have its own folder
# tests/fixtures/<fuzzer>/ of samples.
mkdir -p "$build/artifacts"
for target in "${targets[@]}"; do
  corpus="$build/corpus/$target"
  mkdir -p "$corpus"
  seeds=("$root/tests/fixtures")
  [[ -d "$root/manifests/examples" ]] && seeds+=("$root/manifests/examples")
  echo "== $target: ${seconds}s"
  "$build/bin/$target" "$corpus" "${seeds[@]}" \
    -max_total_time="$seconds" -max_len=65536 -timeout=10 -rss_limit_mb=2048 \
    -artifact_prefix="$build/artifacts/$target-" -print_final_stats=1
done
