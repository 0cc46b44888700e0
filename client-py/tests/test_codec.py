"""The value codec without a server: encode -> wire bytes -> decode."""

import math

import pytest

from stratadb import ValidationError
from stratadb._proto import value_pb2
from stratadb.codec import MAX_BLOB_BYTES, MAX_DEPTH, decode, encode
from value_samples import INT64_MAX, INT64_MIN, ROUND_TRIPS, assert_same, nested_dicts, nested_lists


def wire_round_trip(value):
    """Through serialized bytes, as the value travels to and from stratad."""
    back = value_pb2.Value()
    back.ParseFromString(encode(value).SerializeToString())
    return decode(back)


@pytest.mark.parametrize("put, want", [(p, w) for _, p, w in ROUND_TRIPS], ids=[i for i, _, _ in ROUND_TRIPS])
def test_round_trip(put, want):
    assert_same(wire_round_trip(put), want)


def test_nan_round_trips():
    assert math.isnan(wire_round_trip(float("nan")))


def test_bool_is_not_int():
    assert encode(True).WhichOneof("kind") == "bool_value"
    assert encode(1).WhichOneof("kind") == "int_value"
    assert encode(1.0).WhichOneof("kind") == "float_value"


def test_empty_containers_keep_their_kind():
    assert encode([]).WhichOneof("kind") == "array_value"
    assert encode({}).WhichOneof("kind") == "object_value"


def test_unset_value_decodes_to_none():
    assert decode(value_pb2.Value()) is None


def test_every_kind_inside_containers_keeps_its_type_and_key_order():
    # Scalars met inside an object or array are decoded in place, containers
    # through the stack: mix them at several depths.
    value = {
        "z": [None, True, 2, 1.5, "s", b"b", [], {}, [[1, {"q": None}]]],
        "a": {"k": [{"x": False}], "n": None, "b": b"", "e": {}},
        "m": 0,
    }
    got = wire_round_trip(value)
    assert_same(got, value)
    assert list(got) == ["z", "a", "m"] and list(got["a"]) == ["k", "n", "b", "e"]
    assert got["z"][1] is True and type(got["z"][2]) is int and got["a"]["k"][0]["x"] is False


def test_unset_value_inside_containers_decodes_to_none():
    msg = value_pb2.Value()
    msg.array_value.items.add()
    msg.array_value.items.add().object_value.entries.add(key="k")  # entry without a value
    assert decode(msg) == [None, {"k": None}]


@pytest.mark.parametrize(
    "n",
    [INT64_MAX + 1, INT64_MIN - 1, 1 << 64, -(1 << 200), 10**5000],
    ids=["max+1", "min-1", "2^64", "-2^200", "10^5000"],
)
def test_int_out_of_range(n):
    with pytest.raises(ValidationError, match="int64"):
        encode(n)


def test_int_out_of_range_inside_a_container():
    with pytest.raises(ValidationError, match="int64"):
        encode({"a": [1, 1 << 63]})


@pytest.mark.parametrize(
    "value, name",
    [(object(), "object"), ({1, 2}, "set"), (1j, "complex"), (frozenset(), "frozenset"), (range(3), "range")],
)
def test_unsupported_type_is_named(value, name):
    with pytest.raises(ValidationError, match=rf"\b{name}\b"):
        encode(value)


def test_unsupported_type_nested_is_named():
    with pytest.raises(ValidationError, match="set"):
        encode([1, {"a": {2}}])


@pytest.mark.parametrize("key", [1, None, b"k", ("t",)])
def test_non_str_dict_key(key):
    with pytest.raises(ValidationError, match="key"):
        encode({key: 1})


@pytest.mark.parametrize("make", [nested_lists, nested_dicts])
def test_depth_limit(make):
    assert_same(wire_round_trip(make(MAX_DEPTH)), make(MAX_DEPTH))
    with pytest.raises(ValidationError, match=str(MAX_DEPTH)):
        encode(make(MAX_DEPTH + 1))


def test_depth_far_past_the_recursion_limit_is_a_validation_error():
    with pytest.raises(ValidationError, match="depth"):
        encode(nested_lists(5000))


def test_cycle_is_a_validation_error():
    cyclic = [1]
    cyclic.append(cyclic)
    with pytest.raises(ValidationError, match="depth"):
        encode(cyclic)


def test_blob_limits():
    assert len(encode(b"x" * MAX_BLOB_BYTES).bytes_value) == MAX_BLOB_BYTES
    with pytest.raises(ValidationError, match="16 MiB"):
        encode(b"x" * (MAX_BLOB_BYTES + 1))
    with pytest.raises(ValidationError, match="16 MiB"):
        encode(bytearray(MAX_BLOB_BYTES + 1))
    assert len(encode("x" * MAX_BLOB_BYTES).string_value) == MAX_BLOB_BYTES
    with pytest.raises(ValidationError, match="16 MiB"):
        encode("x" * (MAX_BLOB_BYTES + 1))
    # The limit counts UTF-8 bytes, not characters.
    with pytest.raises(ValidationError, match="16 MiB"):
        encode("é" * (MAX_BLOB_BYTES // 2 + 1))


def test_lone_surrogate_is_a_validation_error():
    with pytest.raises(ValidationError, match="unicode"):
        encode("\ud800")
    with pytest.raises(ValidationError, match="unicode"):
        encode({"\udfff": 1})


def test_str_and_int_subclasses():
    import enum

    class Color(enum.IntEnum):
        RED = 1

    class Name(str):
        pass

    assert_same(wire_round_trip([Color.RED, Name("x")]), [1, "x"])


def test_memoryview_of_non_bytes_is_its_raw_bytes():
    import array

    mv = memoryview(array.array("H", [1, 2]))
    assert wire_round_trip(mv) == array.array("H", [1, 2]).tobytes()


class TestNumpy:
    np = pytest.importorskip("numpy")

    def test_scalars(self):
        np = self.np
        assert_same(wire_round_trip(np.int32(-5)), -5)
        assert_same(wire_round_trip(np.uint8(200)), 200)
        assert_same(wire_round_trip(np.int64(INT64_MAX)), INT64_MAX)
        assert_same(wire_round_trip(np.float32(1.5)), 1.5)
        assert_same(wire_round_trip(np.float64(2.5)), 2.5)
        assert_same(wire_round_trip(np.bool_(True)), True)
        assert_same(wire_round_trip(np.str_("s")), "s")
        assert math.isnan(wire_round_trip(np.float32("nan")))

    def test_arrays(self):
        np = self.np
        assert_same(wire_round_trip(np.array([1, 2, 3])), [1, 2, 3])
        assert_same(wire_round_trip(np.array([[1.5], [2.0]], dtype=np.float32)), [[1.5], [2.0]])
        assert_same(wire_round_trip(np.array([True, False])), [True, False])
        assert_same(wire_round_trip(np.array(7)), 7)
        assert_same(wire_round_trip({"v": np.zeros(2)}), {"v": [0.0, 0.0]})

    def test_uint64_out_of_range(self):
        np = self.np
        with pytest.raises(ValidationError, match="int64"):
            encode(np.uint64(2**64 - 1))

    def test_unsupported_numpy_types_are_named(self):
        np = self.np
        with pytest.raises(ValidationError, match="complex"):
            encode(np.complex128(1j))
        with pytest.raises(ValidationError, match="dtype"):
            encode(np.array([1j]))
