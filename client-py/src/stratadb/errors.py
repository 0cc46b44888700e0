"""The exception hierarchy of spec/api.md §14 and the one table that maps
gRPC failures onto it.

Every public method of `Strata` raises only these; a raw `grpc.RpcError`
never escapes (see `from_rpc_error`).
"""

from typing import Optional

import grpc

__all__ = [
    "StrataError",
    "NotFoundError",
    "ValidationError",
    "ConflictError",
    "ConstraintError",
    "StateError",
    "AccessDeniedError",
    "UnavailableError",
    "IoError",
    "NotSupportedError",
    "REASON_METADATA_KEY",
    "from_rpc_error",
]

# Trailing-metadata key in which stratad sends the machine-readable reason.
REASON_METADATA_KEY = "strata-reason"


class StrataError(RuntimeError):
    """Base of every error the client raises.

    Attributes:
        message: the server's (or client's) message, lowercase by convention.
        code: the gRPC status name (e.g. "NOT_FOUND"), or None when the error
            was raised by the client before anything was sent.
        reason: the server's `strata-reason` (e.g. "not_found"), or the
            reason the client would have used for a client-side check.
    """

    def __init__(self, message: str, *, code: Optional[str] = None, reason: Optional[str] = None):
        # Only the message goes to the base classes: OSError would read a
        # second positional argument as strerror.
        super().__init__(message)
        self.message = message
        self.code = code
        self.reason = reason

    def __str__(self) -> str:
        return self.message


class NotFoundError(StrataError, LookupError):
    """A named thing (branch, collection, transaction, ...) does not exist."""


class ValidationError(StrataError, ValueError):
    """A bad argument: name, type, path, filter or a limit breached."""


class ConflictError(StrataError):
    """CAS mismatch, transaction conflict, strict merge conflict."""


class ConstraintError(StrataError):
    """Dimension mismatch, duplicate, non-empty space, full disk."""


class StateError(StrataError):
    """An operation not allowed in the current state (e.g. transaction misuse)."""


class AccessDeniedError(StrataError, PermissionError):
    """Bad or missing token, or a write to a read-only server."""


class UnavailableError(StrataError, ConnectionError):
    """The server cannot be reached or did not answer in time."""


class IoError(StrataError, OSError):
    """A server-side failure (storage error, data loss)."""


class NotSupportedError(StrataError):
    """The server or this client version does not implement the operation."""


# THE mapping table: (exception, strata-reason, gRPC status codes).
# The reason decides first; the status code is the fallback for servers or
# proxies that send none. FAILED_PRECONDITION maps to ConstraintError unless
# the reason says "state" (spec §14), which is why StateError has no codes.
_TABLE = (
    (NotFoundError, "not_found", (grpc.StatusCode.NOT_FOUND,)),
    (ValidationError, "validation", (grpc.StatusCode.INVALID_ARGUMENT,)),
    (ConflictError, "conflict", (grpc.StatusCode.ABORTED,)),
    (
        ConstraintError,
        "constraint",
        (
            grpc.StatusCode.FAILED_PRECONDITION,
            grpc.StatusCode.ALREADY_EXISTS,
            grpc.StatusCode.RESOURCE_EXHAUSTED,
        ),
    ),
    (StateError, "state", ()),
    (
        AccessDeniedError,
        "access_denied",
        (grpc.StatusCode.UNAUTHENTICATED, grpc.StatusCode.PERMISSION_DENIED),
    ),
    (
        UnavailableError,
        "unavailable",
        # CANCELLED: this client never cancels a call it waits for, so the
        # server or the connection ended it (a server stopping does).
        (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED, grpc.StatusCode.CANCELLED),
    ),
    (IoError, "io", (grpc.StatusCode.INTERNAL, grpc.StatusCode.DATA_LOSS)),
    (NotSupportedError, "unimplemented", (grpc.StatusCode.UNIMPLEMENTED,)),
)

_BY_REASON = {reason: exc for exc, reason, _ in _TABLE}
_BY_CODE = {code: exc for exc, _, codes in _TABLE for code in codes}


def _reason_of(err) -> Optional[str]:
    try:
        metadata = err.trailing_metadata() or ()
    except Exception:  # not a grpc.Call, or a call that never started
        return None
    for key, value in metadata:
        if key == REASON_METADATA_KEY:
            return value.decode("utf-8", "replace") if isinstance(value, bytes) else value
    return None


def from_rpc_error(err: grpc.RpcError, address: Optional[str] = None) -> StrataError:
    """Translate a failed gRPC call into the matching StrataError.

    `address`, when given, is named in the message of UnavailableError so a
    user can see which server could not be reached.
    """
    code = None
    details = None
    try:
        code = err.code()
        details = err.details()
    except Exception:  # an RpcError that is not a grpc.Call
        pass
    reason = _reason_of(err)
    exc = _BY_REASON.get(reason) or _BY_CODE.get(code) or StrataError
    code_name = code.name if isinstance(code, grpc.StatusCode) else None
    message = details or (f"rpc failed with {code_name}" if code_name else "rpc failed")
    if code == grpc.StatusCode.CANCELLED:
        # gRPC's own text is a bare "CANCELLED" or "Cancelled".
        message = (
            "the call was cancelled by the server or its connection closing "
            f"({message}); a write may or may not have been applied"
        )
    if exc is UnavailableError and address:
        message = f"stratad at {address} is unavailable: {message}"
    return exc(message, code=code_name, reason=reason)
