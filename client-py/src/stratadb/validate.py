"""Client-side checks of arguments, so that bad input fails before a round
trip with the same ValidationError the server would send (spec/api.md §2)."""

import operator
from typing import Optional

from .errors import ValidationError

MAX_KEY_BYTES = 1024
RESERVED_PREFIX = "_strata/"


def _invalid(message: str) -> ValidationError:
    return ValidationError(message, reason="validation")


def utf8_name(value, what: str, max_bytes: int) -> str:
    """Return `value` if it is a non-empty str of at most `max_bytes` bytes of
    UTF-8 without NUL: the rule every name shares (keys, branches, ...)."""
    if not isinstance(value, str):
        raise _invalid(f"{what} must be str, got {type(value).__name__}")
    if not value:
        raise _invalid(f"{what} must not be empty")
    if "\x00" in value:
        raise _invalid(f"{what} must not contain NUL")
    try:
        size = len(value.encode("utf-8"))
    except UnicodeEncodeError as e:
        raise _invalid(f"{what} is not valid unicode: {e.reason}") from None
    if size > max_bytes:
        raise _invalid(f"{what} is {size} bytes, over the limit of {max_bytes} bytes")
    return value


def key(value, what: str = "key") -> str:
    """Return `value` if it is a legal key (cell name, document id, ...).

    Legal: a non-empty str of at most 1024 bytes UTF-8, without NUL, not in
    the reserved `_strata/` namespace.
    """
    utf8_name(value, what, MAX_KEY_BYTES)
    if value.startswith(RESERVED_PREFIX):
        raise _invalid(f"{what} {value!r} is in the reserved {RESERVED_PREFIX!r} namespace")
    return value


def text(value, what: str) -> str:
    """Return `value` if it is a str that UTF-8 can encode (no lone
    surrogates): what every string on the wire must be."""
    if not isinstance(value, str):
        raise _invalid(f"{what} must be str, got {type(value).__name__}")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as e:
        raise _invalid(f"{what} is not valid unicode: {e.reason}") from None
    return value


def prefix(value) -> str:
    """Return a listing prefix as the wire wants it: None becomes ""."""
    if value is None:
        return ""
    if not isinstance(value, str):
        raise _invalid(f"prefix must be str or None, got {type(value).__name__}")
    return text(value, "prefix")


INT64_MAX = (1 << 63) - 1


def timestamp(value, what: str = "as_of") -> Optional[int]:
    """Return an optional timestamp (int microseconds since the epoch, as
    the wire's int64 holds it)."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise _invalid(f"{what} must be int microseconds, got bool")
    try:
        value = operator.index(value)
    except TypeError:
        raise _invalid(f"{what} must be int microseconds, got {type(value).__name__}") from None
    if value < 0:
        raise _invalid(f"{what} must be a non-negative timestamp in microseconds, got {value}")
    if value > INT64_MAX:
        raise _invalid(f"{what} must be at most {INT64_MAX} microseconds, got {value}")
    return value


def limit(value, low: int = 1, high: int = 10000, what: str = "limit") -> int:
    """Return a page size in [low, high]."""
    if isinstance(value, bool):
        raise _invalid(f"{what} must be int, got bool")
    try:
        value = operator.index(value)
    except TypeError:
        raise _invalid(f"{what} must be int, got {type(value).__name__}") from None
    if not low <= value <= high:
        raise _invalid(f"{what} must be between {low} and {high}, got {value}")
    return value


def cursor(value) -> str:
    """Return a page cursor as the wire wants it: None becomes ""."""
    if value is None:
        return ""
    if not isinstance(value, str):
        raise _invalid(f"cursor must be str or None, got {type(value).__name__}")
    return value


MAX_EVENT_TYPE_BYTES = 256
UINT64_MAX = (1 << 64) - 1


def event_type(value) -> str:
    """Return `value` if it is a legal event type: a non-empty str of at most
    256 bytes UTF-8, without NUL."""
    if not isinstance(value, str):
        raise _invalid(f"event_type must be str, got {type(value).__name__}")
    if not value:
        raise _invalid("event_type must not be empty")
    if "\x00" in value:
        raise _invalid("event_type must not contain NUL")
    try:
        size = len(value.encode("utf-8"))
    except UnicodeEncodeError as e:
        raise _invalid(f"event_type is not valid unicode: {e.reason}") from None
    if size > MAX_EVENT_TYPE_BYTES:
        raise _invalid(f"event_type is {size} bytes; the limit is {MAX_EVENT_TYPE_BYTES} bytes")
    return value


def json_path(value) -> str:
    """Return `value` if it can be a JSON path: a non-empty str.

    The grammar itself (spec/api.md §7) is checked by the server, whose
    ValidationError names the offending position.
    """
    if not isinstance(value, str):
        raise _invalid(f"json path must be str, got {type(value).__name__}")
    if not value:
        raise _invalid('invalid json path "" at position 0: the path is empty; the root is "$"')
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as e:
        raise _invalid(f"json path {value!r} is not valid unicode: {e.reason}") from None
    return value


def uint64(value, what: str) -> int:
    """Return an int in [0, 2**64 - 1] (a sequence number, a version)."""
    if isinstance(value, bool):
        raise _invalid(f"{what} must be int, got bool")
    try:
        value = operator.index(value)
    except TypeError:
        raise _invalid(f"{what} must be int, got {type(value).__name__}") from None
    if not 0 <= value <= UINT64_MAX:
        raise _invalid(f"{what} must be between 0 and {UINT64_MAX}, got {value}")
    return value


def optional_count(value, what: str = "limit") -> Optional[int]:
    """Return None (no limit) or a positive int."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise _invalid(f"{what} must be a positive int or None, got bool")
    try:
        value = operator.index(value)
    except TypeError:
        raise _invalid(f"{what} must be a positive int or None, got {type(value).__name__}") from None
    if value < 1:
        raise _invalid(f"{what} must be a positive int or None, got {value}")
    return value
