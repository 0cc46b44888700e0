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
            samples = [{"t": 0.0, **rss(pid)}]
            start = time.time()
            deadline = start + args.seconds
            results = mp.Queue()
            procs = [mp.Process(target=client, args=(i, address, deadline, results)) for i in range(args.clients)]
            for pr in procs:
                pr.start()
            while time.time() < deadline:
                time.sleep(min(SAMPLE_EVERY, max(0.0, deadline - time.time())))
                if server.proc.poll() is not None:
                    print(f"stratad died: {server.log_tail()}", file=sys.stderr)
                    break
                samples.append({"t": round(time.time() - start, 1), **rss(pid)})
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
                samples.append({"t": round(time.time() - start, 1), **rss(pid)})
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
    print(f"{'when':<14}{'t (s)':>8}{'RSS MiB':>10}{'anon MiB':>10}{'file MiB':>10}")
    for label, s in (("start", first), ("after warm-up", warm), ("end", last)):
        print(f"{label:<14}{s['t']:>8.1f}{s['VmRSS'] / 1024:>10.1f}{s['RssAnon'] / 1024:>10.1f}"
              f"{s['RssFile'] / 1024:>10.1f}")
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
        "start": first, "after_warmup": warm, "end": last,
    }, indent=1))
    print(f"wrote {path}")
    ok = total["errors"] == 0 and missing == 0 and alive and code == 0 and verify["valid"]
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
