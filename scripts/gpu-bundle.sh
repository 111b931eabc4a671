#!/usr/bin/env bash
# Packs what a GPU check needs into gpu-bundle/ (git-ignored), for machines
# that have a GPU, CMake, a compiler and PyTorch but none of the engine's
# libraries (shared/ARCHITECTURE.md, "GPU checks"):
#   gpu-bundle/bin/hpsearch   the engine, and pkg-config, each run through its
#                             own glibc and libraries in gpu-bundle/lib, so
#                             they run on any x86-64 Linux whatever its
#                             distribution
#   gpu-bundle/dev/           an install prefix with what building
#                             hpsearch-trial and its tests there needs beside
#                             LibTorch (cmake -DHPSEARCH_TRIAL_ONLY=ON): zlib,
#                             and for the tests GoogleTest and the libraries
#                             of hpsearch_metrics (Abseil, fmt, RE2, JSON)
#   gpu-bundle/fashion-mnist/ the dataset, its training set cut to the first
#                             TRAIN_IMAGES images (default 20000) so that
#                             everything stays under the device tool's
#                             64 MiB (experiments use --train-limit anyway)
# Then scripts/gpu-check.sh runs the checks on the GPU machine.
#
#   scripts/gpu-bundle.sh [BUILD_DIR]   (default build/, built beforehand)
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
out=gpu-bundle
arch=x86_64-linux-gnu

[[ -x $build/bin/hpsearch ]] || { echo "gpu-bundle: $build/bin/hpsearch is missing; build first" >&2; exit 1; }
rm -rf "$out"
mkdir -p "$out/bin" "$out/lib" "$out/dev/include" "$out/dev/lib/$arch/cmake" "$out/dev/lib/$arch/pkgconfig" \
  "$out/dev/share/cmake" "$out/fashion-mnist"

# bundle_program PROGRAM NAME: PROGRAM, stripped, as bin/NAME.bin, every
# library it loads (the dynamic loader included) in lib/, and bin/NAME, which
# runs it with them. Programs it starts use the machine's own libraries (the
# loader's path is not inherited).
bundle_program() {
  local program=$1 name=$2 loader
  strip -o "$out/bin/$name.bin" "$program"
  ldd "$program" | awk '$2 == "=>" && $3 ~ /^\// {print $3} $1 ~ /^\// {print $1}' |
    while read -r lib; do cp -L "$lib" "$out/lib/"; done
  loader=$(basename "$(ldd "$program" | awk '$1 ~ /^\// {print $1}')")
  cat >"$out/bin/$name" <<WRAPPER
#!/bin/sh
here=\$(dirname "\$(readlink -f "\$0")")
exec "\$here/../lib/$loader" --library-path "\$here/../lib\${LD_LIBRARY_PATH:+:\$LD_LIBRARY_PATH}" "\$here/$name.bin" "\$@"
WRAPPER
  chmod +x "$out/bin/$name"
}
bundle_program "$build/bin/hpsearch" hpsearch
bundle_program /usr/bin/pkgconf pkg-config

# The dev prefix: Debian's files where its CMake configurations (which find
# their prefix from where they lie) and re2.pc (rewritten to do so) expect.
usr_lib=/usr/lib/$arch
cp -r /usr/include/{absl,fmt,gmock,gtest,nlohmann,re2} /usr/include/{zlib,zconf}.h "$out/dev/include/"
cp -a "$usr_lib"/lib{absl_*,fmt,re2}.so* "$usr_lib"/lib{gtest,gmock}*.a "$out/dev/lib/$arch/"
cp -L "$usr_lib/libz.so" "$out/dev/lib/$arch/"
cp -r "$usr_lib"/cmake/{absl,fmt,GTest} "$out/dev/lib/$arch/cmake/"
cp -r /usr/share/cmake/nlohmann_json "$out/dev/share/cmake/"
sed -e 's|^includedir=.*|includedir=${pcfiledir}/../../../include|' -e 's|^libdir=.*|libdir=${pcfiledir}/..|' \
  "$usr_lib/pkgconfig/re2.pc" >"$out/dev/lib/$arch/pkgconfig/re2.pc"

data=/usr/share/datasets/fashion-mnist
cp "$data"/t10k-*.gz "$out/fashion-mnist/"
# IDX files: a big-endian header (magic, count, dims...) then one byte per
# pixel or label; the cut keeps the header's shape with a smaller count.
/usr/bin/python3 - "$data" "$out/fashion-mnist" "${TRAIN_IMAGES:-20000}" <<'CUT'
import gzip, struct, sys
source, target, keep = sys.argv[1], sys.argv[2], int(sys.argv[3])
for name in ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"):
    raw = gzip.open(f"{source}/{name}").read()
    dims = raw[3]
    shape = struct.unpack(f">{dims}I", raw[4:4 + 4 * dims])
    item = 1
    for d in shape[1:]:
        item *= d
    count = min(keep, shape[0])
    header = raw[:4] + struct.pack(f">{dims}I", count, *shape[1:])
    body = raw[4 + 4 * dims:][:count * item]
    with gzip.open(f"{target}/{name}", "wb", compresslevel=9) as out:
        out.write(header + body)
CUT

"$out/bin/hpsearch" --version >/dev/null
du -sh "$out"
