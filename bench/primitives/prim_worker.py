"""One system's Python-client side of the primitives benchmark, in its own
process (etcd3 needs PROTOCOL_BUFFERS_PYTHON_IMPLEMENTATION=python, which must
not touch the stratad client; see bench/kv/worker.py, whose protocol and
`run_phase` this reuses).

    prim_worker.py serve --system stratad|etcd|redis --address HOST:PORT
                         [--server-pid PID] [--max-seconds S]

Commands, one JSON line each on stdin, answered by one JSON line on stdout:

    {"cmd": "phase", "op": OP, "clients": C, "n": N}
        -> {"lat_ns", "wall_ns", "client_cpu_s", "server_cpu_s", "errors",
            "first_error", "truncated", "attempts", "conflicts"
            [, "writer_commits", "writer_requests"]}   (stratad: Admin.Info's
            group-commit counters over the phase; writes only go through it)
    {"cmd": "verify"} -> {"seconds", "valid", "length"}   (stratad only)
    {"cmd": "close"}  -> {"libraries", "python"}

OP is one of
    cas_shared  increment one counter shared by all C clients by CAS: try
                cas(v+1, expected=v); on a conflict re-read v and retry. One
                operation = one successful increment (its latency includes
                the retries); attempts and conflicts are counted.
    cas_own     the same loop on one counter per client (no contention).
    append      append one event (~100-byte payload).
    json_set    set $.counter of the client's own ~1 KB JSON document.
    json_get    read $.counter of it.

Each client count gets its own handles (one per thread, opened and warmed up
on first use), counters and documents.
"""

import argparse
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "kv"))

import procstat  # noqa: E402  (bench/kv)
from worker import run_phase  # noqa: E402  (bench/kv/worker.py)

MAX_RETRIES = 10_000  # per increment: a bound, never expected to be reached
EVENT_DATA = "0123456789abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmnopqrstuvwxyz"[:64]
OPS = ("cas_shared", "cas_own", "append", "json_set", "json_get")


def make_doc(owner):
    """A JSON document of about 1 KB with a `counter` field."""
    items = [{"id": i, "name": f"item-{i:03d}", "tags": ["alpha", "beta"], "price": 10.5 + i}
             for i in range(12)]
    return {"owner": owner, "counter": 0, "description": "x" * 64, "items": items}


class Conflict(Exception):
    pass


class Client:
    """One thread's handle and its counters."""

    def __init__(self, handle, index):
        self.h = handle
        self.index = index
        self.attempts = 0
        self.conflicts = 0
        self.known = {}  # counter name -> last value this client saw
        self.seq = 0


# -- per-system adapters: open, close, cas(h, key, new, old) -> raises Conflict,
#    read_int(h, key), init_int(h, key), append(h, client, n), json_init(h, doc),
#    json_set(h, doc, i), json_get(h, doc)

class Stratad:
    name = "stratad"

    def __init__(self, address):
        from stratadb import ConflictError, Strata

        self.Strata, self.ConflictError, self.address = Strata, ConflictError, address

    def open(self):
        return self.Strata.open(self.address, timeout=30)

    def close(self, h):
        h.close()

    def init_int(self, h, key):
        h.state_init(key, 0)

    def read_int(self, h, key):
        return h.state_get(key)

    def cas(self, h, key, new, old):
        try:
            h.state_cas(key, new, expected=old)
        except self.ConflictError:
            raise Conflict from None

    def append(self, h, client, n):
        h.event_append("bench", {"client": client, "n": n, "data": EVENT_DATA})

    def json_init(self, h, doc):
        h.json_set(doc, "$", make_doc(doc))

    def json_set(self, h, doc, i):
        h.json_set(doc, "$.counter", i)

    def json_get(self, h, doc):
        return h.json_get(doc, "$.counter")

    def verify(self, h):
        return h.event_verify()

    def writer_stats(self, h):
        """The group-commit counters (Admin.Info): batches and requests so far."""
        i = h.info()
        return i["writer_commits"], i["writer_requests"]


class Etcd:
    """CAS = Txn(compare value == old, put new); events = put of a key unique
    to (client, n), ordered by etcd's revision; JSON = get (value and
    mod_revision), modify in the client, Txn(compare mod_revision, put)."""

    name = "etcd"

    def __init__(self, address):
        import etcd3

        self.etcd3 = etcd3
        host, _, port = address.rpartition(":")
        self.host, self.port = host, int(port)

    def open(self):
        return self.etcd3.client(host=self.host, port=self.port, timeout=30)

    def close(self, h):
        h.close()

    def init_int(self, h, key):
        h.transaction(compare=[h.transactions.version(key) == 0], success=[h.transactions.put(key, "0")],
                      failure=[])

    def read_int(self, h, key):
        return int(h.get(key)[0])

    def cas(self, h, key, new, old):
        ok, _ = h.transaction(compare=[h.transactions.value(key) == str(old)],
                              success=[h.transactions.put(key, str(new))], failure=[])
        if not ok:
            raise Conflict

    def append(self, h, client, n):
        h.put(f"events/{client:04d}/{n:012d}",
              json.dumps({"type": "bench", "client": client, "n": n, "data": EVENT_DATA}))

    def json_init(self, h, doc):
        h.put(doc, json.dumps(make_doc(doc)))

    def json_set(self, h, doc, i):
        for _ in range(MAX_RETRIES):
            raw, meta = h.get(doc)
            d = json.loads(raw)
            d["counter"] = i
            ok, _ = h.transaction(compare=[h.transactions.mod(doc) == meta.mod_revision],
                                  success=[h.transactions.put(doc, json.dumps(d))], failure=[])
            if ok:
                return
        raise RuntimeError("json_set: too many retries")

    def json_get(self, h, doc):
        return json.loads(h.get(doc)[0])["counter"]


CAS_LUA = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[2])
  return 1
end
return 0
"""


class Redis:
    """CAS = a Lua script (GET, compare, SET: one round trip, evaluated in the
    server like stratad's); events = XADD; JSON = WATCH, GET, modify in the
    client, MULTI/SET/EXEC (Debian's redis-server has no JSON module)."""

    name = "redis"

    def __init__(self, address):
        import redis

        self.redis = redis
        host, _, port = address.rpartition(":")
        self.host, self.port = host, int(port)

    def open(self):
        h = self.redis.Redis(host=self.host, port=self.port, socket_timeout=30, socket_connect_timeout=10)
        h._cas = h.register_script(CAS_LUA)
        return h

    def close(self, h):
        h.close()

    def init_int(self, h, key):
        h.set(key, 0, nx=True)

    def read_int(self, h, key):
        return int(h.get(key))

    def cas(self, h, key, new, old):
        if not h._cas(keys=[key], args=[old, new]):
            raise Conflict

    def append(self, h, client, n):
        h.xadd("events", {"type": "bench", "payload": json.dumps({"client": client, "n": n, "data": EVENT_DATA})})

    def json_init(self, h, doc):
        h.set(doc, json.dumps(make_doc(doc)))

    def json_set(self, h, doc, i):
        with h.pipeline(transaction=True) as p:
            for _ in range(MAX_RETRIES):
                try:
                    p.watch(doc)
                    d = json.loads(p.get(doc))
                    d["counter"] = i
                    p.multi()
                    p.set(doc, json.dumps(d))
                    p.execute()
                    return
                except self.redis.WatchError:
                    continue
        raise RuntimeError("json_set: too many retries")

    def json_get(self, h, doc):
        return json.loads(h.get(doc))["counter"]


SYSTEMS = {s.name: s for s in (Stratad, Etcd, Redis)}


class Worker:
    def __init__(self, args):
        self.args = args
        self.sys = SYSTEMS[args.system](args.address)
        self.clients = {}  # client count -> [Client]

    def clients_for(self, c):
        if c not in self.clients:
            s = self.sys
            cl = [Client(s.open(), i) for i in range(c)]
            s.init_int(cl[0].h, f"cas-shared-c{c}")
            for x in cl:
                s.init_int(x.h, f"cas-own-c{c}-{x.index}")
                s.json_init(x.h, f"doc-c{c}-{x.index}")
                # Warm-up, untimed: every call the phases make.
                for w in range(3):
                    s.json_set(x.h, f"doc-c{c}-{x.index}", 0)
                    s.json_get(x.h, f"doc-c{c}-{x.index}")
                    s.read_int(x.h, f"cas-own-c{c}-{x.index}")
            self.clients[c] = cl
        return self.clients[c]

    def _increment(self, x, key):
        s = self.sys
        v = x.known.get(key)
        if v is None:
            v = s.read_int(x.h, key)
        for _ in range(MAX_RETRIES):
            x.attempts += 1
            try:
                s.cas(x.h, key, v + 1, v)
            except Conflict:
                x.conflicts += 1
                v = s.read_int(x.h, key)
                continue
            x.known[key] = v + 1
            return
        raise RuntimeError(f"{key}: no successful CAS in {MAX_RETRIES} attempts")

    def phase(self, op, c, n):
        cl = self.clients_for(c)
        s = self.sys
        check = None
        if op == "cas_shared":
            key = f"cas-shared-c{c}"
            fn = lambda x, _: self._increment(x, key)  # noqa: E731
        elif op == "cas_own":
            fn = lambda x, _: self._increment(x, f"cas-own-c{c}-{x.index}")  # noqa: E731
        elif op == "append":
            def fn(x, _):
                x.seq += 1
                s.append(x.h, x.index + 100 * c, x.seq)
        elif op == "json_set":
            fn = lambda x, i: s.json_set(x.h, f"doc-c{c}-{x.index}", i)  # noqa: E731
        elif op == "json_get":
            fn = lambda x, _: s.json_get(x.h, f"doc-c{c}-{x.index}")  # noqa: E731
            check = lambda got: isinstance(got, int)  # noqa: E731
        else:
            raise ValueError(f"unknown op {op!r}")
        a0 = sum(x.attempts for x in cl)
        k0 = sum(x.conflicts for x in cl)
        stats = getattr(s, "writer_stats", None)
        w0 = stats(cl[0].h) if stats else None  # untimed, before the CPU counters start
        pid = self.args.server_pid
        c0, s0 = procstat.self_cpu_seconds(), procstat.cpu_seconds(pid) if pid else 0.0
        out = run_phase(fn, cl, [list(range(n))[i::c] for i in range(c)], check, self.args.max_seconds)
        out["client_cpu_s"] = procstat.self_cpu_seconds() - c0
        if pid:
            out["server_cpu_s"] = procstat.cpu_seconds(pid) - s0
        out["attempts"] = sum(x.attempts for x in cl) - a0
        out["conflicts"] = sum(x.conflicts for x in cl) - k0
        if stats:
            w1 = stats(cl[0].h)
            out["writer_commits"], out["writer_requests"] = w1[0] - w0[0], w1[1] - w0[1]
        return out

    def verify(self):
        import time

        if not hasattr(self.sys, "verify"):
            raise ValueError(f"{self.args.system} has no verify")
        h = self.clients_for(1)[0].h
        t0 = time.perf_counter()
        r = self.sys.verify(h)
        return {"seconds": time.perf_counter() - t0, "valid": r["valid"], "length": r["length"]}

    def close(self):
        from importlib import metadata

        names = {"stratad": ["stratadb", "grpcio", "protobuf"], "etcd": ["etcd3", "grpcio", "protobuf"],
                 "redis": ["redis"]}[self.args.system]
        libs = {}
        for nm in names:
            try:
                libs[nm] = metadata.version(nm)
            except metadata.PackageNotFoundError:
                libs[nm] = None
        if "protobuf" in names:
            from google.protobuf.internal import api_implementation

            libs["protobuf_implementation"] = api_implementation.Type()
        for cl in self.clients.values():
            for x in cl:
                self.sys.close(x.h)
        return {"libraries": libs, "python": sys.version.split()[0]}


def serve(args):
    worker = Worker(args)
    print(json.dumps({"ready": args.system}), flush=True)
    for line in sys.stdin:
        cmd = json.loads(line)
        try:
            if cmd["cmd"] == "phase":
                out = worker.phase(cmd["op"], cmd["clients"], cmd["n"])
            elif cmd["cmd"] == "verify":
                out = worker.verify()
            elif cmd["cmd"] == "close":
                print(json.dumps(worker.close()), flush=True)
                return 0
            else:
                out = {"fatal": f"unknown command {cmd['cmd']!r}"}
        except Exception as e:  # noqa: BLE001 - reported to run.py, which decides
            out = {"fatal": f"{type(e).__name__}: {e}"}
        print(json.dumps(out), flush=True)
    return 0


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("serve")
    r.add_argument("--system", choices=sorted(SYSTEMS), required=True)
    r.add_argument("--address", required=True)
    r.add_argument("--server-pid", type=int, default=0)
    r.add_argument("--max-seconds", type=float, default=120.0)
    args = p.parse_args(argv)
    return serve(args)


if __name__ == "__main__":
    sys.exit(main())
