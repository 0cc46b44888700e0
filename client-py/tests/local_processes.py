"""Helpers for tests of local servers (Strata.cache(), directory targets):
finding the stratad processes that serve a directory, waiting for processes
to die, and running Python scripts in a child interpreter. Every wait is
bounded."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

WAIT = 20.0  # seconds any expected change may take


def alive(pid: int) -> bool:
    """Running (a zombie waiting to be reaped counts as dead). Every thread
    is looked at: a killed process's main thread turns zombie while others
    still exit, holding its files (and sockets) open."""
    try:
        tasks = list(Path(f"/proc/{pid}/task").iterdir())
    except OSError:
        return False
    for task in tasks:
        try:
            state = (task / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if state not in ("Z", "X"):
            return True
    return False


def wait_until(predicate, what: str, timeout: float = WAIT) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout:g} s: {what}")
        time.sleep(0.02)


def servers_for(directory) -> list:
    """Pids of live stratad processes whose --data-dir is `directory`."""
    want = os.path.realpath(directory)
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            args = (entry / "cmdline").read_bytes().decode(errors="replace").split("\0")
        except OSError:
            continue
        if "--data-dir" in args and args.index("--data-dir") + 1 < len(args):
            if os.path.realpath(args[args.index("--data-dir") + 1]) == want and alive(int(entry.name)):
                pids.append(int(entry.name))
    return pids


def kill_and_wait(pid: int) -> None:
    """SIGTERM, then SIGKILL if it is still there after WAIT."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.kill(pid, sig)
        except ProcessLookupError:
            return
        try:
            wait_until(lambda: not alive(pid), f"pid {pid} exits after signal {sig}")
            return
        except AssertionError:
            continue


def python(script: str, **popen_args) -> subprocess.Popen:
    """Run `script` in a child interpreter (same venv and environment)."""
    return subprocess.Popen([sys.executable, "-c", script], text=True, **popen_args)
