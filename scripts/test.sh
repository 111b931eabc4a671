#!/usr/bin/env bash
# Runs hpsearch's whole test suite: the regular build with every test, the
# engine's tests again under AddressSanitizer + UndefinedBehaviorSanitizer,
# and a short bounded fuzz run of every fuzz target.
#
#   FUZZ_SECONDS   seconds per fuzz target (default 20; 0 skips fuzzing)
#   JOBS           build and test parallelism (default: nproc)
set -euo pipefail
cd "$(dirname "$0")/.."

JOBS=${JOBS:-$(nproc)}
FUZZ_SECONDS=${FUZZ_SECONDS:-20}

bash scripts/setup.sh

step() { printf '\n== %s ==\n' "$*"; }

step "build (build/)"
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j "$JOBS"

step "tests"
ctest --test-dir build -j "$JOBS" --output-on-failure --timeout 600

step "engine tests under ASan + UBSan (build-asan/)"
cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=Debug \
  -DHPSEARCH_SANITIZE=address,undefined -DHPSEARCH_BUILD_TRIAL=OFF -DHPSEARCH_BUILD_BENCH=OFF >/dev/null
cmake --build build-asan -j "$JOBS"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  ctest --test-dir build-asan -j "$JOBS" --output-on-failure --timeout 900

if [[ "$FUZZ_SECONDS" != 0 && -f scripts/fuzz.sh ]]; then
  step "fuzzing, ${FUZZ_SECONDS}s per target"
  SECONDS_PER_TARGET=$FUZZ_SECONDS bash scripts/fuzz.sh
fi

step "all tests passed"
