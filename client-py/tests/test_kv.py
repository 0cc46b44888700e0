"""KV against a real stratad (spec/api.md §3, §4)."""

import time

import pytest

from stratadb import ValidationError


def test_put_get(db, ns):
    version = db.kv_put(ns + "greeting", "Hello, World!")
    assert isinstance(version, int) and version > 0
    assert db.kv_get(ns + "greeting") == "Hello, World!"


def test_missing_key_is_none(db, ns):
    assert db.kv_get(ns + "missing") is None
    assert db.kv_get_versioned(ns + "missing") is None
    assert db.kv_history(ns + "missing") is None


def test_overwrite_returns_latest(db, ns):
    db.kv_put(ns + "k", 1)
    db.kv_put(ns + "k", {"two": 2})
    assert db.kv_get(ns + "k") == {"two": 2}


def test_versions_strictly_increase(db, ns):
    versions = [db.kv_put(ns + f"k{i % 3}", i) for i in range(20)]
    db.kv_delete(ns + "k0")
    versions.append(db.kv_history(ns + "k0")[0]["version"])
    assert versions == sorted(set(versions))


def test_get_versioned(db, ns):
    version = db.kv_put(ns + "user:123", {"name": "Alice", "age": 30})
    got = db.kv_get_versioned(ns + "user:123")
    assert got == {"value": {"name": "Alice", "age": 30}, "version": version, "timestamp": got["timestamp"]}
    assert isinstance(got["timestamp"], int)
    now_us = time.time_ns() // 1000
    assert abs(now_us - got["timestamp"]) < 60_000_000  # server clock: microseconds, now-ish


def test_delete(db, ns):
    db.kv_put(ns + "k", "v")
    assert db.kv_delete(ns + "k") is True
    assert db.kv_get(ns + "k") is None
    assert db.kv_get_versioned(ns + "k") is None
    assert db.kv_delete(ns + "k") is False


def test_delete_missing_key_is_false(db, ns):
    assert db.kv_delete(ns + "never") is False
    assert db.kv_history(ns + "never") is None


def test_history_newest_first_with_tombstone(db, ns):
    v1 = db.kv_put(ns + "k", "a")
    v2 = db.kv_put(ns + "k", "b")
    assert db.kv_delete(ns + "k") is True
    v4 = db.kv_put(ns + "k", "c")
    history = db.kv_history(ns + "k")
    assert [e["value"] for e in history] == ["c", None, "b", "a"]
    assert history[0]["version"] == v4 and history[2]["version"] == v2 and history[3]["version"] == v1
    tombstone = history[1]
    assert tombstone["deleted"] is True and tombstone["value"] is None
    assert v2 < tombstone["version"] < v4
    for entry in (history[0], history[2], history[3]):
        assert set(entry) == {"value", "version", "timestamp"}
    stamps = [e["timestamp"] for e in history]
    assert stamps == sorted(stamps, reverse=True)


def test_history_of_deleted_key_still_exists(db, ns):
    db.kv_put(ns + "k", 1)
    db.kv_delete(ns + "k")
    history = db.kv_history(ns + "k")
    assert [e.get("deleted", False) for e in history] == [True, False]


def _put_and_stamp(db, key, value):
    db.kv_put(key, value)
    stamp = db.kv_get_versioned(key)["timestamp"]
    time.sleep(0.005)  # keep the next commit's microsecond timestamp apart
    return stamp


def test_as_of(db, ns):
    key = ns + "k"
    t1 = _put_and_stamp(db, key, "old")
    t2 = _put_and_stamp(db, key, "new")
    assert t2 > t1
    assert db.kv_get(key, as_of=t1 - 1) is None  # before the first write
    assert db.kv_get(key, as_of=t1) == "old"
    assert db.kv_get(key, as_of=(t1 + t2) // 2) == "old"  # between the writes
    assert db.kv_get(key, as_of=t2) == "new"
    assert db.kv_get(key) == "new"
    db.kv_delete(key)
    t3 = db.kv_history(key)[0]["timestamp"]
    assert db.kv_get(key) is None
    assert db.kv_get(key, as_of=t3 - 1) == "new"


def test_list_as_of(db, ns):
    t1 = _put_and_stamp(db, ns + "a", 1)
    t2 = _put_and_stamp(db, ns + "b", 2)
    db.kv_delete(ns + "a")
    assert db.kv_list(ns, as_of=t1 - 1) == []
    assert db.kv_list(ns, as_of=t1) == [ns + "a"]
    assert db.kv_list(ns, as_of=t2) == [ns + "a", ns + "b"]
    assert db.kv_list(ns) == [ns + "b"]


def test_list_prefix_bytewise_order(db, ns):
    suffixes = ["b", "a", "B", "A", "0", "~", "ab", "a b", "é", "z", "\uffff", "😀", "日本", "a\x01", "aa"]
    for s in suffixes:
        db.kv_put(ns + s, s)
    db.kv_put(ns[:-1] + "x", "outside the prefix")
    want = sorted((ns + s for s in suffixes), key=lambda k: k.encode("utf-8"))
    assert db.kv_list(ns) == want
    assert db.kv_list(ns + "a") == [k for k in want if k.startswith(ns + "a")]
    assert db.kv_list(ns + "nothing") == []


def test_list_skips_deleted(db, ns):
    for k in "abc":
        db.kv_put(ns + k, k)
    db.kv_delete(ns + "b")
    assert db.kv_list(ns) == [ns + "a", ns + "c"]


def test_list_pages_past_the_server_page_size(db, ns):
    keys = [f"{ns}{i:05d}" for i in range(2345)]
    for k in keys:
        db.kv_put(k, 0)
    assert db.kv_list(ns) == keys


def test_list_paginated(db, ns):
    keys = [f"{ns}{i:03d}" for i in range(25)]
    for k in keys:
        db.kv_put(k, None)
    seen, cursor, pages = [], None, 0
    while True:
        page = db.kv_list_paginated(ns, limit=10, cursor=cursor)
        assert len(page["keys"]) <= 10
        seen += page["keys"]
        pages += 1
        cursor = page["cursor"]
        if cursor is None:
            break
        assert isinstance(cursor, str) and cursor
    assert seen == keys and pages in (3, 4)
    assert db.kv_list_paginated(ns + "zzz") == {"keys": [], "cursor": None}


def test_list_paginated_defaults(db, ns):
    for i in range(3):
        db.kv_put(f"{ns}{i}", i)
    assert db.kv_list_paginated(prefix=ns) == {"keys": [f"{ns}{i}" for i in range(3)], "cursor": None}


@pytest.mark.parametrize("limit", [0, -1, 10001, 1.5, "10", True])
def test_list_paginated_bad_limit(db, ns, limit):
    with pytest.raises(ValidationError, match="limit"):
        db.kv_list_paginated(ns, limit=limit)


def test_pagination_is_stable_under_concurrent_writes(db, ns):
    stable = [f"{ns}s{i:03d}" for i in range(60)]
    for k in stable:
        db.kv_put(k, "stable")
    volatile = [f"{ns}s{i:03d}x" for i in range(0, 60, 3)]  # interleaved with stable keys
    for k in volatile:
        db.kv_put(k, "volatile")
    seen, cursor, step = [], None, 0
    while True:
        page = db.kv_list_paginated(ns, limit=7, cursor=cursor)
        seen += page["keys"]
        cursor = page["cursor"]
        if cursor is None:
            break
        # Between pages: delete a volatile key, add new ones before, after and
        # at the cursor position, and rewrite a stable key.
        step += 1
        db.kv_delete(volatile[step % len(volatile)])
        db.kv_put(f"{ns}a{step:03d}", "before everything")
        db.kv_put(f"{ns}t{step:03d}", "after everything")
        db.kv_put(page["keys"][-1] + "+", "right after the cursor")
        db.kv_put(stable[(step * 7) % len(stable)], "rewritten")
    assert len(seen) == len(set(seen)), "a key was returned twice"
    assert seen == sorted(seen, key=lambda k: k.encode("utf-8"))
    missing = [k for k in stable if k not in seen]
    assert not missing, f"stable keys skipped: {missing}"


def test_max_length_keys(db, ns):
    ascii_key = "k" * 1024
    multibyte = "é" * 512  # 1024 bytes in UTF-8
    emoji = "😀" * 256  # 1024 bytes
    for k in (ascii_key, multibyte, emoji):
        assert len(k.encode()) == 1024
        db.kv_put(k, k[:3])
        assert db.kv_get(k) == k[:3]
        assert db.kv_history(k)[0]["value"] == k[:3]
        assert k in db.kv_list(k[:10])
        assert db.kv_delete(k) is True


def test_long_keys_sharing_a_long_prefix_list_bytewise(db, ns):
    prefix = ns + "p" * (500 - len(ns))
    assert len(prefix.encode()) == 500
    tails = ["", "a", "b" * 524, "a" * 524, "é" * 262, "ab", "\x7f", "😀" * 131, "Z" * 100, "aa" * 200]
    keys = []
    for i, tail in enumerate(tails):
        key = prefix + tail
        assert len(key.encode()) <= 1024
        keys.append(key)
        db.kv_put(key, i)
    want = sorted(keys, key=lambda k: k.encode("utf-8"))
    assert db.kv_list(prefix) == want
    walked, cursor = [], None
    while True:
        page = db.kv_list_paginated(prefix, limit=3, cursor=cursor)
        walked += page["keys"]
        cursor = page["cursor"]
        if cursor is None:
            break
    assert walked == want


@pytest.mark.parametrize(
    "key, match",
    [
        ("", "empty"),
        ("k" * 1025, "1024"),
        ("é" * 513, "1024"),  # 513 characters but 1026 bytes
        ("a\x00b", "NUL"),
        ("\x00", "NUL"),
        ("\ud800", "unicode"),
        ("_strata/x", "reserved"),
        (b"bytes", "str"),
        (None, "str"),
        (1, "str"),
    ],
    ids=["empty", "1025", "1026_bytes", "nul", "only_nul", "surrogate", "reserved", "bytes", "none", "int"],
)
def test_bad_keys_rejected_client_side(db, key, match):
    for call in (
        lambda: db.kv_put(key, 1),
        lambda: db.kv_get(key),
        lambda: db.kv_get_versioned(key),
        lambda: db.kv_delete(key),
        lambda: db.kv_history(key),
    ):
        with pytest.raises(ValidationError, match=match) as info:
            call()
        assert info.value.code is None  # never sent


@pytest.mark.parametrize("key", ["", "k" * 1025, "a\x00b", "_strata/x"], ids=["empty", "1025", "nul", "reserved"])
def test_bad_keys_rejected_by_the_server_too(db, key):
    """Bypass the client's checks: the server must refuse with the same error."""
    from stratadb._proto import kv_pb2

    request = kv_pb2.KvPutRequest(context=db._context(), key=key)
    request.value.int_value = 1
    with pytest.raises(ValidationError) as info:
        db._call(db._kv.Put, request)
    assert info.value.code == "INVALID_ARGUMENT" and info.value.reason == "validation"
    assert "key" in info.value.message


@pytest.mark.parametrize("as_of", ["1", 1.5, True, [1], -1, 2**63, 2**64])
def test_bad_as_of(db, ns, as_of):
    with pytest.raises(ValidationError, match="as_of"):
        db.kv_get(ns + "k", as_of=as_of)


def test_as_of_beyond_int64_is_a_validation_error_on_every_read(db, ns):
    # It raised protobuf's bare ValueError("Value out of range").
    reads = [
        lambda: db.kv_get(ns + "k", as_of=2**63),
        lambda: db.kv_list(ns, as_of=2**63),
        lambda: db.state_get(ns + "c", as_of=2**63),
        lambda: db.json_get(ns + "d", "$", as_of=2**63),
        lambda: db.event_get(0, as_of=2**63),
        lambda: db.event_list(None, as_of=2**63),
        lambda: db.event_len(as_of=2**63),
    ]
    for read in reads:
        with pytest.raises(ValidationError, match="as_of must be at most 9223372036854775807"):
            read()


def test_bad_prefix(db):
    with pytest.raises(ValidationError, match="prefix"):
        db.kv_list(b"x")


def test_server_errors_carry_code_reason_and_message(db, ns):
    """An unknown transaction id is NOT_FOUND with reason not_found end to end."""
    from stratadb import NotFoundError
    from stratadb._proto import kv_pb2, value_pb2

    request = kv_pb2.KvGetRequest(context=value_pb2.Context(txn_id="no-such-txn"), key=ns + "k")
    with pytest.raises(NotFoundError) as info:
        db._call(db._kv.Get, request)
    err = info.value
    assert isinstance(err, LookupError)
    assert err.code == "NOT_FOUND" and err.reason == "not_found"
    assert "no-such-txn" in err.message and err.message == err.message.lower()
