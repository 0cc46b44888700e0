"""The local stratad behind a directory target: `Strata.open("/path/to/data")`.

One server per data directory, shared by every process that opens it: it
serves over a Unix socket, `<dir>/stratad.sock`, so all of them see one set
of data (stratad itself refuses a second server on a directory: it holds an
flock on `<dir>/stratad.lock`).

Starting. Under an flock on `<dir>/stratad.open.lock`, an opener checks
whether a server answers on the socket; if not (none ever ran, or the socket
file is a dead server's), it starts one and waits for its ready file. Two
processes opening at once therefore end with one server. If stratad refuses
because another stratad holds the directory, that is either the server last
started here (by this module, which `<dir>/stratad.address` then names), still
shutting down for a moment, or a stratad someone started by hand on another
address. The first is waited for, without launching anything, for up to
IN_USE_WAIT; the second is final and reported at once.

Lifetime. Each open handle holds a grpc.health.v1.Health/Watch stream to the
server, which counts as a call in progress; the server exits once no call
has been in progress for --idle-exit-ms (IDLE_EXIT_MS_DEFAULT, or
$STRATA_IDLE_EXIT_MS): so it runs while any handle is open, in any process,
and a little after the last one closes or its process dies (the kernel
closes a dead process's connections, which ends its stream). Nothing is left
running forever. The server is a session of its own: it is not the
starter's to stop, and a Ctrl-C in the starter's terminal does not reach it.

Socket path. sun_path holds 107 bytes; when `<dir>/stratad.sock` is longer
(or holds a '?', '#' or '%', which gRPC would read as part of a URI), the
socket goes to /tmp/stratadb-<uid>/<hash of the directory's real path>.sock
instead (a 0700 directory), which every opener derives the same way. Either way `<dir>/stratad.address` holds the address of the server last
started there and `<dir>/stratad.log` its log lines.
"""

import errno
import fcntl
import hashlib
import os
import socket
import stat
import threading
import time
import weakref

import grpc

from . import _child_server
from ._stratad_binary import find_stratad
from .connection import LOCAL_SUBCHANNELS
from .errors import AccessDeniedError, IoError, StrataError, UnavailableError, ValidationError

ENV_IDLE_EXIT_MS = "STRATA_IDLE_EXIT_MS"
IDLE_EXIT_MS_DEFAULT = 30_000
START_TIMEOUT = 60.0  # seconds: waiting for the open lock plus starting a server
# How long a start waits for the server last started here to let go of the
# directory: it is shutting down, with SHUTDOWN_GRACE_MS for its calls, and
# then closes its database. A stratad that keeps the directory longer is
# serving it on some other address.
IN_USE_WAIT = 5.0  # seconds
SOCKET_NAME = "stratad.sock"
LOCK_NAME = "stratad.open.lock"
ADDRESS_NAME = "stratad.address"
LOG_NAME = "stratad.log"
# On SIGTERM, how long calls in progress may take to finish. The handles'
# lease streams end by themselves at shutdown (stratad sends NOT_SERVING and
# closes them); other calls get this long: a local server's calls are short.
SHUTDOWN_GRACE_MS = 1000
LOG_ROTATE_BYTES = 1 << 20  # at start, a larger log moves to stratad.log.1
_SOCKET_PATH_MAX = 107
_RETRY = 0.02  # seconds between attempts at the lock or a start
_IN_USE = "in use by another stratad"
_HEALTH_WATCH = "/grpc.health.v1.Health/Watch"
# HealthCheckResponse{status: SERVING} as encoded on the wire (field 1,
# varint 1): the one update that means "keep holding on".
_SERVING = b"\x08\x01"


def idle_exit_ms() -> int:
    """The --idle-exit-ms for servers this process starts."""
    raw = os.environ.get(ENV_IDLE_EXIT_MS)
    if raw is None or raw == "":
        return IDLE_EXIT_MS_DEFAULT
    try:
        value = int(raw)
    except ValueError:
        value = 0
    if value < 1:
        raise ValidationError(
            f"${ENV_IDLE_EXIT_MS} must be a positive number of milliseconds, got {raw!r}", reason="validation"
        )
    return value


def _os_error(e: OSError, directory: str, doing: str):
    message = f"cannot {doing} data directory {directory!r}: {e.strerror or e}"
    if isinstance(e, PermissionError):
        return AccessDeniedError(message, reason="access_denied")
    if e.errno in (errno.ENOTDIR, errno.EEXIST):
        return ValidationError(f"{directory!r} is not a directory", reason="validation")
    return IoError(message, reason="io")


def prepare_directory(path: str) -> str:
    """Create the directory if missing; return its real path."""
    try:
        os.makedirs(path, exist_ok=True)
    except OSError as e:
        raise _os_error(e, path, "create") from None
    if not os.path.isdir(path):
        raise ValidationError(f"{path!r} is not a directory", reason="validation")
    return os.path.realpath(path)


def _private_socket_dir() -> str:
    """/tmp/stratadb-<uid>, created 0700; refused if someone else could have
    planted or could read it."""
    path = f"/tmp/stratadb-{os.getuid()}"
    try:
        os.mkdir(path, 0o700)
    except FileExistsError:
        pass
    except OSError as e:
        raise IoError(f"cannot create {path!r} for a local server's socket: {e.strerror}", reason="io") from None
    st = os.lstat(path)
    if not stat.S_ISDIR(st.st_mode) or st.st_uid != os.getuid() or st.st_mode & 0o077:
        raise AccessDeniedError(
            f"{path!r} must be a directory owned by this user with mode 0700 to hold a local server's socket",
            reason="access_denied",
        )
    return path


# Characters gRPC reads as part of a URI in a "unix:" target (query,
# fragment, percent escape): a socket path holding one is not dialled as is.
_URI_SPECIAL = frozenset("?#%")


def uri_safe(path: str) -> bool:
    """Whether `path` can follow "unix:" in a gRPC target unchanged."""
    return not any(c in _URI_SPECIAL for c in path)


def socket_path(directory: str) -> str:
    """Where the server for `directory` (a real path) listens; see the module
    docstring for the fallback when `<dir>/stratad.sock` is too long, which
    also serves a directory whose path holds a '?', '#' or '%'."""
    inside = os.path.join(directory, SOCKET_NAME)
    if len(os.fsencode(inside)) <= _SOCKET_PATH_MAX and uri_safe(inside):
        return inside
    digest = hashlib.sha256(os.fsencode(directory)).hexdigest()[:32]
    return os.path.join(_private_socket_dir(), digest + ".sock")


def _serving(path: str) -> bool:
    """Whether something accepts connections on the socket at `path`. A
    socket file left by a dead server refuses them."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
        s.settimeout(2.0)
        try:
            s.connect(path)
            return True
        except OSError:
            return False


class _OpenLock:
    """The flock on <dir>/stratad.open.lock around check-and-start, waited
    for up to `timeout` seconds."""

    def __init__(self, directory: str, timeout: float):
        self._path = os.path.join(directory, LOCK_NAME)
        self._directory = directory
        self._timeout = timeout
        self._fd = -1

    def __enter__(self):
        try:
            self._fd = os.open(self._path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        except OSError as e:
            raise _os_error(e, self._directory, "lock") from None
        deadline = time.monotonic() + self._timeout
        while True:
            try:
                fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return self
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    os.close(self._fd)
                    raise UnavailableError(
                        f"another process has been starting the server for {self._directory!r} for "
                        f"over {self._timeout:g} s (it holds {self._path})",
                        reason="unavailable",
                    ) from None
                time.sleep(_RETRY)

    def __exit__(self, *exc):
        os.close(self._fd)  # drops the flock


def _rotate_log(log_path: str) -> None:
    try:
        if os.path.getsize(log_path) > LOG_ROTATE_BYTES:
            os.replace(log_path, log_path + ".1")
    except OSError:
        pass


def _reap_in_background(proc) -> None:
    """The server outlives its use here: wait for it on a daemon thread so it
    does not linger as a zombie while this process runs."""
    threading.Thread(target=proc.wait, name=f"stratad-{proc.pid}-reaper", daemon=True).start()


class DirectoryInUseError(UnavailableError):
    """A stratad not started by this module holds the directory: final, so
    not worth another attempt."""


def _last_started_here(directory: str, sock: str) -> bool:
    """Whether `<dir>/stratad.address` says the last server started for
    `directory` served on `sock`: stratad leaves its ready file behind when
    it exits, so a server of ours that holds the directory is shutting down."""
    try:
        with open(os.path.join(directory, ADDRESS_NAME), encoding="utf-8") as f:
            return f.readline().strip() == "unix:" + sock
    except (OSError, ValueError):
        return False


def _directory_lock_free(directory: str) -> bool:
    """Whether no stratad holds `<dir>/stratad.lock`. Takes the flock for an
    instant: the caller holds the open lock, so no server of ours can be
    starting meanwhile."""
    try:
        fd = os.open(os.path.join(directory, "stratad.lock"), os.O_RDONLY | os.O_CLOEXEC)
    except OSError:
        return True  # no lock file: stratad makes it before it locks it
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return True
    except BlockingIOError:
        return False
    finally:
        os.close(fd)  # drops the flock, if taken


def _wait_for_directory(directory: str, deadline: float) -> bool:
    """Poll until no stratad holds `directory` (True) or `deadline` (False).
    Polling the lock instead of relaunching: each launch is a process and a
    log line."""
    while not _directory_lock_free(directory):
        if time.monotonic() >= deadline:
            return False
        time.sleep(_RETRY)
    return True


def _start_failed(directory: str, sock: str, e: "_child_server.ChildExited", log_path: str) -> UnavailableError:
    """The error for a server that exited instead of serving, naming its last line."""
    last = e.output.strip().splitlines()[-1:] or [f"exit code {e.code}"]
    message = f"cannot start a local stratad for {directory!r}: {last[0]}"
    if _IN_USE not in e.output:
        return UnavailableError(f"{message} (log: {log_path})", reason="unavailable")
    return DirectoryInUseError(
        f"{message}; another stratad serves it, not on {sock} (one you started yourself?): "
        f"open that server's address instead (Strata.open(\"host:port\")) or stop that server first "
        f"(log: {log_path})",
        reason="unavailable",
    )


def _start(directory: str, sock: str) -> None:
    """Start a server for `directory` on `sock`; the caller holds the open lock."""
    binary = find_stratad()
    args = [
        binary,
        "--data-dir", directory,
        "--listen", "unix:" + sock,
        "--idle-exit-ms", str(idle_exit_ms()),
        "--shutdown-grace-ms", str(SHUTDOWN_GRACE_MS),
    ]
    log_path = os.path.join(directory, LOG_NAME)
    _rotate_log(log_path)
    # Read before the launch, which removes the file.
    may_be_ours = _last_started_here(directory, sock)
    deadline = time.monotonic() + IN_USE_WAIT
    while True:
        if os.path.lexists(sock):
            os.unlink(sock)  # a dead server's (we hold the lock and nothing answers on it)
        try:
            proc, _ = _child_server.launch(args, ready_file=os.path.join(directory, ADDRESS_NAME), log_path=log_path)
        except _child_server.ChildExited as e:
            # Only a server of ours that is shutting down is worth waiting
            # for; once it has let go, one more launch.
            if _IN_USE in e.output and may_be_ours and _wait_for_directory(directory, deadline):
                may_be_ours = False  # a second refusal is someone else's server
                continue
            raise _start_failed(directory, sock, e, log_path) from None
        _reap_in_background(proc)
        return


def ensure_server(directory: str) -> str:
    """Make sure a server serves `directory` (a real path, see
    prepare_directory); return the "unix:..." address to open."""
    sock = socket_path(directory)
    try:
        with _OpenLock(directory, START_TIMEOUT):
            if not _serving(sock):
                _start(directory, sock)
    except StrataError:  # some are OSErrors too (UnavailableError is a ConnectionError)
        raise
    except OSError as e:
        # A file of the directory the server or this module needs (its log,
        # socket or ready file) that cannot be written or is not a file.
        raise _file_error(e, directory) from None
    return "unix:" + sock


def _file_error(e: OSError, directory: str):
    where = f"{e.filename}: " if e.filename else ""
    message = f"cannot start a local stratad for {directory!r}: {where}{e.strerror or e}"
    if isinstance(e, PermissionError):
        return AccessDeniedError(message, reason="access_denied")
    return IoError(message, reason="io")


def _follow(call, channel: grpc.Channel) -> None:
    """Read the lease's status updates; end the lease when the server stops
    serving (a shutting-down stratad sends NOT_SERVING) or is gone."""
    try:
        for status in call:
            if status != _SERVING:
                break
    except grpc.RpcError:  # released, or the server is gone
        pass
    channel.close()


class ServerLease:
    """A grpc.health.v1.Health/Watch stream held open on a connection of its
    own: while it is open the server counts a call in progress and does not
    idle-exit. It ends with release(), when `owner` (the handle) is garbage
    collected, when the server stops serving, or with the process.

    Its own connection, because closing that ends the stream on the server at
    once. (It was also chosen because a stopping server waited out its grace
    for any connection left open; stratad no longer does, see
    StrataServer::Shutdown.)

    Forking: a stream in progress in another thread makes gRPC skip its fork
    handlers, and a child's gRPC then hangs. So every lease of the process is
    ended just before os.fork() and taken again in the parent just after
    (the server idle-exits only after --idle-exit-ms without any, and this
    gap is milliseconds); the child's copies are dropped: a child opens its
    own handles."""

    def __init__(self, owner, grpc_target: str, metadata):
        self._grpc_target = grpc_target
        self._metadata = metadata
        self._lock = threading.Lock()
        self._released = False
        self._paused = False
        self._start()
        self._finalizer = weakref.finalize(owner, self._end)
        _LEASES.add(self)

    def _start(self) -> None:
        # Sharing no connection with the handle's channel, so that closing
        # it closes the connection.
        self._channel = grpc.insecure_channel(self._grpc_target, options=LOCAL_SUBCHANNELS)
        watch = self._channel.unary_stream(
            _HEALTH_WATCH,
            request_serializer=lambda _: b"",  # HealthCheckRequest{service: ""}: the whole server
            response_deserializer=lambda raw: raw,
        )
        self._call = watch(None, metadata=self._metadata)
        self._follower = threading.Thread(
            target=_follow, args=(self._call, self._channel), name="stratadb-lease", daemon=True
        )
        self._follower.start()

    def confirm(self, address: str) -> None:
        """Wait until the server has taken the stream; raise
        UnavailableError if it ended instead (the server was exiting)."""
        self._call.initial_metadata()
        if self._call.done():
            raise UnavailableError(
                f"stratad at {address} ended the handle's lease stream: {self._call.details()}",
                reason="unavailable",
            )

    def ended(self) -> bool:
        """Whether the stream is over (the server stopped or is gone)."""
        return self._call.done()

    def release(self) -> None:
        self._finalizer()

    def _end(self) -> None:
        with self._lock:
            self._released = True
            self._channel.close()

    def _pause_for_fork(self) -> None:
        with self._lock:
            if self._released or self._call.done():
                return
            self._paused = True
            self._call.cancel()  # the follower sees it, closes the channel and returns
        self._follower.join(_FORK_PAUSE_WAIT)

    def _resume_after_fork(self) -> None:
        with self._lock:
            if self._paused and not self._released:
                self._start()  # a server gone meanwhile ends it at once: ended() says so
            self._paused = False

    def _drop_in_child(self) -> None:
        # The parent's stream and channel are not the child's to close.
        self._released = True
        self._finalizer.detach()


# Every lease of this process, for the fork hooks below.
_LEASES: "weakref.WeakSet[ServerLease]" = weakref.WeakSet()
_FORK_PAUSE_WAIT = 2.0  # seconds for a lease's follower thread to return


def _pause_leases() -> None:
    for lease in list(_LEASES):
        lease._pause_for_fork()


def _resume_leases() -> None:
    for lease in list(_LEASES):
        lease._resume_after_fork()


def _drop_leases_in_child() -> None:
    for lease in list(_LEASES):
        lease._drop_in_child()
    _LEASES.clear()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(
        before=_pause_leases, after_in_parent=_resume_leases, after_in_child=_drop_leases_in_child
    )
