#!/usr/bin/env bash
# Installs hpsearch's packages, builds it, and runs a real example end to end:
# validates the example Experiments and trains one Fashion-MNIST trial with
# the hyperparameters the random-search example would send.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh

cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j "$(nproc)"

echo
echo "== hpsearch validate manifests/examples/*.yaml =="
build/bin/hpsearch validate manifests/examples/*.yaml

echo
echo "== one trial: hpsearch-trial on Fashion-MNIST =="
build/bin/hpsearch-trial --model=mlp --lr=0.05 --momentum=0.9 --batch-size=64 \
  --epochs=2 --train-limit=5000 --seed=1
