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
  libgtest-dev libgmock-dev libssl-dev openssl python3 python3-venv prometheus-cpp-dev \
  libstemmer-dev

PYTHON ?= python3
GO     ?= $(shell command -v go 2>/dev/null || echo /usr/local/go/bin/go)

.PHONY: deps venv tools build install run test test-cpp test-python bench-peers bench-kv bench-primitives bench-transactions bench-vectors bench-branches bench-search verify-image clean
.PHONY: crash-long sanitize sanitize-thread fuzz soak

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

## bench-transactions: 3-read/2-write transactions at 1 and 8 clients, conflict rate
##   under contention, beside Redis WATCH/MULTI and etcd Txn; BENCH_ARGS=--quick
bench-transactions: build bench-peers
	$(VENV)/bin/python bench/transactions/run.py --stratad $(BUILD_DIR)/stratad $(BENCH_ARGS)

## bench-primitives: state CAS, event append, JSON path update beside etcd and Redis
bench-primitives: build bench-peers
	$(VENV)/bin/python bench/primitives/run.py --stratad $(BUILD_DIR)/stratad $(BENCH_ARGS)

## bench-vectors: vector search recall, latency, throughput, build and restart beside
##   in-process hnswlib and embedded chromadb (see bench/README.md); BENCH_ARGS=--quick
bench-vectors: build bench-peers
	$(VENV)/bin/python bench/vectors/run.py --stratad $(BUILD_DIR)/stratad $(BENCH_ARGS)

## bench-search: BM25 keyword search latency and indexing time beside SQLite FTS5
##   (synthetic 100k documents and the Debian package descriptions; see docs/search.md);
##   BENCH_ARGS=--quick
bench-search: build venv
	$(VENV)/bin/python bench/search/run.py --stratad $(BUILD_DIR)/stratad $(BENCH_ARGS)

## bench-branches: fork/diff/merge time over parents of 1k, 100k and 1M keys, and
##   export/import MB/s (storage engine in-process; see bench/README.md);
##   BENCH_ARGS="--sizes 1000,100000 --export-size 100000" for a shorter run
bench-branches:
	@test -f $(BUILD_DIR)/build.ninja || cmake -S . -B $(BUILD_DIR) -G Ninja -DCMAKE_BUILD_TYPE=$(BUILD_TYPE)
	cmake --build $(BUILD_DIR) --target branch_bench -j $(JOBS)
	$(BUILD_DIR)/branch_bench --out-dir bench/results $(BENCH_ARGS)

## crash-long: the crash-consistency harness (tests/crash/) for CRASH_CYCLES kill -9
##   cycles in `always` durability, then CRASH_RELAXED_CYCLES in `relaxed`
##   (the quick 3-cycle mode runs in `make test`)
CRASH_CYCLES ?= 100
CRASH_RELAXED_CYCLES ?= 20
crash-long: build venv
	$(VENV)/bin/python tests/crash/crash_harness.py --stratad $(BUILD_DIR)/stratad --cycles $(CRASH_CYCLES)
	$(VENV)/bin/python tests/crash/crash_harness.py --stratad $(BUILD_DIR)/stratad --cycles $(CRASH_RELAXED_CYCLES) --durability relaxed

## sanitize: unit and e2e tests under ASan+UBSan (build-asan, STRATA_SANITIZE);
##   sanitize-thread: the concurrency tests under TSan (build-tsan, STRATA_TSAN).
##   Slow: see docs/testing.md
ASAN_BUILD_DIR ?= build-asan
TSAN_BUILD_DIR ?= build-tsan
SANITIZE_ENV := ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:detect_stack_use_after_return=1 \
  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
sanitize: $(STAMPS)/apt tools
	@test -f $(ASAN_BUILD_DIR)/build.ninja || cmake -S . -B $(ASAN_BUILD_DIR) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSTRATA_SANITIZE=ON
	$(SANITIZE_ENV) cmake --build $(ASAN_BUILD_DIR) -j $(JOBS) --target storage_tests server_tests stratad
	$(SANITIZE_ENV) GRPCURL=$(TOOLS)/bin/grpcurl ctest --test-dir $(ASAN_BUILD_DIR) --output-on-failure -j $(JOBS) -L 'unit|e2e' --timeout 600

# Every storage test that runs threads of ours against each other: the
# concurrency tests, compaction alongside writers, the engine's background
# threads (relaxed-durability syncer, vector index upkeep, transaction expiry)
# and the vector index's parallel inserts, batch searches and the quantized
# rows made on every core when a snapshot loads (docs/testing.md "Sanitizers"). Storage only: the server tests' gRPC and absl are not built
# with TSan, so their threads' hand-offs are invisible to it.
TSAN_TESTS ?= Concurrency|Concurrent|WhileCompaction|EngineMaintenance|Expire|Relaxed|BatchSearchSpreadOverThreads|CompactionBuildsBeside|VectorSnapshotTest
# The tests that insert into hnswlib graphs run without TSan's lock-order
# (deadlock) detector: hnswlib's insert takes its per-element locks and its
# global lock in an order TSan reports as a cycle that cannot deadlock
# (docs/testing.md), and gcc 12's TSan cannot suppress it reliably. Data races
# are still detected in them.
TSAN_HNSW_TESTS := EngineMaintenance|VectorSnapshotTest|VectorStoreTest\.(Concurrent|BatchSearchSpreadOverThreads|CompactionBuildsBeside)
TSAN_ENV := TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1
sanitize-thread: $(STAMPS)/apt
	@test -f $(TSAN_BUILD_DIR)/build.ninja || cmake -S . -B $(TSAN_BUILD_DIR) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSTRATA_TSAN=ON
	cmake --build $(TSAN_BUILD_DIR) -j $(JOBS) --target storage_tests
	$(TSAN_ENV) ctest --test-dir $(TSAN_BUILD_DIR) --output-on-failure -j $(JOBS) -L unit -R '$(TSAN_TESTS)' -E '$(TSAN_HNSW_TESTS)' --timeout 600
	$(TSAN_ENV):detect_deadlocks=0 ctest --test-dir $(TSAN_BUILD_DIR) --output-on-failure -j $(JOBS) -L unit -R '$(TSAN_HNSW_TESTS)' --timeout 600

## fuzz: libFuzzer targets of tests/fuzz (value decoder, key codec, JSON path,
##   vector filter, bundle reader), FUZZ_SECONDS each; installs Debian clang on
##   demand (not needed by `make test`); build in build-fuzz
FUZZ_SECONDS ?= 60
FUZZ_BUILD_DIR ?= build-fuzz
FUZZ_APT_PACKAGES := clang libclang-rt-14-dev
fuzz: $(STAMPS)/apt
	@missing=$$(for p in $(FUZZ_APT_PACKAGES); do dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'install ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages: $$missing"; \
	  apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $$missing || exit 1; \
	fi
	@test -f $(FUZZ_BUILD_DIR)/build.ninja || CXX=clang++ cmake -S . -B $(FUZZ_BUILD_DIR) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSTRATA_FUZZ=ON
	cmake --build $(FUZZ_BUILD_DIR) -j $(JOBS) --target fuzz_targets
	tests/fuzz/run_fuzzers.sh $(FUZZ_BUILD_DIR) $(FUZZ_SECONDS)

## soak: 16 clients, mixed workload, SOAK_SECONDS (default 180): zero errors
##   expected, server RSS sampled over time (bench/soak/)
SOAK_SECONDS ?= 180
soak: build venv
	$(VENV)/bin/python bench/soak/soak.py --stratad $(BUILD_DIR)/stratad --seconds $(SOAK_SECONDS)

## verify-image: build the container image from the Dockerfile (buildah, chroot
##   isolation, a local debootstrap base) and check that it serves; slow (it
##   compiles stratad in the image), so not part of `make test`
verify-image: venv
	deploy/verify-image.sh

clean:
	rm -rf $(BUILD_DIR) $(STAMPS)
