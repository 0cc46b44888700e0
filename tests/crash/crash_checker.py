"""Checks a restarted stratad against the writers' ack logs (ack_log.py).

In `always` durability every acknowledged operation must be there with the
version it was acknowledged with; an operation that was intended but not
acknowledged may or may not be there, but nothing else may appear. Also:
versions only grow, every event chain verifies, every acknowledged vector is
found by an exact query through the index (and the index's count agrees with
LMDB), and no transaction is partly visible.

In `relaxed` durability an acknowledged operation may be missing only if it
was acknowledged within `tail_seconds` of the kill (the unsynced tail); the
number lost is reported.
"""

import json
from collections import defaultdict
from typing import Dict, List, Optional

from crash_writer import JSON_SLOTS, VECTOR_COLLECTION, vector_for


class Report:
    def __init__(self):
        self.violations: List[str] = []
        self.checked = 0
        self.lost_tail = 0

    def fail(self, msg: str) -> None:
        self.violations.append(msg)


def canon(value) -> str:
    """A value's identity whatever its dict key order (the logs sort keys)."""
    return json.dumps(value, sort_keys=True)


def _history_by_version(entries) -> Dict[int, Dict]:
    return {e["version"]: e for e in (entries or [])}


class Checker:
    def __init__(self, db, all_ops: List[Dict], kill_times: Dict[int, float], relaxed: bool,
                 tail_seconds: float, last_version_before: int):
        self.db = db
        self.ops = all_ops
        self.kill_times = kill_times
        self.relaxed = relaxed
        self.tail_seconds = tail_seconds
        self.last_version_before = last_version_before
        self.r = Report()

    def missing(self, op: Dict, what: str) -> None:
        """An acked op is absent: a violation, unless relaxed and in the tail."""
        kill = self.kill_times.get(op["c"])
        if self.relaxed and kill is not None and op.get("ack_time") and op["ack_time"] >= kill - self.tail_seconds:
            self.r.lost_tail += 1
            return
        self.r.fail(f"acknowledged {op['kind']} op {op['id']} (version {op.get('version')}) lost: {what}")

    def run(self) -> Report:
        by_kind = defaultdict(list)
        for op in self.ops:
            by_kind[op["kind"]].append(op)
        self.check_versions_grow()
        self.check_kv(by_kind["kv"])
        self.check_state(by_kind["state"])
        self.check_events(by_kind["event"])
        self.check_json(by_kind["json"])
        self.check_vectors(by_kind["vector"])
        self.check_txn(by_kind["txn"])
        return self.r

    # -- versions -------------------------------------------------------------

    def check_versions_grow(self) -> None:
        per_writer = defaultdict(list)
        for op in self.ops:
            if op["acked"] and op["kind"] != "event" and isinstance(op.get("version"), int):
                per_writer[op["w"]].append(op)
        max_acked = 0
        for wid, ops in per_writer.items():
            prev = 0
            for op in ops:
                if op["version"] <= prev:
                    self.r.fail(f"writer {wid}: version {op['version']} of {op['id']} not above {prev}")
                prev = op["version"]
                max_acked = max(max_acked, op["version"])
        current = self.db.info()["current_version"]
        if current < max_acked:
            self.r.fail(f"current version {current} after restart is below acknowledged version {max_acked}")
        if current < self.last_version_before:
            self.r.fail(f"current version {current} went back from {self.last_version_before}")
        self.current_version = current

    # -- KV ---------------------------------------------------------------------

    def check_kv(self, ops: List[Dict]) -> None:
        by_key = defaultdict(list)
        for op in ops:
            by_key[op["key"]].append(op)
        for key, kops in by_key.items():
            hist = _history_by_version(self.db.kv_history(key))
            intended = {canon(op["value"]) for op in kops}
            for v, e in hist.items():
                if canon(e["value"]) not in intended:
                    self.r.fail(f"kv {key}: version {v} holds a value never written: {e['value']!r}")
            for op in kops:
                if not op["acked"]:
                    continue
                self.r.checked += 1
                e = hist.get(op["version"])
                if e is None:
                    self.missing(op, f"kv {key} has no version {op['version']}")
                elif e["value"] != op["value"]:
                    self.r.fail(f"kv {key} version {op['version']}: {e['value']!r} != acked {op['value']!r}")
            self._check_latest(f"kv {key}", self.db.kv_get(key), kops)

    def _check_latest(self, what: str, current, ops: List[Dict]) -> None:
        """The current value is the last acked one or one intended after it."""
        last = max((i for i, op in enumerate(ops) if op["acked"]), default=None)
        allowed = [op["value"] for op in (ops[last:] if last is not None else ops)]
        if last is None:
            allowed.append(None)
        if current not in allowed:
            if self.relaxed and any(current == op["value"] for op in ops):
                return  # an older acked value: the lost tail, counted by missing()
            self.r.fail(f"{what}: current value {current!r} is neither the last acknowledged nor a later intent")

    # -- state cells --------------------------------------------------------------

    def check_state(self, ops: List[Dict]) -> None:
        by_cell = defaultdict(list)
        for op in ops:
            by_cell[op["cell"]].append(op)
        for cell, cops in by_cell.items():
            entries = self.db.state_history(cell) or []
            hist = _history_by_version(entries)
            for op in cops:
                if not op["acked"]:
                    continue
                self.r.checked += 1
                e = hist.get(op["version"])
                if e is None:
                    self.missing(op, f"state {cell} has no version {op['version']}")
                elif e["value"] != op["value"]:
                    self.r.fail(f"state {cell} version {op['version']}: {e['value']!r} != acked {op['value']!r}")
            # Every write to these cells is init(0) or a CAS increment: the
            # history, oldest first, counts 0, 1, 2, ... with no gap or repeat.
            values = [e["value"] for e in sorted(entries, key=lambda e: e["version"])]
            if values != list(range(len(values))):
                self.r.fail(f"state {cell}: history is not a gap-free count: {values[:20]}...")

    # -- events -------------------------------------------------------------------

    def check_events(self, ops: List[Dict]) -> None:
        verify = self.db.event_verify()
        if not verify["valid"]:
            self.r.fail(f"event chain does not verify: {verify}")
        by_type = defaultdict(list)
        for op in ops:
            by_type[op["event_type"]].append(op)
        for etype, eops in by_type.items():
            listed = self.db.event_list(etype)
            seen = {}
            for ev in listed:
                seen[ev["sequence"]] = ev
            intended = {(op["value"]["c"], op["value"]["n"]) for op in eops}
            for ev in listed:
                key = (ev["value"].get("c"), ev["value"].get("n"))
                if key not in intended:
                    self.r.fail(f"event {ev['sequence']} of {etype} was never appended: {ev['value']!r}")
            for op in eops:
                if not op["acked"]:
                    continue
                self.r.checked += 1
                ev = seen.get(op["result"])
                if ev is None:
                    self.missing(op, f"event {op['result']} of {etype} absent")
                elif ev["value"] != op["value"] or ev["event_type"] != etype:
                    self.r.fail(f"event {op['result']}: {ev['event_type']} {ev['value']!r} != acked {op['value']!r}")
        if ops:
            max_seq = max((op["result"] for op in ops if op["acked"]), default=-1)
            length = self.db.event_len()
            if length <= max_seq:
                self.r.fail(f"event log length {length} does not cover acknowledged sequence {max_seq}")

    # -- JSON documents -----------------------------------------------------------

    def check_json(self, ops: List[Dict]) -> None:
        by_doc = defaultdict(list)
        for op in ops:
            by_doc[op["key"]].append(op)
        for doc, dops in by_doc.items():
            hist = _history_by_version(self.db.json_history(doc))
            for op in dops:
                if not op["acked"]:
                    continue
                self.r.checked += 1
                e = hist.get(op["version"])
                if e is None:
                    self.missing(op, f"json {doc} has no version {op['version']}")
                    continue
                if op["path"] == "$":
                    got = e["value"]
                else:
                    got = (e["value"] or {}).get("slots", {}).get(op["path"].rsplit(".", 1)[1])
                if got != op["value"]:
                    self.r.fail(f"json {doc} version {op['version']} {op['path']}: {got!r} != acked {op['value']!r}")
            current = self.db.json_get(doc) or {}
            for slot in range(JSON_SLOTS):
                path = f"$.slots.s{slot}"
                self._check_latest(f"json {doc} {path}", current.get("slots", {}).get(f"s{slot}"),
                                   [op for op in dops if op["path"] == path])

    # -- vectors ------------------------------------------------------------------

    def check_vectors(self, ops: List[Dict]) -> None:
        if not ops:
            return
        present = []
        for op in ops:
            got = self.db.vector_get(VECTOR_COLLECTION, op["key"])
            if got is None:
                if op["acked"]:
                    self.missing(op, f"vector {op['key']} absent")
                continue
            present.append(op)
            want = vector_for(op["key"])
            if [float(x) for x in got["embedding"]] != want:
                self.r.fail(f"vector {op['key']}: embedding differs from what was upserted")
            if got["metadata"] != op["value"]:
                self.r.fail(f"vector {op['key']}: metadata {got['metadata']!r} != {op['value']!r}")
            if op["acked"]:
                self.r.checked += 1
                if got["version"] != op["version"]:
                    self.r.fail(f"vector {op['key']}: version {got['version']} != acked {op['version']}")
        # The index agrees with LMDB: as many vectors as LMDB holds, and each
        # found by a search (through HNSW) for its own embedding at distance 0.
        stats = self.db.vector_collection_stats(VECTOR_COLLECTION)
        if stats["count"] != len(present):
            self.r.fail(f"collection count {stats['count']} != {len(present)} vectors present in LMDB")
        for start in range(0, len(present), 256):
            chunk = present[start:start + 256]
            results = self.db.vector_batch_search(VECTOR_COLLECTION, [vector_for(op["key"]) for op in chunk],
                                                  k=3, ef=200)
            for op, hits in zip(chunk, results):
                if not any(h["key"] == op["key"] and h["distance"] <= 1e-6 for h in hits):
                    self.r.fail(f"vector {op['key']} not found by a search for its own embedding: "
                                f"{[(h['key'], h['distance']) for h in hits]}")

    # -- transactions -------------------------------------------------------------

    def check_txn(self, ops: List[Dict]) -> None:
        by_writer = defaultdict(list)
        for op in ops:
            by_writer[op["w"]].append(op)
        for wid, tops in by_writer.items():
            a, b = tops[0]["keys"]
            cell = tops[0]["cell"]
            va, vb, vs = self.db.kv_get(a), self.db.kv_get(b), self.db.state_get(cell)
            if not (va == vb == vs):
                self.r.fail(f"transaction of writer {wid} partly visible: {a}={va!r} {b}={vb!r} {cell}={vs!r}")
            self._check_latest(f"txn {wid}", va, tops)
            ha = {canon(e["value"]): e["version"] for e in (self.db.kv_history(a) or [])}
            hb = {canon(e["value"]): e["version"] for e in (self.db.kv_history(b) or [])}
            if ha != hb:
                self.r.fail(f"transaction of writer {wid}: histories of {a} and {b} differ")
            for op in tops:
                if op["acked"]:
                    self.r.checked += 1
                    if canon(op["value"]) not in ha:
                        self.missing(op, f"transaction value {op['value']!r} absent from {a}")
                    elif ha[canon(op["value"])] != op["version"]:
                        self.r.fail(f"transaction {op['id']}: {a} has it at version {ha[canon(op['value'])]}, "
                                    f"commit acknowledged version {op['version']}")


def check(db, all_ops, kill_times, relaxed=False, tail_seconds=2.0, last_version_before=0) -> Report:
    c = Checker(db, all_ops, kill_times, relaxed, tail_seconds, last_version_before)
    report = c.run()
    report.current_version = c.current_version
    return report
