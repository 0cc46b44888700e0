"""Vectors, metric names and search filters as the Vectors rpcs want them
(spec/api.md §8).

Vectors travel as `Vector.f32le`, packed little-endian float32: one bytes
field instead of a repeated float, so packing is a single `tobytes()` for a
numpy array and one `array('f')` for a list, never a per-element protobuf
append. numpy is optional: it is imported only to hand back embeddings, and
never needed to send them (a caller holding a numpy array has imported it).
"""

import math
import sys
from array import array
from typing import Any, Dict, List, Optional

from . import validate
from ._proto import vectors_pb2
from .codec import encode_into
from .errors import ValidationError

__all__ = [
    "METRIC_NAMES",
    "metric",
    "metric_name",
    "pack",
    "pack_many",
    "pack_query",
    "unpack",
    "all_finite_f32le",
    "filters_into",
]

FLOAT32_MAX = 3.4028234663852886e38
_F32LE = "<f4"
_BIG_ENDIAN = sys.byteorder == "big"

# Accepted spellings (case-insensitive) -> wire enum; spec/api.md §8.
_METRICS = {
    "cosine": vectors_pb2.METRIC_COSINE,
    "euclidean": vectors_pb2.METRIC_EUCLIDEAN,
    "l2": vectors_pb2.METRIC_EUCLIDEAN,
    "dot_product": vectors_pb2.METRIC_DOT_PRODUCT,
    "dot": vectors_pb2.METRIC_DOT_PRODUCT,
    "dotproduct": vectors_pb2.METRIC_DOT_PRODUCT,
    "ip": vectors_pb2.METRIC_DOT_PRODUCT,
}
# Wire enum -> the canonical name the client reports.
METRIC_NAMES = {
    vectors_pb2.METRIC_COSINE: "cosine",
    vectors_pb2.METRIC_EUCLIDEAN: "euclidean",
    vectors_pb2.METRIC_DOT_PRODUCT: "dot_product",
}
FILTER_OPS = ("eq", "ne", "gt", "gte", "lt", "lte", "in", "contains")


def _invalid(message: str) -> ValidationError:
    return ValidationError(message, reason="validation")


def metric(value) -> int:
    """The wire enum of a metric name; None is METRIC_UNSPECIFIED (the
    collection's own metric, or cosine when creating)."""
    if value is None:
        return vectors_pb2.METRIC_UNSPECIFIED
    if not isinstance(value, str) or value.lower() not in _METRICS:
        accepted = ", ".join(repr(name) for name in _METRICS)
        raise _invalid(f"unknown metric {value!r}; accepted (any case): {accepted}")
    return _METRICS[value.lower()]


def metric_name(value: int) -> str:
    """The canonical name of a wire enum (an unknown number as "metric_<n>",
    so a newer server's metric is shown rather than crashing the listing)."""
    return METRIC_NAMES.get(value, f"metric_{value}")


# -- vectors ------------------------------------------------------------------


def _numpy_module():
    """numpy if the caller has imported it; it is never imported to send."""
    return sys.modules.get("numpy")


def _pack_array(np, value, what: str) -> bytes:
    if value.ndim != 1:
        raise _invalid(f"{what} must be a 1-D array, got shape {value.shape}")
    if value.dtype.kind not in "fiu":
        raise _invalid(f"{what} must have a numeric dtype, got {value.dtype}")
    if value.size == 0:
        raise _invalid(f"{what} must not be empty")
    if value.dtype.str == _F32LE:
        packed = value  # already what the wire carries: nothing to convert
    else:
        with np.errstate(over="ignore", invalid="ignore"):  # overflow shows up as inf below
            packed = np.asarray(value, dtype=_F32LE)
    data = packed.tobytes()
    if len(data) <= _FINITE_BITS_MAX_BYTES:
        finite = all_finite_f32le(data)  # one query or vector: the cheap check when cold
    else:
        # Batches: summed in float64 (which float32 values cannot overflow),
        # the sum is finite exactly when every element is.
        finite = math.isfinite(packed.sum(dtype=np.float64))
    if finite:
        return data
    bad = np.flatnonzero(~np.isfinite(packed))
    if bad.size:
        i = int(bad[0])
        raise _invalid(
            f"{what} holds NaN, infinity or a value beyond float32 range "
            f"({value[i].item()!r} at position {i})"
        )
    return data


# all_finite_f32le's integers (and cached masks) grow with the input: above
# this size (4096 float32s) the numpy sum is cheaper.
_FINITE_BITS_MAX_BYTES = 16384

# Per float32 count: masks with, in every 32-bit lane, 0xFF in the low byte,
# 1 in the low byte, and bit 8 set (see all_finite_f32le). Bounded.
_FINITE_MASKS: Dict[int, tuple] = {}


def _finite_masks(count: int) -> tuple:
    masks = _FINITE_MASKS.get(count)
    if masks is None:
        masks = tuple(int.from_bytes(lane * count, "little") for lane in (b"\xff\0\0\0", b"\1\0\0\0", b"\0\1\0\0"))
        if len(_FINITE_MASKS) < 64:
            _FINITE_MASKS[count] = masks
    return masks


def all_finite_f32le(data: bytes) -> bool:
    """Whether every little-endian float32 in `data` is finite.

    A float32 is NaN or infinite exactly when its 8 exponent bits are all
    ones. Read as one integer, every element is a 32-bit lane: shifting its
    exponent down to the lane's low byte and adding 1 carries into the lane's
    bit 8 only from 0xFF. Six big-integer operations, whatever the length: on
    the path of every search, between two round trips whose network stacks
    have evicted the interpreter's caches, a numpy reduction cost 40-80 us;
    with this, building the whole request takes ~30-40 us.
    """
    low_bytes, ones, carries = _finite_masks(len(data) // 4)
    lanes = int.from_bytes(data, "little")
    return (((lanes >> 23) & low_bytes) + ones) & carries == 0


def _pack_sequence(value, what: str) -> bytes:
    if not value:
        raise _invalid(f"{what} must not be empty")
    np = _numpy_module()
    numbers = (int, float) if np is None else (int, float, np.integer, np.floating)
    floats = []
    for i, x in enumerate(value):
        if isinstance(x, bool) or not isinstance(x, numbers):
            raise _invalid(f"{what} element at position {i} must be a number, got {type(x).__name__}")
        try:
            f = float(x)
        except OverflowError:  # an int beyond float64, e.g. 10**400
            f = math.inf
        # array('f') would turn 1e39 into inf silently.
        if not math.isfinite(f) or abs(f) > FLOAT32_MAX:
            shown = repr(x) if len(repr(x)) <= 40 else repr(x)[:24] + f"... ({len(repr(x))} characters)"
            raise _invalid(
                f"{what} holds NaN, infinity or a value beyond float32 range ({shown} at position {i})"
            )
        floats.append(f)
    packed = array("f", floats)
    if _BIG_ENDIAN:
        packed.byteswap()
    return packed.tobytes()


def pack(value, what: str = "vector") -> bytes:
    """A vector as f32le bytes: a 1-D numpy array of numbers, or a non-empty
    list/tuple of int/float. Raises ValidationError naming the problem (and
    the position of a NaN, infinity or non-number)."""
    np = _numpy_module()
    if np is not None and isinstance(value, np.ndarray):
        return _pack_array(np, value, what)
    if isinstance(value, (list, tuple)):
        return _pack_sequence(value, what)
    raise _invalid(f"{what} must be a list/tuple of numbers or a 1-D numpy array, got {type(value).__name__}")


def pack_query(value) -> bytes:
    """A search query as f32le bytes, as `pack` makes it, except that a 1-D
    float32 numpy array (what embedding models hand back) is sent without
    the client's NaN/infinity check: the server checks every query component
    and its error names the first bad one ("query component 3 is NaN"), and
    a search writes nothing. The check costs 1.5 us warm and several times
    that between two round trips (bench/README.md "Session 13")."""
    np = _numpy_module()
    if np is not None and type(value) is np.ndarray and value.ndim == 1 and value.size and value.dtype.str == _F32LE:
        return value.tobytes()
    return pack(value, "query")


def pack_many(values, what: str = "queries") -> List[bytes]:
    """Several vectors as f32le bytes each: a 2-D numpy array (one per row,
    converted in one go) or a sequence of vectors as `pack` takes them."""
    np = _numpy_module()
    if np is not None and isinstance(values, np.ndarray):
        if values.ndim != 2:
            raise _invalid(f"{what} as a numpy array must be 2-D (one query per row), got shape {values.shape}")
        if values.shape[0] == 0:
            raise _invalid(f"{what} must not be empty")
        data = _pack_array(np, values.reshape(-1), what)
        step = len(data) // values.shape[0]
        return [data[i : i + step] for i in range(0, len(data), step)]
    if not isinstance(values, (list, tuple)):
        raise _invalid(f"{what} must be a list of vectors or a 2-D numpy array, got {type(values).__name__}")
    if not values:
        raise _invalid(f"{what} must not be empty")
    return [pack(v, f"{what}[{i}]") for i, v in enumerate(values)]


_numpy_for_results = None  # the module, False when not importable, None before the first try


def _numpy_if_installed():
    global _numpy_for_results
    if _numpy_for_results is None:
        try:
            import numpy
        except ImportError:
            numpy = False
        _numpy_for_results = numpy
    return _numpy_for_results or None


def unpack(vector: "vectors_pb2.Vector"):
    """An embedding from the wire: a float32 numpy array when numpy is
    installed, else a list of floats."""
    np = _numpy_if_installed()
    if vector.values and not vector.f32le:
        values = list(vector.values)
        return np.array(values, dtype=np.float32) if np is not None else values
    data = vector.f32le
    if len(data) % 4:
        raise _invalid(f"server sent a vector of {len(data)} bytes, not a whole number of float32")
    if np is not None:
        return np.frombuffer(data, dtype="<f4").astype(np.float32)  # a writable native copy
    floats = array("f")
    floats.frombytes(data)
    if _BIG_ENDIAN:
        floats.byteswap()
    return floats.tolist()


# -- filters ------------------------------------------------------------------


def filters_into(filters, target) -> None:
    """Append `filters` (None, or a list of {"field", "op", "value"}) to the
    repeated Filter field `target`. Checks the shape; the server checks the
    paths and the value types against the data."""
    if filters is None:
        return
    if not isinstance(filters, (list, tuple)):
        raise _invalid(
            f'filters must be a list of {{"field", "op", "value"}} dicts, got {type(filters).__name__}'
        )
    for i, condition in enumerate(filters):
        where = f"filters[{i}]"
        if not isinstance(condition, dict):
            raise _invalid(f'{where} must be a dict with "field", "op" and "value", got {type(condition).__name__}')
        missing = [name for name in ("field", "op", "value") if name not in condition]
        extra = [name for name in condition if name not in ("field", "op", "value")]
        if missing or extra:
            problem = f"missing {missing}" if missing else f"unknown keys {extra}"
            raise _invalid(f'{where} must have exactly "field", "op" and "value": {problem}')
        field, op, value = condition["field"], condition["op"], condition["value"]
        if not isinstance(field, str) or not field:
            raise _invalid(f"{where}.field must be a non-empty str (a dotted path), got {field!r}")
        validate.text(field, f"{where}.field")
        if not isinstance(op, str) or op.lower() not in FILTER_OPS:
            raise _invalid(f"{where}.op must be one of {', '.join(FILTER_OPS)}; got {op!r}")
        op = op.lower()
        if op == "in" and not isinstance(value, (list, tuple)):
            raise _invalid(f'{where}: op "in" needs a list value, got {type(value).__name__}')
        entry = target.add(field=field, op=op)
        try:
            encode_into(value, entry.value)
        except ValidationError as e:
            raise _invalid(f"{where}.value: {e.message}") from None


def optional_positive(value, what: str) -> Optional[int]:
    """None, or an int in 1..2**32-1 (a uint32 where 0 means the default)."""
    return None if value is None else validate.limit(value, 1, 0xFFFFFFFF, what)


def metadata_dict(value: Any, what: str = "metadata") -> Optional[Dict[str, Any]]:
    """None or a dict: metadata is an object (or absent)."""
    if value is None or isinstance(value, dict):
        return value
    raise _invalid(f"{what} must be a dict or None, got {type(value).__name__}")
