"""A stratad child process for benchmarks that must stop and restart it on
the same data (bench/kv/servers.py starts from an empty directory each time).

It is the test suite's StratadProcess (client-py/tests/stratad_process.py:
127.0.0.1:0 and --ready-file, SIGTERM then SIGKILL, bounded waits), so the
two cannot drift apart, plus what a benchmark reads from it.
"""

import os
import subprocess
import sys
from pathlib import Path

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(REPO, "client-py", "tests"))

from stratad_process import StratadProcess  # noqa: E402


class Stratad(StratadProcess):
    """One stratad serving `data_dir`, its logs and ready files in `work_dir`."""

    def __init__(self, binary: str, data_dir: str, work_dir: str, extra_args=()):
        super().__init__(data_dir, work_dir, extra_args)
        self.binary = Path(binary).resolve()

    @property
    def pid(self) -> int:
        return self.proc.pid

    def rss_bytes(self) -> int:
        """Resident set size now, from /proc/<pid>/status (VmRSS)."""
        return self.resident_bytes("VmRSS")["VmRSS"]

    def resident_bytes(self, *fields: str) -> dict:
        """The named kB fields of /proc/<pid>/status now, in bytes (VmRSS,
        RssAnon, RssFile, ...); RuntimeError when one is missing."""
        found = {}
        with open(f"/proc/{self.proc.pid}/status") as f:
            for line in f:
                name, _, value = line.partition(":")
                if name in fields:
                    found[name] = int(value.split()[0]) * 1024
        missing = [name for name in fields if name not in found]
        if missing:
            raise RuntimeError(f"no {', '.join(missing)} in /proc/<pid>/status")
        return found

    def metrics_address(self) -> str:
        """HOST:PORT of the Prometheus endpoint (started with --metrics-listen):
        the ready file's second line, "metrics=HOST:PORT"."""
        ready = self.work_dir / f"ready.{self._starts}"
        for line in ready.read_text().splitlines()[1:]:
            if line.startswith("metrics="):
                return line.split("=", 1)[1].strip()
        raise RuntimeError(f"stratad was not started with --metrics-listen ({ready})")

    def version(self) -> str:
        out = subprocess.run([str(self.binary), "--version"], capture_output=True, text=True, timeout=10)
        return (out.stdout or out.stderr).strip()
