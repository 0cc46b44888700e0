"""The exception hierarchy (spec §14) and the gRPC -> exception table."""

import grpc
import pytest

import stratadb
from stratadb.errors import from_rpc_error


class FakeRpcError(grpc.RpcError, grpc.Call):
    """Quacks like the error a failed unary call raises."""

    def __init__(self, code, details="boom", reason=None, metadata=None):
        self._code = code
        self._details = details
        self._metadata = list(metadata or [])
        if reason is not None:
            self._metadata.append(("strata-reason", reason))

    def code(self):
        return self._code

    def details(self):
        return self._details

    def trailing_metadata(self):
        return tuple(self._metadata)

    def initial_metadata(self):
        return ()

    def is_active(self):
        return False

    def time_remaining(self):
        return None

    def cancel(self):
        return False

    def add_callback(self, callback):
        return False


@pytest.mark.parametrize(
    "cls, bases",
    [
        (stratadb.NotFoundError, (LookupError,)),
        (stratadb.ValidationError, (ValueError,)),
        (stratadb.ConflictError, ()),
        (stratadb.ConstraintError, ()),
        (stratadb.StateError, ()),
        (stratadb.AccessDeniedError, (PermissionError,)),
        (stratadb.UnavailableError, (ConnectionError,)),
        (stratadb.IoError, (OSError,)),
        (stratadb.NotSupportedError, ()),
    ],
)
def test_hierarchy(cls, bases):
    assert issubclass(stratadb.StrataError, RuntimeError)
    assert issubclass(cls, stratadb.StrataError)
    assert issubclass(cls, RuntimeError)
    for base in bases:
        assert issubclass(cls, base)
    err = cls("the message", code="X", reason="y")
    assert str(err) == "the message" and err.message == "the message"
    assert err.code == "X" and err.reason == "y"


REASONS = {
    "not_found": stratadb.NotFoundError,
    "validation": stratadb.ValidationError,
    "conflict": stratadb.ConflictError,
    "constraint": stratadb.ConstraintError,
    "state": stratadb.StateError,
    "access_denied": stratadb.AccessDeniedError,
    "unavailable": stratadb.UnavailableError,
    "io": stratadb.IoError,
    "unimplemented": stratadb.NotSupportedError,
}

CODES = {
    grpc.StatusCode.NOT_FOUND: stratadb.NotFoundError,
    grpc.StatusCode.INVALID_ARGUMENT: stratadb.ValidationError,
    grpc.StatusCode.ABORTED: stratadb.ConflictError,
    grpc.StatusCode.FAILED_PRECONDITION: stratadb.ConstraintError,
    grpc.StatusCode.ALREADY_EXISTS: stratadb.ConstraintError,
    grpc.StatusCode.RESOURCE_EXHAUSTED: stratadb.ConstraintError,
    grpc.StatusCode.UNAUTHENTICATED: stratadb.AccessDeniedError,
    grpc.StatusCode.PERMISSION_DENIED: stratadb.AccessDeniedError,
    grpc.StatusCode.UNAVAILABLE: stratadb.UnavailableError,
    grpc.StatusCode.DEADLINE_EXCEEDED: stratadb.UnavailableError,
    grpc.StatusCode.INTERNAL: stratadb.IoError,
    grpc.StatusCode.DATA_LOSS: stratadb.IoError,
    grpc.StatusCode.UNIMPLEMENTED: stratadb.NotSupportedError,
    grpc.StatusCode.UNKNOWN: stratadb.StrataError,
    grpc.StatusCode.CANCELLED: stratadb.UnavailableError,
    grpc.StatusCode.OUT_OF_RANGE: stratadb.StrataError,
}


@pytest.mark.parametrize("reason, cls", sorted(REASONS.items()))
def test_reason_decides(reason, cls):
    # The reason wins over a code that would map elsewhere.
    err = from_rpc_error(FakeRpcError(grpc.StatusCode.FAILED_PRECONDITION, "msg", reason))
    assert type(err) is cls
    assert err.reason == reason and err.code == "FAILED_PRECONDITION" and str(err) == "msg"


@pytest.mark.parametrize("code, cls", CODES.items(), ids=lambda x: getattr(x, "name", ""))
def test_code_is_the_fallback(code, cls):
    err = from_rpc_error(FakeRpcError(code, "server said no"))
    assert type(err) is cls
    assert err.code == code.name and err.reason is None
    assert "server said no" in str(err)


def test_failed_precondition_with_state_reason_is_state_error():
    err = from_rpc_error(FakeRpcError(grpc.StatusCode.FAILED_PRECONDITION, "no transaction", "state"))
    assert type(err) is stratadb.StateError


def test_unknown_reason_falls_back_to_code():
    err = from_rpc_error(FakeRpcError(grpc.StatusCode.NOT_FOUND, "x", "something_new"))
    assert type(err) is stratadb.NotFoundError and err.reason == "something_new"


def test_reason_found_among_other_metadata_and_as_bytes():
    meta = [("other", "v"), ("strata-reason", b"conflict")]
    err = from_rpc_error(FakeRpcError(grpc.StatusCode.UNKNOWN, "x", metadata=meta))
    assert type(err) is stratadb.ConflictError and err.reason == "conflict"


def test_unavailable_names_the_address():
    err = from_rpc_error(FakeRpcError(grpc.StatusCode.UNAVAILABLE, "connection refused"), "10.0.0.1:9")
    assert isinstance(err, stratadb.UnavailableError) and isinstance(err, ConnectionError)
    assert "10.0.0.1:9" in str(err) and "connection refused" in str(err)


def test_missing_details_still_gives_a_message():
    err = from_rpc_error(FakeRpcError(grpc.StatusCode.INTERNAL, details=None))
    assert type(err) is stratadb.IoError and "INTERNAL" in str(err)


def test_bare_rpc_error_is_a_strata_error():
    err = from_rpc_error(grpc.RpcError())
    assert type(err) is stratadb.StrataError and err.code is None


def test_a_call_the_server_cancelled_is_unavailable_and_says_so():
    # A stopping server cancels calls it can no longer serve; this raised a
    # bare StrataError("CANCELLED") that retry code catching UnavailableError missed.
    err = from_rpc_error(FakeRpcError(grpc.StatusCode.CANCELLED, "CANCELLED"), "127.0.0.1:9")
    assert isinstance(err, stratadb.UnavailableError)
    assert "127.0.0.1:9" in str(err) and "cancelled" in str(err) and "may or may not have been applied" in str(err)
