#!/usr/bin/env bash
# Packs what a GPU check needs into gpu-bundle/ (git-ignored), for machines
# that have a GPU, CMake, a compiler and PyTorch but none of the engine's
# libraries (shared/ARCHITECTURE.md, "GPU checks"):
#   gpu-bundle/bin/hpsearch   the engine, run through its own glibc and
#                             libraries in gpu-bundle/lib, so it runs on any
#                             x86-64 Linux whatever its distribution
#   gpu-bundle/zlib/          zlib's headers and library, for building
#                             hpsearch-trial there (cmake -S trial)
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

[[ -x $build/bin/hpsearch ]] || { echo "gpu-bundle: $build/bin/hpsearch is missing; build first" >&2; exit 1; }
rm -rf "$out"
mkdir -p "$out/bin" "$out/lib" "$out/zlib/include" "$out/zlib/lib" "$out/fashion-mnist"

strip -o "$out/bin/hpsearch.bin" "$build/bin/hpsearch"
# Every library it loads, the dynamic loader included.
ldd "$build/bin/hpsearch" | awk '$2 == "=>" && $3 ~ /^\// {print $3} $1 ~ /^\// {print $1}' |
  while read -r lib; do cp -L "$lib" "$out/lib/"; done
loader=$(basename "$(ldd "$build/bin/hpsearch" | awk '$1 ~ /^\// {print $1}')")
cat >"$out/bin/hpsearch" <<WRAPPER
#!/bin/sh
# The engine with the libraries it was built with. Trials it starts use the
# machine's own (the loader's path is not inherited).
here=\$(dirname "\$(readlink -f "\$0")")
exec "\$here/../lib/$loader" --library-path "\$here/../lib\${LD_LIBRARY_PATH:+:\$LD_LIBRARY_PATH}" "\$here/hpsearch.bin" "\$@"
WRAPPER
chmod +x "$out/bin/hpsearch"

cp /usr/include/zlib.h /usr/include/zconf.h "$out/zlib/include/"
cp -L /usr/lib/x86_64-linux-gnu/libz.so "$out/zlib/lib/libz.so"
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
