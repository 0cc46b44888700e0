"""State cells against a real stratad (spec/api.md §3, §5)."""

import math
import threading
import time

import pytest

from helpers_bulk import run_parallel
from stratadb import ConflictError, StrataError, ValidationError
from value_samples import assert_same


def test_set_get(db, ns):
    version = db.state_set(ns + "c", {"status": "on", "n": 1})
    assert isinstance(version, int) and version > 0
    assert db.state_get(ns + "c") == {"status": "on", "n": 1}
    got = db.state_get_versioned(ns + "c")
    assert got == {"value": {"status": "on", "n": 1}, "version": version, "timestamp": got["timestamp"]}
    assert isinstance(got["timestamp"], int)
    assert abs(time.time_ns() // 1000 - got["timestamp"]) < 60_000_000


def test_missing_cell(db, ns):
    assert db.state_get(ns + "nope") is None
    assert db.state_get_versioned(ns + "nope") is None
    assert db.state_history(ns + "nope") is None
    assert db.state_delete(ns + "nope") is False
    assert db.state_history(ns + "nope") is None  # a no-op delete writes nothing


def test_set_overwrites_and_versions_increase(db, ns):
    v1 = db.state_set(ns + "c", 1)
    v2 = db.state_set(ns + "c", "two")
    assert v2 > v1
    assert db.state_get(ns + "c") == "two"


def test_state_and_kv_are_separate_namespaces(db, ns):
    db.kv_put(ns + "same", "kv")
    assert db.state_get(ns + "same") is None
    db.state_set(ns + "same", "state")
    assert db.kv_get(ns + "same") == "kv"
    assert db.state_get(ns + "same") == "state"
    assert db.state_list(ns) == [ns + "same"]
    db.state_delete(ns + "same")
    assert db.kv_get(ns + "same") == "kv"


def test_all_value_types_round_trip(db, ns):
    value = {"n": None, "b": True, "i": -(1 << 63), "f": -0.0, "s": "日本", "y": b"\x00\xff", "l": [1, [2]], "o": {}}
    db.state_set(ns + "c", value)
    assert_same(db.state_get(ns + "c"), value)


def test_nan_and_inf_are_allowed_in_state(db, ns):
    db.state_set(ns + "c", [float("nan"), float("inf"), -float("inf")])
    got = db.state_get(ns + "c")
    assert math.isnan(got[0]) and got[1] == math.inf and got[2] == -math.inf


# -- init ---------------------------------------------------------------------


def test_init_creates_then_never_overwrites(db, ns):
    v1 = db.state_init(ns + "c", 0)
    assert db.state_get(ns + "c") == 0
    v2 = db.state_init(ns + "c", 99)
    assert v2 == v1, "init of an existing cell returns its current version"
    assert db.state_get(ns + "c") == 0
    assert len(db.state_history(ns + "c")) == 1, "init of an existing cell writes nothing"


def test_init_returns_the_current_version_after_updates(db, ns):
    db.state_init(ns + "c", "a")
    v2 = db.state_set(ns + "c", "b")
    assert db.state_init(ns + "c", "c") == v2
    assert db.state_get(ns + "c") == "b"


def test_init_after_delete_creates_again(db, ns):
    db.state_init(ns + "c", 1)
    assert db.state_delete(ns + "c") is True
    v = db.state_init(ns + "c", 2)
    assert db.state_get_versioned(ns + "c")["version"] == v
    assert db.state_get(ns + "c") == 2


def test_init_a_null_value_counts_as_existing(db, ns):
    v = db.state_init(ns + "c", None)
    got = db.state_get_versioned(ns + "c")
    assert got["value"] is None and got["version"] == v
    assert db.state_init(ns + "c", 1) == v
    assert db.state_get(ns + "c") is None


# -- compare-and-swap ------------------------------------------------------------


def test_seed_counter_example(db, ns):
    counter = ns + "counter"
    db.state_init(counter, 0)
    current = db.state_get(counter)
    db.state_cas(counter, current + 1, expected=current)
    assert db.state_get(counter) == 1
    caught = None
    try:
        db.state_cas(counter, current + 1, expected=current)  # stale: it is 1 now
    except RuntimeError as e:  # what the seed's example catches
        caught = e
    assert isinstance(caught, ConflictError) and isinstance(caught, StrataError)
    assert db.state_get(counter) == 1


def test_cas_by_value_returns_the_new_version(db, ns):
    v1 = db.state_set(ns + "c", "a")
    v2 = db.state_cas(ns + "c", "b", expected="a")
    assert v2 > v1
    assert db.state_get_versioned(ns + "c")["version"] == v2
    assert db.state_get(ns + "c") == "b"


def test_conflict_error_shape(db, ns):
    db.state_set(ns + "c", 1)
    with pytest.raises(ConflictError) as info:
        db.state_cas(ns + "c", 2, expected=5)
    err = info.value
    assert isinstance(err, RuntimeError)
    assert err.code == "ABORTED" and err.reason == "conflict"
    assert ns + "c" in err.message and err.message == err.message.lower()


@pytest.mark.parametrize(
    "stored, expected",
    [
        (1, 1.0),
        (1, True),
        (1.0, 1),
        (True, 1),
        (0, False),
        (False, 0),
        ("1", 1),
        (b"a", "a"),
        ("a", b"a"),
        ([1, 2], [2, 1]),
        ([1, 2], [1, 2, 3]),
        ({"a": [1]}, {"a": [1.0]}),
        ({"a": 1}, {"a": 1, "b": 2}),
        ({"a": 1, "b": 2}, {"a": 1}),
        ({"a": {"b": True}}, {"a": {"b": 1}}),
        ([], {}),
        ("", b""),
        (0.0, -1.0),
    ],
    ids=lambda v: repr(v),
)
def test_cas_by_value_is_deep_and_type_strict(db, ns, stored, expected):
    cell = ns + "c"
    db.state_set(cell, stored)
    before = db.state_history(cell)
    with pytest.raises(ConflictError):
        db.state_cas(cell, "replaced", expected=expected)
    assert_same(db.state_get(cell), stored)
    assert db.state_history(cell) == before, "a failed cas must write nothing"


@pytest.mark.parametrize(
    "stored, expected",
    [
        ({"a": 1, "b": {"x": [1, {"y": None}], "z": "s"}}, {"b": {"z": "s", "x": [1, {"y": None}]}, "a": 1}),
        ([1, 2], (1, 2)),
        (b"\x00\x01", bytearray(b"\x00\x01")),
        (1.5, 1.5),
        (-(1 << 63), -(1 << 63)),
        ("é", "é"),
        (False, False),
        ({}, {}),
        ([], ()),
    ],
    ids=lambda v: repr(v),
)
def test_cas_by_equal_value_succeeds(db, ns, stored, expected):
    cell = ns + "c"
    v1 = db.state_set(cell, stored)
    v2 = db.state_cas(cell, "replaced", expected=expected)
    assert v2 > v1
    assert db.state_get(cell) == "replaced"


def test_cas_by_value_on_missing_cell_conflicts(db, ns):
    with pytest.raises(ConflictError, match="does not exist"):
        db.state_cas(ns + "c", 1, expected=0)
    assert db.state_get(ns + "c") is None
    assert db.state_history(ns + "c") is None


def test_cas_by_version(db, ns):
    cell = ns + "c"
    v1 = db.state_set(cell, "a")
    v2 = db.state_cas(cell, "b", expected_version=v1)
    assert v2 > v1 and db.state_get(cell) == "b"
    with pytest.raises(ConflictError, match=f"current version is {v2}"):
        db.state_cas(cell, "c", expected_version=v1)  # stale
    with pytest.raises(ConflictError):
        db.state_cas(cell, "c", expected_version=v2 + 1000)  # from the future
    assert db.state_get(cell) == "b"
    assert [e["value"] for e in db.state_history(cell)] == ["b", "a"]
    v3 = db.state_cas(cell, "c", expected_version=db.state_get_versioned(cell)["version"])
    assert v3 > v2 and db.state_get(cell) == "c"


def test_cas_by_version_matches_a_stored_null(db, ns):
    cell = ns + "c"
    v = db.state_set(cell, None)
    db.state_cas(cell, 1, expected_version=v)
    assert db.state_get(cell) == 1


def test_cas_by_version_on_missing_cell_conflicts(db, ns):
    with pytest.raises(ConflictError, match="does not exist"):
        db.state_cas(ns + "c", 1, expected_version=1)
    assert db.state_get(ns + "c") is None


def test_cas_by_value_and_version_needs_both(db, ns):
    cell = ns + "c"
    v1 = db.state_set(cell, 10)
    with pytest.raises(ConflictError):
        db.state_cas(cell, 11, expected=10, expected_version=v1 - 1)
    with pytest.raises(ConflictError):
        db.state_cas(cell, 11, expected=9, expected_version=v1)
    assert db.state_get(cell) == 10
    assert db.state_cas(cell, 11, expected=10, expected_version=v1) > v1
    assert db.state_get(cell) == 11


def test_create_only_cas(db, ns):
    cell = ns + "c"
    v1 = db.state_cas(cell, "first")  # neither expected nor expected_version
    assert db.state_get_versioned(cell)["version"] == v1
    with pytest.raises(ConflictError, match="exists"):
        db.state_cas(cell, "second")
    with pytest.raises(ConflictError):
        db.state_cas(cell, "second", expected=None)  # None means "not given"
    assert db.state_get(cell) == "first"
    assert len(db.state_history(cell)) == 1
    db.state_delete(cell)
    assert db.state_cas(cell, "again") > v1  # deleted: it does not exist
    assert db.state_get(cell) == "again"


def test_failed_cas_changes_nothing(db, ns):
    cell = ns + "c"
    db.state_set(cell, {"n": 1})
    v2 = db.state_set(cell, {"n": 2})
    before = db.state_history(cell)
    failures = [
        lambda: db.state_cas(cell, {"n": 3}, expected={"n": 1}),
        lambda: db.state_cas(cell, {"n": 3}, expected_version=v2 - 1),
        lambda: db.state_cas(cell, {"n": 3}),
        lambda: db.state_cas(cell, {"n": 3}, expected={"n": 2.0}),
    ]
    for fail in failures:
        with pytest.raises(ConflictError):
            fail()
    assert db.state_history(cell) == before
    assert len(before) == 2
    assert db.state_get_versioned(cell)["version"] == v2
    assert db.state_get(cell) == {"n": 2}


def test_cas_writes_a_new_version_even_with_the_same_value(db, ns):
    cell = ns + "c"
    v1 = db.state_set(cell, 7)
    v2 = db.state_cas(cell, 7, expected=7)
    assert v2 > v1
    assert [e["version"] for e in db.state_history(cell)] == [v2, v1]


# -- delete, list, history --------------------------------------------------------


def test_delete(db, ns):
    db.state_set(ns + "c", 1)
    assert db.state_delete(ns + "c") is True
    assert db.state_get(ns + "c") is None
    assert db.state_get_versioned(ns + "c") is None
    assert db.state_delete(ns + "c") is False


def test_history_newest_first_with_tombstone(db, ns):
    cell = ns + "c"
    v1 = db.state_init(cell, 0)
    v2 = db.state_cas(cell, 1, expected=0)
    db.state_delete(cell)
    v4 = db.state_set(cell, 2)
    history = db.state_history(cell)
    assert [e["value"] for e in history] == [2, None, 1, 0]
    assert history[0]["version"] == v4 and history[2]["version"] == v2 and history[3]["version"] == v1
    assert history[1]["deleted"] is True and v2 < history[1]["version"] < v4
    for entry in (history[0], history[2], history[3]):
        assert set(entry) == {"value", "version", "timestamp"}
    stamps = [e["timestamp"] for e in history]
    assert stamps == sorted(stamps, reverse=True)


def test_list_prefix_order_and_deleted(db, ns):
    names = ["b", "a", "B", "é", "a b", "😀", "aa"]
    for n in names:
        db.state_set(ns + n, n)
    db.state_set(ns[:-1] + "x", "outside the prefix")
    db.state_delete(ns + "B")
    want = sorted((ns + n for n in names if n != "B"), key=lambda k: k.encode("utf-8"))
    assert db.state_list(ns) == want
    assert db.state_list(ns + "a") == [ns + "a", ns + "a b", ns + "aa"]
    assert db.state_list(ns + "zzz") == []
    assert ns + "b" in db.state_list()  # no prefix: every cell


def test_list_pages_past_the_server_page_size(db, ns):
    cells = [f"{ns}{i:05d}" for i in range(1234)]
    run_parallel([lambda c=c: db.state_set(c, 0) for c in cells])
    assert db.state_list(ns) == cells


def _set_and_stamp(db, cell, value):
    db.state_set(cell, value)
    stamp = db.state_get_versioned(cell)["timestamp"]
    time.sleep(0.005)  # keep the next commit's microsecond timestamp apart
    return stamp


def test_as_of(db, ns):
    cell = ns + "c"
    t1 = _set_and_stamp(db, cell, "old")
    db.state_cas(cell, "new", expected="old")
    t2 = db.state_get_versioned(cell)["timestamp"]
    time.sleep(0.005)
    db.state_delete(cell)
    t3 = db.state_history(cell)[0]["timestamp"]
    assert t1 < t2 < t3
    assert db.state_get(cell, as_of=t1 - 1) is None
    assert db.state_get(cell, as_of=t1) == "old"
    assert db.state_get(cell, as_of=(t1 + t2) // 2) == "old"
    assert db.state_get(cell, as_of=t2) == "new"
    assert db.state_get(cell, as_of=t3 - 1) == "new"
    assert db.state_get(cell, as_of=t3) is None
    assert db.state_get(cell) is None


def test_list_as_of(db, ns):
    t1 = _set_and_stamp(db, ns + "a", 1)
    t2 = _set_and_stamp(db, ns + "b", 2)
    db.state_delete(ns + "a")
    assert db.state_list(ns, as_of=t1 - 1) == []
    assert db.state_list(ns, as_of=t1) == [ns + "a"]
    assert db.state_list(ns, as_of=t2) == [ns + "a", ns + "b"]
    assert db.state_list(ns) == [ns + "b"]


# -- validation -------------------------------------------------------------------


@pytest.mark.parametrize(
    "cell, match",
    [("", "empty"), ("c" * 1025, "1024"), ("a\x00b", "NUL"), ("\ud800", "unicode"), ("_strata/x", "reserved"),
     (b"c", "str"), (None, "str"), (1, "str")],
    ids=["empty", "1025", "nul", "surrogate", "reserved", "bytes", "none", "int"],
)
def test_bad_cell_names_rejected_client_side(db, cell, match):
    for call in (
        lambda: db.state_set(cell, 1),
        lambda: db.state_get(cell),
        lambda: db.state_get_versioned(cell),
        lambda: db.state_init(cell, 1),
        lambda: db.state_cas(cell, 1),
        lambda: db.state_delete(cell),
        lambda: db.state_history(cell),
    ):
        with pytest.raises(ValidationError, match=match) as info:
            call()
        assert info.value.code is None  # never sent
        assert "cell" in info.value.message


@pytest.mark.parametrize("cell", ["", "c" * 1025, "a\x00b", "_strata/x"], ids=["empty", "1025", "nul", "reserved"])
def test_bad_cell_names_rejected_by_the_server_too(db, cell):
    from stratadb._proto import state_pb2

    request = state_pb2.StateCasRequest(context=db._context(), cell=cell)
    request.value.int_value = 1
    with pytest.raises(ValidationError) as info:
        db._call(db._state.Cas, request)
    assert info.value.code == "INVALID_ARGUMENT" and info.value.reason == "validation"
    assert "cell" in info.value.message


@pytest.mark.parametrize("version", [-1, 1 << 64, "1", 1.0, True], ids=["neg", "2**64", "str", "float", "bool"])
def test_bad_expected_version(db, ns, version):
    db.state_set(ns + "c", 1)
    with pytest.raises(ValidationError, match="expected_version"):
        db.state_cas(ns + "c", 2, expected_version=version)
    assert db.state_get(ns + "c") == 1


def test_unsupported_values(db, ns):
    with pytest.raises(ValidationError, match="set"):
        db.state_set(ns + "c", {1, 2})
    with pytest.raises(ValidationError, match="int64"):
        db.state_init(ns + "c", 1 << 63)
    db.state_set(ns + "c", 1)
    with pytest.raises(ValidationError, match="object"):
        db.state_cas(ns + "c", 2, expected=object())
    assert db.state_get(ns + "c") == 1


@pytest.mark.parametrize("as_of", ["1", 1.5, True])
def test_bad_as_of(db, ns, as_of):
    with pytest.raises(ValidationError, match="as_of"):
        db.state_get(ns + "c", as_of=as_of)
    with pytest.raises(ValidationError, match="as_of"):
        db.state_list(ns, as_of=as_of)


# -- concurrency --------------------------------------------------------------------

THREADS = 8
INCREMENTS = 500
MAX_ATTEMPTS = 100_000  # over all threads: the test ends even if cas never succeeds


def test_concurrent_cas_increments_lose_no_update(db, ns):
    counter = ns + "counter"
    db.state_init(counter, 0)
    lock = threading.Lock()
    attempts = [0]
    successes = []  # (thread, new value, commit version)
    conflicts = [0]
    errors = []  # anything but a ConflictError
    barrier = threading.Barrier(THREADS)

    def worker(t):
        try:
            barrier.wait(10)
            done = 0
            while done < INCREMENTS:
                with lock:
                    if attempts[0] >= MAX_ATTEMPTS:
                        raise AssertionError(f"gave up after {MAX_ATTEMPTS} attempts in total")
                    attempts[0] += 1
                got = db.state_get_versioned(counter)
                v = got["value"]
                try:
                    version = db.state_cas(counter, v + 1, expected=v)
                except ConflictError:
                    with lock:
                        conflicts[0] += 1
                    continue
                with lock:
                    successes.append((t, v + 1, version))
                done += 1
        except BaseException as e:  # reported below, not swallowed
            errors.append(e)

    threads = [threading.Thread(target=worker, args=(t,)) for t in range(THREADS)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(300)
    assert not any(th.is_alive() for th in threads), "a worker hung"
    assert not errors, errors[:3]
    total = THREADS * INCREMENTS
    assert db.state_get(counter) == total
    assert len(successes) == total
    assert attempts[0] == total + conflicts[0], "every failed cas raised ConflictError"
    # No lost update: each value 1..total was written exactly once, by one cas,
    # and the commit versions grow with the value.
    by_value = sorted(successes, key=lambda s: s[1])
    assert [s[1] for s in by_value] == list(range(1, total + 1))
    versions = [s[2] for s in by_value]
    assert versions == sorted(set(versions))
    history = db.state_history(counter)
    assert [e["value"] for e in history] == list(range(total, -1, -1))
    assert [e["version"] for e in history[:-1]] == versions[::-1]


def test_concurrent_cas_by_version(db, ns):
    """The same with expected_version: 4 threads x 100 increments."""
    counter = ns + "counter"
    db.state_set(counter, 0)
    errors, conflicts = [], [0]
    lock = threading.Lock()

    def worker():
        try:
            done, tries = 0, 0
            while done < 100:
                tries += 1
                assert tries < 20_000, "no progress"
                got = db.state_get_versioned(counter)
                try:
                    db.state_cas(counter, got["value"] + 1, expected_version=got["version"])
                    done += 1
                except ConflictError:
                    with lock:
                        conflicts[0] += 1
        except BaseException as e:
            errors.append(e)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(300)
    assert not any(th.is_alive() for th in threads), "a worker hung"
    assert not errors, errors[:3]
    assert db.state_get(counter) == 400
    assert len(db.state_history(counter)) == 401
