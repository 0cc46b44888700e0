#!/usr/bin/env bash
# Build the stratad container image from the repository's Dockerfile and check
# that it works: the server starts inside it as its non-root user, the gRPC
# health check says SERVING, and the Python client does a KV round trip.
#
# It builds the way machines without a Docker engine or registry access can:
# buildah with chroot isolation, from a local Debian bookworm base image made
# with debootstrap from the machine's own apt mirror (built once, then kept as
# localhost/debian:bookworm). Slow the first time (the image compiles stratad:
# 15-20 minutes on 2 cores), so it is `make verify-image`, not part of `make test`.
#
# Environment (all optional):
#   IMAGE          tag to build                  (localhost/stratad:verify)
#   BASE_IMAGE     local base image              (localhost/debian:bookworm)
#   MIRROR         Debian mirror for debootstrap (the first URIs: of
#                  /etc/apt/sources.list.d/debian.sources)
#   PYTHON         Python with the stratadb client (<repo>/.venv/bin/python)
#   BUILD_TIMEOUT  seconds the image build may take (3600)
#   START_TIMEOUT  seconds stratad may take to start serving (60)
#   KEEP_IMAGE=0   remove the built image at the end (kept by default)
#   SKIP_BUILD=1   check an image built before under IMAGE instead of building
#   CONTEXT        the source tree to build (this repository)
#   BUILD_LOG      where the build's output goes (/var/tmp/stratad-verify-build.log)
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
IMAGE=${IMAGE:-localhost/stratad:verify}
BASE_IMAGE=${BASE_IMAGE:-localhost/debian:bookworm}
PYTHON=${PYTHON:-$REPO/.venv/bin/python}
BUILD_TIMEOUT=${BUILD_TIMEOUT:-3600}
START_TIMEOUT=${START_TIMEOUT:-60}
KEEP_IMAGE=${KEEP_IMAGE:-1}
SKIP_BUILD=${SKIP_BUILD:-0}
CONTEXT=${CONTEXT:-$REPO}
BUILD_LOG=${BUILD_LOG:-/var/tmp/stratad-verify-build.log}

say() { printf '==> %s\n' "$*"; }
fail() { printf 'verify-image: FAILED: %s\n' "$*" >&2; exit 1; }

WORK=""
CONTAINER=""
SERVER_PID=""
cleanup() {
  local rc=$?
  set +e
  if [[ -n "$SERVER_PID" ]] && kill -0 "$SERVER_PID" 2>/dev/null; then
    local pid
    for pid in $(ps -o pid= --ppid "$SERVER_PID"); do pkill -TERM -P "$pid" 2>/dev/null; kill -TERM "$pid" 2>/dev/null; done
    kill -TERM "$SERVER_PID" 2>/dev/null
    for _ in $(seq 1 50); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.2; done
    kill -KILL "$SERVER_PID" 2>/dev/null
    wait "$SERVER_PID" 2>/dev/null
  fi
  [[ -n "$CONTAINER" ]] && buildah rm "$CONTAINER" >/dev/null 2>&1
  if [[ "$KEEP_IMAGE" == 0 ]]; then buildah rmi "$IMAGE" >/dev/null 2>&1; fi
  [[ -n "$WORK" ]] && rm -rf "$WORK"
  if [[ $rc -ne 0 ]]; then echo "verify-image: exit $rc (cleaned up)" >&2; fi
  exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

[[ $EUID -eq 0 ]] || fail "run as root (buildah, debootstrap and apt-get need it)"
WORK=$(mktemp -d /var/tmp/stratad-verify.XXXXXX)
chmod 0755 "$WORK"   # the image's user reaches the mounted data and run directories

# ---- 1. tools ---------------------------------------------------------------
missing=()
for p in buildah podman debootstrap; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if (( ${#missing[@]} )); then
  say "installing ${missing[*]}"
  apt-get update -q >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null \
    || fail "apt-get install ${missing[*]}"
fi
[[ -x "$PYTHON" ]] || fail "no Python with the client at $PYTHON (run 'make venv' first)"

# ---- 2. the local base image --------------------------------------------------
mirror() {
  local m=""
  if [[ -f /etc/apt/sources.list.d/debian.sources ]]; then
    m=$(awk '/^URIs:/ {print $2; exit}' /etc/apt/sources.list.d/debian.sources)
  fi
  if [[ -z "$m" && -f /etc/apt/sources.list ]]; then
    m=$(awk '$1 == "deb" {print $2; exit}' /etc/apt/sources.list)
  fi
  echo "${m:-http://deb.debian.org/debian}"
}
if podman image exists "$BASE_IMAGE"; then
  say "base image $BASE_IMAGE: present, reused"
else
  MIRROR=${MIRROR:-$(mirror)}
  say "base image $BASE_IMAGE: debootstrap --variant=minbase bookworm from $MIRROR"
  rootfs="$WORK/rootfs"
  timeout 1800 debootstrap --variant=minbase bookworm "$rootfs" "$MIRROR" >"$WORK/debootstrap.log" 2>&1 \
    || { tail -20 "$WORK/debootstrap.log" >&2; fail "debootstrap (log above)"; }
  # Same apt sources as the host (bookworm, -updates, -security), like the
  # official image; no package lists or caches in the image.
  if [[ -f /etc/apt/sources.list.d/debian.sources ]]; then
    cp /etc/apt/sources.list.d/debian.sources "$rootfs/etc/apt/sources.list.d/debian.sources"
    rm -f "$rootfs/etc/apt/sources.list"
  fi
  rm -rf "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/cache/apt/*.bin "$rootfs"/var/cache/apt/archives/*.deb \
    "$rootfs"/var/log/*.log "$rootfs"/var/log/apt/*
  tar -C "$rootfs" -c . | podman import - "$BASE_IMAGE" >/dev/null || fail "podman import of the base image"
  rm -rf "$rootfs"
fi

# ---- 3. build -----------------------------------------------------------------
if [[ "$SKIP_BUILD" == 1 ]]; then
  podman image exists "$IMAGE" || fail "SKIP_BUILD=1 but there is no image $IMAGE"
  say "SKIP_BUILD=1: checking the existing $IMAGE"
else
  say "building $IMAGE from $CONTEXT (buildah bud --isolation chroot, FROM $BASE_IMAGE; log: $BUILD_LOG)"
  start=$SECONDS
  # --format docker keeps HEALTHCHECK (the OCI image format has no such field);
  # --layers caches each step, so a rebuild redoes only what changed; --force-rm
  # removes the build containers of a failed build too.
  if ! timeout "$BUILD_TIMEOUT" buildah bud --isolation chroot --format docker --layers --force-rm \
        --build-arg BASE_IMAGE="$BASE_IMAGE" -f "$CONTEXT/Dockerfile" -t "$IMAGE" "$CONTEXT" >"$BUILD_LOG" 2>&1; then
    tail -40 "$BUILD_LOG" >&2
    fail "image build (last lines above; whole log in $BUILD_LOG)"
  fi
  say "built in $((SECONDS - start))s"
fi

# The image's metadata: what the Dockerfile promises.
inspect() { buildah inspect --type image --format "$1" "$IMAGE"; }
user=$(inspect '{{.Docker.Config.User}}')
ports=$(inspect '{{.Docker.Config.ExposedPorts}}')
volumes=$(inspect '{{.Docker.Config.Volumes}}')
health=$(inspect '{{.Docker.Config.Healthcheck}}')
entrypoint=$(inspect '{{.Docker.Config.Entrypoint}}')
cmd=$(inspect '{{.Docker.Config.Cmd}}')
echo "    user=$user ports=$ports volumes=$volumes"
echo "    entrypoint=$entrypoint cmd=$cmd"
echo "    healthcheck=$health"
[[ -n "$user" && "${user%%:*}" != 0 && "${user%%:*}" != root ]] || fail "image runs as root (User='$user')"
[[ "$ports" == *50051* ]] || fail "image does not expose 50051"
[[ "$volumes" == */data* ]] || fail "image has no /data volume"
[[ "$health" == *health-probe* ]] || fail "image has no health-probe HEALTHCHECK"

# ---- 4. run it ----------------------------------------------------------------
# chroot isolation shares the host's network namespace, so stratad listens on a
# free host loopback port, and the host's client can reach it.
PORT=$("$PYTHON" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
mkdir -p "$WORK/data" "$WORK/run"
chown 10001:10001 "$WORK/data" "$WORK/run"   # the image's stratad user
CONTAINER=$(buildah from --name "stratad-verify-$$" "$IMAGE")

# The image's own default command, with only the listen address changed to
# the loopback port (and a ready file added).
mapfile -t args < <(buildah inspect --type image --format '{{range .Docker.Config.Cmd}}{{println .}}{{end}}' "$IMAGE" \
  | sed '/^$/d')
for i in "${!args[@]}"; do
  if [[ "${args[$i]}" == --listen ]]; then args[$((i + 1))]="127.0.0.1:$PORT"; fi
done
args+=(--ready-file /run/verify/ready)
say "starting: stratad ${args[*]}"
buildah run --isolation chroot -v "$WORK/data:/data" -v "$WORK/run:/run/verify" "$CONTAINER" \
  -- stratad "${args[@]}" >"$WORK/server.log" 2>&1 &
SERVER_PID=$!

deadline=$((SECONDS + START_TIMEOUT))
until [[ -s "$WORK/run/ready" ]]; do
  if ! kill -0 "$SERVER_PID" 2>/dev/null; then
    cat "$WORK/server.log" >&2
    fail "stratad exited before serving (log above)"
  fi
  if (( SECONDS > deadline )); then
    cat "$WORK/server.log" >&2
    fail "stratad did not write its ready file within ${START_TIMEOUT}s"
  fi
  sleep 0.2
done
echo "    serving on $(cat "$WORK/run/ready")"

# ---- 5. health: the image's own probe -------------------------------------------
if timeout 30 buildah run --isolation chroot "$CONTAINER" -- stratad health-probe --help >/dev/null 2>&1; then
  say "health: stratad health-probe --address 127.0.0.1:$PORT (inside the image)"
  timeout 30 buildah run --isolation chroot "$CONTAINER" -- stratad health-probe --address "127.0.0.1:$PORT" \
    || fail "stratad health-probe did not report SERVING"
else
  GRPCURL=${GRPCURL:-$REPO/.tools/bin/grpcurl}
  [[ -x "$GRPCURL" ]] || fail "the image's stratad has no health-probe subcommand and $GRPCURL is missing"
  say "health: the image's stratad has no health-probe subcommand yet; grpcurl from the host"
  out=$(timeout 30 "$GRPCURL" -plaintext "127.0.0.1:$PORT" grpc.health.v1.Health/Check) \
    || fail "grpcurl health check failed"
  echo "$out"
  [[ "$out" == *SERVING* ]] || fail "health check did not say SERVING"
fi

# ---- 6. a client round trip ---------------------------------------------------
say "client round trip (stratadb, $PYTHON)"
timeout 60 "$PYTHON" - "127.0.0.1:$PORT" <<'PY' || fail "Python client round trip"
import sys
from stratadb import Strata

with Strata.open(sys.argv[1]) as db:
    value = {"image": "stratad", "check": [1, 2, 3]}
    version = db.kv_put("verify-image", value)
    got = db.kv_get("verify-image")
    assert got == value, got
    print(f"    kv_put -> version {version}; kv_get -> {got}; ping -> {db.ping()}")
PY

# ---- 7. clean stop; the data is on the volume, owned by the image's user ------
# SIGTERM to stratad itself (found among the descendants of our buildah run),
# as a container runtime would send it.
descendant_named() {  # $1 pid, $2 command name
  local child
  for child in $(ps -o pid= --ppid "$1"); do
    if [[ "$(ps -o comm= -p "$child")" == "$2" ]]; then echo "$child"; return 0; fi
    descendant_named "$child" "$2" && return 0
  done
  return 1
}
stratad_pid=$(descendant_named "$SERVER_PID" stratad) || fail "cannot find the stratad process under buildah run"
say "stopping (SIGTERM to stratad, pid $stratad_pid)"
kill -TERM "$stratad_pid"
rc=0
for _ in $(seq 1 100); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.2; done
kill -0 "$SERVER_PID" 2>/dev/null && fail "stratad did not stop within 20s of SIGTERM"
wait "$SERVER_PID" || rc=$?
SERVER_PID=""
grep -q 'stopped cleanly' "$WORK/server.log" || { cat "$WORK/server.log" >&2; fail "stratad did not stop cleanly (exit $rc)"; }
owner=$(stat -c %u "$WORK/data/$(ls "$WORK/data" | head -1)")
[[ "$owner" == 10001 ]] || fail "data files are owned by uid $owner, not the image's user 10001"
echo "    exit $rc; data files on the volume: $(ls "$WORK/data" | tr '\n' ' ')(uid $owner)"

size=$(podman image inspect --format '{{.Size}}' "$IMAGE")
say "image $IMAGE: $(numfmt --to=iec --suffix=B "$size") ($size bytes); base $BASE_IMAGE: $(numfmt --to=iec --suffix=B "$(podman image inspect --format '{{.Size}}' "$BASE_IMAGE")")"
say "verify-image: OK"
