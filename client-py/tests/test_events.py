"""The event log against a real stratad (spec/api.md §3, §6).

Tests that count sequences from 0 use `fresh_db`, a private server whose log
starts empty; the rest use the shared server and count from its length."""

import math
import re
import threading
import time

import pytest

from helpers_bulk import run_parallel
from stratadb import ValidationError

EVENT_KEYS = {"sequence", "event_type", "value", "timestamp", "hash", "prev_hash", "version"}
ZERO_HASH = "0" * 64
HEX64 = re.compile(r"[0-9a-f]{64}")


def test_empty_log(fresh_db):
    db = fresh_db
    assert db.event_len() == 0
    assert db.event_list(None) == []
    assert db.event_list("any") == []
    assert db.event_get(0) is None
    assert db.event_verify() == {"valid": True, "length": 0, "head_hash": ZERO_HASH}


def test_sequences_are_zero_based_and_gap_free(fresh_db):
    db = fresh_db
    seqs = [db.event_append("user_action", {"i": i}) for i in range(5)]
    seqs += [db.event_append("other", i) for i in range(3)]
    assert seqs == list(range(8))
    assert db.event_len() == 8
    assert [e["sequence"] for e in db.event_list(None)] == list(range(8))


def test_event_get_shape(fresh_db):
    db = fresh_db
    before = time.time_ns() // 1000
    db.event_append("user_action", {"action": "click", "target": "button"})
    db.event_append("user_action", [1, "two"])
    e0, e1 = db.event_get(0), db.event_get(1)
    assert set(e0) == EVENT_KEYS
    assert e0["sequence"] == 0 and e0["event_type"] == "user_action"
    assert e0["value"] == {"action": "click", "target": "button"}
    assert list(e0["value"]) == ["action", "target"]  # key order kept
    assert isinstance(e0["timestamp"], int) and abs(e0["timestamp"] - before) < 60_000_000
    assert HEX64.fullmatch(e0["hash"]) and HEX64.fullmatch(e1["hash"])
    assert e0["prev_hash"] == ZERO_HASH
    assert e1["prev_hash"] == e0["hash"] != e1["hash"]
    assert isinstance(e0["version"], int) and 0 < e0["version"] < e1["version"]
    assert e0["timestamp"] <= e1["timestamp"]
    assert db.event_list(None) == [e0, e1]


def test_event_get_missing(db):
    n = db.event_len()
    assert db.event_get(n) is None
    assert db.event_get(n + 1000) is None
    assert db.event_get((1 << 64) - 1) is None


@pytest.mark.parametrize(
    "seq", [-1, 1 << 64, "0", 0.0, True, None], ids=["neg", "2**64", "str", "float", "bool", "none"]
)
def test_event_get_bad_sequence(db, seq):
    with pytest.raises(ValidationError, match="sequence") as info:
        db.event_get(seq)
    assert info.value.code is None


def test_append_returns_sequences_on_the_shared_log(db, ns):
    start = db.event_len()
    seqs = [db.event_append(ns + "t", i) for i in range(3)]
    assert seqs == [start, start + 1, start + 2]
    assert [e["value"] for e in db.event_list(ns + "t")] == [0, 1, 2]


APPENDERS = 4
PER_APPENDER = 200


def test_concurrent_appenders_gap_free(fresh_db):
    db = fresh_db
    got = {t: [] for t in range(APPENDERS)}
    errors = []
    barrier = threading.Barrier(APPENDERS)

    def worker(t):
        try:
            barrier.wait(10)
            for i in range(PER_APPENDER):
                got[t].append(db.event_append(f"writer-{t}", {"t": t, "i": i}))
        except BaseException as e:  # reported below
            errors.append(e)

    threads = [threading.Thread(target=worker, args=(t,)) for t in range(APPENDERS)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(120)
    assert not any(th.is_alive() for th in threads), "an appender hung"
    assert not errors, errors[:3]
    total = APPENDERS * PER_APPENDER
    everything = sorted(s for seqs in got.values() for s in seqs)
    assert everything == list(range(total)), "sequences must be unique and gap-free"
    for t, seqs in got.items():
        assert seqs == sorted(seqs), "one thread's appends are ordered"
    assert db.event_len() == total
    events = db.event_list(None)
    assert [e["sequence"] for e in events] == list(range(total))
    for e in events:  # each event is the payload its sequence was returned for
        t, i = e["value"]["t"], e["value"]["i"]
        assert e["event_type"] == f"writer-{t}" and got[t][i] == e["sequence"]
    for prev, cur in zip(events, events[1:]):
        assert cur["prev_hash"] == prev["hash"]
        assert cur["timestamp"] >= prev["timestamp"] and cur["version"] > prev["version"]
    assert db.event_verify() == {"valid": True, "length": total, "head_hash": events[-1]["hash"]}
    for t in range(APPENDERS):
        mine = db.event_list(f"writer-{t}")
        assert [e["sequence"] for e in mine] == got[t]


@pytest.fixture
def mixed_log(fresh_db):
    """0:a 1:b 2:a 3:c 4:a 5:b 6:a 7:a 8:b 9:c"""
    types = ["a", "b", "a", "c", "a", "b", "a", "a", "b", "c"]
    for i, t in enumerate(types):
        assert fresh_db.event_append(t, {"i": i, "t": t}) == i
    return fresh_db, types


def test_list_by_type_and_all(mixed_log):
    db, types = mixed_log
    for t in "abc":
        events = db.event_list(t)
        assert [e["sequence"] for e in events] == [i for i, x in enumerate(types) if x == t]
        assert all(e["event_type"] == t and e["value"]["t"] == t for e in events)
    assert [e["sequence"] for e in db.event_list(None)] == list(range(10))
    assert db.event_list("never-used") == []


def test_list_limit_and_after(mixed_log):
    db, types = mixed_log
    seqs = lambda events: [e["sequence"] for e in events]  # noqa: E731
    assert seqs(db.event_list(None, limit=3)) == [0, 1, 2]
    assert seqs(db.event_list(None, after=6)) == [7, 8, 9]  # exclusive
    assert seqs(db.event_list(None, limit=2, after=3)) == [4, 5]
    assert seqs(db.event_list(None, after=0)) == list(range(1, 10))
    assert seqs(db.event_list(None, after=9)) == []
    assert seqs(db.event_list(None, after=(1 << 64) - 1)) == []
    assert seqs(db.event_list(None, limit=100)) == list(range(10))
    assert seqs(db.event_list("a", limit=2)) == [0, 2]
    assert seqs(db.event_list("a", after=2)) == [4, 6, 7]
    assert seqs(db.event_list("a", after=3, limit=2)) == [4, 6]
    assert seqs(db.event_list("a", after=7)) == []
    assert seqs(db.event_list("b", limit=1, after=1)) == [5]
    # keywords, as the seed calls it
    assert seqs(db.event_list(event_type="c", limit=10)) == [3, 9]


def test_list_paginated_alias(mixed_log):
    db, types = mixed_log
    assert db.event_list_paginated("a") == db.event_list("a")
    walked, after = [], None
    while True:
        page = db.event_list_paginated(None, limit=3, after=after)
        assert len(page) <= 3
        if not page:
            break
        walked += page
        after = page[-1]["sequence"]
    assert walked == db.event_list(None)


def test_list_pages_past_the_server_page_size(fresh_db):
    db = fresh_db
    n = 2345
    kinds = ["odd" if i % 2 else "even" for i in range(n)]
    run_parallel([lambda k=k: db.event_append(k, 0) for k in kinds])
    assert db.event_len() == n
    everything = db.event_list(None)
    assert [e["sequence"] for e in everything] == list(range(n))
    assert sum(e["event_type"] == "even" for e in everything) == (n + 1) // 2
    even = db.event_list("even")
    assert [e["sequence"] for e in even] == [e["sequence"] for e in everything if e["event_type"] == "even"]
    assert len(even) == 1173 > 1000
    assert [e["sequence"] for e in db.event_list(None, limit=1500)] == list(range(1500))
    assert [e["sequence"] for e in db.event_list(None, limit=1000, after=1344)] == list(range(1345, 2345))
    assert [e["sequence"] for e in db.event_list(None, limit=5000, after=1999)] == list(range(2000, n))
    odd_after_10 = [e["sequence"] for e in everything if e["event_type"] == "odd" and e["sequence"] > 10]
    got = db.event_list("odd", limit=1001, after=10)
    assert [e["sequence"] for e in got] == odd_after_10[:1001]
    assert len(got) == 1001 and all(e["event_type"] == "odd" for e in got)
    assert db.event_verify() == {"valid": True, "length": n, "head_hash": everything[-1]["hash"]}


def _append_and_stamp(db, event_type, payload):
    seq = db.event_append(event_type, payload)
    stamp = db.event_get(seq)["timestamp"]
    time.sleep(0.005)  # keep the next commit's microsecond timestamp apart
    return seq, stamp


def test_as_of(fresh_db):
    db = fresh_db
    s0, t0 = _append_and_stamp(db, "a", "first")
    s1, t1 = _append_and_stamp(db, "b", "second")
    s2, t2 = _append_and_stamp(db, "a", "third")
    assert (s0, s1, s2) == (0, 1, 2) and t0 < t1 < t2
    assert db.event_len(as_of=t0 - 1) == 0
    assert db.event_len(as_of=t0) == 1
    assert db.event_len(as_of=(t1 + t2) // 2) == 2
    assert db.event_len(as_of=t2) == 3
    assert db.event_list(None, as_of=t0 - 1) == []
    assert [e["value"] for e in db.event_list(None, as_of=t1)] == ["first", "second"]
    assert [e["value"] for e in db.event_list("a", as_of=t1)] == ["first"]
    assert [e["value"] for e in db.event_list("a", as_of=t2)] == ["first", "third"]
    assert [e["value"] for e in db.event_list(None, after=0, as_of=t1)] == ["second"]
    assert db.event_get(1, as_of=t0) is None
    assert db.event_get(1, as_of=t1) == db.event_get(1)
    assert db.event_get(0, as_of=t0 - 1) is None


def test_verify(fresh_db):
    db = fresh_db
    for i in range(5):
        db.event_append("t", {"i": i, "f": i / 3})
    report = db.event_verify()
    assert report == {"valid": True, "length": 5, "head_hash": db.event_get(4)["hash"]}


# -- validation -------------------------------------------------------------------


@pytest.mark.parametrize(
    "event_type, match",
    [
        ("", "empty"),
        ("x" * 257, "257 bytes"),
        ("é" * 129, "258 bytes"),  # 129 characters, 258 bytes
        ("a\x00b", "NUL"),
        ("\ud800", "unicode"),
        (b"type", "str"),
        (1, "str"),
    ],
    ids=["empty", "257", "258_bytes", "nul", "surrogate", "bytes", "int"],
)
def test_bad_event_type(db, event_type, match):
    before = db.event_len()
    with pytest.raises(ValidationError, match=match) as info:
        db.event_append(event_type, 1)
    assert info.value.code is None  # never sent
    assert "event_type" in info.value.message
    with pytest.raises(ValidationError, match=match):
        db.event_list(event_type)
    assert db.event_len() == before


def test_event_type_none_is_not_appendable(db):
    with pytest.raises(ValidationError, match="event_type"):
        db.event_append(None, 1)


def test_event_type_limits_are_bytes(fresh_db):
    db = fresh_db
    for t in ("x" * 256, "é" * 128, "😀" * 64, "a"):
        assert len(t.encode()) <= 256
        seq = db.event_append(t, t[:1])
        assert db.event_get(seq)["event_type"] == t
        assert [e["sequence"] for e in db.event_list(t)] == [seq]


@pytest.mark.parametrize("event_type", ["", "x" * 257, "a\x00b"], ids=["empty", "257", "nul"])
def test_bad_event_type_rejected_by_the_server_too(db, event_type):
    from stratadb._proto import events_pb2

    before = db.event_len()
    request = events_pb2.EventAppendRequest(context=db._context(), event_type=event_type)
    request.payload.int_value = 1
    with pytest.raises(ValidationError) as info:
        db._call(db._events.Append, request)
    assert info.value.code == "INVALID_ARGUMENT" and "event_type" in info.value.message
    assert db.event_len() == before


@pytest.mark.parametrize(
    "payload",
    [float("nan"), float("inf"), -float("inf"), {"x": [1, float("nan")]}, [{"deep": {"er": -float("inf")}}]],
    ids=["nan", "inf", "-inf", "nested_nan", "nested_-inf"],
)
def test_non_finite_payload_rejected(db, payload):
    before = db.event_len()
    with pytest.raises(ValidationError, match="NaN or infinity") as info:
        db.event_append("t", payload)
    assert info.value.code is None
    assert db.event_len() == before


def test_non_finite_payload_message_says_where(db):
    with pytest.raises(ValidationError, match=r"\$\.x\[1\]"):
        db.event_append("t", {"x": [1, float("nan")]})
    with pytest.raises(ValidationError, match=r"\$\['a b'\]"):
        db.event_append("t", {"a b": math.inf})


def test_non_finite_payload_rejected_by_the_server_too(db):
    from stratadb._proto import events_pb2

    before = db.event_len()
    request = events_pb2.EventAppendRequest(context=db._context(), event_type="t")
    request.payload.array_value.items.add().float_value = float("nan")
    with pytest.raises(ValidationError, match="NaN") as info:
        db._call(db._events.Append, request)
    assert info.value.code == "INVALID_ARGUMENT"
    assert db.event_len() == before


def test_unsupported_payload(db):
    with pytest.raises(ValidationError, match="set"):
        db.event_append("t", {1, 2})


@pytest.mark.parametrize("limit", [0, -1, "10", 1.5, True], ids=["zero", "neg", "str", "float", "bool"])
def test_bad_list_limit(db, limit):
    with pytest.raises(ValidationError, match="limit"):
        db.event_list(None, limit=limit)


@pytest.mark.parametrize("after", [-1, 1 << 64, "1", 1.5, True], ids=["neg", "2**64", "str", "float", "bool"])
def test_bad_list_after(db, after):
    with pytest.raises(ValidationError, match="after"):
        db.event_list(None, after=after)


@pytest.mark.parametrize("as_of", ["1", 1.5, True])
def test_bad_as_of(db, as_of):
    for call in (
        lambda: db.event_len(as_of=as_of),
        lambda: db.event_get(0, as_of=as_of),
        lambda: db.event_list(None, as_of=as_of),
    ):
        with pytest.raises(ValidationError, match="as_of"):
            call()
