#!/usr/bin/env bash
# Installs hpsearch's packages, builds it, and runs a real example end to end:
# validates the example Experiments, then runs the random-search example on
# this machine (8 Fashion-MNIST trials, 2 at a time, about a minute on two
# cores) and lists its trials from the store.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh

cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j "$(nproc)"

echo
echo "== hpsearch validate manifests/examples/*.yaml =="
build/bin/hpsearch validate manifests/examples/*.yaml

workdir=hpsearch-runs/quickstart-random
rm -rf "$workdir"
echo
echo "== hpsearch run manifests/examples/random.yaml =="
build/bin/hpsearch run manifests/examples/random.yaml --workdir "$workdir"

echo
echo "== hpsearch trials --workdir $workdir --format csv =="
build/bin/hpsearch trials --workdir "$workdir" --format csv
