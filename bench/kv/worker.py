"""One system's Python-client side of the KV benchmark, in its own process.

Each peer runs in a process of its own so that the client libraries cannot
slow each other down: etcd3's old generated code needs the pure-Python
protobuf (PROTOCOL_BUFFERS_PYTHON_IMPLEMENTATION=python), which must not touch
the stratad client's measurement.

    worker.py serve --system stratad|etcd|redis|lmdb (--address HOST:PORT | --path DIR)
                    [--server-pid PID] [--value-size 100]
    worker.py protoset --out FILE     (etcd's gRPC descriptors, for ghz)

`serve` reads one JSON command per line on stdin and answers each with one
JSON line on stdout, so that run.py can interleave small chunks of every
system's work (a slow spell of a shared disk then hits all systems alike):

    {"cmd": "phase", "op": "put"|"get"|"ping", "clients": C, "keys": [...]}
        -> {"lat_ns": [...], "wall_ns", "client_cpu_s", "server_cpu_s",
            "errors", "first_error", "truncated"[, "commits"]}
    {"cmd": "close"} -> {"libraries", "python"[, "server_info"]}

A phase splits its keys evenly over C threads, one handle each (opened and
warmed up on first use of that client count, then kept); every operation is
timed alone, and the wall time runs from the first thread's start to the last
thread's end. Gets check the value read.
"""

import argparse
import gc
import json
import sys
import threading
import time

import procstat
from systems import SYSTEMS

MAX_ERRORS = 10  # per thread and phase: then the thread stops
VALUE_PATTERN = b"0123456789abcdefghijklmnopqrstuvwxyz"


def make_value(size: int) -> bytes:
    return (VALUE_PATTERN * (size // len(VALUE_PATTERN) + 1))[:size]


def run_phase(fn, handles, key_slices, check, max_seconds):
    """Run fn(handle, key) for every key, one thread per handle."""
    n_threads = len(handles)
    lat = [[] for _ in range(n_threads)]
    starts = [0] * n_threads
    ends = [0] * n_threads
    errors = [0] * n_threads
    first_error = []
    truncated = []
    barrier = threading.Barrier(n_threads)
    deadline = time.monotonic() + max_seconds

    def loop(i):
        h, keys, out = handles[i], key_slices[i], lat[i]
        clock = time.perf_counter_ns
        barrier.wait(timeout=60)
        starts[i] = clock()
        for j, key in enumerate(keys):
            t0 = clock()
            try:
                got = fn(h, key)
            except Exception as e:  # noqa: BLE001 - counted and reported
                errors[i] += 1
                if not first_error:
                    first_error.append(f"{type(e).__name__}: {e}")
                if errors[i] >= MAX_ERRORS:
                    break
                continue
            out.append(clock() - t0)
            if check is not None and not check(got):
                errors[i] += 1
                if not first_error:
                    first_error.append(f"wrong value for {key!r}: {got!r:.80}")
            if j % 32 == 31 and time.monotonic() > deadline:
                truncated.append(i)
                break
        ends[i] = clock()

    threads = [threading.Thread(target=loop, args=(i,), daemon=True) for i in range(n_threads)]
    gc.collect()
    gc.disable()
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=max_seconds + 120)
    finally:
        gc.enable()
    if any(t.is_alive() for t in threads):
        raise RuntimeError("a client thread did not finish in time")
    return {
        "lat_ns": [x for per in lat for x in per],
        "wall_ns": max(ends) - min(starts),
        "errors": sum(errors),
        "first_error": first_error[0] if first_error else None,
        "truncated": bool(truncated),
    }


class Worker:
    def __init__(self, args):
        self.args = args
        self.system = SYSTEMS[args.system](args)
        self.value = self.system.encode(make_value(args.value_size))
        self.handles = {}  # client count -> handles

    def handles_for(self, clients):
        if clients not in self.handles:
            hs = [self.system.open() for _ in range(clients)]
            for i, h in enumerate(hs):  # warm-up: connection, channel, first-call caches
                for w in range(3):
                    key = f"warm-{self.args.system}-c{clients}-{i}-{w}"
                    self.system.put(h, key, self.value)
                    self.system.get(h, key)
            self.handles[clients] = hs
        return self.handles[clients]

    def phase(self, op, clients, keys):
        handles = self.handles_for(clients)
        slices = [keys[i::clients] for i in range(clients)]
        value = self.value
        if op == "put":
            fn, check = (lambda h, k: self.system.put(h, k, value)), None
        elif op == "get":
            fn, check = self.system.get, (lambda got: got == value)
        elif op == "ping" and self.system.ping is not None:
            fn, check = self.system.ping, None
        else:
            raise ValueError(f"{self.args.system} has no {op}")
        pid = self.args.server_pid
        c0, s0 = procstat.self_cpu_seconds(), procstat.cpu_seconds(pid) if pid else 0.0
        out = run_phase(fn, handles, slices, check, self.args.max_seconds)
        out["client_cpu_s"] = procstat.self_cpu_seconds() - c0
        if pid:
            out["server_cpu_s"] = procstat.cpu_seconds(pid) - s0
        if op == "put" and hasattr(self.system, "commit_stamps"):
            out["commits"] = len(self.system.commit_stamps(handles[0], keys))
        return out

    def close(self):
        out = {"libraries": library_versions(self.args.system), "python": sys.version.split()[0]}
        if hasattr(self.system, "info"):
            try:
                # Whatever the server reports (writer statistics, once Admin.Info has them).
                out["server_info"] = self.system.info(self.handles_for(1)[0])
            except Exception as e:  # noqa: BLE001 - informational only
                out["server_info"] = {"error": str(e)}
        for hs in self.handles.values():
            for h in hs:
                self.system.close(h)
        return out


def serve(args):
    worker = Worker(args)
    print(json.dumps({"ready": args.system}), flush=True)
    for line in sys.stdin:
        cmd = json.loads(line)
        try:
            if cmd["cmd"] == "phase":
                out = worker.phase(cmd["op"], cmd["clients"], cmd["keys"])
            elif cmd["cmd"] == "close":
                print(json.dumps(worker.close()), flush=True)
                return 0
            else:
                out = {"fatal": f"unknown command {cmd['cmd']!r}"}
        except Exception as e:  # noqa: BLE001 - reported to run.py, which decides
            out = {"fatal": f"{type(e).__name__}: {e}"}
        print(json.dumps(out), flush=True)
    return 0


def library_versions(system):
    from importlib import metadata

    from google.protobuf.internal import api_implementation

    names = {"stratad": ["stratadb", "grpcio", "protobuf"], "etcd": ["etcd3", "grpcio", "protobuf"],
             "redis": ["redis"], "lmdb": ["lmdb"]}[system]
    out = {}
    for n in names:
        try:
            out[n] = metadata.version(n)
        except metadata.PackageNotFoundError:
            out[n] = None
    if "protobuf" in names:
        out["protobuf_implementation"] = api_implementation.Type()
    if system == "lmdb":
        import lmdb

        out["liblmdb"] = ".".join(map(str, lmdb.version()))
    return out


def write_protoset(out):
    """etcd's gRPC descriptors from etcd3's generated code, as a FileDescriptorSet."""
    from etcd3.etcdrpc import rpc_pb2
    from google.protobuf import descriptor_pb2

    fds = descriptor_pb2.FileDescriptorSet()
    seen = set()

    def add(fd):
        for dep in fd.dependencies:
            add(dep)
        if fd.name not in seen:
            seen.add(fd.name)
            fds.file.add().ParseFromString(fd.serialized_pb)

    add(rpc_pb2.DESCRIPTOR)
    with open(out, "wb") as f:
        f.write(fds.SerializeToString())
    return rpc_pb2.DESCRIPTOR.package


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("serve")
    r.add_argument("--system", choices=sorted(SYSTEMS), required=True)
    r.add_argument("--address", help="HOST:PORT of the server")
    r.add_argument("--path", help="LMDB directory (lmdb only)")
    r.add_argument("--server-pid", type=int, default=0, help="server process, for its CPU time")
    r.add_argument("--value-size", type=int, default=100)
    r.add_argument("--max-seconds", type=float, default=120.0, help="bound on one phase")
    s = sub.add_parser("protoset")
    s.add_argument("--out", required=True)
    args = p.parse_args(argv)
    if args.cmd == "protoset":
        print(json.dumps({"package": write_protoset(args.out)}))
        return 0
    return serve(args)


if __name__ == "__main__":
    sys.exit(main())
