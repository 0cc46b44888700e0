"""The crash harness's record of what a writer attempted and what stratad
acknowledged: JSON lines, each fsync'd before the writer goes on, so a
recorded ack survives the kill -9 that follows it.

A writer runs one operation at a time: it records an "intent" (what it is
about to write), makes the call, then records the "ack" (with the version
the server returned). An operation without an ack may or may not have been
applied; an operation with an ack must be present after any crash.
"""

import json
import os
from pathlib import Path
from typing import Dict, Iterator, List


class AckLog:
    """Append-only, fsync'd per record."""

    def __init__(self, path: Path):
        self._fd = os.open(str(path), os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)

    def record(self, entry: Dict) -> None:
        line = (json.dumps(entry, sort_keys=True) + "\n").encode()
        os.write(self._fd, line)
        os.fsync(self._fd)

    def close(self) -> None:
        os.close(self._fd)


def read_log(path: Path) -> List[Dict]:
    """Every complete record of `path` (a torn last line, from a writer
    killed while writing it, is ignored: its op was never acknowledged)."""
    out = []
    try:
        data = Path(path).read_text()
    except FileNotFoundError:
        return out
    for line in data.splitlines():
        try:
            out.append(json.loads(line))
        except json.JSONDecodeError:
            continue
    return out


def ops(records: List[Dict]) -> Iterator[Dict]:
    """Merge intents and acks by op id: yields {"op": intent fields...,
    "acked": bool, "version", "ack_time"} in the order intended."""
    by_id = {}
    order = []
    for r in records:
        oid = r["id"]
        if r["t"] == "intent":
            by_id[oid] = dict(r, acked=False)
            order.append(oid)
        elif r["t"] == "ack" and oid in by_id:
            by_id[oid].update(acked=True, version=r.get("version"), ack_time=r.get("time"),
                              result=r.get("result"))
    for oid in order:
        yield by_id[oid]
