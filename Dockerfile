# hpsearch's two images, on Debian 12, from one shared build stage:
#
#   docker build --target serve -t registry.example.com/hpsearch-serve:0.1.0 .
#   docker build -t registry.example.com/hpsearch:0.1.0 .   # last stage: full
#
# serve: `hpsearch` and only the libraries it links; no LibTorch, no data.
#   For Katib's suggestion pods (the entrypoint is `hpsearch serve` on
#   Katib's port 6789; manifests/katib-config/ points Katib at it) and for
#   `hpsearch db-manager`.
# full: serve plus `hpsearch-trial`, Debian's LibTorch (CPU only) and the
#   Fashion-MNIST data: the trial image of manifests/examples/, and
#   `hpsearch run` in a container. Built on serve's layers, so a node that
#   has one image pulls only the difference for the other. It keeps serve's
#   entrypoint; trials set their own command.

# --- build: exactly the packages of scripts/setup.sh -------------------------
FROM debian:12 AS build
COPY scripts/setup.sh /src/scripts/setup.sh
RUN bash /src/scripts/setup.sh && rm -rf /var/lib/apt/lists/*
COPY . /src
RUN cmake -S /src -B /build -G Ninja -DCMAKE_BUILD_TYPE=Release \
      -DHPSEARCH_BUILD_TESTS=OFF -DHPSEARCH_BUILD_BENCH=OFF \
 && cmake --build /build \
 && strip /build/bin/hpsearch /build/bin/hpsearch-trial

# tests/delivery/delivery_test.py checks each runtime stage's package list
# against the libraries its binaries name as NEEDED (`objdump -p` of the
# built binaries), so neither list can drift from what the build links.

# --- serve: hpsearch and the shared libraries it loads -----------------------
FROM debian:12-slim AS serve
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      libabsl20220623 libfmt9 libgrpc++1.51 libgrpc29 libprotobuf32 libre2-9 \
      libspdlog1.10 libsqlite3-0 libyaml-cpp0.7 \
 && rm -rf /var/lib/apt/lists/*
COPY --from=build /build/bin/hpsearch /usr/local/bin/
RUN groupadd --system --gid 10001 hpsearch \
 && useradd --system --uid 10001 --gid 10001 --create-home \
      --home-dir /var/lib/hpsearch hpsearch
USER 10001:10001
WORKDIR /var/lib/hpsearch
EXPOSE 6789
ENTRYPOINT ["hpsearch", "serve"]

# --- full: serve plus hpsearch-trial, LibTorch and the data it trains on ----
FROM serve AS full
USER root
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      libtorch1.13 zlib1g dataset-fashion-mnist \
 && rm -rf /var/lib/apt/lists/*
COPY --from=build /build/bin/hpsearch-trial /usr/local/bin/
USER 10001:10001
