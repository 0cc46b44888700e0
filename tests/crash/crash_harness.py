#!/usr/bin/env python3
"""Crash-consistency harness: kill -9 stratad under load, restart, check.

Each cycle starts writer processes (crash_writer.py: KV puts, state CAS,
event appends, JSON path updates, vector upserts, and multi-key
transactions when the client has them), each recording its intents and the
server's acks in an fsync'd log; after a random moment the server gets
SIGKILL; it is restarted on the same data directory and crash_checker.py
compares it with every log so far. Some cycles also kill the server again
right after it came back, before checking (a crash during recovery).

    crash_harness.py [--cycles 3] [--durability always|relaxed] [--seed N]

Exit status 0 when no violation was found. Every wait is bounded. The quick
mode (3 cycles) runs in ctest (label crash); `make crash-long` runs 100.
"""

import argparse
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(REPO / "client-py" / "tests"))

from ack_log import ops, read_log  # noqa: E402
from crash_checker import check  # noqa: E402
from crash_writer import VECTOR_COLLECTION, VECTOR_DIM  # noqa: E402
from stratad_process import StratadProcess  # noqa: E402
from stratadb import Strata  # noqa: E402

WRITER_KINDS = {"kv": 2, "state": 2, "event": 2, "json": 1, "vector": 1, "txn": 1}
WRITER_START_TIMEOUT = 30.0  # seconds for every writer to be acknowledged once
WRITER_EXIT_TIMEOUT = 30.0  # seconds for writers to notice the dead server


def transactions_available() -> bool:
    return all(hasattr(Strata, name) for name in ("transaction", "begin", "commit", "rollback"))


def wait_until_writing(logs: Path, cycle: int, writers) -> None:
    """Until every writer has an ack in this cycle (or has exited): Python
    and gRPC take a while to start on a loaded machine. Bounded."""
    deadline = time.monotonic() + WRITER_START_TIMEOUT
    waiting = dict(writers)
    while waiting and time.monotonic() < deadline:
        for wid, proc in list(waiting.items()):
            prefix = f"{wid}:{cycle}:"
            if proc.poll() is not None or any(
                    r["t"] == "ack" and r["id"].startswith(prefix) for r in read_log(logs / f"{wid}.log")[-5:]):
                del waiting[wid]
        time.sleep(0.05)


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--stratad", default=os.environ.get("STRATAD_BIN") or str(REPO / "build" / "stratad"))
    p.add_argument("--cycles", type=int, default=3)
    p.add_argument("--durability", choices=["always", "relaxed"], default="always")
    p.add_argument("--seed", type=int, default=None)
    p.add_argument("--min-run", type=float, default=0.3, help="seconds of writing before the kill, at least")
    p.add_argument("--max-run", type=float, default=1.5, help="seconds of writing before the kill, at most")
    p.add_argument("--tail-seconds", type=float, default=2.0,
                   help="relaxed: an ack this close to the kill may be lost")
    p.add_argument("--keep", action="store_true", help="keep the work directory (logs, data)")
    return p.parse_args(argv)


def main(argv) -> int:
    args = parse_args(argv)
    seed = args.seed if args.seed is not None else random.randrange(1 << 30)
    rng = random.Random(seed)
    os.environ["STRATAD_BIN"] = args.stratad
    work = Path(tempfile.mkdtemp(prefix="strata-crash-"))
    logs = work / "logs"
    logs.mkdir()
    kinds = {k: n for k, n in WRITER_KINDS.items() if k != "txn" or transactions_available()}
    print(f"crash harness: seed {seed}, {args.cycles} cycles, durability {args.durability}, "
          f"writers {kinds}, work dir {work}", flush=True)
    server = StratadProcess(work / "data", work / "server", ["--durability", args.durability])
    started = time.monotonic()
    violations = []
    kill_times = {}
    floors = {}  # cycle -> the current version before it began: its acks must be above
    totals = {"acked": 0, "checked": 0, "lost_tail": 0, "double_kills": 0}
    try:
        address = server.start()
        with Strata.open(address, timeout=10) as db:
            db.vector_create_collection(VECTOR_COLLECTION, VECTOR_DIM, "euclidean")
            floors[1] = db.info()["current_version"]
        for cycle in range(1, args.cycles + 1):
            deadline = time.time() + args.max_run + WRITER_START_TIMEOUT + 10
            writers = []
            for kind, count in kinds.items():
                for i in range(count):
                    wid = f"{kind}{i}"
                    cmd = [sys.executable, str(HERE / "crash_writer.py"), kind, wid, str(cycle), address,
                           str(logs / f"{wid}.log"), str(deadline)]
                    writers.append((wid, subprocess.Popen(cmd, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL)))
            wait_until_writing(logs, cycle, writers)
            time.sleep(rng.uniform(args.min_run, args.max_run))
            kill_times[cycle] = time.time()
            server.kill()
            for wid, proc in writers:
                try:
                    _, err = proc.communicate(timeout=WRITER_EXIT_TIMEOUT)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    _, err = proc.communicate()
                    violations.append(f"cycle {cycle}: writer {wid} did not stop after the kill")
                if proc.returncode != 0:
                    violations.append(f"cycle {cycle}: writer {wid} failed: {err.decode(errors='replace').strip()}")
            address = server.start()
            if rng.random() < 0.25:
                # A crash during recovery (index snapshot loading, catch-up).
                time.sleep(rng.uniform(0, 0.2))
                server.kill()
                address = server.start()
                totals["double_kills"] += 1
            all_ops = []
            for path in sorted(logs.glob("*.log")):
                all_ops.extend(ops(read_log(path)))
            with Strata.open(address, timeout=30) as db:
                report = check(db, all_ops, kill_times, relaxed=args.durability == "relaxed",
                               tail_seconds=args.tail_seconds, last_version_before=floors[cycle])
                floors[cycle + 1] = report.current_version
            for op in all_ops:
                if op["acked"] and op["c"] == cycle and isinstance(op.get("version"), int) \
                        and op["kind"] != "event" and op["version"] <= floors[cycle]:
                    report.fail(f"op {op['id']} acknowledged version {op['version']}, not above "
                                f"{floors[cycle]} committed before the cycle began")
            acked = sum(1 for op in all_ops if op["acked"] and op["c"] == cycle)
            totals["acked"] += acked
            totals["checked"] = report.checked
            totals["lost_tail"] += report.lost_tail
            violations.extend(f"cycle {cycle}: {v}" for v in report.violations)
            print(f"cycle {cycle}: {acked} ops acknowledged, {report.checked} acknowledged ops checked so far, "
                  f"{len(report.violations)} violations, {report.lost_tail} lost in the tail, "
                  f"version {report.current_version}", flush=True)
            if len(violations) > 50:
                break
        code = server.stop()
        if code != 0:
            violations.append(f"stratad exited with {code} on SIGTERM:\n{server.log_tail()}")
    except Exception as e:
        violations.append(f"harness error: {type(e).__name__}: {e}\nserver output:\n{server.log_tail()}")
    finally:
        server.kill()
    elapsed = time.monotonic() - started
    print(f"crash harness: {len(kill_times)} kill -9 cycles ({totals['double_kills']} with a second kill during "
          f"recovery), {totals['acked']} ops acknowledged, {totals['checked']} acknowledged ops checked in the "
          f"last check, {len(violations)} violations, {totals['lost_tail']} acknowledged ops lost in the relaxed "
          f"tail, {elapsed:.1f} s, seed {seed}", flush=True)
    for v in violations[:50]:
        print("VIOLATION:", v, flush=True)
    if violations or args.keep:
        print(f"work directory kept: {work}", flush=True)
    else:
        shutil.rmtree(work, ignore_errors=True)
    return 1 if violations else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
