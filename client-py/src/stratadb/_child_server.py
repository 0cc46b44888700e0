"""Starting a stratad child process and stopping it, for `Strata.cache()`
(_cache_server.py) and directory targets (_directory_server.py).

The child reports that it serves by writing its address to a --ready-file,
so nothing here sleeps for a fixed time or probes a port. Every wait is
bounded.
"""

import os
import signal
import subprocess
import time
from typing import Sequence, Tuple

from .errors import UnavailableError

READY_TIMEOUT = 30.0  # seconds for a child to start serving
STOP_TIMEOUT = 10.0  # seconds for a clean exit after SIGTERM, then SIGKILL
_POLL = 0.01  # seconds between looks at the ready file

# Lifecycle lines are useful when a local server misbehaves; per-call lines
# (debug) would only fill the disk.
LOG_LEVEL = "info"


class ChildExited(Exception):
    """The child exited before it served; `output` is what it wrote."""

    def __init__(self, code: int, output: str):
        super().__init__(f"stratad exited with {code}: {output.strip()}")
        self.code = code
        self.output = output


def _read_from(path: str, offset: int) -> str:
    try:
        with open(path, "rb") as f:
            f.seek(offset)
            return f.read().decode("utf-8", "replace")
    except OSError:
        return ""


def _ready_address(ready_file: str) -> str:
    """The address in the ready file, or "" while it is not there. stratad
    renames the file into place whole; the address is its first line."""
    try:
        with open(ready_file, encoding="utf-8") as f:
            text = f.read()
    except FileNotFoundError:
        return ""
    return text.splitlines()[0].strip() if text.endswith("\n") else ""


def launch(
    args: Sequence[str],
    *,
    ready_file: str,
    log_path: str,
    pass_fds: Sequence[int] = (),
) -> Tuple[subprocess.Popen, str]:
    """Run `args` (a stratad command line without --ready-file) and wait
    until it serves. Returns the process and the address it serves on.

    The child gets a session of its own, so a Ctrl-C meant for the Python
    program does not reach it: its owner decides when it stops. Its output is
    appended to `log_path`.

    Raises:
        ChildExited: it exited first (a bad flag, a data directory in use, ...).
        UnavailableError: it did not serve within READY_TIMEOUT (it is killed).
    """
    try:
        os.unlink(ready_file)  # a previous run's file must not pass for this one's
    except FileNotFoundError:
        pass
    with open(log_path, "ab") as log:
        offset = log.tell()
        proc = subprocess.Popen(
            [*args, "--ready-file", ready_file, "--log-level", LOG_LEVEL],
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            pass_fds=tuple(pass_fds),
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + READY_TIMEOUT
        while time.monotonic() < deadline:
            address = _ready_address(ready_file)
            if address:
                return proc, address
            if proc.poll() is not None:
                raise ChildExited(proc.returncode, _read_from(log_path, offset))
            time.sleep(_POLL)
    except BaseException:  # e.g. KeyboardInterrupt while waiting: leave no child
        stop(proc)
        raise
    stop(proc)
    raise UnavailableError(
        f"stratad did not start serving within {READY_TIMEOUT:g} s; its output "
        f"({log_path}):\n{_read_from(log_path, offset)}",
        reason="unavailable",
    )


def stop(proc: subprocess.Popen, timeout: float = STOP_TIMEOUT) -> None:
    """SIGTERM and wait up to `timeout`; then SIGKILL and wait again."""
    if proc.poll() is None:
        try:
            proc.send_signal(signal.SIGTERM)
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout)
