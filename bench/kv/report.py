"""Machine description, aggregation over repeats, the printed table and ratios."""

import os
import platform
import statistics
import subprocess

FIGURES = ("ops_per_s", "p50_us", "p99_us", "mean_us", "max_us", "client_cpu_us_per_op",
           "server_cpu_us_per_op", "disk_fsync_p50_us", "disk_slow_sync_share")


def _read(path):
    try:
        with open(path) as f:
            return f.read()
    except OSError:
        return ""


def machine(tmp_dir):
    cpu = next((line.split(":", 1)[1].strip() for line in _read("/proc/cpuinfo").splitlines()
                if line.startswith("model name")), platform.processor())
    mem_kib = next((int(line.split()[1]) for line in _read("/proc/meminfo").splitlines()
                    if line.startswith("MemTotal:")), 0)
    disk = {}
    try:
        out = subprocess.run(["df", "-P", "-T", tmp_dir], capture_output=True, text=True, timeout=10)
        cells = out.stdout.splitlines()[1].split()
        disk = {"path": tmp_dir, "device": cells[0], "fstype": cells[1],
                "size_bytes": int(cells[2]) * 1024, "available_bytes": int(cells[4]) * 1024}
        dev = os.path.basename(os.path.realpath(cells[0]))
        rot = _read(f"/sys/class/block/{dev}/queue/rotational").strip()
        if rot:
            disk["rotational"] = rot == "1"
        model = _read(f"/sys/class/block/{dev}/device/model").strip()
        if model:
            disk["model"] = model
    except (OSError, IndexError, ValueError, subprocess.SubprocessError):
        pass
    return {
        "hostname": platform.node(),
        "nproc": os.cpu_count(),
        "affinity_cpus": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None,
        "memory_bytes": mem_kib * 1024,
        "kernel": platform.release(),
        "os": _read("/etc/os-release").split('PRETTY_NAME="', 1)[-1].split('"', 1)[0] or platform.platform(),
        "cpu_model": cpu,
        "loadavg_at_start": list(os.getloadavg()),
        "disk": disk,
    }


def percentile(sorted_values, q):
    """Nearest-rank percentile of a sorted list."""
    if not sorted_values:
        return None
    rank = max(1, -(-len(sorted_values) * q // 100))  # ceil(len * q / 100)
    return sorted_values[int(rank) - 1]


class Accumulator:
    """One (system, driver, clients, op, repeat)'s chunks, merged: latencies
    pooled, wall times and CPU summed. Chunks that carry only their own
    percentiles (redis-benchmark) give the median of those instead."""

    def __init__(self):
        self.lat_ns, self.chunk_pct = [], []
        self.n = self.wall_ns = self.errors = self.chunks = 0
        self.client_cpu_s = self.server_cpu_s = 0.0
        self.has_server_cpu = False
        self.commits = self.commit_puts = 0
        self.fsync_us, self.first_error, self.truncated = [], None, False

    def add(self, chunk, fsync_us):
        self.chunks += 1
        if "lat_ns" in chunk:
            self.lat_ns.extend(chunk["lat_ns"])
            self.n += len(chunk["lat_ns"])
        else:
            self.n += chunk["n"]
            self.chunk_pct.append(chunk)
        self.wall_ns += chunk["wall_ns"]
        self.errors += chunk.get("errors") or 0
        self.first_error = self.first_error or chunk.get("first_error")
        self.truncated = self.truncated or bool(chunk.get("truncated"))
        self.client_cpu_s += chunk.get("client_cpu_s") or 0.0
        if "server_cpu_s" in chunk:
            self.has_server_cpu = True
            self.server_cpu_s += chunk["server_cpu_s"]
        if "commits" in chunk:
            self.commits += chunk["commits"]
            self.commit_puts += len(chunk.get("lat_ns") or [])
        self.fsync_us.append(fsync_us)

    def figures(self):
        out = {"n": self.n, "chunks": self.chunks, "wall_s": round(self.wall_ns / 1e9, 4),
               "ops_per_s": round(self.n / (self.wall_ns / 1e9), 1) if self.wall_ns else None}
        if self.lat_ns:
            lat = sorted(self.lat_ns)
            out.update(p50_us=percentile(lat, 50) / 1000.0, p99_us=percentile(lat, 99) / 1000.0,
                       mean_us=round(sum(lat) / len(lat) / 1000.0, 1), max_us=lat[-1] / 1000.0)
        elif self.chunk_pct:
            for f in ("p50_us", "p99_us", "mean_us", "max_us"):
                out[f] = statistics.median(c[f] for c in self.chunk_pct)
            out["percentiles"] = "median over chunks of each chunk's own percentile"
        if self.n:
            out["client_cpu_us_per_op"] = round(self.client_cpu_s / self.n * 1e6, 1)
            if self.has_server_cpu:
                out["server_cpu_us_per_op"] = round(self.server_cpu_s / self.n * 1e6, 1)
        if self.commits:
            out["group_commit"] = {"puts": self.commit_puts, "commits": self.commits,
                                   "mean_batch": round(self.commit_puts / self.commits, 2)}
        if self.fsync_us:
            out["disk_fsync_p50_us"] = statistics.median(p["p50_us"] for p in self.fsync_us)
            out["disk_slow_sync_share"] = round(statistics.mean(p["slow_share"] for p in self.fsync_us), 3)
        out.update(errors=self.errors, first_error=self.first_error, truncated=self.truncated)
        return out


def aggregate(rows):
    """rows: one dict per (system, driver, clients, op, repeat). Returns one
    entry per (system, driver, clients, op) with the median of each figure
    over the repeats and every repeat's own figures."""
    groups = {}
    for r in rows:
        groups.setdefault((r["system"], r["driver"], r["clients"], r["op"]), []).append(r)
    out = []
    for (system, driver, clients, op), reps in groups.items():
        median = {}
        for f in FIGURES:
            vals = [r[f] for r in reps if r.get(f) is not None]
            median[f] = round(statistics.median(vals), 3 if f == "disk_slow_sync_share" else 1) if vals else None
        extra = {}
        gc = [r["group_commit"] for r in reps if r.get("group_commit")]
        if gc:
            extra["group_commit_mean_batch"] = round(statistics.median(
                g["mean_batch"] for g in gc if g["mean_batch"]), 2)
        out.append({
            "system": system, "driver": driver, "clients": clients, "op": op,
            **median, **extra,
            "errors": sum(r.get("errors") or 0 for r in reps),
            "repeats": [{k: v for k, v in r.items() if k not in ("system", "driver", "clients", "op")}
                        for r in reps],
        })
    order = {"stratad": 0, "etcd": 1, "redis": 2, "lmdb": 3}
    drivers = {"python": 0, "ghz": 1, "redis-benchmark": 1}
    ops = {"put": 0, "get": 1, "ping": 2}
    out.sort(key=lambda e: (order.get(e["system"], 9), drivers.get(e["driver"], 9), e["clients"],
                            ops.get(e["op"], 9)))
    return out


def _fmt(v, width, digits=0):
    return f"{v:>{width},.{digits}f}" if isinstance(v, (int, float)) else f"{'-':>{width}}"


def table(entries):
    lines = [f"{'system':<8} {'driver':<16} {'clients':>7} {'op':<5} {'ops/s':>10} {'p50 µs':>9} "
             f"{'p99 µs':>9} {'cpu cli':>8} {'cpu srv':>8} {'slow%':>6}  notes"]
    lines.append("-" * len(lines[0]))
    for e in entries:
        notes = []
        if e.get("group_commit_mean_batch"):
            notes.append(f"{e['group_commit_mean_batch']} puts/commit")
        if e["errors"]:
            notes.append(f"{e['errors']} errors")
        lines.append(
            f"{e['system']:<8} {e['driver']:<16} {e['clients']:>7} {e['op']:<5} "
            f"{_fmt(e['ops_per_s'], 10)} {_fmt(e['p50_us'], 9)} {_fmt(e['p99_us'], 9)} "
            f"{_fmt(e['client_cpu_us_per_op'], 8)} {_fmt(e['server_cpu_us_per_op'], 8)} "
            f"{_fmt(e['disk_slow_sync_share'] * 100 if e['disk_slow_sync_share'] is not None else None, 6)}"
            f"  {', '.join(notes)}"
        )
    return "\n".join(lines)


def ratios(entries, clients):
    """The comparisons that matter, as (name, value, explanation)."""
    by = {(e["system"], e["driver"], e["clients"], e["op"]): e for e in entries}

    def fig(system, driver, c, op, f="ops_per_s"):
        e = by.get((system, driver, c, op))
        return e.get(f) if e else None

    def ratio(a, b):
        return round(a / b, 2) if a and b else None

    lo, hi = min(clients), max(clients)
    out = []
    for system, driver in (("stratad", "python"), ("stratad", "ghz"), ("etcd", "python"),
                           ("etcd", "ghz"), ("redis", "python"), ("redis", "redis-benchmark"),
                           ("lmdb", "python")):
        r = ratio(fig(system, driver, hi, "put"), fig(system, driver, lo, "put"))
        if r is not None:
            out.append((f"{system}/{driver} put ops/s, {hi} vs {lo} clients", r,
                        "group commit: >1 means concurrent durable puts share fsyncs"))
    for op in ("put", "get"):
        for c in (lo, hi):
            ours = fig("stratad", "python", c, op)
            for peer in ("etcd", "redis", "lmdb"):
                r = ratio(ours, fig(peer, "python", c, op))
                if r is not None:
                    out.append((f"stratad/{peer} {op} ops/s, {c} client(s), Python", r,
                                ">1: stratad faster"))
            for peer, driver in (("etcd", "ghz"), ("redis", "redis-benchmark")):
                r = ratio(fig("stratad", "ghz", c, op), fig(peer, driver, c, op))
                if r is not None:
                    out.append((f"stratad/{peer} {op} ops/s, {c} client(s), native drivers", r,
                                "server against server, no Python client"))
            r = ratio(ours, fig("stratad", "ghz", c, op))
            if r is not None:
                out.append((f"stratad Python/ghz {op} ops/s, {c} client(s)", r,
                            "<1: the Python client, not the server, is the limit"))
    for c in (lo, hi):
        for op in ("put", "get"):
            r = ratio(fig("stratad", "python", c, op, "p50_us"), fig("stratad", "python", c, "ping", "p50_us"))
            if r is not None:
                out.append((f"stratad {op} p50 / ping p50, {c} client(s), Python", r,
                            "latency over the transport floor"))
    return out
