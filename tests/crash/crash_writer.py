"""One writer process of the crash harness: writes to stratad one operation
at a time until the server goes away (it is killed with SIGKILL by the
harness) or the deadline passes, recording each intent and each ack with
the version in an fsync'd log (ack_log.py).

    crash_writer.py KIND WRITER_ID CYCLE ADDRESS LOG_PATH DEADLINE_UNIX

KIND: kv, state, event, json, vector or txn. Exit status 0 when it stopped
because the server was unreachable (or the deadline passed); 3 for any
other error, printed on stderr (the harness reports it as a violation).
"""

import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from ack_log import AckLog  # noqa: E402
from stratadb import Strata  # noqa: E402
from stratadb.errors import ConflictError, UnavailableError  # noqa: E402

VECTOR_COLLECTION = "crash"
VECTOR_DIM = 16
KV_KEYS = 16
JSON_SLOTS = 8


def vector_for(key: str):
    """A deterministic vector per key; components are multiples of 1/256, so
    exactly representable in float32 and compared bit for bit."""
    rng = random.Random(key)
    return [rng.randint(-4096, 4096) / 256.0 for _ in range(VECTOR_DIM)]


def has_transactions(db) -> bool:
    return hasattr(db, "transaction") and hasattr(db, "begin") and hasattr(db, "commit")


class Writer:
    def __init__(self, kind, wid, cycle, db, log):
        self.kind, self.wid, self.cycle, self.db, self.log = kind, wid, cycle, db, log
        self.n = 0

    def op(self, fields, call):
        """Record the intent, make the call, record the ack (fsync'd each)."""
        oid = f"{self.wid}:{self.cycle}:{self.n}"
        self.n += 1
        self.log.record(dict(fields, t="intent", id=oid, kind=self.kind, w=self.wid, c=self.cycle))
        result = call()
        version = result if isinstance(result, int) else None
        self.log.record({"t": "ack", "id": oid, "version": version, "result": result, "time": time.time()})
        return result

    # -- one step per kind --------------------------------------------------

    def step_kv(self):
        key = f"kv/{self.wid}/{self.n % KV_KEYS}"
        value = {"w": self.wid, "c": self.cycle, "n": self.n, "pad": "x" * (self.n % 50)}
        self.op({"key": key, "value": value}, lambda: self.db.kv_put(key, value))

    def step_state(self):
        cell = f"state/{self.wid}"
        if self.n == 0 or self.n % 2 == 0:
            cur = self.db.state_get(cell)
            if cur is None:
                self.op({"cell": cell, "value": 0, "init": True}, lambda: self.db.state_init(cell, 0))
                return
            self.op({"cell": cell, "value": cur + 1},
                    lambda: self.db.state_cas(cell, cur + 1, expected=cur))
            return
        # A cell all state writers increment with CAS on its version: every
        # acknowledged increment must be in its history, one apart.
        shared = "state/shared"
        for _ in range(50):
            got = self.db.state_get_versioned(shared)
            if got is None:
                try:
                    self.op({"cell": shared, "value": 0, "init": True}, lambda: self.db.state_init(shared, 0))
                except ConflictError:
                    continue
                return
            value, version = got["value"], got["version"]
            try:
                self.op({"cell": shared, "value": value + 1},
                        lambda: self.db.state_cas(shared, value + 1, expected_version=version))
                return
            except ConflictError:
                continue

    def step_event(self):
        etype = f"crash.{self.wid}"
        payload = {"w": self.wid, "c": self.cycle, "n": self.n}
        self.op({"event_type": etype, "value": payload}, lambda: self.db.event_append(etype, payload))

    def step_json(self):
        doc = f"json/{self.wid}"
        if self.n == 0 and self.db.json_get(doc) is None:
            self.op({"key": doc, "path": "$", "value": {"slots": {}}},
                    lambda: self.db.json_set(doc, "$", {"slots": {}}))
            return
        path = f"$.slots.s{self.n % JSON_SLOTS}"
        value = {"c": self.cycle, "n": self.n}
        self.op({"key": doc, "path": path, "value": value}, lambda: self.db.json_set(doc, path, value))

    def step_vector(self):
        key = f"{self.wid}/{self.cycle}/{self.n}"
        meta = {"w": self.wid, "c": self.cycle, "n": self.n}
        vec = vector_for(key)
        self.op({"collection": VECTOR_COLLECTION, "key": key, "value": meta},
                lambda: self.db.vector_upsert(VECTOR_COLLECTION, key, vec, meta))

    def step_txn(self):
        # Two KV keys and a state cell in one transaction: after any crash all
        # three hold the same value (never a partial commit).
        value = {"w": self.wid, "c": self.cycle, "n": self.n}
        a, b, cell = f"txn/{self.wid}/a", f"txn/{self.wid}/b", f"txn/{self.wid}"

        def call():
            self.db.begin()
            try:
                self.db.kv_put(a, value)
                self.db.kv_put(b, value)
                self.db.state_set(cell, value)
                return self.db.commit()
            except BaseException:
                if self.db.in_transaction():
                    try:
                        self.db.rollback()
                    except Exception:
                        pass
                raise

        self.op({"keys": [a, b], "cell": cell, "value": value}, call)


def main(argv):
    kind, wid, cycle, address, log_path, deadline = argv[1:7]
    cycle, deadline = int(cycle), float(deadline)
    log = AckLog(Path(log_path))
    try:
        db = Strata.open(address, timeout=10)
    except UnavailableError:
        return 0
    writer = Writer(kind, wid, cycle, db, log)
    step = getattr(writer, f"step_{kind}")
    try:
        while time.time() < deadline:
            step()
    except UnavailableError:
        return 0  # the server was killed: expected
    except Exception as e:  # anything else is a finding
        print(f"writer {wid}: {type(e).__name__}: {e}", file=sys.stderr)
        return 3
    finally:
        log.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
