"""Every value type round-trips through a real stratad (spec/api.md §2)."""

import math

import pytest

from stratadb import ValidationError
from stratadb.codec import MAX_BLOB_BYTES, MAX_DEPTH
from value_samples import INT64_MAX, INT64_MIN, ROUND_TRIPS, assert_same, nested_dicts, nested_lists


@pytest.mark.parametrize("put, want", [(p, w) for _, p, w in ROUND_TRIPS], ids=[i for i, _, _ in ROUND_TRIPS])
def test_round_trip(db, ns, put, want):
    db.kv_put(ns + "v", put)
    assert_same(db.kv_get(ns + "v"), want)
    assert_same(db.kv_get_versioned(ns + "v")["value"], want)
    assert_same(db.kv_history(ns + "v")[0]["value"], want)


def test_nan(db, ns):
    db.kv_put(ns + "nan", float("nan"))
    assert math.isnan(db.kv_get(ns + "nan"))
    db.kv_put(ns + "nested", {"x": [float("nan"), -0.0]})
    got = db.kv_get(ns + "nested")
    assert math.isnan(got["x"][0]) and math.copysign(1, got["x"][1]) == -1


def test_int64_bounds_are_not_floats(db, ns):
    db.kv_put(ns + "min", INT64_MIN)
    db.kv_put(ns + "max", INT64_MAX)
    db.kv_put(ns + "big_non_negative", 1 << 62)
    assert_same(db.kv_get(ns + "min"), INT64_MIN)
    assert_same(db.kv_get(ns + "max"), INT64_MAX)
    assert_same(db.kv_get(ns + "big_non_negative"), 1 << 62)


@pytest.mark.parametrize("n", [INT64_MAX + 1, INT64_MIN - 1], ids=["max+1", "min-1"])
def test_int_out_of_range(db, ns, n):
    with pytest.raises(ValidationError, match="int64"):
        db.kv_put(ns + "v", n)
    assert db.kv_get(ns + "v") is None


def test_unsupported_type_names_it(db, ns):
    with pytest.raises(ValidationError, match="set"):
        db.kv_put(ns + "v", {1, 2})
    with pytest.raises(ValidationError, match="object"):
        db.kv_put(ns + "v", object())


def test_non_str_dict_key(db, ns):
    with pytest.raises(ValidationError, match="key"):
        db.kv_put(ns + "v", {1: "one"})


@pytest.mark.parametrize("make", [nested_lists, nested_dicts])
def test_depth_128_round_trips(db, ns, make):
    db.kv_put(ns + "deep", make(MAX_DEPTH))
    assert_same(db.kv_get(ns + "deep"), make(MAX_DEPTH))


def test_depth_129_is_rejected(db, ns):
    with pytest.raises(ValidationError, match=str(MAX_DEPTH)):
        db.kv_put(ns + "deep", nested_lists(MAX_DEPTH + 1))


def test_blob_at_the_limit(db, ns):
    blob = bytes(range(256)) * (MAX_BLOB_BYTES // 256)
    db.kv_put(ns + "blob", blob)
    assert db.kv_get(ns + "blob") == blob
    with pytest.raises(ValidationError, match="16 MiB"):
        db.kv_put(ns + "blob", blob + b"!")


def test_numpy_values(db, ns):
    np = pytest.importorskip("numpy")
    db.kv_put(ns + "scalars", [np.int64(-3), np.float32(0.5), np.bool_(False)])
    assert_same(db.kv_get(ns + "scalars"), [-3, 0.5, False])
    db.kv_put(ns + "array", np.arange(4, dtype=np.int16).reshape(2, 2))
    assert_same(db.kv_get(ns + "array"), [[0, 1], [2, 3]])


@pytest.mark.parametrize("depth", [MAX_DEPTH + 1, 1000])
def test_too_deep_is_rejected_by_the_server_too(db, ns, depth):
    """Bypass the client's check: the server must answer INVALID_ARGUMENT
    naming the limit (not fail to parse with INTERNAL)."""
    from stratadb._proto import kv_pb2

    request = kv_pb2.KvPutRequest(context=db._context(), key=ns + "deep")
    node = request.value
    for _ in range(depth):
        node = node.array_value.items.add()
    node.int_value = 1
    with pytest.raises(ValidationError, match=str(MAX_DEPTH)) as info:
        db._call(db._kv.Put, request)
    assert info.value.code == "INVALID_ARGUMENT" and info.value.reason == "validation"
