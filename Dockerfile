# hpsearch: Katib's suggestion service (`hpsearch serve`) and the
# `hpsearch-trial` training program, on Debian 12.
#
#   docker build -t ghcr.io/hpsearch/hpsearch:latest .

# --- build: exactly the packages of scripts/setup.sh -------------------------
FROM debian:12 AS build
COPY scripts/setup.sh /src/scripts/setup.sh
RUN bash /src/scripts/setup.sh && rm -rf /var/lib/apt/lists/*
COPY . /src
RUN cmake -S /src -B /build -G Ninja -DCMAKE_BUILD_TYPE=Release \
      -DHPSEARCH_BUILD_TESTS=OFF -DHPSEARCH_BUILD_BENCH=OFF \
 && cmake --build /build \
 && strip /build/bin/hpsearch /build/bin/hpsearch-trial

# --- runtime: the shared libraries the two binaries load, and the data -------
# tests/delivery/dockerfile_test.sh checks this list against `ldd` of the
# built binaries, so it cannot drift from what the build links.
FROM debian:12-slim AS runtime
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      libabsl20220623 libfmt9 libgrpc++1.51 libgrpc29 libprotobuf32 libre2-9 \
      libspdlog1.10 libsqlite3-0 libyaml-cpp0.7 zlib1g libtorch1.13 \
      dataset-fashion-mnist \
 && rm -rf /var/lib/apt/lists/*
COPY --from=build /build/bin/hpsearch /build/bin/hpsearch-trial /usr/local/bin/
RUN useradd --system --uid 10001 --create-home --home-dir /var/lib/hpsearch hpsearch
USER 10001:10001
WORKDIR /var/lib/hpsearch
EXPOSE 6789
ENTRYPOINT ["hpsearch", "serve"]
