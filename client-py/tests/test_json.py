"""JSON documents against a real stratad (spec/api.md §3, §7)."""

import math
import re
import time

import pytest

from helpers_bulk import run_parallel
from stratadb import ValidationError
from value_samples import assert_same


def test_seed_example(db, ns):
    config = ns + "config"
    db.json_set(config, "$", {"debug": True, "timeout": 30})
    db.json_set(config, "$.timeout", 60)
    assert db.json_get(config, "$.timeout") == 60
    assert db.json_get(config) == {"debug": True, "timeout": 60}


def test_set_returns_increasing_versions(db, ns):
    v1 = db.json_set(ns + "d", "$", {"a": 1})
    v2 = db.json_set(ns + "d", "$.a", 2)
    assert isinstance(v1, int) and 0 < v1 < v2
    assert db.kv_put(ns + "k", 0) > v2  # one database-wide counter


def test_root_set_replaces_the_document(db, ns):
    db.json_set(ns + "d", "$", {"a": 1, "b": 2})
    db.json_set(ns + "d", "$", [1, 2])
    assert db.json_get(ns + "d", "$") == [1, 2]
    db.json_set(ns + "d", "$", "just a string")
    assert db.json_get(ns + "d") == "just a string"


def test_nested_names_and_key_order(db, ns):
    doc = {"z": 1, "a": {"b": {"c": [1, 2.5, None, True, "s"]}}, "m": {}}
    db.json_set(ns + "d", "$", doc)
    assert_same(db.json_get(ns + "d"), doc)
    assert db.json_get(ns + "d", "$.a.b") == {"c": [1, 2.5, None, True, "s"]}
    assert db.json_get(ns + "d", "$.a.b.c[1]") == 2.5
    assert_same(db.json_get(ns + "d", "$.a.b.c[3]"), True)
    db.json_set(ns + "d", "$.a.b.new", "x")
    assert list(db.json_get(ns + "d", "$.a.b")) == ["c", "new"]  # appended at the end
    db.json_set(ns + "d", "$.z", 2)
    assert list(db.json_get(ns + "d")) == ["z", "a", "m"]  # replaced in place


def test_names_with_digits_dashes_underscores(db, ns):
    db.json_set(ns + "d", "$.a-b_c.9lives", 1)
    assert db.json_get(ns + "d") == {"a-b_c": {"9lives": 1}}


def test_quoted_names(db, ns):
    key = ns + "d"
    db.json_set(key, "$['any name']", 1)
    db.json_set(key, "$['my.dotted key']", 2)
    db.json_set(key, '$["double quoted"]', 3)
    db.json_set(key, "$['it\\'s']", 4)
    db.json_set(key, "$['日本 語']['[x]']", 5)
    db.json_set(key, "$['']", 6)
    assert db.json_get(key) == {
        "any name": 1,
        "my.dotted key": 2,
        "double quoted": 3,
        "it's": 4,
        "日本 語": {"[x]": 5},
        "": 6,
    }
    assert db.json_get(key, "$['my.dotted key']") == 2
    assert db.json_get(key, "$.my") is None  # the dot is part of the name, not a step
    assert db.json_get(key, '$["it\'s"]') == 4
    assert db.json_get(key, "$['any name']") == db.json_get(key, '$["any name"]') == 1
    assert db.json_get(key, "$['日本 語']['[x]']") == 5


def test_array_indexes(db, ns):
    key = ns + "d"
    db.json_set(key, "$", {"arr": [10, 20, 30]})
    assert db.json_get(key, "$.arr[0]") == 10
    assert db.json_get(key, "$.arr[2]") == 30
    assert db.json_get(key, "$.arr[-1]") == 30
    assert db.json_get(key, "$.arr[3]") is None
    db.json_set(key, "$.arr[0]", 11)
    db.json_set(key, "$.arr[-1]", 33)
    assert db.json_get(key, "$.arr") == [11, 20, 33]
    db.json_set(key, "$.arr[3]", 40)  # index == length appends
    assert db.json_get(key, "$.arr") == [11, 20, 33, 40]
    assert db.json_get(key, "$.arr[-1]") == 40


def test_index_into_nested_arrays_and_objects(db, ns):
    key = ns + "d"
    db.json_set(key, "$", {"m": [[1, 2], [3, {"x": [4]}]]})
    assert db.json_get(key, "$.m[1][1].x[0]") == 4
    db.json_set(key, "$.m[1][1].x[1]", 5)
    db.json_set(key, "$.m[0][-1]", 22)
    assert db.json_get(key) == {"m": [[1, 22], [3, {"x": [4, 5]}]]}


def test_root_array_document(db, ns):
    key = ns + "d"
    db.json_set(key, "$[0]", "first")  # a missing document starting with an index is an array
    db.json_set(key, "$[1]", "second")
    assert db.json_get(key) == ["first", "second"]


@pytest.mark.parametrize(
    "path, match",
    [("$.arr[4]", "out of range"), ("$.arr[100]", "out of range"), ("$.empty[-1]", "out of range"),
     ("$.empty[1]", "out of range")],
)
def test_index_out_of_range(db, ns, path, match):
    key = ns + "d"
    db.json_set(key, "$", {"arr": [1, 2, 3], "empty": []})
    before = db.json_history(key)
    with pytest.raises(ValidationError, match=match) as info:
        db.json_set(key, path, 9)
    assert info.value.code == "INVALID_ARGUMENT"
    assert db.json_get(key) == {"arr": [1, 2, 3], "empty": []}
    assert db.json_history(key) == before


@pytest.mark.parametrize(
    "path",
    ["$.a.b", "$.a[0]", "$.n.x", "$.l.x", "$.o[0]", "$.l[0].x", "$.a.b.c"],
)
def test_type_clash(db, ns, path):
    key = ns + "d"
    doc = {"a": "a string", "n": 5, "l": [1], "o": {"k": 1}}
    db.json_set(key, "$", doc)
    with pytest.raises(ValidationError, match="type clash") as info:
        db.json_set(key, path, 1)
    assert info.value.code == "INVALID_ARGUMENT"
    assert db.json_get(key) == doc
    assert len(db.json_history(key)) == 1


def test_missing_intermediate_objects_are_created(db, ns):
    key = ns + "d"
    db.json_set(key, "$.a.b.c", 1)  # missing document too
    assert db.json_get(key) == {"a": {"b": {"c": 1}}}
    db.json_set(key, "$.a.x.y", 2)
    db.json_set(key, "$.a['q r'].s", 3)
    db.json_set(key, "$.list[0]", "n")  # a missing array before a final index
    assert db.json_get(key) == {"a": {"b": {"c": 1}, "x": {"y": 2}, "q r": {"s": 3}}, "list": ["n"]}
    assert len(db.json_history(key)) == 4


@pytest.mark.parametrize(
    "path, want",
    [("$.list[0].name", {"list": [{"name": "n"}]}), ("$[0].name", [{"name": "n"}])],
    ids=["member_then_index", "root_index"],
)
def test_missing_intermediate_array_before_an_inner_index(db, ns, path, want):
    """SERVER BUG (kept failing on purpose). spec/api.md §7: json_set "builds
    missing intermediate objects; an index equal to the array length
    appends", and storage/json_path.h promises "building missing intermediate
    containers (an object before a name, an array before an index)". For a
    missing document and "$.list[0].name" the server does build the empty
    array for "list", then rejects its own [0]: `index 0 is out of range at
    $['list'] (array length 0)`, because SetAtPath only appends at the last
    segment. So the array it builds before a non-final index can never be
    used; the request should build [{"name": "n"}]."""
    key = ns + "d"
    db.json_set(key, path, "n")
    assert db.json_get(key) == want


def test_get_missing(db, ns):
    key = ns + "d"
    assert db.json_get(key) is None
    assert db.json_get(key, "$.a") is None
    db.json_set(key, "$", {"a": {"b": 1}, "s": "str", "l": [1]})
    assert db.json_get(key, "$.x") is None
    assert db.json_get(key, "$.a.c") is None
    assert db.json_get(key, "$.a.b.c") is None  # through a number
    assert db.json_get(key, "$.s.x") is None  # through a string
    assert db.json_get(key, "$.l[5]") is None
    assert db.json_get(key, "$.a[0]") is None  # index into an object
    assert db.json_get(key, "$.l.x") is None  # name into an array


def test_get_falsy_values(db, ns):
    key = ns + "d"
    db.json_set(key, "$", {"zero": 0, "f": False, "e": "", "l": [], "o": {}, "n": None, "fz": 0.0})
    assert_same(db.json_get(key, "$.zero"), 0)
    assert_same(db.json_get(key, "$.f"), False)
    assert_same(db.json_get(key, "$.e"), "")
    assert_same(db.json_get(key, "$.l"), [])
    assert_same(db.json_get(key, "$.o"), {})
    assert_same(db.json_get(key, "$.fz"), 0.0)
    assert db.json_get(key, "$.n") is None


def test_delete_path(db, ns):
    key = ns + "d"
    db.json_set(key, "$", {"a": 1, "b": {"c": 2, "d": 3}, "arr": [1, 2, 3]})
    assert db.json_delete(key, "$.a") == 1
    assert db.json_delete(key, "$.b.c") == 1
    assert db.json_delete(key, "$.arr[0]") == 1  # later elements shift down
    assert db.json_delete(key, "$.arr[-1]") == 1
    assert db.json_get(key) == {"b": {"d": 3}, "arr": [2]}
    assert db.json_delete(key, "$['b']") == 1
    assert db.json_get(key) == {"arr": [2]}


def test_delete_missing_path_is_zero_and_writes_nothing(db, ns):
    key = ns + "d"
    db.json_set(key, "$", {"a": {"b": 1}, "arr": [1]})
    before = db.json_history(key)
    assert db.json_delete(key, "$.x") == 0
    assert db.json_delete(key, "$.a.x") == 0
    assert db.json_delete(key, "$.a.b.c") == 0
    assert db.json_delete(key, "$.arr[1]") == 0
    assert db.json_delete(key, "$.arr.x") == 0
    assert db.json_history(key) == before
    assert db.json_delete(ns + "missing", "$.a") == 0
    assert db.json_delete(ns + "missing", "$") == 0
    assert db.json_history(ns + "missing") is None


def test_delete_root_removes_the_document(db, ns):
    key = ns + "d"
    db.json_set(key, "$", {"a": 1})
    assert db.json_delete(key, "$") == 1
    assert db.json_get(key) is None
    assert db.json_get_versioned(key) is None
    assert key not in db.json_list(ns)
    assert db.json_delete(key, "$") == 0
    db.json_set(key, "$.b", 2)  # a new document, built from nothing
    assert db.json_get(key) == {"b": 2}


MALFORMED = [
    ("a.b", 0),
    ("$..a", 2),
    ("$.a[", 4),
    ("$[*]", 2),
    ("$.a[*]", 4),
    ("$[?(@.x)]", 2),
    ("$.a[-2]", 4),
    ("$.a b", 3),
    ("", 0),
    ("$.", 2),
    ("$a", 1),
    ("$.a[1", 5),
    ("$['a]", 5),
    ("$['a'", 5),
    ("$.a[x]", 4),
    ("$.a.*", 4),
    (" $", 0),
]


@pytest.mark.parametrize("path, position", MALFORMED, ids=[repr(p) for p, _ in MALFORMED])
def test_malformed_paths_name_the_position(db, ns, path, position):
    key = ns + "d"
    for call in (
        lambda: db.json_set(key, path, 1),
        lambda: db.json_get(key, path),
        lambda: db.json_delete(key, path),
    ):
        with pytest.raises(ValidationError) as info:
            call()
        message = info.value.message
        assert f"position {position}" in message, message
        assert f'"{path}"' in message, message
    assert db.json_get(key) is None  # nothing was created


@pytest.mark.parametrize("path", ["$[*]", "$.a[*]"])
def test_wildcards_are_named(db, ns, path):
    with pytest.raises(ValidationError, match="wildcard"):
        db.json_set(ns + "d", path, 1)


def test_filters_are_named(db, ns):
    with pytest.raises(ValidationError, match="filter"):
        db.json_get(ns + "d", "$[?(@.x)]")


@pytest.mark.parametrize("path", [None, 1, b"$", ["$"]], ids=["none", "int", "bytes", "list"])
def test_path_must_be_str(db, ns, path):
    for call in (
        lambda: db.json_set(ns + "d", path, 1),
        lambda: db.json_get(ns + "d", path),
        lambda: db.json_delete(ns + "d", path),
    ):
        with pytest.raises(ValidationError, match="path must be str") as info:
            call()
        assert info.value.code is None


def test_list_prefix_and_limit(db, ns):
    names = ["b", "a", "c", "é", "a b", "aa"]
    for n in names:
        db.json_set(ns + n, "$", {"n": n})
    db.json_set(ns[:-1] + "x", "$", 0)  # outside the prefix
    db.json_set(ns + "gone", "$", 0)
    db.json_delete(ns + "gone", "$")
    want = sorted((ns + n for n in names), key=lambda k: k.encode("utf-8"))
    assert db.json_list(ns) == want
    assert db.json_list(prefix=ns, limit=2) == want[:2]
    assert db.json_list(ns, limit=1) == want[:1]
    assert db.json_list(ns, limit=len(want)) == want
    assert db.json_list(ns, limit=100) == want
    assert db.json_list(ns + "a") == [ns + "a", ns + "a b", ns + "aa"]
    assert db.json_list(ns + "zzz") == []
    assert ns + "a" in db.json_list()
    # JSON documents and KV keys are separate
    db.kv_put(ns + "kv-only", 1)
    assert ns + "kv-only" not in db.json_list(ns)


def test_list_pages_past_the_server_page_size(db, ns):
    keys = [f"{ns}{i:05d}" for i in range(1100)]
    run_parallel([lambda k=k: db.json_set(k, "$", {}) for k in keys])
    assert db.json_list(ns) == keys
    assert db.json_list(ns, limit=1050) == keys[:1050]
    assert db.json_list(ns, limit=1000) == keys[:1000]


def test_list_as_of_shows_the_documents_that_existed_then(db, ns):
    def set_and_stamp(key):
        db.json_set(key, "$", {"k": key})
        stamp = db.json_get_versioned(key)["timestamp"]
        time.sleep(0.005)  # keep the next commit's microsecond timestamp apart
        return stamp

    t1 = set_and_stamp(ns + "a")
    t2 = set_and_stamp(ns + "b")
    db.json_delete(ns + "a", "$")
    assert db.json_list(ns, as_of=t1 - 1) == []
    assert db.json_list(ns, as_of=t1) == [ns + "a"]
    assert db.json_list(ns, as_of=t2) == [ns + "a", ns + "b"]
    assert db.json_list(ns, limit=1, as_of=t2) == [ns + "a"]
    assert db.json_list(ns) == [ns + "b"]
    with pytest.raises(ValidationError, match="as_of"):
        db.json_list(ns, as_of="yesterday")


@pytest.mark.parametrize("limit", [0, -1, "5", 1.5, True], ids=["zero", "neg", "str", "float", "bool"])
def test_list_bad_limit(db, ns, limit):
    with pytest.raises(ValidationError, match="limit"):
        db.json_list(ns, limit=limit)


def test_history_of_whole_documents(db, ns):
    key = ns + "d"
    v1 = db.json_set(key, "$", {"a": 1})
    v2 = db.json_set(key, "$.b", [1])
    db.json_delete(key, "$")
    history = db.json_history(key)
    assert [e.get("deleted", False) for e in history] == [True, False, False]
    assert history[0]["value"] is None and history[0]["version"] > v2
    assert history[1] == {"value": {"a": 1, "b": [1]}, "version": v2, "timestamp": history[1]["timestamp"]}
    assert history[2] == {"value": {"a": 1}, "version": v1, "timestamp": history[2]["timestamp"]}
    stamps = [e["timestamp"] for e in history]
    assert stamps == sorted(stamps, reverse=True)
    assert db.json_history(ns + "never") is None


def test_history_records_path_deletes(db, ns):
    key = ns + "d"
    db.json_set(key, "$", {"a": 1, "b": 2})
    assert db.json_delete(key, "$.a") == 1
    v2 = db.json_get_versioned(key)["version"]
    history = db.json_history(key)
    assert [e["value"] for e in history] == [{"b": 2}, {"a": 1, "b": 2}]
    assert history[0]["version"] == v2


def test_get_versioned(db, ns):
    key = ns + "d"
    assert db.json_get_versioned(key) is None
    v1 = db.json_set(key, "$", {"a": {"b": 1}})
    got = db.json_get_versioned(key)
    assert got == {"value": {"a": {"b": 1}}, "version": v1, "timestamp": got["timestamp"]}
    assert isinstance(got["timestamp"], int) and abs(time.time_ns() // 1000 - got["timestamp"]) < 60_000_000
    v2 = db.json_set(key, "$.a.c", 2)
    got = db.json_get_versioned(key)
    assert got["value"] == {"a": {"b": 1, "c": 2}} and got["version"] == v2  # the whole document


@pytest.mark.parametrize(
    "value",
    [float("nan"), float("inf"), -float("inf"), {"x": [1, float("nan")]}, [[{"y": math.inf}]]],
    ids=["nan", "inf", "-inf", "nested_nan", "nested_inf"],
)
def test_non_finite_numbers_rejected(db, ns, value):
    key = ns + "d"
    db.json_set(key, "$", {"ok": 1})
    for path in ("$", "$.x", "$.ok"):
        with pytest.raises(ValidationError, match="NaN or infinity") as info:
            db.json_set(key, path, value)
        assert info.value.code is None  # never sent
    with pytest.raises(ValidationError, match="NaN or infinity"):
        db.json_set(ns + "new", "$", value)
    assert db.json_get(key) == {"ok": 1}
    assert db.json_get(ns + "new") is None


def test_a_non_finite_number_is_located_in_the_document(db, ns):
    # The location was counted from the value set ("$.c[0]"), which reads as
    # a path of the document, where $.c[0] may well be another element.
    with pytest.raises(ValidationError, match=r"found nan at \$\.a\.b\.c\[0\]"):
        db.json_set(ns + "d", "$.a.b", {"c": [float("nan")]})
    with pytest.raises(ValidationError, match=r"found inf at \$\['k y'\]\[2\]\.z"):
        db.json_set(ns + "d", "$['k y'][2]", {"z": math.inf})


def test_non_finite_numbers_rejected_by_the_server_too(db, ns):
    from stratadb._proto import json_pb2

    request = json_pb2.JsonSetRequest(context=db._context(), key=ns + "d", path="$")
    request.value.object_value.entries.add(key="x").value.float_value = float("nan")
    with pytest.raises(ValidationError, match="NaN") as info:
        db._call(db._json.Set, request)
    assert info.value.code == "INVALID_ARGUMENT"
    assert db.json_get(ns + "d") is None


def test_as_of(db, ns):
    key = ns + "d"
    db.json_set(key, "$", {"v": 1, "l": [1]})
    t1 = db.json_get_versioned(key)["timestamp"]
    time.sleep(0.005)
    db.json_set(key, "$.v", 2)
    t2 = db.json_get_versioned(key)["timestamp"]
    time.sleep(0.005)
    db.json_delete(key, "$")
    t3 = db.json_history(key)[0]["timestamp"]
    assert t1 < t2 < t3
    assert db.json_get(key, as_of=t1 - 1) is None
    assert db.json_get(key, as_of=t1) == {"v": 1, "l": [1]}
    assert db.json_get(key, "$.v", as_of=t1) == 1
    assert db.json_get(key, "$.v", as_of=(t1 + t2) // 2) == 1
    assert db.json_get(key, "$.v", as_of=t2) == 2
    assert db.json_get(key, "$.l[-1]", as_of=t2) == 1
    assert db.json_get(key, as_of=t3 - 1) == {"v": 2, "l": [1]}
    assert db.json_get(key, as_of=t3) is None
    assert db.json_get(key) is None


@pytest.mark.parametrize(
    "key, match",
    [("", "empty"), ("k" * 1025, "1024"), ("a\x00b", "NUL"), ("_strata/x", "reserved"), (None, "str"), (b"k", "str")],
    ids=["empty", "1025", "nul", "reserved", "none", "bytes"],
)
def test_bad_document_keys(db, key, match):
    for call in (
        lambda: db.json_set(key, "$", 1),
        lambda: db.json_get(key),
        lambda: db.json_get_versioned(key),
        lambda: db.json_delete(key, "$"),
        lambda: db.json_history(key),
    ):
        with pytest.raises(ValidationError, match=match) as info:
            call()
        assert info.value.code is None
        assert re.search("document key", info.value.message)


def test_bad_document_key_rejected_by_the_server_too(db):
    from stratadb._proto import json_pb2

    request = json_pb2.JsonSetRequest(context=db._context(), key="_strata/x", path="$")
    request.value.int_value = 1
    with pytest.raises(ValidationError, match="reserved") as info:
        db._call(db._json.Set, request)
    assert info.value.code == "INVALID_ARGUMENT"


def test_unsupported_values(db, ns):
    with pytest.raises(ValidationError, match="set"):
        db.json_set(ns + "d", "$", {"a": {1, 2}})
    with pytest.raises(ValidationError, match="int64"):
        db.json_set(ns + "d", "$.big", 1 << 64)
    assert db.json_get(ns + "d") is None


@pytest.mark.parametrize("as_of", ["1", 1.5, True])
def test_bad_as_of(db, ns, as_of):
    with pytest.raises(ValidationError, match="as_of"):
        db.json_get(ns + "d", as_of=as_of)
