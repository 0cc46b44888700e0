"""Runs a real stratad for the tests: start on 127.0.0.1:0, wait for its
--ready-file, stop with SIGTERM. Every wait is bounded."""

import os
import signal
import subprocess
import time
from pathlib import Path

REPO_DIR = Path(__file__).resolve().parents[2]
DEFAULT_BIN = REPO_DIR / "build" / "stratad"
READY_TIMEOUT = 20.0  # seconds for the server to write its ready file
STOP_TIMEOUT = 20.0  # seconds for a clean exit after SIGTERM, then SIGKILL


def stratad_bin() -> Path:
    """The server binary: $STRATAD_BIN, else <repo>/build/stratad."""
    return Path(os.environ.get("STRATAD_BIN") or DEFAULT_BIN)


class StratadProcess:
    """One stratad child serving `data_dir`; restartable on the same data.

    `address` is the "127.0.0.1:PORT" read from the ready file.
    """

    def __init__(self, data_dir: Path, work_dir: Path, extra_args=()):
        self.binary = stratad_bin()
        self.data_dir = Path(data_dir)
        self.work_dir = Path(work_dir)
        self.extra_args = list(extra_args)
        self.proc = None
        self.address = None
        self._starts = 0

    @property
    def log_path(self) -> Path:
        return self.work_dir / f"stratad.{self._starts}.log"

    def log_tail(self, limit: int = 4000) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-limit:]
        except OSError:
            return ""

    def start(self) -> str:
        """Start the server and return its address; raises RuntimeError with
        the server's output if it does not become ready in time."""
        if not self.binary.is_file():
            raise FileNotFoundError(
                f"stratad binary not found at {self.binary}: build it first "
                f"(make, or cmake --build build) or set STRATAD_BIN"
            )
        self._starts += 1
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.work_dir.mkdir(parents=True, exist_ok=True)
        ready_file = self.work_dir / f"ready.{self._starts}"
        # A work dir used again by another run holds the last run's ready
        # files: one left here would be read as this start's address.
        ready_file.unlink(missing_ok=True)
        args = [
            str(self.binary),
            "--listen", "127.0.0.1:0",
            "--data-dir", str(self.data_dir),
            "--ready-file", str(ready_file),
            "--log-level", "warn",
            *self.extra_args,
        ]
        with open(self.log_path, "wb") as log:
            self.proc = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + READY_TIMEOUT
        while time.monotonic() < deadline:
            # The file is renamed into place whole; the address is its first
            # line (a "metrics=HOST:PORT" line may follow).
            text = ready_file.read_text() if ready_file.exists() else ""
            if text.endswith("\n") and text.strip():
                self.address = text.splitlines()[0].strip()
                return self.address
            if self.proc.poll() is not None:
                raise RuntimeError(
                    f"stratad exited with {self.proc.returncode} before it was ready; "
                    f"args {args}; output:\n{self.log_tail()}"
                )
            time.sleep(0.02)
        self.kill()
        raise RuntimeError(f"stratad was not ready within {READY_TIMEOUT} s; args {args}; output:\n{self.log_tail()}")

    def stop(self) -> int:
        """SIGTERM and wait; SIGKILL if it will not exit. Returns the exit code."""
        if self.proc is None:
            return 0
        proc, self.proc = self.proc, None
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(STOP_TIMEOUT)
        return proc.returncode

    def kill(self) -> None:
        """SIGKILL without a clean shutdown (crash simulation / last resort)."""
        if self.proc is not None:
            if self.proc.poll() is None:
                self.proc.kill()
            self.proc.wait(STOP_TIMEOUT)
            self.proc = None

    def restart(self) -> str:
        """Stop cleanly and start again on the same data directory."""
        code = self.stop()
        if code != 0:
            raise RuntimeError(f"stratad exited with {code} on SIGTERM; output:\n{self.log_tail()}")
        return self.start()
