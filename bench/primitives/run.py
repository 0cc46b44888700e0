"""Primitives benchmark: state CAS, event append and JSON path update of
stratad beside etcd and Redis, at 1 and 16 clients, durable writes.

Starts a fresh stratad (`--durability always`), etcd and Redis (appendfsync
always) on 127.0.0.1 with free ports (bench/kv/servers.py), one Python worker
process per system (bench/primitives/prim_worker.py), and runs, in small
chunks interleaved across systems and client counts (a slow spell of the
shared disk then hits all alike):

    cas_shared  CAS increments of one counter shared by all clients
    cas_own     CAS increments of one counter per client
    append      event append (stratad event_append, Redis XADD, etcd put)
    json_set    $.counter of a ~1 KB document (stratad json_set; peers: read-
                modify-write of the whole document, WATCH/MULTI or Txn)
    json_get    $.counter of it (peers: GET + parse)

then times stratad's event_verify() over the whole log. Prints a table
(medians over the repeats) and ratios; writes
bench/results/primitives-<timestamp>.json. See bench/README.md.

    .venv/bin/python bench/primitives/run.py [--quick]
"""

import argparse
import atexit
import datetime
import json
import math
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "kv"))

import procstat  # noqa: E402  (bench/kv)
import report  # noqa: E402  (bench/kv)
import servers  # noqa: E402  (bench/kv)
import worker_process  # noqa: E402  (bench/kv)
from worker_process import WorkerError  # noqa: E402

sys.path.insert(0, HERE)
from prim_worker import make_doc  # noqa: E402

REPO = os.path.dirname(os.path.dirname(HERE))
WORKER = os.path.join(HERE, "prim_worker.py")
SYSTEMS = ("stratad", "etcd", "redis")
OPS = ("cas_shared", "cas_own", "append", "json_set", "json_get")
PEER_FORM = {
    ("stratad", "cas_shared"): "state_cas(v+1, expected=v); re-read on conflict",
    ("etcd", "cas_shared"): "Txn(value == v, put v+1); re-read on conflict",
    ("redis", "cas_shared"): "EVALSHA Lua GET/compare/SET; re-read on conflict",
    ("stratad", "append"): "event_append (hash-chained, gap-free sequence)",
    ("etcd", "append"): "put events/<client>/<n> (order: revision; no chain)",
    ("redis", "append"): "XADD events * (no chain)",
    ("stratad", "json_set"): "json_set(doc, '$.counter', i)",
    ("etcd", "json_set"): "get + parse + Txn(mod_revision ==, put whole doc)",
    ("redis", "json_set"): "WATCH, GET, parse, MULTI SET EXEC",
    ("stratad", "json_get"): "json_get(doc, '$.counter')",
    ("etcd", "json_get"): "get + parse",
    ("redis", "json_get"): "GET + parse",
}


class PrimWorker(worker_process.WorkerProcess):
    """bench/kv's worker pipe (timeouts, JSON lines), on prim_worker.py."""

    def __init__(self, system, log_path, address, server_pid, max_seconds):
        import queue
        import threading

        argv = [sys.executable, WORKER, "serve", "--system", system, "--address", address,
                "--server-pid", str(server_pid), "--max-seconds", str(max_seconds)]
        self.system, self.log_path, self.timeout = system, log_path, max_seconds + 120
        self._log = open(log_path, "ab")
        self.proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self._log,
                                     text=True, bufsize=1, env=worker_process.worker_env(system))
        self._lines = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()
        self._answer(60)

    def run(self, op, clients, n):
        return self.request({"cmd": "phase", "op": op, "clients": clients, "n": n})


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--stratad", default=os.path.join(REPO, "build", "stratad"))
    p.add_argument("--n", type=int, default=800, help="operations per phase, client count and repeat")
    p.add_argument("--chunk", type=int, default=200, help="operations per interleaved chunk")
    p.add_argument("--clients", default="1,16", help="comma-separated client counts")
    p.add_argument("--repeat", type=int, default=3, help="repeats; the table shows medians")
    p.add_argument("--ops", default=",".join(OPS), help="subset of " + ",".join(OPS))
    p.add_argument("--systems", default=",".join(SYSTEMS), help="subset of " + ",".join(SYSTEMS))
    p.add_argument("--verify-repeat", type=int, default=3, help="event_verify() timings at the end")
    p.add_argument("--quick", action="store_true", help="smoke run: --n 96 --repeat 1 --chunk 48")
    p.add_argument("--tmp-dir", default=None, help="where the data goes (default: $TMPDIR or /tmp)")
    p.add_argument("--out-dir", default=os.path.join(REPO, "bench", "results"))
    p.add_argument("--max-seconds", type=float, default=60.0, help="bound on each timed chunk")
    p.add_argument("--keep", action="store_true", help="keep the temp directory (logs, data)")
    args = p.parse_args(argv)
    if args.quick:
        args.n, args.repeat, args.chunk, args.verify_repeat = 96, 1, 48, 1
    args.clients = sorted({int(c) for c in args.clients.split(",")})
    args.systems = [s for s in args.systems.split(",") if s]
    args.ops = [o for o in args.ops.split(",") if o]
    if set(args.systems) - set(SYSTEMS) or set(args.ops) - set(OPS):
        p.error("unknown system or op")
    args.chunks = max(1, math.ceil(args.n / args.chunk))
    if args.n // args.chunks < max(args.clients):
        p.error("each chunk needs at least one operation per client: raise --n or --chunk")
    return args


def log(msg):
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def split(n, parts):
    base, extra = divmod(n, parts)
    return [base + (1 if i < extra else 0) for i in range(parts)]


class Run:
    def __init__(self, args, tmp):
        self.args, self.tmp = args, tmp
        self.servers, self.workers, self.closing = {}, {}, {}
        self.acc = {}  # (system, clients, op, repeat) -> report.Accumulator
        self.cas = {}  # same key -> [attempts, conflicts, writer commits, writer requests]
        self.failures = []
        self.verify = []

    def start(self):
        a = self.args
        make = {"stratad": lambda: servers.Stratad(self.tmp, a.stratad), "etcd": lambda: servers.Etcd(self.tmp),
                "redis": lambda: servers.Redis(self.tmp)}
        for name in a.systems:
            log(f"starting {name}")
            s = self.servers[name] = make[name]()
            s.start()
            log(f"  {name} on {s.address}")
            self.workers[name] = PrimWorker(name, os.path.join(self.tmp, f"worker-{name}.log"), s.address,
                                            s.proc.pid, a.max_seconds)

    def measure(self):
        a = self.args
        sizes = split(a.n, a.chunks)
        step = 0
        for rep in range(a.repeat):
            t0 = time.monotonic()
            probes = []
            for k in range(a.chunks):
                for c in a.clients:
                    fsync = procstat.fsync_probe(self.tmp)
                    probes.append(fsync)
                    for op in a.ops:
                        order = a.systems[step % len(a.systems):] + a.systems[:step % len(a.systems)]
                        step += 1
                        for system in order:
                            w = self.workers.get(system)
                            if w is None:
                                continue
                            try:
                                chunk = w.run(op, c, sizes[k])
                            except WorkerError as e:
                                self.failures.append({"system": system, "error": str(e)})
                                log(f"  {system} failed, dropped from the run: {e}")
                                self.workers.pop(system).stop()
                                continue
                            key = (system, c, op, rep)
                            self.acc.setdefault(key, report.Accumulator()).add(chunk, fsync)
                            ak = self.cas.setdefault(key, [0, 0, 0, 0])
                            for j, f in enumerate(("attempts", "conflicts", "writer_commits", "writer_requests")):
                                ak[j] += chunk.get(f, 0)
            log(f"repeat {rep + 1}/{a.repeat} in {time.monotonic() - t0:.0f}s; slow (>1 ms) probe syncs per "
                f"chunk: " + " ".join(f"{p['slow_share']:.0%}" for p in probes))
        w = self.workers.get("stratad")
        if w is not None and "append" in a.ops:
            for _ in range(a.verify_repeat):
                try:
                    self.verify.append(w.request({"cmd": "verify"}))
                except WorkerError as e:
                    self.failures.append({"system": "stratad", "error": f"verify: {e}"})
                    break

    def rows(self):
        out = []
        for (system, c, op, rep), acc in self.acc.items():
            f = acc.figures()
            attempts, conflicts, commits, requests = self.cas[(system, c, op, rep)]
            if commits and op != "json_get":
                f["writer"] = {"commits": commits, "requests": requests,
                               "requests_per_commit": round(requests / commits, 2)}
            if op.startswith("cas"):
                f["attempts"], f["conflicts"] = attempts, conflicts
                f["conflict_rate"] = round(conflicts / attempts, 4) if attempts else None
            out.append({"system": system, "driver": "python", "clients": c, "op": op, "repeat": rep, **f})
        return out

    def finish(self):
        for name, w in list(self.workers.items()):
            try:
                self.closing[name] = w.close()
            except WorkerError as e:
                self.closing[name] = {"error": str(e)}
        self.workers.clear()
        data = {n: servers.dir_bytes(s.data_dir) for n, s in self.servers.items()}
        versions = {n: s.version() for n, s in self.servers.items()}
        log_tail = servers.tail(self.servers["stratad"].log_path, 30) if "stratad" in self.servers else None
        self.stop()
        return data, versions, log_tail

    def stop(self):
        for w in self.workers.values():
            w.stop()
        self.workers.clear()
        for s in self.servers.values():
            s.stop()


def aggregate(rows):
    """bench/kv's aggregation (medians over repeats), plus the CAS conflict rate."""
    entries = report.aggregate(rows)
    for e in entries:
        rates = [r["conflict_rate"] for r in e["repeats"] if r.get("conflict_rate") is not None]
        e["conflict_rate"] = round(statistics.median(rates), 4) if rates else None
        rpc = [r["writer"]["requests_per_commit"] for r in e["repeats"] if r.get("writer")]
        e["writer_requests_per_commit"] = statistics.median(rpc) if rpc else None
    order = {s: i for i, s in enumerate(SYSTEMS)}
    ops = {o: i for i, o in enumerate(OPS)}
    entries.sort(key=lambda e: (ops[e["op"]], e["clients"], order[e["system"]]))
    return entries


def fmt(v, width, digits=0):
    return f"{v:>{width},.{digits}f}" if isinstance(v, (int, float)) else f"{'-':>{width}}"


def table(entries):
    head = (f"{'op':<10} {'clients':>7} {'system':<8} {'ops/s':>9} {'p50 µs':>9} {'p99 µs':>9} "
            f"{'conflict':>8} {'cpu cli':>8} {'cpu srv':>8} {'slow%':>6}  form")
    lines = [head, "-" * len(head)]
    prev = None
    for e in entries:
        if prev is not None and (e["op"], e["clients"]) != prev:
            lines.append("")
        prev = (e["op"], e["clients"])
        cr = e.get("conflict_rate")
        slow = e["disk_slow_sync_share"]
        form = PEER_FORM.get((e["system"], e["op"].replace("cas_own", "cas_shared")), "")
        notes = f"; {e['writer_requests_per_commit']} req/commit" if e.get("writer_requests_per_commit") else ""
        notes += f"; {e['errors']} errors" if e["errors"] else ""
        lines.append(
            f"{e['op']:<10} {e['clients']:>7} {e['system']:<8} {fmt(e['ops_per_s'], 9)} {fmt(e['p50_us'], 9)} "
            f"{fmt(e['p99_us'], 9)} {fmt(cr * 100 if cr is not None else None, 7, 1)}{'%' if cr is not None else ' '} "
            f"{fmt(e['client_cpu_us_per_op'], 8)} {fmt(e['server_cpu_us_per_op'], 8)} "
            f"{fmt(slow * 100 if slow is not None else None, 6)}  {form}{notes}")
    return "\n".join(lines)


def ratios(entries, clients):
    by = {(e["system"], e["clients"], e["op"]): e for e in entries}

    def fig(system, c, op, f="ops_per_s"):
        e = by.get((system, c, op))
        return e.get(f) if e else None

    def ratio(a, b):
        return round(a / b, 2) if a and b else None

    out = []
    lo, hi = min(clients), max(clients)
    for op in OPS:
        for c in clients:
            for peer in ("etcd", "redis"):
                r = ratio(fig("stratad", c, op), fig(peer, c, op))
                if r is not None:
                    out.append((f"stratad/{peer} {op} ops/s, {c} client(s)", r, ">1: stratad faster"))
    for op in OPS:
        for system in SYSTEMS:
            r = ratio(fig(system, hi, op), fig(system, lo, op))
            if r is not None and lo != hi:
                out.append((f"{system} {op} ops/s, {hi} vs {lo} clients", r, "scaling (group commit for writes)"))
    for c in clients:
        r = ratio(fig("stratad", c, "cas_shared"), fig("stratad", c, "cas_own"))
        if r is not None:
            out.append((f"stratad cas_shared/cas_own ops/s, {c} client(s)", r, "cost of contention"))
        r = ratio(fig("stratad", c, "json_set", "p50_us"), fig("stratad", c, "json_get", "p50_us"))
        if r is not None:
            out.append((f"stratad json_set p50 / json_get p50, {c} client(s)", r, "durable write over read"))
    return out


def main(argv=None):
    args = parse_args(argv)
    started = datetime.datetime.now(datetime.timezone.utc)
    t_start = time.monotonic()
    tmp = tempfile.mkdtemp(prefix="strata-bench-prim-", dir=args.tmp_dir)
    info = report.machine(tmp)
    if info.get("disk", {}).get("fstype") in ("tmpfs", "ramfs"):
        log(f"warning: {tmp} is on {info['disk']['fstype']}: fsync costs nothing there")
    run = Run(args, tmp)

    def cleanup():
        run.stop()
        if not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)

    atexit.register(cleanup)
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda signum, frame: sys.exit(128 + signum))

    run.start()
    run.measure()
    data, versions, log_tail = run.finish()
    entries = aggregate(run.rows())
    rat = ratios(entries, args.clients)
    verify = None
    if run.verify:
        secs = sorted(v["seconds"] for v in run.verify)
        length = run.verify[-1]["length"]
        verify = {"length": length, "valid": all(v["valid"] for v in run.verify),
                  "median_s": statistics.median(secs), "runs_s": secs,
                  "us_per_event": round(statistics.median(secs) / length * 1e6, 2) if length else None}

    print()
    print(f"Primitives benchmark: {args.n} ops per phase in {args.chunks} interleaved chunks; durable writes "
          f"(stratad always, Redis appendfsync always, etcd WAL fsync); medians of {args.repeat} repeat(s)")
    print(f"{info['nproc']} CPUs ({info['cpu_model']}), {info['memory_bytes'] / 2**30:.0f} GiB, kernel "
          f"{info['kernel']}, data on {info['disk'].get('device', '?')} ({info['disk'].get('fstype', '?')}); "
          f"load average at start {', '.join(f'{x:.1f}' for x in info['loadavg_at_start'])}")
    print()
    print(table(entries))
    print("conflict: failed CAS attempts / all attempts; an op of cas_* is one successful increment "
          "(latency includes retries and re-reads)")
    print("req/commit: stratad's write requests (failed CAS included) per group commit, from Admin.Info")
    print("cpu cli / cpu srv: CPU µs per op of the Python worker and of the server; slow%: share of probe "
          "fsyncs > 1 ms")
    if verify:
        print()
        print(f"stratad event_verify(): {verify['length']} events, valid={verify['valid']}, "
              f"median {verify['median_s'] * 1000:.1f} ms ({verify['us_per_event']} µs/event) "
              f"over {len(secs)} run(s)")
    print()
    width = max((len(n) for n, _, _ in rat), default=0)
    for name, value, why in rat:
        print(f"{name:<{width}}  {value:>7.2f}   {why}")
    for f in run.failures:
        print(f"FAILED {f['system']}: {f['error'][:300]}")

    doc = {
        "benchmark": "primitives",
        "started": started.isoformat(timespec="seconds"),
        "duration_s": round(time.monotonic() - t_start, 1),
        "machine": info,
        "loadavg_at_end": list(os.getloadavg()),
        "parameters": {
            "n": args.n, "chunks": args.chunks, "clients": args.clients, "repeat": args.repeat,
            "ops": args.ops, "systems": args.systems, "max_seconds": args.max_seconds, "quick": args.quick,
            "durability": {"stratad": "--durability always", "etcd": "default (WAL fsync per commit)",
                           "redis": "appendonly yes, appendfsync always"},
            "forms": {f"{s}/{o}": v for (s, o), v in PEER_FORM.items()},
            "json_doc_bytes": len(json.dumps(make_doc("doc-c16-15"))),
        },
        "versions": {"servers": versions, "workers": run.closing},
        "results": entries,
        "ratios": [{"name": n, "value": v, "meaning": w} for n, v, w in rat],
        "event_verify": verify,
        "data_bytes_after": data,
        "stratad_log_tail": log_tail,
        "failures": run.failures,
    }
    os.makedirs(args.out_dir, exist_ok=True)
    path = os.path.join(args.out_dir, f"primitives-{started.strftime('%Y%m%dT%H%M%SZ')}.json")
    with open(path, "w") as f:
        json.dump(doc, f, indent=2)
        f.write("\n")
    print()
    print(f"wrote {os.path.relpath(path)} ({doc['duration_s']:.0f} s)")
    return 1 if run.failures else 0


if __name__ == "__main__":
    sys.exit(main())
