"""The private `stratad --ephemeral` behind `Strata.cache()`.

Lifetime: the server lives exactly as long as its owner wants it and never
longer than the owning process.
  * `close()` on the handle, garbage collection of the handle
    (weakref.finalize) and interpreter exit (the same finalizer, run at exit)
    stop it: SIGTERM, SIGKILL after STOP_TIMEOUT, then its temp dir is removed.
  * If the owner dies without running any Python (SIGKILL, a crash), stratad
    notices by itself: it reads the far end of a pipe whose only writer is
    the owner (--watch-fd), and the kernel closes that writer when the owner
    dies, whatever the cause. stratad then shuts down cleanly, which removes
    its in-memory data directory and its socket.
  * What such a death leaves behind is the small temp dir holding the ready
    file and the log: its name carries the owner's pid, and the next
    `Strata.cache()` of the same user removes those whose owner is dead
    (sweep_stale below). It also removes the in-memory data dirs of any
    stratad --ephemeral that was itself SIGKILLed (sweep_orphaned_ephemeral).
"""

import fcntl
import os
import re
import shutil
import tempfile
import time
import weakref
from typing import Set

from . import _child_server, _directory_server
from ._stratad_binary import find_stratad
from .errors import UnavailableError

_DIR_PREFIX = "stratadb-cache-"
# stratad --ephemeral's own data dirs (storage/engine.cc), and how old an
# unlocked one must be before it counts as orphaned.
_EPHEMERAL_PREFIX = "stratad-ephemeral-"
_ORPHAN_MIN_AGE = 60.0  # seconds
_SOCKET_NAME = "stratad.sock"
_SOCKET_PATH_MAX = 107  # sun_path holds 108 bytes with the terminating NUL
# Calls in flight when the handle closes have been cancelled by then: a
# short grace is plenty and bounds close().
_SHUTDOWN_GRACE_MS = 1000

# Write ends of the watch pipes this process holds. A forked child must not
# keep its parent's servers alive (stratad waits for every writer to go), so
# the child closes its copies right after fork.
_WRITE_FDS: Set[int] = set()


def _close_inherited_write_fds() -> None:
    for fd in _WRITE_FDS:
        try:
            os.close(fd)
        except OSError:
            pass
    _WRITE_FDS.clear()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_close_inherited_write_fds)


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: alive
        return True
    return True


def _temp_parent() -> str:
    """Where cache temp dirs go: the usual temp dir, unless its path is so
    long that a socket in it would not fit in sun_path, or holds a character
    a gRPC target cannot carry."""
    base = tempfile.gettempdir()
    room = len(os.fsencode(os.path.join(base, _DIR_PREFIX + "4194304-xxxxxxxx", _SOCKET_NAME)))
    # A '?', '#' or '%' in it would be read by gRPC as part of a URI.
    return base if room <= _SOCKET_PATH_MAX and _directory_server.uri_safe(base) else "/tmp"


def sweep_stale(parent: str) -> None:
    """Remove cache temp dirs of this user whose owner process is dead (it
    was killed before it could clean up)."""
    pattern = re.compile(re.escape(_DIR_PREFIX) + r"(\d+)-")
    try:
        entries = list(os.scandir(parent))
    except OSError:
        return
    for entry in entries:
        match = pattern.match(entry.name)
        if not match:
            continue
        if _mine(entry) and not _pid_alive(int(match.group(1))):
            shutil.rmtree(entry.path, ignore_errors=True)


def _mine(entry) -> bool:
    try:
        return entry.is_dir(follow_symlinks=False) and entry.stat(follow_symlinks=False).st_uid == os.getuid()
    except OSError:
        return False


def _unlocked_for(path: str, seconds: float) -> bool:
    """True if `path` exists, is older than `seconds` and nobody holds an
    flock on it (we take it for a moment to find out). The age keeps us off a
    lock file a starting stratad has created but not locked yet."""
    try:
        fd = os.open(path, os.O_RDWR | os.O_CLOEXEC)
    except OSError:
        return False
    try:
        if time.time() - os.fstat(fd).st_mtime < seconds:
            return False
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return True
    except OSError:
        return False
    finally:
        os.close(fd)  # also drops the flock


def sweep_orphaned_ephemeral(parent: str) -> None:
    """Remove data dirs that a SIGKILLed `stratad --ephemeral` left in
    `parent` (stratad removes its own when it exits in any other way). They
    live on tmpfs, so each one holds memory until it is removed. A live
    stratad holds an flock on its dir's stratad.lock; an orphan's is free."""
    try:
        entries = list(os.scandir(parent))
    except OSError:
        return
    for entry in entries:
        if entry.name.startswith(_EPHEMERAL_PREFIX) and _mine(entry):
            if _unlocked_for(os.path.join(entry.path, "stratad.lock"), _ORPHAN_MIN_AGE):
                shutil.rmtree(entry.path, ignore_errors=True)


def _release(proc, write_fd: int, directory: str, owner_pid: int) -> None:
    """Stop the server and remove its temp dir (the finalizer: it must not
    refer to the CacheServer itself)."""
    if os.getpid() != owner_pid:
        return  # a forked child's copy: the server belongs to the parent
    if write_fd in _WRITE_FDS:
        _WRITE_FDS.discard(write_fd)
        os.close(write_fd)
    _child_server.stop(proc)
    shutil.rmtree(directory, ignore_errors=True)


class CacheServer:
    """One private in-memory stratad and its temp dir.

    `address` is the "unix:..." target to open; `pid` and `directory` are for
    diagnostics (and tests). Not thread-safe: owned by one Strata handle.
    """

    def __init__(self):
        binary = find_stratad()
        parent = _temp_parent()
        sweep_stale(parent)
        for base in {"/dev/shm", tempfile.gettempdir()}:
            sweep_orphaned_ephemeral(base)
        self.directory = tempfile.mkdtemp(prefix=f"{_DIR_PREFIX}{os.getpid()}-", dir=parent)
        read_fd, write_fd = os.pipe()  # both close-on-exec; pass_fds hands over the read end
        try:
            self._proc, self.address = _child_server.launch(
                [
                    binary,
                    "--ephemeral",
                    "--listen", "unix:" + os.path.join(self.directory, _SOCKET_NAME),
                    "--watch-fd", str(read_fd),
                    "--shutdown-grace-ms", str(_SHUTDOWN_GRACE_MS),
                ],
                ready_file=os.path.join(self.directory, "ready"),
                log_path=os.path.join(self.directory, "stratad.log"),
                pass_fds=(read_fd,),
            )
        except _child_server.ChildExited as e:
            os.close(write_fd)
            shutil.rmtree(self.directory, ignore_errors=True)
            raise UnavailableError(f"Strata.cache(): {e}", reason="unavailable") from None
        except BaseException:
            os.close(write_fd)
            shutil.rmtree(self.directory, ignore_errors=True)
            raise
        finally:
            os.close(read_fd)
        _WRITE_FDS.add(write_fd)
        self.pid = self._proc.pid
        self._finalizer = weakref.finalize(self, _release, self._proc, write_fd, self.directory, os.getpid())

    def release(self) -> None:
        """Stop the server and remove its temp dir. Idempotent."""
        self._finalizer()
