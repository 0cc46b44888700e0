"""The crash checker finds what it is meant to find: genuine logs of real
writes against a real stratad pass, and each kind of fabricated loss (an
acknowledged version that is not there, a value that differs, a transaction
half applied, an event that was never appended) is reported."""

import copy
import sys
import tempfile
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parents[1] / "client-py" / "tests"))

from ack_log import AckLog, ops, read_log  # noqa: E402
from crash_checker import check  # noqa: E402
from crash_writer import VECTOR_COLLECTION, VECTOR_DIM, Writer  # noqa: E402
from stratad_process import StratadProcess  # noqa: E402
from stratadb import Strata  # noqa: E402


@pytest.fixture(scope="module")
def written():
    """A server with a few real operations of every kind, and their log."""
    with tempfile.TemporaryDirectory(prefix="strata-checker-") as d:
        work = Path(d)
        server = StratadProcess(work / "data", work / "server")
        address = server.start()
        try:
            db = Strata.open(address, timeout=30)
            db.vector_create_collection(VECTOR_COLLECTION, VECTOR_DIM, "euclidean")
            for kind in ("kv", "state", "event", "json", "vector"):
                log = AckLog(work / f"{kind}.log")
                w = Writer(kind, f"{kind}0", 1, db, log)
                for _ in range(12):
                    getattr(w, f"step_{kind}")()
                log.close()
            all_ops = []
            for path in sorted(work.glob("*.log")):
                all_ops.extend(ops(read_log(path)))
            yield db, all_ops
            db.close()
        finally:
            server.kill()


def violations(db, all_ops):
    return check(db, all_ops, kill_times={}).violations


def test_genuine_logs_pass(written):
    db, all_ops = written
    assert len(all_ops) == 60
    assert violations(db, all_ops) == []


@pytest.mark.parametrize("kind", ["kv", "state", "json", "vector"])
def test_an_acknowledged_version_that_is_missing_is_reported(written, kind):
    db, all_ops = written
    forged = copy.deepcopy(all_ops)
    op = next(o for o in reversed(forged) if o["kind"] == kind)
    op["version"] += 100000
    found = violations(db, forged)
    assert any("lost" in v or "version" in v for v in found), found


def test_a_value_that_differs_is_reported(written):
    db, all_ops = written
    forged = copy.deepcopy(all_ops)
    op = next(o for o in forged if o["kind"] == "kv")
    op["value"] = {"something": "else"}
    assert violations(db, forged)


def test_an_event_never_appended_is_reported(written):
    db, all_ops = written
    forged = copy.deepcopy(all_ops)
    first_event = next(o for o in forged if o["kind"] == "event")
    forged.remove(first_event)  # the server holds an event no log explains
    assert any("never appended" in v for v in violations(db, forged))


def test_a_partly_visible_transaction_is_reported(written):
    db, _ = written
    value = {"w": "txn0", "c": 1, "n": 0}
    v = db.kv_put("txn/txn0/a", value)  # only one of its three names
    op = {"kind": "txn", "w": "txn0", "c": 1, "n": 0, "id": "txn0:1:0", "keys": ["txn/txn0/a", "txn/txn0/b"],
          "cell": "txn/txn0", "value": value, "acked": True, "version": v}
    found = check(db, [op], kill_times={}).violations
    assert any("partly visible" in f for f in found), found
