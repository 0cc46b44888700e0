"""Sample values and a strict comparison, shared by the codec unit tests and
the round trips through a real server."""

import math

INT64_MIN = -(1 << 63)
INT64_MAX = (1 << 63) - 1

# (test id, value put, value expected back)
ROUND_TRIPS = [
    ("none", None, None),
    ("true", True, True),
    ("false", False, False),
    ("zero", 0, 0),
    ("int", 42, 42),
    ("negative", -7, -7),
    ("int64_min", INT64_MIN, INT64_MIN),
    ("int64_max", INT64_MAX, INT64_MAX),
    ("float", 3.25, 3.25),
    ("float_tiny", 5e-324, 5e-324),
    ("float_big", 1.7976931348623157e308, 1.7976931348623157e308),
    ("inf", math.inf, math.inf),
    ("neg_inf", -math.inf, -math.inf),
    ("neg_zero", -0.0, -0.0),
    ("float_integral", 1.0, 1.0),
    ("empty_str", "", ""),
    ("str", "hello", "hello"),
    ("unicode", "héllo wörld ñ 日本語 Ελληνικά", "héllo wörld ñ 日本語 Ελληνικά"),
    ("emoji", "👍🏽 🇫🇷 👨‍👩‍👧", "👍🏽 🇫🇷 👨‍👩‍👧"),
    ("str_with_nul", "a\x00b", "a\x00b"),
    ("empty_bytes", b"", b""),
    ("bytes_nul", b"\x00\x01\xff\x00", b"\x00\x01\xff\x00"),
    ("bytes_not_utf8", bytes(range(256)), bytes(range(256))),
    ("bytearray", bytearray(b"ab\x00"), b"ab\x00"),
    ("memoryview", memoryview(b"xyz\x00"), b"xyz\x00"),
    ("empty_list", [], []),
    ("list", [1, "two", 3.0, None, True, b"6"], [1, "two", 3.0, None, True, b"6"]),
    ("tuple", (1, (2, 3)), [1, [2, 3]]),
    ("empty_dict", {}, {}),
    ("dict_order", {"z": 1, "a": 2, "m": 3, "": 4}, {"z": 1, "a": 2, "m": 3, "": 4}),
    ("dict_unicode_keys", {"ключ": 1, "🔑": [2]}, {"ключ": 1, "🔑": [2]}),
    (
        "nested",
        {"name": "Alice", "age": 30, "tags": ["a", "b"], "meta": {"x": [1, {"y": None}], "b": b"\x00"}},
        {"name": "Alice", "age": 30, "tags": ["a", "b"], "meta": {"x": [1, {"y": None}], "b": b"\x00"}},
    ),
    ("list_of_dicts", [{"a": 1}, {"a": 2}], [{"a": 1}, {"a": 2}]),
]


def nested_lists(depth, leaf=1):
    """`depth` lists inside each other around `leaf`."""
    value = leaf
    for _ in range(depth):
        value = [value]
    return value


def nested_dicts(depth, leaf=1):
    value = leaf
    for _ in range(depth):
        value = {"k": value}
    return value


def assert_same(got, want, path="$"):
    """Equal, and of exactly the same types all the way down (so 1 != 1.0 !=
    True), with NaN equal to NaN and the sign of zero checked."""
    assert type(got) is type(want), f"{path}: {type(got).__name__} != {type(want).__name__}"
    if isinstance(want, float):
        if math.isnan(want):
            assert math.isnan(got), path
        else:
            assert got == want and math.copysign(1, got) == math.copysign(1, want), f"{path}: {got!r} != {want!r}"
    elif isinstance(want, list):
        assert len(got) == len(want), path
        for i, (g, w) in enumerate(zip(got, want)):
            assert_same(g, w, f"{path}[{i}]")
    elif isinstance(want, dict):
        assert list(got) == list(want), f"{path}: keys {list(got)} != {list(want)}"
        for k in want:
            assert_same(got[k], want[k], f"{path}.{k}")
    else:
        assert got == want, path
