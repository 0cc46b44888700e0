#!/usr/bin/env python3
"""Soak: 16 client processes run a mixed workload against one stratad for a
bounded time; every error is counted (expected: none, ConflictError from a
contended CAS is not an error) and the server's memory is sampled from
/proc every few seconds.

    soak.py --stratad build/stratad [--seconds 180] [--clients 16]

Prints RSS (total, anonymous, file-backed LMDB pages) at start, after
warm-up and at the end, and writes bench/results/soak-<timestamp>.json with
every sample. Exit status 1 on any error. Anonymous memory (the heap) is what
must stay flat after warm-up; file-backed RSS grows with the data LMDB maps.

Each sample also asks the server (info()) for its vector index memory and
the LMDB pages in use, so that growth of the data (the workload appends
events and keeps KV history, so the database grows) is told apart from growth
of the heap: the report gives the slope after warm-up, in MiB per minute, of
anonymous RSS, of the index estimate and of the database, and says whether
anonymous memory is flat (under --flat-mib-per-min, default 0.5).
"""

import argparse
import json
import multiprocessing as mp
import os
import platform
import random
import sys
import tempfile
import time
import traceback
from datetime import datetime, timezone
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
sys.path.insert(0, str(REPO / "client-py" / "tests"))

from stratad_process import StratadProcess  # noqa: E402
from stratadb import Strata  # noqa: E402
from stratadb.errors import ConflictError  # noqa: E402

DIM = 32
KEYS = 2000
VECTOR_KEYS = 1000
SAMPLE_EVERY = 5.0  # seconds between RSS samples


def rss(pid: int) -> dict:
    """VmRSS, RssAnon, RssFile of a process, in KiB."""
    out = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            name, _, rest = line.partition(":")
            if name in ("VmRSS", "RssAnon", "RssFile", "VmHWM"):
                out[name] = int(rest.split()[0])
    return out


def server_figures(db) -> dict:
    """The server's own view of what it holds, in KiB like rss()."""
    info = db.info()
    return {"index_kib": info["vector_index_memory_bytes"] // 1024, "map_used_kib": info["map_used_bytes"] // 1024,
            "indexes": info["vector_index_count"]}


def slope_per_min(samples, field: str, since: float) -> float:
    """Least-squares slope of samples[field] (KiB) over t >= since, in MiB/min."""
    pts = [(s["t"], s[field]) for s in samples if s["t"] >= since and field in s]
    if len(pts) < 2:
        return 0.0
    n = len(pts)
    mt = sum(t for t, _ in pts) / n
    mv = sum(v for _, v in pts) / n
    den = sum((t - mt) ** 2 for t, _ in pts)
    if den == 0:
        return 0.0
    return sum((t - mt) * (v - mv) for t, v in pts) / den * 60 / 1024


def client(idx: int, address: str, deadline: float, results) -> None:
    rng = random.Random(idx)
    counts = {"ops": 0, "errors": 0, "conflicts": 0}
    errors = []
    db = Strata.open(address, timeout=30)

    def vec():
        return [rng.uniform(-1, 1) for _ in range(DIM)]

    def kv():
        k = f"kv:{rng.randrange(KEYS)}"
        if rng.random() < 0.5:
            db.kv_put(k, {"client": idx, "n": counts["ops"], "text": "lorem ipsum " * rng.randrange(1, 20)})
        else:
            db.kv_get(k)

    def kv_list():
        db.kv_list_paginated(f"kv:{rng.randrange(10)}", limit=50)

    def state():
        cell = f"counter:{rng.randrange(8)}"
        cur = db.state_get_versioned(cell)
        if cur is None:
            db.state_init(cell, 0)
            return
        try:
            db.state_cas(cell, cur["value"] + 1, expected_version=cur["version"])
        except ConflictError:
            counts["conflicts"] += 1

    def events():
        if rng.random() < 0.7:
            db.event_append(f"type{rng.randrange(4)}", {"client": idx, "n": counts["ops"]})
        else:
            db.event_list(f"type{rng.randrange(4)}", limit=20)

    def json_doc():
        doc = f"doc:{rng.randrange(200)}"
        if rng.random() < 0.6:
            db.json_set(doc, f"$.fields.f{rng.randrange(16)}", {"n": counts["ops"], "client": idx})
        else:
            db.json_get(doc, "$.fields")

    def vectors():
        r = rng.random()
        if r < 0.5:
            db.vector_upsert("soak", f"v{rng.randrange(VECTOR_KEYS)}", vec(), {"client": idx, "bucket": rng.randrange(10)})
        elif r < 0.8:
            db.vector_search("soak", vec(), k=10)
        elif r < 0.95:
            db.vector_search("soak", vec(), k=5, filters=[{"field": "bucket", "op": "eq", "value": rng.randrange(10)}])
        else:
            db.vector_delete("soak", f"v{rng.randrange(VECTOR_KEYS)}")

    def branches():
        name = f"soak-{idx}-{counts['ops']}"
        db.branch_fork("default", name)
        db.branch_diff("default", name)
        db.branch_delete(name)

    def admin():
        db.info()

    mix = [(kv, 30), (kv_list, 5), (state, 15), (events, 15), (json_doc, 12), (vectors, 20), (branches, 1), (admin, 2)]
    ops, weights = zip(*mix)
    try:
        while time.time() < deadline:
            op = rng.choices(ops, weights)[0]
            try:
                op()
            except Exception as e:  # noqa: BLE001 - every failure is a finding
                counts["errors"] += 1
                if len(errors) < 5:
                    errors.append(f"{op.__name__}: {type(e).__name__}: {e}")
            counts["ops"] += 1
    finally:
        db.close()
        results.put((idx, counts, errors))


def main(argv) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--stratad", default=os.environ.get("STRATAD_BIN") or str(REPO / "build" / "stratad"))
    p.add_argument("--seconds", type=float, default=float(os.environ.get("SOAK_SECONDS", 180)))
    p.add_argument("--clients", type=int, default=16)
    p.add_argument("--warmup-fraction", type=float, default=0.25)
    p.add_argument("--flat-mib-per-min", type=float, default=0.5,
                   help="anonymous RSS growing slower than this after warm-up counts as flat")
    p.add_argument("--out-dir", default=str(REPO / "bench" / "results"))
    args = p.parse_args(argv)
    os.environ["STRATAD_BIN"] = args.stratad

    with tempfile.TemporaryDirectory(prefix="strata-soak-") as work:
        server = StratadProcess(Path(work) / "data", Path(work) / "server")
        address = server.start()
        pid = server.proc.pid
        try:
            with Strata.open(address, timeout=30) as db:
                db.vector_create_collection("soak", DIM)
                first_figures = server_figures(db)
            samples = [{"t": 0.0, **rss(pid), **first_figures}]
            start = time.time()
            deadline = start + args.seconds
            results = mp.Queue()
            procs = [mp.Process(target=client, args=(i, address, deadline, results)) for i in range(args.clients)]
            for pr in procs:
                pr.start()
            # Opened after the fork: a gRPC channel must not cross into the clients.
            sampler = Strata.open(address, timeout=30)
            while time.time() < deadline:
                time.sleep(min(SAMPLE_EVERY, max(0.0, deadline - time.time())))
                if server.proc.poll() is not None:
                    print(f"stratad died: {server.log_tail()}", file=sys.stderr)
                    break
                sample = {"t": round(time.time() - start, 1), **rss(pid)}
                try:
                    sample.update(server_figures(sampler))
                except Exception:  # noqa: BLE001 - a slow info() only loses that figure
                    pass
                samples.append(sample)
            outcomes = []
            for _ in procs:
                try:
                    outcomes.append(results.get(timeout=120))
                except Exception:  # noqa: BLE001
                    break
            for pr in procs:
                pr.join(30)
                if pr.is_alive():
                    pr.kill()
            alive = server.proc.poll() is None
            if alive:
                samples.append({"t": round(time.time() - start, 1), **rss(pid), **server_figures(sampler)})
            sampler.close()
            if alive:
                with Strata.open(address, timeout=30) as db:
                    info = db.info()
                    verify = db.event_verify()
            code = server.stop() if alive else server.proc.returncode
        finally:
            server.kill()

    total = {"ops": sum(c["ops"] for _, c, _ in outcomes), "errors": sum(c["errors"] for _, c, _ in outcomes),
             "conflicts": sum(c["conflicts"] for _, c, _ in outcomes)}
    missing = args.clients - len(outcomes)
    warm_t = args.seconds * args.warmup_fraction
    warm = next((s for s in samples if s["t"] >= warm_t), samples[-1])
    first, last = samples[0], samples[-1]
    print(f"soak: {args.clients} clients, {args.seconds:.0f} s, {total['ops']} ops "
          f"({total['ops'] / args.seconds:.0f}/s), {total['errors']} errors, {total['conflicts']} CAS conflicts "
          f"(expected under contention), clients missing: {missing}, server exit {code}")
    print(f"{'when':<14}{'t (s)':>8}{'RSS MiB':>10}{'anon MiB':>10}{'file MiB':>10}{'index MiB':>11}{'LMDB MiB':>10}")
    for label, s in (("start", first), ("after warm-up", warm), ("end", last)):
        print(f"{label:<14}{s['t']:>8.1f}{s['VmRSS'] / 1024:>10.1f}{s['RssAnon'] / 1024:>10.1f}"
              f"{s['RssFile'] / 1024:>10.1f}{s.get('index_kib', 0) / 1024:>11.1f}{s.get('map_used_kib', 0) / 1024:>10.1f}")
    slopes = {f: round(slope_per_min(samples, f, warm["t"]), 2)
              for f in ("RssAnon", "RssFile", "index_kib", "map_used_kib")}
    flat = slopes["RssAnon"] < args.flat_mib_per_min
    print(f"after warm-up, MiB/min: anonymous {slopes['RssAnon']:+.2f}, file-backed {slopes['RssFile']:+.2f}, "
          f"vector indexes {slopes['index_kib']:+.2f}, LMDB data {slopes['map_used_kib']:+.2f}; "
          f"anonymous memory {'flat' if flat else 'GROWING'} (threshold {args.flat_mib_per_min} MiB/min)")
    if alive:
        print(f"event chain valid: {verify['valid']} ({verify['length']} events); "
              f"current version {info['current_version']}; disk {info['disk_bytes'] / 2**20:.1f} MiB")
    for idx, counts, errors in outcomes:
        for e in errors:
            print(f"client {idx}: {e}")
    out = Path(args.out_dir)
    out.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    path = out / f"soak-{stamp}.json"
    path.write_text(json.dumps({
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform()},
        "params": vars(args), "totals": total, "server_exit": code, "samples": samples,
        "start": first, "after_warmup": warm, "end": last, "slopes_mib_per_min": slopes, "anon_flat": flat,
    }, indent=1))
    print(f"wrote {path}")
    ok = total["errors"] == 0 and missing == 0 and alive and code == 0 and verify["valid"]
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
