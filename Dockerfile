# syntax=docker/dockerfile:1
# stratad container image: a build stage that compiles only the `stratad` target,
# and a slim runtime stage with just the shared libraries it links.
#
#   docker build -t stratad .
#   docker run -d -p 50051:50051 -v stratad-data:/data stratad
#
# BASE_IMAGE lets machines without registry access build from a local Debian
# bookworm image (deploy/verify-image.sh passes localhost/debian:bookworm).
ARG BASE_IMAGE=debian:bookworm-slim

# ---------------------------------------------------------------------------
FROM ${BASE_IMAGE} AS build
ARG BUILD_TYPE=Release
ARG JOBS=
# The C++ build dependencies (the Makefile's APT_PACKAGES minus the developer tools).
RUN apt-get update -q \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
      build-essential cmake ninja-build pkg-config ccache \
      libgrpc++-dev protobuf-compiler protobuf-compiler-grpc libprotobuf-dev \
      liblmdb-dev libhnswlib-dev libspdlog-dev libcli11-dev nlohmann-json3-dev \
      libgtest-dev libgmock-dev libssl-dev prometheus-cpp-dev libstemmer-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
# .dockerignore keeps build trees, venvs, data and .git out of the context.
COPY . .
# The compiler cache survives between builds (a BuildKit/buildah cache mount), so a
# rebuild after a source change recompiles only what changed; CMakeLists.txt uses
# ccache when it finds it.
ENV CCACHE_DIR=/root/.cache/ccache
RUN --mount=type=cache,id=stratad-ccache,target=/root/.cache/ccache \
    cmake -S . -B /build -G Ninja -DCMAKE_BUILD_TYPE=${BUILD_TYPE} \
 && cmake --build /build --target stratad ${JOBS:+-j ${JOBS}} \
 && install -D -m 0755 -s /build/stratad /out/usr/local/bin/stratad

# ---------------------------------------------------------------------------
FROM ${BASE_IMAGE} AS runtime
# Exactly the runtime libraries `ldd stratad` names, as Debian packages:
# libgrpc++1.51 (grpc++, grpc++_reflection; pulls libgrpc29, libabsl20220623,
# libre2-9, libc-ares2), libprotobuf32, liblmdb0, libspdlog1.10 (pulls libfmt9),
# libssl3 (libcrypto), libprometheus-cpp-core1.0 and -pull1.0 (--metrics-listen),
# libstemmer0d (keyword search's English stemmer).
# libc6, libstdc++6, libgcc-s1 and zlib1g are in the base.
RUN apt-get update -q \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
      libgrpc++1.51 libprotobuf32 liblmdb0 libspdlog1.10 libssl3 \
      libprometheus-cpp-core1.0 libprometheus-cpp-pull1.0 libstemmer0d \
 && rm -rf /var/lib/apt/lists/* /var/cache/apt/archives/*.deb \
 && groupadd --system --gid 10001 stratad \
 && useradd --system --uid 10001 --gid stratad --home-dir /data --no-create-home \
      --shell /usr/sbin/nologin stratad \
 && mkdir -p /data \
 && chown stratad:stratad /data \
 && chmod 0750 /data
COPY --from=build /out/ /
# Fail the build here, not at first start, if a linked library is missing.
RUN if ldd /usr/local/bin/stratad | grep 'not found'; then exit 1; fi \
 && /usr/local/bin/stratad --version

LABEL org.opencontainers.image.title="stratad" \
      org.opencontainers.image.description="StrataDB server: versioned KV, state cells, event log, JSON documents and branches over gRPC"

# A numeric user, so that Kubernetes' runAsNonRoot can verify it.
USER 10001:10001
WORKDIR /data
VOLUME ["/data"]
EXPOSE 50051
STOPSIGNAL SIGTERM
# The gRPC health check (grpc.health.v1) through stratad's own probe subcommand.
HEALTHCHECK --interval=15s --timeout=5s --start-period=10s --retries=3 \
  CMD ["stratad", "health-probe", "--address", "127.0.0.1:50051"]

ENTRYPOINT ["stratad"]
# The default command listens on every interface without authentication:
# stratad refuses a non-loopback --listen unless --auth-token-file is given or
# --insecure-listen-any is passed, and a container must listen beyond loopback
# to be reachable, so this default opts in explicitly. It suits a trusted
# network or a first try only; in production replace the command with one that
# passes --auth-token-file (and --tls-cert/--tls-key), e.g.
#   docker run ... stratad --data-dir /data --listen 0.0.0.0:50051 \
#     --auth-token-file /run/secrets/stratad_tokens
# (see deploy/docker-compose.yml, deploy/k8s/ and docs/operations.md).
CMD ["--data-dir", "/data", "--listen", "0.0.0.0:50051", "--insecure-listen-any"]
