"""Native load generators: each server's own ceiling, without Python.

`ghz` (gRPC, Go) drives stratad by server reflection and etcd from a protoset
built out of etcd3's descriptors; `redis-benchmark` (C, shipped with Redis)
drives Redis. Each call runs one chunk of calls and returns what worker.py's
phases return: wall_ns, errors, CPU seconds of the generator and the server,
and either every latency (`lat_ns`, ghz) or the chunk's own percentiles
(redis-benchmark prints no per-call figures). Every run is bounded in count
and in time.
"""

import base64
import json
import os
import shutil
import subprocess

import procstat

RUN_TIMEOUT = 300  # seconds, at most, for one load-generator run


def _with_cpu(server_pid, run):
    c0, s0 = procstat.children_cpu_seconds(), procstat.cpu_seconds(server_pid)
    out = run()
    out["client_cpu_s"] = procstat.children_cpu_seconds() - c0
    out["server_cpu_s"] = procstat.cpu_seconds(server_pid) - s0
    return out


def ghz(binary, address, call, clients, n, max_seconds, server_pid, data=None, data_file=None,
        protoset=None):
    """n unary calls at `clients` concurrency, one connection per concurrent worker."""
    argv = [
        binary, "--insecure", "--call", call, "-c", str(clients), "-n", str(n),
        "--connections", str(clients), "-t", "30s", "-O", "json",
    ]
    # No -x: ghz 0.120 then runs for the whole duration even after n calls.
    # The subprocess timeout bounds the run instead.
    if protoset:
        argv += ["--protoset", protoset]
    if data_file:
        argv += ["-D", data_file]
    else:
        argv += ["-d", json.dumps(data if data is not None else {})]
    argv.append(address)

    def run():
        out = subprocess.run(argv, capture_output=True, text=True,
                             timeout=min(RUN_TIMEOUT, 2 * max_seconds + 30))
        if out.returncode != 0 and not out.stdout.strip():
            raise RuntimeError(f"ghz {call} failed ({out.returncode}): {out.stderr.strip()[:500]}")
        report = json.loads(out.stdout)
        details = report.get("details") or []
        bad = [d for d in details if d.get("status") != "OK" or d.get("error")]
        return {
            "lat_ns": [d["latency"] for d in details if d.get("status") == "OK" and not d.get("error")],
            "wall_ns": report.get("total") or 0,
            "errors": len(bad) + max(0, n - len(details)),
            "first_error": (bad[0].get("error") or bad[0].get("status")) if bad else None,
            "truncated": len(details) < n,
        }

    return _with_cpu(server_pid, run)


def stratad_ghz(binary, address, op, clients, n, value, prefix, max_seconds, server_pid):
    """One chunk of stratad Put, Get (of the keys that Put wrote) or Ping."""
    key = f"{prefix}-{{{{.RequestNumber}}}}"
    call, data = {
        "put": ("strata.v1.KV/Put", {"key": key, "value": {"stringValue": value}}),
        "get": ("strata.v1.KV/Get", {"key": key}),
        "ping": ("strata.v1.Admin/Ping", {}),
    }[op]
    return ghz(binary, address, call, clients, n, max_seconds, server_pid, data=data)


def etcd_ghz(binary, address, protoset, workdir, op, clients, n, value, prefix, max_seconds,
             server_pid):
    """One chunk of etcd Put or Range. Its keys are bytes (base64 in JSON), so
    the messages go in a file as an array, which ghz walks round-robin."""
    def b64(s):
        return base64.b64encode(s.encode()).decode()

    path = os.path.join(workdir, f"{prefix}-{op}.json")
    with open(path, "w") as f:
        if op == "put":
            json.dump([{"key": b64(f"{prefix}-{i}"), "value": b64(value)} for i in range(n)], f)
        else:
            json.dump([{"key": b64(f"{prefix}-{i}")} for i in range(n)], f)
    try:
        call = "etcdserverpb.KV/Put" if op == "put" else "etcdserverpb.KV/Range"
        return ghz(binary, address, call, clients, n, max_seconds, server_pid, data_file=path,
                   protoset=protoset)
    finally:
        os.unlink(path)


def redis_benchmark_path():
    return shutil.which("redis-benchmark")


def redis_benchmark(address, op, clients, n, value_size, max_seconds, server_pid):
    """One chunk of SET, GET (random keys among n: -r n, so that the GETs
    mostly hit what the SETs wrote) or PING, at `clients` connections, no
    pipelining. Its CSV gives rps and latency percentiles in ms."""
    host, _, port = address.rpartition(":")
    test = {"put": "set", "get": "get", "ping": "ping_mbulk"}[op]
    argv = [
        redis_benchmark_path(), "-h", host, "-p", port, "-c", str(clients), "-n", str(n),
        "-d", str(value_size), "-r", str(n), "-P", "1", "-t", test, "--csv",
    ]

    def run():
        out = subprocess.run(argv, capture_output=True, text=True,
                             timeout=min(RUN_TIMEOUT, 2 * max_seconds + 30))
        if out.returncode != 0:
            raise RuntimeError(f"redis-benchmark failed ({out.returncode}): {out.stderr.strip()[:500]}")
        lines = [line for line in out.stdout.splitlines() if line.strip()]
        if len(lines) < 2:
            raise RuntimeError(f"redis-benchmark -t {test}: no CSV row in {out.stdout[:300]!r}")
        header = [c.strip('"') for c in lines[0].split('","')]
        row = dict(zip(header, [c.strip('"') for c in lines[1].split('","')]))
        return {
            "n": n, "wall_ns": int(n / float(row["rps"]) * 1e9),
            "p50_us": float(row["p50_latency_ms"]) * 1000.0,
            "p99_us": float(row["p99_latency_ms"]) * 1000.0,
            "mean_us": float(row["avg_latency_ms"]) * 1000.0,
            "max_us": float(row["max_latency_ms"]) * 1000.0,
            "errors": 0, "first_error": None, "truncated": False,
        }

    return _with_cpu(server_pid, run)
