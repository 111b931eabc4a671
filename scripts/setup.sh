#!/usr/bin/env bash
# Installs exactly the Debian 12 packages hpsearch needs to build, test and
# run its examples. Idempotent: apt-get skips what is already installed.
# Run as root, or as a user with sudo.
set -euo pipefail

PACKAGES=(
  # toolchain
  build-essential cmake ninja-build pkg-config clang libclang-rt-14-dev
  # engine libraries
  libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler
  libabsl-dev libyaml-cpp-dev libeigen3-dev libspdlog-dev libfmt-dev
  libsqlite3-dev libcli11-dev nlohmann-json3-dev zlib1g-dev libre2-dev
  # tests
  libgtest-dev libgmock-dev python3-grpcio python3-grpc-tools python3-yaml
  # trial program and its data
  libtorch-dev dataset-fashion-mnist
)

SUDO=""
if [[ $(id -u) -ne 0 ]]; then SUDO="sudo"; fi

missing=()
for pkg in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "ok installed" || missing+=("$pkg")
done

if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
else
  echo "setup: all ${#PACKAGES[@]} packages already installed"
fi
