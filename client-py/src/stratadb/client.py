"""`Strata`: a handle on a stratad server (spec/api.md §1, §3, §4, §13;
state cells, events, JSON documents, branches and vectors come from the
mixins in _state.py, _events.py, _json.py, _branches.py and _vectors.py).

A handle owns one gRPC channel plus its current branch and space, which go
out in the `Context` of every data call; the server keeps no per-handle
state. gRPC channels are thread-safe and the handle's own fields are only
read during calls, so one handle may be shared by many threads.
"""

import math
import os
import threading
from typing import Any, Dict, List, Optional

import grpc

from . import validate
from ._branches import BranchesMixin
from ._common import history, list_all_names, versioned
from ._events import EventsMixin
from ._json import JsonMixin
from ._proto import (
    admin_pb2,
    admin_pb2_grpc,
    events_pb2_grpc,
    json_pb2_grpc,
    kv_pb2,
    kv_pb2_grpc,
    state_pb2_grpc,
    value_pb2,
)
from ._search import SearchMixin
from ._state import StateMixin
from ._transactions import TransactionsMixin
from ._vectors import VectorsMixin
from .codec import decode, encode_into
from ._cache_server import CacheServer
from ._directory_server import DirectoryInUseError, ServerLease, ensure_server, prepare_directory
from .connection import call_metadata, make_channel, parse_target
from .errors import StateError, UnavailableError, ValidationError, from_rpc_error

__all__ = ["Strata"]

DEFAULT_CONNECT_TIMEOUT = 5.0  # seconds, when open() is given no timeout
MAX_TIMEOUT = 1e9  # seconds
_LOCAL_ATTACH_ATTEMPTS = 3  # for a directory target (see Strata.__init__)


# How grpc words an UNAVAILABLE call that no server can have received: none
# listened at the address, or the connection was found closed by the peer
# when the call was written to it (a server that exited since the last call).
_NEVER_SENT = ("failed to connect to all addresses", "Broken pipe")


def _never_sent(e: grpc.RpcError) -> bool:
    details = e.details() or ""
    return any(words in details for words in _NEVER_SENT)


def _check_timeout(timeout) -> Optional[float]:
    if timeout is None:
        return None
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)):
        raise ValidationError(
            f"timeout must be seconds as a number, got {type(timeout).__name__}", reason="validation"
        )
    if not timeout > 0 or math.isinf(timeout):
        raise ValidationError(
            f"timeout must be a positive finite number of seconds, got {timeout}", reason="validation"
        )
    if timeout > MAX_TIMEOUT:
        # grpc turns a deadline past ~2^63 ns into one already gone: every
        # call would fail at once as if the server were down.
        raise ValidationError(
            f"timeout must be at most {MAX_TIMEOUT:.0f} seconds (about 31 years), got {timeout}; "
            "None means no deadline",
            reason="validation",
        )
    return float(timeout)


class Strata(StateMixin, EventsMixin, JsonMixin, BranchesMixin, VectorsMixin, TransactionsMixin, SearchMixin):
    """A connection to a stratad server.

    Create one with `Strata.open(...)`; use it as a context manager or call
    `close()` when done. Every method raises only `stratadb` errors.
    """

    def __init__(self, target=None, *, token=None, tls=None, timeout=None):
        """Connect to `target`; same arguments as `Strata.open`."""
        self._closed = True  # until the channel exists, close() has nothing to do
        # What keeps a private local server up for this handle, released by
        # close(): the Strata.cache() server it owns, or its lease on the
        # shared server of a directory target (_directory_server.py).
        self._private_server = None
        self._lease = None
        # A directory target's real path: its server is started again when
        # it is gone (_call_on_a_new_server); None for other targets.
        self._directory = None
        self._revival = threading.Lock()
        self._pid = os.getpid()  # a forked child gets a copy it cannot call through
        self._target = parse_target(target)
        self._timeout = _check_timeout(timeout)
        self._metadata = call_metadata(token)
        self._branch = "default"
        self._space = "default"
        directory = self._target.directory
        if directory is not None:
            if tls not in (None, False):
                raise ValidationError(
                    f"tls does not apply to a directory target ({directory!r}): its local server "
                    "listens on a Unix socket without TLS",
                    reason="validation",
                )
            directory = prepare_directory(directory)
            self._directory = directory
        # A directory's server may be exiting (idle, or stopped) just as it
        # is found answering: then attach again, to its successor.
        attempts = _LOCAL_ATTACH_ATTEMPTS if directory is not None else 1
        for attempt in range(1, attempts + 1):
            try:
                self._connect(tls, directory)
                return
            except DirectoryInUseError:
                raise  # a stratad started by hand holds it: another attempt finds the same
            except UnavailableError:
                if attempt == attempts:
                    raise

    def _connect(self, tls, directory) -> None:
        """Open the channel (after making sure a directory has its server)
        and check that the server answers; on failure, close again."""
        if directory is not None:
            self._target = parse_target(ensure_server(directory))
        self._channel = make_channel(self._target, tls)
        self._closed = False
        self._kv = kv_pb2_grpc.KVStub(self._channel)
        self._admin = admin_pb2_grpc.AdminStub(self._channel)
        self._state = state_pb2_grpc.StateStub(self._channel)
        self._events = events_pb2_grpc.EventsStub(self._channel)
        self._json = json_pb2_grpc.JsonStub(self._channel)
        try:
            if directory is not None:
                # Taken before the ping, so the server counts this handle
                # from about the moment it is known to answer.
                self._lease = ServerLease(self, self._target.grpc_target, self._metadata)
            # Fail fast: a refused connection ends this call at once, a
            # silent address at the connect timeout.
            self._call(
                self._admin.Ping,
                admin_pb2.PingRequest(),
                timeout=self._timeout or DEFAULT_CONNECT_TIMEOUT,
            )
            if self._lease is not None:
                self._lease.confirm(self._target.address)
        except BaseException:
            self.close()
            raise

    # -- lifecycle ---------------------------------------------------------

    @classmethod
    def open(cls, target=None, *, token=None, tls=None, timeout=None) -> "Strata":
        """Connect to a stratad server and check that it answers.

        Args:
            target: "host:port", "strata://host:port" or "unix:/path.sock";
                None reads $STRATA_ADDRESS, else "127.0.0.1:50051". A
                directory path (starting with "/", "." or "~", naming an
                existing directory, or an os.PathLike) is a local database:
                the directory is created if missing, and a local stratad
                serving it on a Unix socket is started, or attached to when
                another handle or process already started it. That server
                exits once no handle has been open for $STRATA_IDLE_EXIT_MS
                (30000 by default). See docs/local-modes.md.
            token: bearer token sent with every call, if the server wants one.
            tls: None/False for plaintext; True for TLS with the system roots;
                a dict or stratadb.TlsConfig with ca (path or PEM bytes; None:
                system roots), cert and key (client certificate, for mutual
                TLS) and server_name (the name the server's certificate must
                carry); a CA certificate path or PEM bytes; or
                grpc.ChannelCredentials.
            timeout: seconds. Bounds the connection check (default 5 s) and,
                when given, every later call; None leaves calls unbounded.

        Raises:
            UnavailableError: no server answers at the address (named in the
                message) within the timeout.
            AccessDeniedError: the server refused the token.
            ValidationError: a malformed argument.
        For a directory target, also UnavailableError when no stratad binary
        is found ($STRATAD_BIN, then PATH) or the server cannot start.
        """
        return cls(target, token=token, tls=tls, timeout=timeout)

    @classmethod
    def cache(cls) -> "Strata":
        """An ephemeral in-memory database: a private `stratad --ephemeral`
        on a Unix socket in a fresh temp dir.

        The server and the temp dir go away on close(), when the handle is
        garbage collected, at interpreter exit, and, if this process is
        killed, by themselves (see _cache_server.py and docs/local-modes.md).

        Raises:
            UnavailableError: no stratad binary ($STRATAD_BIN, then PATH), or
                it could not start.
        """
        server = CacheServer()
        try:
            db = cls(server.address)
        except BaseException:
            server.release()
            raise
        db._private_server = server
        return db

    def close(self) -> None:
        """Release the connection (and stop a Strata.cache() server, or
        release this handle's hold on a directory's server). Idempotent;
        later calls raise StateError."""
        if not self._closed:
            self._closed = True
            if self._lease is not None:
                self._lease.release()
            self._channel.close()
        if self._private_server is not None:
            self._private_server.release()

    def __enter__(self) -> "Strata":
        """`with Strata.open(...) as db:` yields the handle itself."""
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        """Close the handle; exceptions propagate."""
        self.close()

    def __repr__(self) -> str:
        state = "closed" if self._closed else "open"
        return (
            f"<Strata {self._target.address} branch={self._branch!r} "
            f"space={self._space!r} {state}>"
        )

    # -- plumbing ----------------------------------------------------------

    _USE_DEFAULT = object()

    def _call(self, method, request, timeout=_USE_DEFAULT):
        """Invoke a unary rpc, translating every gRPC failure."""
        if self._closed:
            raise StateError("this Strata handle is closed", reason="state")
        if timeout is Strata._USE_DEFAULT:
            timeout = self._timeout
        try:
            return method(request, timeout=timeout, metadata=self._metadata)
        except grpc.RpcError as e:
            if self._pid != os.getpid():
                raise StateError(
                    f"this Strata handle was opened in process {self._pid}; a forked child cannot use its "
                    "connection (gRPC's do not survive fork): open a handle in the child",
                    reason="state",
                ) from None
            if self._directory is not None and e.code() == grpc.StatusCode.UNAVAILABLE:
                return self._call_on_a_new_server(e, method, request, timeout)
            raise from_rpc_error(e, self._target.address) from None
        except ValueError:
            # grpc raises ValueError when the channel was closed under a call.
            if self._closed:
                raise StateError("this Strata handle is closed", reason="state") from None
            raise

    def _call_on_a_new_server(self, failure: grpc.RpcError, method, request, timeout):
        """A directory's server is gone (killed, crashed, or stopped with
        handles still open): start a server again, as opening does, take a
        new lease on it, and make the call there if it never reached the old
        one. A call that may have reached it is not made again, so nothing is
        applied twice: it fails with UnavailableError saying so, and later
        calls go to the new server. The data is the directory's, so nothing
        acknowledged is lost, but a transaction open on the old server is:
        its id means nothing to the new one, and nothing of it was committed.
        (stratad itself never answers UNAVAILABLE: the code means the
        transport failed.)"""
        with self._revival:  # threads sharing the handle start one server
            if self._closed:
                raise StateError("this Strata handle is closed", reason="state")
            ensure_server(self._directory)
            if self._lease is None or self._lease.ended():
                ended, self._lease = self._lease, None
                if ended is not None:
                    ended.release()
                self._lease = ServerLease(self, self._target.grpc_target, self._metadata)
                self._lease.confirm(self._target.address)
        if not _never_sent(failure):
            raise UnavailableError(
                f"the connection to the stratad serving {self._directory!r} failed during this call, which "
                f"may or may not have taken effect ({failure.details()}); a server answers for the "
                "directory again (a new one if that one was gone), and later calls go to it",
                reason="unavailable",
            )
        try:
            # The handle's channel gave up on the old server: a ping that
            # waits for it to connect to the new one (bounded), then the call.
            self._admin.Ping(
                admin_pb2.PingRequest(),
                timeout=DEFAULT_CONNECT_TIMEOUT,
                metadata=self._metadata,
                wait_for_ready=True,
            )
            return method(request, timeout=timeout, metadata=self._metadata)
        except grpc.RpcError as e:
            raise from_rpc_error(e, self._target.address) from None

    def _context(self) -> value_pb2.Context:
        # Inside a transaction every data call joins it (_transactions.py).
        return value_pb2.Context(branch=self._branch, space=self._space, txn_id=self._txn_id or "")

    # -- branch and space of this handle -----------------------------------

    def current_branch(self) -> str:
        """The branch this handle reads and writes ("default" at first)."""
        return self._branch

    def current_space(self) -> str:
        """The space this handle reads and writes ("default" at first)."""
        return self._space

    # -- KV ----------------------------------------------------------------

    def kv_put(self, key: str, value: Any) -> int:
        """Store `value` under `key`; return the commit version.

        Raises ValidationError for a bad key or an unsupported/oversized value.
        """
        request = kv_pb2.KvPutRequest(context=self._context(), key=validate.key(key))
        encode_into(value, request.value)
        return self._call(self._kv.Put, request).version

    def kv_get(self, key: str, *, as_of: Optional[int] = None) -> Any:
        """Return the value of `key`, or None if it is absent or deleted.

        `as_of` (int microseconds since the epoch) reads the value as of that
        instant instead of now.
        """
        request = kv_pb2.KvGetRequest(context=self._context(), key=validate.key(key))
        ts = validate.timestamp(as_of)
        if ts is not None:
            request.as_of = ts
        response = self._call(self._kv.Get, request)
        return decode(response.entry.value) if response.found else None

    def kv_get_versioned(self, key: str) -> Optional[Dict[str, Any]]:
        """Return {"value", "version", "timestamp"} of `key`, or None when it
        is absent or deleted."""
        request = kv_pb2.KvGetRequest(context=self._context(), key=validate.key(key))
        response = self._call(self._kv.Get, request)
        return versioned(response.entry) if response.found else None

    def kv_delete(self, key: str) -> bool:
        """Delete `key`; return True if it held a live value."""
        request = kv_pb2.KvDeleteRequest(context=self._context(), key=validate.key(key))
        return self._call(self._kv.Delete, request).existed

    def kv_list(self, prefix: Optional[str] = None, *, as_of: Optional[int] = None) -> List[str]:
        """Return every live key starting with `prefix`, in bytewise order.

        Pages through the server 1000 keys at a time. `as_of` lists the keys
        live at that instant (int microseconds since the epoch).
        """
        request = kv_pb2.KvListRequest(context=self._context(), prefix=validate.prefix(prefix))
        ts = validate.timestamp(as_of)
        if ts is not None:
            request.as_of = ts
        return list_all_names(self._call, self._kv.List, request)

    def kv_list_paginated(
        self, prefix: Optional[str] = None, limit: int = 100, cursor: Optional[str] = None
    ) -> Dict[str, Any]:
        """Return one page of keys: {"keys": [...], "cursor": str | None}.

        Pass the returned cursor back to get the next page; it is None on the
        last page. A walk never repeats or skips a key that exists throughout
        it, whatever is written meanwhile. `limit` is 1..10000.
        """
        request = kv_pb2.KvListRequest(
            context=self._context(),
            prefix=validate.prefix(prefix),
            limit=validate.limit(limit),
            cursor=validate.cursor(cursor),
        )
        page = self._call(self._kv.List, request)
        return {"keys": list(page.names), "cursor": page.next_cursor or None}

    def kv_history(self, key: str) -> Optional[List[Dict[str, Any]]]:
        """Return every version of `key`, newest first, or None if it never
        existed.

        Entries are {"value", "version", "timestamp"}; a deletion is
        {"value": None, "version", "timestamp", "deleted": True}.
        """
        request = kv_pb2.KvHistoryRequest(context=self._context(), key=validate.key(key))
        return history(self._call, self._kv.History, request)

    # -- database ----------------------------------------------------------

    def ping(self) -> str:
        """Check the server answers; return its version string."""
        return self._call(self._admin.Ping, admin_pb2.PingRequest()).version

    def info(self) -> Dict[str, Any]:
        """Return the server's figures: version, uptime_secs, branch_count,
        space_count, total_keys (of the current branch), collection_count,
        disk_bytes, current_version, map_size, map_used_bytes, durability,
        the group-commit counters writer_commits, writer_requests and
        writer_largest_batch, and the vector index figures
        vector_indexes_loaded / vector_indexes_built (indexes made from a
        snapshot / from the records since the server started),
        vector_index_count and vector_index_memory_bytes (in memory now),
        durable_version (the latest version known to be on disk; flush()
        brings it to current_version), and the retention policy compact()
        applies: retention_versions, retention_seconds (0: rule off), and
        max_message_size (the server's --max-message-size)."""
        response = self._call(self._admin.Info, admin_pb2.InfoRequest(branch=self._branch))
        return {field.name: getattr(response, field.name) for field in response.DESCRIPTOR.fields}

    def flush(self) -> None:
        """Return once everything acknowledged so far is on disk."""
        self._call(self._admin.Flush, admin_pb2.FlushRequest())

    def compact(self) -> Dict[str, int]:
        """Apply the server's history retention policy (its
        --retention-versions / --retention-seconds; by default all history
        is kept) and rebuild vector indexes worn by deletes. Return what it
        did: versions_removed, names_removed (deleted names dropped with
        their history), indexes_rebuilt, retained_from_version and
        retained_from_ts (as_of reads before that timestamp now raise
        ValidationError; 0 while nothing was dropped), retention_versions
        and retention_seconds (the policy applied), records_examined and
        commits."""
        response = self._call(self._admin.Compact, admin_pb2.CompactRequest())
        return {field.name: getattr(response, field.name) for field in response.DESCRIPTOR.fields}

    def retention_apply(self) -> Dict[str, int]:
        """Apply the retention policy now: the embedded SDK's name for
        compact(), with the same result."""
        return self.compact()

    def time_range(self) -> Dict[str, int]:
        """Return {"oldest_ts", "latest_ts"} of retained history, in int
        microseconds since the epoch (both 0 when there is no history)."""
        response = self._call(self._admin.TimeRange, admin_pb2.TimeRangeRequest())
        return {"oldest_ts": response.oldest_ts, "latest_ts": response.latest_ts}
