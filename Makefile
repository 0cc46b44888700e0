# The two commands: `make run` and `make test`. Each step installs only what is
# missing, so a second run is fast. Machines run as root (apt-get works as is).
SHELL := /bin/bash
.DEFAULT_GOAL := build

BUILD_DIR  ?= build
BUILD_TYPE ?= RelWithDebInfo
VENV       ?= .venv
TOOLS      ?= $(CURDIR)/.tools
STAMPS     := .make
DATA_DIR   ?= ./strata-data
LISTEN     ?= 127.0.0.1:50051
JOBS       ?= 2
PREFIX     ?= /usr/local

GRPCURL_VERSION ?= v1.9.1
GHZ_VERSION     ?= v0.120.0

# Debian packages the C++ side builds against (bookworm).
APT_PACKAGES := build-essential cmake ninja-build pkg-config ccache git \
  libgrpc++-dev protobuf-compiler protobuf-compiler-grpc libprotobuf-dev \
  liblmdb-dev libhnswlib-dev libspdlog-dev libcli11-dev nlohmann-json3-dev \
  libgtest-dev libgmock-dev libssl-dev openssl python3 python3-venv prometheus-cpp-dev

PYTHON ?= python3
GO     ?= $(shell command -v go 2>/dev/null || echo /usr/local/go/bin/go)

.PHONY: deps venv tools build install run test test-cpp test-python bench-peers bench-kv bench-primitives bench-vectors bench-branches verify-image clean

## deps: Debian packages (skipped when all are installed)
deps: $(STAMPS)/apt
$(STAMPS)/apt: Makefile
	@mkdir -p $(STAMPS)
	@missing=$$(for p in $(APT_PACKAGES); do dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'install ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages: $$missing"; \
	  apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $$missing; \
	fi
	@touch $@

## venv: the Python client with its pinned dependencies, editable
venv: $(VENV)/.installed
$(VENV)/.installed: client-py/pyproject.toml client-py/requirements-dev.txt | $(STAMPS)/apt
	@test -x $(VENV)/bin/python || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install -q --disable-pip-version-check -r client-py/requirements-dev.txt
	$(VENV)/bin/pip install -q --disable-pip-version-check --no-deps -e client-py
	@touch $@

## tools: grpcurl, pinned, into .tools/bin (go install)
tools: $(TOOLS)/bin/grpcurl
$(TOOLS)/bin/grpcurl:
	@command -v $(GO) >/dev/null 2>&1 || { apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q golang-go; }
	GOBIN=$(TOOLS)/bin $(GO) install github.com/fullstorydev/grpcurl/cmd/grpcurl@$(GRPCURL_VERSION)

$(TOOLS)/bin/ghz:
	GOBIN=$(TOOLS)/bin $(GO) install github.com/bojand/ghz/cmd/ghz@$(GHZ_VERSION)

## build: stratad and the test binaries
build: $(STAMPS)/apt
	@test -f $(BUILD_DIR)/build.ninja || cmake -S . -B $(BUILD_DIR) -G Ninja -DCMAKE_BUILD_TYPE=$(BUILD_TYPE)
	cmake --build $(BUILD_DIR) -j $(JOBS)

## install: stratad into $(PREFIX)/bin, where Strata.cache() and
##   Strata.open("<dir>") find it on PATH, and the client into the project venv
##   ($(VENV), as `make venv`); for another Python: <python> -m pip install ./client-py
install: build venv
	install -d $(DESTDIR)$(PREFIX)/bin
	install -m 0755 $(BUILD_DIR)/stratad $(DESTDIR)$(PREFIX)/bin/stratad
	@echo "installed $(DESTDIR)$(PREFIX)/bin/stratad; the stratadb client is in $(VENV)"

## run: serve a local data directory on 127.0.0.1:50051
run: build venv
	$(BUILD_DIR)/stratad --listen $(LISTEN) --data-dir $(DATA_DIR)

## test: every test: GoogleTest (unit, e2e) and pytest via ctest
test: build venv tools
	GRPCURL=$(TOOLS)/bin/grpcurl ctest --test-dir $(BUILD_DIR) --output-on-failure -j $(JOBS)

test-cpp: build tools
	GRPCURL=$(TOOLS)/bin/grpcurl ctest --test-dir $(BUILD_DIR) --output-on-failure -j $(JOBS) -L 'unit|e2e'

test-python: build venv
	ctest --test-dir $(BUILD_DIR) --output-on-failure -L python

## bench-peers: what the benchmarks compare against: Debian etcd-server and
##   redis-server (their system services are not needed: each bench starts private
##   instances on free ports) and the PyPI pins of bench/requirements.txt
bench-peers: venv
	@missing=$$(for p in etcd-server redis-server; do dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'install ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages: $$missing"; \
	  apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $$missing || exit 1; \
	  if [ -d /run/systemd/system ]; then systemctl disable --now etcd redis-server >/dev/null 2>&1 || true; fi; \
	fi
	@test bench/requirements.txt -ot $(VENV)/.bench-installed 2>/dev/null || { \
	  $(VENV)/bin/pip install -q --disable-pip-version-check -r bench/requirements.txt && touch $(VENV)/.bench-installed; }

## bench-kv: KV latency/throughput beside raw LMDB, etcd and Redis (see bench/README.md);
##   BENCH_ARGS=--quick for a smoke run
bench-kv: build bench-peers $(TOOLS)/bin/grpcurl $(TOOLS)/bin/ghz
	$(VENV)/bin/python bench/kv/run.py --stratad $(BUILD_DIR)/stratad --ghz $(TOOLS)/bin/ghz $(BENCH_ARGS)

## bench-primitives: state CAS, event append, JSON path update beside etcd and Redis
bench-primitives: build bench-peers
	$(VENV)/bin/python bench/primitives/run.py --stratad $(BUILD_DIR)/stratad $(BENCH_ARGS)

## bench-vectors: vector search recall, latency, throughput, build and restart beside
##   in-process hnswlib and embedded chromadb (see bench/README.md); BENCH_ARGS=--quick
bench-vectors: build bench-peers
	$(VENV)/bin/python bench/vectors/run.py --stratad $(BUILD_DIR)/stratad $(BENCH_ARGS)

## bench-branches: fork/diff/merge time over parents of 1k, 100k and 1M keys, and
##   export/import MB/s (storage engine in-process; see bench/README.md);
##   BENCH_ARGS="--sizes 1000,100000 --export-size 100000" for a shorter run
bench-branches:
	@test -f $(BUILD_DIR)/build.ninja || cmake -S . -B $(BUILD_DIR) -G Ninja -DCMAKE_BUILD_TYPE=$(BUILD_TYPE)
	cmake --build $(BUILD_DIR) --target branch_bench -j $(JOBS)
	$(BUILD_DIR)/branch_bench --out-dir bench/results $(BENCH_ARGS)

## verify-image: build the container image from the Dockerfile (buildah, chroot
##   isolation, a local debootstrap base) and check that it serves; slow (it
##   compiles stratad in the image), so not part of `make test`
verify-image: venv
	deploy/verify-image.sh

clean:
	rm -rf $(BUILD_DIR) $(STAMPS)
