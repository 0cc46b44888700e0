"""Transaction benchmark: throughput of read-modify-write transactions (3 reads
+ 2 writes each) at 1 and 8 clients, and the conflict rate under contention,
for stratad beside Redis (WATCH/MULTI/EXEC, appendfsync always) and etcd (Txn
comparing the mod_revision of the 3 keys read), all durable.

Two key spaces per run:
    spread    each transaction picks its keys among 10,000 (few conflicts)
    hot       among 10 keys (heavy contention)
A transaction that conflicts is counted and retried from the start; the
figures are committed transactions per second, and conflicts per commit.

Clients are separate processes (no shared GIL). Prints a table and writes
bench/results/transactions-<timestamp>.json.

    .venv/bin/python bench/transactions/run.py --stratad build/stratad [--seconds 5] [--quick]
"""

import argparse
import datetime
import json
import multiprocessing as mp
import os
import random
import shutil
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "kv"))
sys.path.insert(0, os.path.join(REPO, "client-py", "src"))

import servers  # noqa: E402  (bench/kv)

KEYSPACES = {"spread": 10_000, "hot": 10}


def _keys(rng, n):
    picks = rng.sample(range(n), 3)
    return [f"acct/{k}" for k in picks]


def _stratad_client(address):
    from stratadb import ConflictError, Strata

    db = Strata.open(address, timeout=60)

    def txn(keys):
        try:
            with db.transaction():
                values = [db.kv_get(k) or 0 for k in keys]
                db.kv_put(keys[0], values[0] - 1)
                db.kv_put(keys[1], values[1] + 1)
            return True
        except ConflictError:
            return False

    return txn, db.close


def _redis_client(address):
    import redis

    host, port = address.rsplit(":", 1)
    r = redis.Redis(host=host, port=int(port))

    def txn(keys):
        with r.pipeline() as p:
            try:
                p.watch(*keys)
                values = [int(v or 0) for v in p.mget(keys)]
                p.multi()
                p.set(keys[0], values[0] - 1)
                p.set(keys[1], values[1] + 1)
                p.execute()
                return True
            except redis.WatchError:
                return False

    return txn, r.close


def _etcd_client(address):
    os.environ["PROTOCOL_BUFFERS_PYTHON_IMPLEMENTATION"] = "python"
    import etcd3

    host, port = address.rsplit(":", 1)
    c = etcd3.client(host=host, port=int(port))

    def txn(keys):
        values, compare = [], []
        for k in keys:
            v, meta = c.get(k)
            values.append(int(v or 0))
            rev = meta.mod_revision if meta is not None else 0
            compare.append(c.transactions.mod(k) == rev)
        ok, _ = c.transaction(
            compare=compare,
            success=[c.transactions.put(keys[0], str(values[0] - 1)), c.transactions.put(keys[1], str(values[1] + 1))],
            failure=[],
        )
        return ok

    return txn, c.close


CLIENTS = {"stratad": _stratad_client, "redis": _redis_client, "etcd": _etcd_client}


def _worker(system, address, keyspace, seconds, seed, out):
    txn, close = CLIENTS[system](address)
    rng = random.Random(seed)
    commits = conflicts = 0
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        keys = _keys(rng, KEYSPACES[keyspace])
        while True:  # retry a conflicted transaction until it commits (bounded by the deadline)
            if txn(keys):
                commits += 1
                break
            conflicts += 1
            if time.monotonic() >= deadline:
                break
    close()
    out.put((commits, conflicts))


def measure(system, address, keyspace, clients, seconds):
    out = mp.Queue()
    procs = [mp.Process(target=_worker, args=(system, address, keyspace, seconds, i, out)) for i in range(clients)]
    start = time.monotonic()
    for p in procs:
        p.start()
    results = [out.get(timeout=seconds + 120) for _ in procs]
    for p in procs:
        p.join(timeout=30)
    elapsed = time.monotonic() - start
    commits = sum(r[0] for r in results)
    conflicts = sum(r[1] for r in results)
    return {
        "commits_per_s": commits / seconds,
        "commits": commits,
        "conflicts": conflicts,
        "conflicts_per_commit": conflicts / commits if commits else None,
        "wall_s": elapsed,
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--stratad", default=os.path.join(REPO, "build", "stratad"))
    ap.add_argument("--seconds", type=float, default=5.0)
    ap.add_argument("--systems", default="stratad,redis,etcd")
    ap.add_argument("--quick", action="store_true", help="1 s per cell")
    args = ap.parse_args()
    seconds = 1.0 if args.quick else args.seconds
    systems = [s for s in args.systems.split(",") if s]
    root = tempfile.mkdtemp(prefix="bench-txn-")
    started = {}
    try:
        for name in systems:
            if name == "stratad":
                server = servers.Stratad(os.path.join(root, name), args.stratad)
            elif name == "redis":
                if shutil.which("redis-server") is None:
                    print("redis-server not installed: skipped (make bench-peers installs it)")
                    continue
                server = servers.Redis(os.path.join(root, name))
            else:
                if shutil.which("etcd") is None:
                    print("etcd not installed: skipped (make bench-peers installs it)")
                    continue
                server = servers.Etcd(os.path.join(root, name))
            server.start()
            started[name] = server
        results = []
        for keyspace in KEYSPACES:
            for clients in (1, 8):
                for name, server in started.items():
                    r = measure(name, server.address, keyspace, clients, seconds)
                    r.update(system=name, keyspace=keyspace, clients=clients)
                    results.append(r)
                    cpc = r["conflicts_per_commit"]
                    print(f"{name:8} {keyspace:6} {clients} clients: {r['commits_per_s']:8.1f} commits/s, "
                          f"{'-' if cpc is None else f'{cpc:.3f}'} conflicts/commit", flush=True)
        stamp = datetime.datetime.now(datetime.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
        out_dir = os.path.join(os.path.dirname(HERE), "results")
        os.makedirs(out_dir, exist_ok=True)
        path = os.path.join(out_dir, f"transactions-{stamp}.json")
        with open(path, "w") as f:
            json.dump({"seconds": seconds, "load_avg": os.getloadavg(), "results": results,
                       "versions": {n: s.version() for n, s in started.items()}}, f, indent=2)
        print(f"wrote {path}")
    finally:
        for server in started.values():
            server.stop()
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
