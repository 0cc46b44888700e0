"""Python values <-> `strata.v1.Value` (spec/api.md §2).

None, bool, int (int64), float, str, bytes-like, list/tuple, dict with str
keys, and numpy scalars/arrays when the caller uses numpy. Both directions
walk the value with an explicit stack, so the depth limit (128) is enforced
before Python's recursion limit could matter, and a cyclic list is reported
as too deep instead of looping.
"""

import math
import sys

from ._proto import value_pb2
from .errors import ValidationError

__all__ = [
    "MAX_DEPTH",
    "MAX_BLOB_BYTES",
    "INT64_MIN",
    "INT64_MAX",
    "encode",
    "encode_into",
    "decode",
    "require_finite",
]

MAX_DEPTH = 128  # containers nested inside each other; a scalar has depth 0
MAX_BLOB_BYTES = 16 * 1024 * 1024  # per string or bytes value, in UTF-8 bytes
INT64_MIN = -(1 << 63)
INT64_MAX = (1 << 63) - 1

_NULL = value_pb2.NULL_VALUE
_SUPPORTED = "None, bool, int, float, str, bytes, bytearray, memoryview, list, tuple, dict, numpy scalar/array"


def _allow_deep_messages() -> None:
    """Lift protobuf's default parse depth of 100 nested messages.

    A Value nested 128 deep is about 260 nested messages on the wire (each
    level is a Value plus an ArrayValue/ObjectValue), so with the default a
    legal value read back from the server would fail to parse. protobuf has
    no per-call setting for this, only a process-wide one per backend.
    """
    from google.protobuf.internal import api_implementation

    kind = api_implementation.Type()
    try:
        if kind == "upb":
            from google._upb import _message
        elif kind == "cpp":
            from google.protobuf.pyext import _message
        else:
            from google.protobuf.internal import decoder

            if hasattr(decoder, "SetRecursionLimit"):
                decoder.SetRecursionLimit(4 * MAX_DEPTH + 64)
            return
        _message.SetAllowOversizeProtos(True)
    except (ImportError, AttributeError):  # an unusual protobuf build: keep defaults
        pass


_allow_deep_messages()


def _type_name(obj) -> str:
    cls = type(obj)
    module = cls.__module__
    return cls.__qualname__ if module == "builtins" else f"{module}.{cls.__qualname__}"


def _check_int(value: int) -> int:
    if INT64_MIN <= value <= INT64_MAX:
        return value
    # str() of a huge int is slow (and capped at 4300 digits on 3.11+).
    shown = str(value) if value.bit_length() <= 128 else f"a {value.bit_length()}-bit integer"
    raise ValidationError(
        f"int {shown} is outside the int64 range [{INT64_MIN}, {INT64_MAX}]",
        reason="validation",
    )


def _check_str(value: str, what: str = "string") -> str:
    # Encoding measures the UTF-8 size exactly and catches lone surrogates,
    # which protobuf would otherwise reject with a bare exception.
    try:
        size = len(value.encode("utf-8"))
    except UnicodeEncodeError as e:
        raise ValidationError(f"{what} is not valid unicode: {e.reason}", reason="validation") from None
    if size > MAX_BLOB_BYTES:
        raise ValidationError(
            f"{what} of {size} bytes exceeds the limit of {MAX_BLOB_BYTES} bytes (16 MiB)",
            reason="validation",
        )
    return value


def _check_bytes(value) -> bytes:
    data = value.tobytes() if isinstance(value, memoryview) else bytes(value)
    if len(data) > MAX_BLOB_BYTES:
        raise ValidationError(
            f"bytes of {len(data)} bytes exceed the limit of {MAX_BLOB_BYTES} bytes (16 MiB)",
            reason="validation",
        )
    return data


def _from_numpy(obj):
    """Return the plain-Python equivalent of a numpy object, or raise.

    numpy is never imported here: if the caller holds a numpy object, numpy
    is already in sys.modules.
    """
    np = sys.modules.get("numpy")
    if np is not None:
        if isinstance(obj, np.ndarray):
            if obj.dtype.kind not in "biufUSO":
                raise ValidationError(
                    f"unsupported numpy array dtype {obj.dtype}; supported: bool, int, float, str, bytes, object",
                    reason="validation",
                )
            return obj.tolist()  # nested lists of Python scalars (a 0-d array: one scalar)
        if isinstance(obj, np.bool_):
            return bool(obj)
        if isinstance(obj, np.integer):
            return int(obj)
        if isinstance(obj, np.floating):
            return float(obj)
    raise ValidationError(
        f"unsupported value type {_type_name(obj)}; supported: {_SUPPORTED}",
        reason="validation",
    )


def _too_deep() -> ValidationError:
    return ValidationError(
        f"value nesting depth exceeds the limit of {MAX_DEPTH}", reason="validation"
    )


def encode_into(obj, target: "value_pb2.Value") -> None:
    """Fill the (empty) `target` message with the encoding of `obj`.

    Raises ValidationError naming the offending type or limit.
    """
    # depth = number of containers enclosing the value being encoded.
    stack = [(obj, target, 0)]
    while stack:
        obj, msg, depth = stack.pop()
        while True:  # loops only to re-dispatch a converted numpy object
            if obj is None:
                msg.null_value = _NULL
            elif isinstance(obj, bool):  # before int: bool is an int subclass
                msg.bool_value = obj
            elif isinstance(obj, int):
                msg.int_value = _check_int(int(obj))
            elif isinstance(obj, float):
                msg.float_value = obj
            elif isinstance(obj, str):
                msg.string_value = _check_str(obj)
            elif isinstance(obj, (bytes, bytearray, memoryview)):
                msg.bytes_value = _check_bytes(obj)
            elif isinstance(obj, (list, tuple)):
                if depth >= MAX_DEPTH:
                    raise _too_deep()
                array = msg.array_value
                array.SetInParent()  # an empty list must still be an array
                items = array.items
                for item in obj:
                    stack.append((item, items.add(), depth + 1))
            elif isinstance(obj, dict):
                if depth >= MAX_DEPTH:
                    raise _too_deep()
                entries = msg.object_value
                entries.SetInParent()
                entries = entries.entries
                for key, item in obj.items():
                    if not isinstance(key, str):
                        raise ValidationError(
                            f"object keys must be str, got {_type_name(key)}", reason="validation"
                        )
                    entry = entries.add()
                    entry.key = _check_str(key, "object key")
                    stack.append((item, entry.value, depth + 1))
            else:
                obj = _from_numpy(obj)
                continue
            break


def encode(obj) -> "value_pb2.Value":
    """Return `obj` as a new `strata.v1.Value`. Raises ValidationError."""
    msg = value_pb2.Value()
    encode_into(obj, msg)
    return msg


_CONTAINER_KINDS = ("array_value", "object_value")


def decode(msg: "value_pb2.Value"):
    """Return the Python value of a `strata.v1.Value`.

    Arrays come back as lists, objects as dicts in the server's key order,
    bytes as bytes. An unset Value decodes to None.
    """
    # Every protobuf attribute access is a call into the C runtime, and search
    # results decode one metadata object per match: scalars (the usual
    # content of metadata) are read where they are met, and only containers
    # go through the stack.
    kind = msg.WhichOneof("kind")
    if kind not in _CONTAINER_KINDS:
        return None if kind is None or kind == "null_value" else getattr(msg, kind)
    holder = [None]
    stack = [(msg, kind, holder, 0)]
    while stack:
        msg, kind, parent, slot = stack.pop()
        if kind == "object_value":
            out = {}
            for entry in msg.object_value.entries:
                value = entry.value
                key = entry.key
                item_kind = value.WhichOneof("kind")
                if item_kind in _CONTAINER_KINDS:
                    out[key] = None  # fixes the key order; filled from the stack
                    stack.append((value, item_kind, out, key))
                elif item_kind is None or item_kind == "null_value":
                    out[key] = None
                else:
                    out[key] = getattr(value, item_kind)
        else:
            items = msg.array_value.items
            out = [None] * len(items)
            for i, value in enumerate(items):
                item_kind = value.WhichOneof("kind")
                if item_kind in _CONTAINER_KINDS:
                    stack.append((value, item_kind, out, i))
                elif item_kind is not None and item_kind != "null_value":
                    out[i] = getattr(value, item_kind)
        parent[slot] = out
    return holder[0]


def require_finite(msg: "value_pb2.Value", what: str, at: str = "$") -> None:
    """Raise ValidationError if the encoded value holds NaN or an infinity
    anywhere (JSON documents and event payloads cannot; spec/api.md §2).

    `what` names the value in the message, e.g. "a json document"; the
    message also gives where the number is, as a JSON path starting from
    `at`, the path the value goes to (json_set's: the NaN of {"c": [nan]}
    set at "$.a.b" is at $.a.b.c[0], not at $.c[0]).
    """
    # Each entry carries a link (parent_link, step) from which the path is
    # only spelled out when something is wrong.
    stack = [(msg, None)]
    while stack:
        msg, link = stack.pop()
        kind = msg.WhichOneof("kind")
        if kind == "float_value":
            f = msg.float_value
            if math.isnan(f) or math.isinf(f):
                raise ValidationError(
                    f"{what} must not contain NaN or infinity (found {f} at {_path_of(link, at)})",
                    reason="validation",
                )
        elif kind == "array_value":
            for i, item in enumerate(msg.array_value.items):
                stack.append((item, (link, i)))
        elif kind == "object_value":
            for entry in msg.object_value.entries:
                stack.append((entry.value, (link, entry.key)))


def _path_of(link, root: str = "$") -> str:
    steps = []
    while link is not None:
        link, step = link
        steps.append(step)
    parts = [root]
    for step in reversed(steps):
        if isinstance(step, int):
            parts.append(f"[{step}]")
        elif step and all(c.isascii() and (c.isalnum() or c in "_-") for c in step):
            parts.append(f".{step}")
        else:
            escaped = step.replace("\\", "\\\\").replace("'", "\\'")
            parts.append(f"['{escaped}']")
    return "".join(parts)
