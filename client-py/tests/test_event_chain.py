"""Checking the event log's hash chain in plain Python, without trusting the
server: the recipe below is all a user needs (spec/api.md §6).

    hash      = SHA-256(prev_hash || canonical)      prev_hash of event 0: 32 zero bytes
    canonical = u64be(sequence) || u32be(len(type_utf8)) || type_utf8 || i64be(timestamp) || enc(payload)
"""

import hashlib
import struct

import pytest

from value_samples import INT64_MAX, INT64_MIN, nested_dicts, nested_lists


def enc(v) -> bytes:
    """The canonical encoding of a payload value."""
    if v is None:
        return b"n"
    if isinstance(v, bool):  # before int: bool is an int
        return b"t" if v else b"f"
    if isinstance(v, int):
        return b"i" + struct.pack(">q", v)
    if isinstance(v, float):
        return b"d" + struct.pack(">d", v)
    if isinstance(v, str):
        raw = v.encode("utf-8")
        return b"s" + struct.pack(">I", len(raw)) + raw
    if isinstance(v, bytes):
        return b"b" + struct.pack(">I", len(v)) + v
    if isinstance(v, list):
        return b"a" + struct.pack(">I", len(v)) + b"".join(enc(item) for item in v)
    if isinstance(v, dict):  # keys in stored order
        out = b"o" + struct.pack(">I", len(v))
        for key, item in v.items():
            raw = key.encode("utf-8")
            out += struct.pack(">I", len(raw)) + raw + enc(item)
        return out
    raise TypeError(type(v))


def event_hash(prev_hash: bytes, e: dict) -> bytes:
    t = e["event_type"].encode("utf-8")
    canonical = struct.pack(">QI", e["sequence"], len(t)) + t + struct.pack(">q", e["timestamp"]) + enc(e["value"])
    return hashlib.sha256(prev_hash + canonical).digest()


def verify_chain(events, prev_hash=bytes(32)):
    """Check every event of an ascending, gap-free run from event_list;
    return the head hash (hex). `prev_hash` is the hash before the run
    (32 zero bytes when it starts at sequence 0)."""
    for e in events:
        assert bytes.fromhex(e["prev_hash"]) == prev_hash, f"broken link at {e['sequence']}"
        digest = event_hash(prev_hash, e)
        assert digest.hex() == e["hash"], f"wrong hash at {e['sequence']}"
        prev_hash = digest
    return prev_hash.hex()


# -- the tests ----------------------------------------------------------------------

PAYLOADS = [
    None,
    True,
    False,
    0,
    1,
    -1,
    -123456789,
    INT64_MIN,
    INT64_MAX,
    0.0,
    -0.0,
    1.0,  # a float even when integral: 'd', not 'i'
    0.1,
    -2.5e-300,
    5e-324,
    1.7976931348623157e308,
    "",
    "hello",
    "héllo wörld 日本語 👍🏽 🇫🇷",
    "a\x00b",
    b"",
    b"\x00\x01\xff",
    bytes(range(256)),
    [],
    {},
    [1, "two", 3.0, None, True, b"6", [], {}],
    {"z": 1, "a": 2, "m": {"y": [1, {"x": None}], "b": b"\x00"}, "": 0},  # unsorted keys: stored order
    {"ключ": "значение", "🔑": [-1, -0.5], "name with spaces.dots": False},
    [{"a": 1}, {"a": 2.0}, {"a": True}],
    nested_lists(100, "leaf"),
    nested_dicts(60, -7),
]


def test_chain_over_every_value_type(fresh_db):
    db = fresh_db
    types = ["t", "user_action", "événement", "😀" * 64, "x" * 256]
    for i, payload in enumerate(PAYLOADS):
        assert db.event_append(types[i % len(types)], payload) == i
    events = db.event_list(None)
    assert len(events) == len(PAYLOADS)
    head = verify_chain(events)
    assert db.event_verify() == {"valid": True, "length": len(PAYLOADS), "head_hash": head}


def test_chain_of_a_suffix_and_of_one_event(fresh_db):
    db = fresh_db
    for i in range(10):
        db.event_append("t", {"i": i, "sq": i * i, "neg": -i})
    tail = db.event_list(None, after=5)
    verify_chain(tail, bytes.fromhex(db.event_get(5)["hash"]))
    one = db.event_get(7)
    assert event_hash(bytes.fromhex(one["prev_hash"]), one).hex() == one["hash"]


def test_chain_after_concurrent_appends(fresh_db):
    import threading

    db = fresh_db

    def worker(t):
        for i in range(50):
            db.event_append(f"w{t}", {"t": t, "i": i, "f": i / 7, "b": bytes([t, i])})

    threads = [threading.Thread(target=worker, args=(t,)) for t in range(4)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(60)
    events = db.event_list(None)
    assert len(events) == 200
    assert verify_chain(events) == db.event_verify()["head_hash"]


@pytest.mark.parametrize(
    "field, forged",
    [
        ("value", lambda v: {**v, "amount": 101}),
        ("value", lambda v: {"amount": v["amount"], "to": v["to"]}),  # same items, other key order
        ("value", lambda v: {**v, "amount": 100.0}),  # same number, other type
        ("event_type", lambda t: t + "!"),
        ("timestamp", lambda ts: ts + 1),
        ("sequence", lambda s: s + 1),
    ],
    ids=["amount", "key_order", "int_to_float", "type", "timestamp", "sequence"],
)
def test_verification_catches_tampering(fresh_db, field, forged):
    """The check is not vacuous: any change to what is hashed breaks it."""
    db = fresh_db
    db.event_append("transfer", {"to": "bob", "amount": 100})
    db.event_append("transfer", {"to": "eve", "amount": 5})
    events = db.event_list(None)
    verify_chain(events)
    events[0][field] = forged(events[0][field])
    with pytest.raises(AssertionError, match="wrong hash at"):
        verify_chain(events)


def test_verification_catches_a_removed_event(fresh_db):
    db = fresh_db
    for i in range(3):
        db.event_append("t", i)
    events = db.event_list(None)
    del events[1]
    with pytest.raises(AssertionError, match="broken link at 2"):
        verify_chain(events)


def test_tampering_on_disk_is_caught_by_the_server_and_by_the_client(stratad_factory):
    """Rewrite one payload inside the database file behind the server's back
    (LMDB keeps no checksums): event_verify and the Python check both point
    at that event, and the events before it still verify."""
    from stratadb import Strata

    server = stratad_factory()
    with Strata.open(server.address, timeout=30) as db:
        for i in range(3):
            db.event_append("note", {"text": f"original-{i}-payload"})
        assert db.event_verify()["valid"] is True
    assert server.stop() == 0
    data = server.data_dir / "data.mdb"
    raw = data.read_bytes()
    assert raw.count(b"original-1-payload") >= 1
    data.write_bytes(raw.replace(b"original-1-payload", b"original-1-PAYLOAD"))
    server.start()
    with Strata.open(server.address, timeout=30) as db:
        events = db.event_list(None)
        assert events[1]["value"] == {"text": "original-1-PAYLOAD"}
        report = db.event_verify()
        assert report["valid"] is False
        assert report["first_broken"] == 1 and report["length"] == 3
        assert "hash" in report["reason"]
        assert report["head_hash"] == events[0]["hash"]  # the last event that verified
        verify_chain(events[:1])
        with pytest.raises(AssertionError, match="wrong hash at 1"):
            verify_chain(events)
