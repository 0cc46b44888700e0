"""KV benchmark: put/get latency and throughput of stratad beside its peers.

Starts a fresh stratad (durability `always`), etcd and Redis (appendfsync
always), each on 127.0.0.1 with a free port and its data in a temp directory on
the same disk, and one Python worker process per system (bench/kv/worker.py;
raw in-process LMDB is the physical limit). At 1 and 16 concurrent clients,
each measures N puts of ~100-byte values to distinct keys, N gets of them and
N pings; ghz drives stratad (and etcd) and redis-benchmark drives Redis for
each server's own ceiling. All of it runs in small chunks interleaved across
the systems, so that a slow spell of a shared disk or CPU hits every system
alike. Prints a table (medians over the repeats) and the ratios that matter;
writes everything to bench/results/kv-<timestamp>.json. See bench/README.md.

    .venv/bin/python bench/kv/run.py --stratad build/stratad --ghz .tools/bin/ghz
"""

import argparse
import atexit
import datetime
import json
import math
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import drivers  # noqa: E402
import procstat  # noqa: E402
import report  # noqa: E402
import servers  # noqa: E402
from worker import make_value  # noqa: E402
from worker_process import WorkerError, WorkerProcess, etcd_protoset  # noqa: E402

REPO = os.path.dirname(os.path.dirname(HERE))
SYSTEMS = ("stratad", "etcd", "redis", "lmdb")
OPS = ("put", "get", "ping")
NATIVE_OPS = {"stratad": ("put", "get", "ping"), "etcd": ("put", "get"), "redis": ("put", "get", "ping")}
NATIVE_NAME = {"stratad": "ghz", "etcd": "ghz", "redis": "redis-benchmark"}


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--stratad", default=os.path.join(REPO, "build", "stratad"))
    p.add_argument("--ghz", default=os.path.join(REPO, ".tools", "bin", "ghz"),
                   help="ghz binary; '' skips the ghz runs")
    p.add_argument("--n", type=int, default=2000,
                   help="operations per phase (put, get, ping), client count and repeat")
    p.add_argument("--ghz-n", type=int, default=None,
                   help="calls per phase of the native drivers, ghz and redis-benchmark (default 2 x --n)")
    p.add_argument("--chunk", type=int, default=250,
                   help="Python operations per interleaved chunk (the native drivers get as many chunks)")
    p.add_argument("--clients", default="1,16", help="comma-separated client counts")
    p.add_argument("--repeat", type=int, default=3, help="repeats; the table shows medians")
    p.add_argument("--value-size", type=int, default=100)
    p.add_argument("--systems", default=",".join(SYSTEMS), help="subset of " + ",".join(SYSTEMS))
    p.add_argument("--no-native", action="store_true", help="skip ghz and redis-benchmark")
    p.add_argument("--quick", action="store_true", help="smoke run: --n 200 --repeat 1 --chunk 100")
    p.add_argument("--tmp-dir", default=None, help="where the data goes (default: $TMPDIR or /tmp)")
    p.add_argument("--out-dir", default=os.path.join(REPO, "bench", "results"))
    p.add_argument("--max-seconds", type=float, default=120.0,
                   help="bound on each timed chunk and each native-driver run")
    p.add_argument("--keep", action="store_true", help="keep the temp directory (logs, data)")
    args = p.parse_args(argv)
    if args.quick:
        args.n, args.repeat, args.chunk = 200, 1, 100
    if args.ghz_n is None:
        args.ghz_n = 2 * args.n
    args.clients = sorted({int(c) for c in args.clients.split(",")})
    args.systems = [s for s in args.systems.split(",") if s]
    unknown = set(args.systems) - set(SYSTEMS)
    if unknown:
        p.error(f"unknown systems: {', '.join(sorted(unknown))}")
    args.chunks = max(1, math.ceil(args.n / args.chunk))
    if args.n // args.chunks < max(args.clients) or args.ghz_n // args.chunks < max(args.clients):
        p.error("each chunk needs at least one operation per client: raise --n/--ghz-n or --chunk")
    return args


def log(msg):
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def split(n, parts):
    """n as `parts` near-equal (start, count) ranges."""
    base, extra = divmod(n, parts)
    out, start = [], 0
    for i in range(parts):
        count = base + (1 if i < extra else 0)
        out.append((start, count))
        start += count
    return out


class Run:
    def __init__(self, args, tmp_root):
        self.args = args
        self.tmp = tmp_root
        self.servers = {}
        self.workers = {}
        self.native = {}  # system -> callable(op, clients, n, prefix) -> chunk
        self.acc = {}  # (system, driver, clients, op, repeat) -> Accumulator
        self.failures = []
        self.closing = {}

    # -- set-up ---------------------------------------------------------------

    def start(self):
        a = self.args
        factories = {"stratad": lambda: servers.Stratad(self.tmp, a.stratad),
                     "etcd": lambda: servers.Etcd(self.tmp), "redis": lambda: servers.Redis(self.tmp)}
        for name in a.systems:
            if name in factories:
                log(f"starting {name}")
                self.servers[name] = factories[name]()
                self.servers[name].start()
                log(f"  {name} on {self.servers[name].address}")
        for name in a.systems:
            log_path = os.path.join(self.tmp, f"worker-{name}.log")
            if name == "lmdb":
                path = os.path.join(self.tmp, "lmdb", "data")
                self.workers[name] = WorkerProcess(name, log_path, path=path, value_size=a.value_size,
                                                   max_seconds=a.max_seconds)
            else:
                s = self.servers[name]
                self.workers[name] = WorkerProcess(name, log_path, address=s.address, server_pid=s.proc.pid,
                                                   value_size=a.value_size, max_seconds=a.max_seconds)
        if not a.no_native:
            self._natives()

    def _natives(self):
        a = self.args
        value = make_value(a.value_size).decode()
        ghz_bin = a.ghz if a.ghz and os.access(a.ghz, os.X_OK) else None
        if a.ghz and not ghz_bin:
            log(f"warning: no ghz at {a.ghz}: skipping the ghz runs")
        if ghz_bin and "stratad" in self.servers:
            s = self.servers["stratad"]
            self.native["stratad"] = lambda op, c, n, prefix: drivers.stratad_ghz(
                ghz_bin, s.address, op, c, n, value, prefix, a.max_seconds, s.proc.pid)
        if ghz_bin and "etcd" in self.servers:
            e = self.servers["etcd"]
            protoset = etcd_protoset(os.path.join(self.tmp, "etcd.protoset"))
            self.native["etcd"] = lambda op, c, n, prefix: drivers.etcd_ghz(
                ghz_bin, e.address, protoset, self.tmp, op, c, n, value, prefix, a.max_seconds, e.proc.pid)
        if "redis" in self.servers and drivers.redis_benchmark_path():
            r = self.servers["redis"]
            self.native["redis"] = lambda op, c, n, prefix: drivers.redis_benchmark(
                r.address, op, c, n, a.value_size, a.max_seconds, r.proc.pid)

    # -- measurement ----------------------------------------------------------

    def _add(self, key, rep, chunk, fsync_us):
        self.acc.setdefault(key + (rep,), report.Accumulator()).add(chunk, fsync_us)

    def _fail(self, system, driver, error):
        self.failures.append({"system": system, "driver": driver, "error": str(error)})
        log(f"  {system}/{driver} failed, dropped from the run: {error}")

    def measure(self):
        a = self.args
        py_chunks = split(a.n, a.chunks)
        native_chunks = split(a.ghz_n, a.chunks)
        step = 0
        for rep in range(a.repeat):
            t0 = time.monotonic()
            probes = []
            for k in range(a.chunks):
                # Client counts side by side, so that their ratio compares like
                # with like when the disk changes pace.
                for c in a.clients:
                    # Rotate the order every chunk: no system always runs first.
                    order = a.systems[step % len(a.systems):] + a.systems[:step % len(a.systems)]
                    step += 1
                    fsync_us = procstat.fsync_probe(self.tmp)
                    probes.append(fsync_us)
                    start, count = py_chunks[k]
                    self._python_chunk(rep, c, order, [f"r{rep}-c{c}-{i:08d}" for i in range(start, start + count)],
                                       fsync_us)
                    self._native_chunk(rep, c, order, native_chunks[k][1], f"native-r{rep}-c{c}-k{k}", fsync_us)
            log(f"repeat {rep + 1}/{a.repeat}: {a.chunks} chunks x {len(a.clients)} client counts in "
                f"{time.monotonic() - t0:.0f}s; share of slow (>1 ms) probe syncs per chunk: "
                + " ".join(f"{p['slow_share']:.0%}" for p in probes))

    def _python_chunk(self, rep, c, order, keys, fsync_us):
        for op in OPS:
            for system in order:
                w = self.workers.get(system)
                if w is None or (op == "ping" and system in ("etcd", "lmdb")):
                    continue
                try:
                    chunk = w.phase(op, c, keys)
                except WorkerError as e:
                    self._fail(system, "python", e)
                    self.workers.pop(system).stop()
                    continue
                self._add((system, "python", c, op), rep, chunk, fsync_us)

    def _native_chunk(self, rep, c, order, n, prefix, fsync_us):
        for system in order:
            run = self.native.get(system)
            if run is None:
                continue
            for op in NATIVE_OPS[system]:
                try:
                    chunk = run(op, c, n, prefix)
                except (RuntimeError, subprocess.SubprocessError, ValueError, KeyError) as e:
                    self._fail(system, NATIVE_NAME[system], e)
                    self.native.pop(system)
                    break
                self._add((system, NATIVE_NAME[system], c, op), rep, chunk, fsync_us)

    def finish(self):
        for name, w in list(self.workers.items()):
            try:
                self.closing[name] = w.close()
            except WorkerError as e:
                self.closing[name] = {"error": str(e)}
        self.workers.clear()
        data_bytes = {name: servers.dir_bytes(s.data_dir) for name, s in self.servers.items()}
        data_bytes["lmdb"] = servers.dir_bytes(os.path.join(self.tmp, "lmdb"))
        versions = {name: s.version() for name, s in self.servers.items()}
        log_tail = servers.tail(self.servers["stratad"].log_path, 30) if "stratad" in self.servers else None
        self.stop()
        return data_bytes, versions, log_tail

    def stop(self):
        for w in self.workers.values():
            w.stop()
        self.workers.clear()
        for s in self.servers.values():
            s.stop()

    def rows(self):
        out = []
        for (system, driver, c, op, rep), acc in self.acc.items():
            out.append({"system": system, "driver": driver, "clients": c, "op": op, "repeat": rep,
                        **acc.figures()})
        return out


def tool_version(binary):
    if not binary:
        return None
    try:
        out = subprocess.run([binary, "--version"], capture_output=True, text=True, timeout=10)
        return (out.stdout.strip() or out.stderr.strip()).splitlines()[0]
    except (OSError, subprocess.SubprocessError, IndexError):
        return None


def main(argv=None):
    args = parse_args(argv)
    started = datetime.datetime.now(datetime.timezone.utc)
    t_start = time.monotonic()
    tmp_root = tempfile.mkdtemp(prefix="strata-bench-kv-", dir=args.tmp_dir)
    info = report.machine(tmp_root)
    if info.get("disk", {}).get("fstype") in ("tmpfs", "ramfs"):
        log(f"warning: {tmp_root} is on {info['disk']['fstype']}: fsync costs nothing there")
    run = Run(args, tmp_root)

    def cleanup():
        run.stop()
        if not args.keep:
            shutil.rmtree(tmp_root, ignore_errors=True)

    atexit.register(cleanup)
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda signum, frame: sys.exit(128 + signum))

    run.start()
    run.measure()
    data_bytes, versions, log_tail = run.finish()

    entries = report.aggregate(run.rows())
    ratios = report.ratios(entries, args.clients)
    print()
    print(f"KV benchmark: {args.n} Python ops and {args.ghz_n} native calls per phase, in {args.chunks} "
          f"interleaved chunks; {args.value_size}-byte values; durable writes; medians of "
          f"{args.repeat} repeat(s)")
    print(f"{info['nproc']} CPUs ({info['cpu_model']}), {info['memory_bytes'] / 2**30:.0f} GiB, "
          f"kernel {info['kernel']}, data on {info['disk'].get('device', '?')} "
          f"({info['disk'].get('fstype', '?')}); load average at start "
          f"{', '.join(f'{x:.1f}' for x in info['loadavg_at_start'])}")
    print()
    print(report.table(entries))
    print("cpu cli / cpu srv: CPU µs per operation of the client process (Python worker or load"
          " generator) and of the server process")
    print("slow%: share of a probe's 4 KiB write + fdatasync slower than 1 ms, probed before each chunk"
          " (the disk's state; a throttled sync takes ~4 ms)")
    print()
    width = max((len(n) for n, _, _ in ratios), default=0)
    for name, value, why in ratios:
        print(f"{name:<{width}}  {value:>7.2f}   {why}")
    for f in run.failures:
        print(f"FAILED {f['system']} {f['driver']}: {f['error'][:300]}")

    doc = {
        "benchmark": "kv",
        "started": started.isoformat(timespec="seconds"),
        "duration_s": round(time.monotonic() - t_start, 1),
        "machine": info,
        "loadavg_at_end": list(os.getloadavg()),
        "parameters": {
            "n": args.n, "native_n": args.ghz_n, "chunks": args.chunks, "clients": args.clients,
            "repeat": args.repeat, "value_size": args.value_size, "systems": args.systems,
            "native_drivers": not args.no_native, "max_seconds": args.max_seconds, "quick": args.quick,
            "durability": {"stratad": "--durability always", "etcd": "default (WAL fsync per commit)",
                           "redis": "appendonly yes, appendfsync always",
                           "lmdb": "default env flags (sync, metasync), one write txn per put"},
        },
        "versions": {"servers": versions, "ghz": tool_version(args.ghz if not args.no_native else None),
                     "workers": run.closing},
        "results": entries,
        "ratios": [{"name": n, "value": v, "meaning": w} for n, v, w in ratios],
        "data_bytes_after": data_bytes,
        "stratad_log_tail": log_tail,
        "failures": run.failures,
    }
    os.makedirs(args.out_dir, exist_ok=True)
    path = os.path.join(args.out_dir, f"kv-{started.strftime('%Y%m%dT%H%M%SZ')}.json")
    with open(path, "w") as f:
        json.dump(doc, f, indent=2)
        f.write("\n")
    print()
    print(f"wrote {os.path.relpath(path)} ({doc['duration_s']:.0f} s)")
    return 1 if run.failures else 0


if __name__ == "__main__":
    sys.exit(main())
