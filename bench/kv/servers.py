"""The servers the KV benchmark drives: stratad, etcd and Redis.

Each runs as a child process on 127.0.0.1 with a free port, in its own
directory under the run's temp root (so all of them write to the same disk),
and is stopped by `stop()` (SIGTERM, then SIGKILL after a grace period).
Start-up waits are bounded; a server that does not come up raises
`ServerError` with the tail of its log.
"""

import json
import os
import shutil
import signal
import socket
import subprocess
import time
import urllib.request

START_TIMEOUT = 30.0  # seconds a server may take to accept requests
STOP_GRACE = 10.0  # seconds between SIGTERM and SIGKILL
START_ATTEMPTS = 3  # free ports are picked before the server binds: retry a lost race


class ServerError(RuntimeError):
    pass


def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def tail(path, lines=20) -> str:
    try:
        with open(path, "rb") as f:
            return b"\n".join(f.read().splitlines()[-lines:]).decode("utf-8", "replace")
    except OSError:
        return "(no log)"


class Server:
    """One child server process. Subclasses fill in `_launch` and `_ready`."""

    name = "?"

    def __init__(self, root: str):
        self.dir = os.path.join(root, self.name)
        os.makedirs(self.dir, exist_ok=True)
        self.log_path = os.path.join(self.dir, "server.log")
        self.proc = None
        self.address = None  # "127.0.0.1:PORT" once started

    def start(self) -> str:
        last = None
        for _ in range(START_ATTEMPTS):
            self._clean()
            try:
                self._launch()
                deadline = time.monotonic() + START_TIMEOUT
                while time.monotonic() < deadline:
                    if self.proc.poll() is not None:
                        raise ServerError(f"{self.name} exited with {self.proc.returncode}")
                    if self._ready():
                        return self.address
                    time.sleep(0.05)
                raise ServerError(f"{self.name} not ready after {START_TIMEOUT:.0f}s")
            except ServerError as e:
                last = f"{e}\n--- {self.log_path} ---\n{tail(self.log_path)}"
                self.stop()
        raise ServerError(last)

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=STOP_GRACE)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=STOP_GRACE)

    def version(self) -> str:
        return ""

    def _spawn(self, argv, env=None) -> None:
        log = open(self.log_path, "ab")
        try:
            self.proc = subprocess.Popen(
                argv, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, env=env
            )
        finally:
            log.close()

    def _clean(self) -> None:
        """Start from an empty data directory (the log is kept)."""
        data = os.path.join(self.dir, "data")
        shutil.rmtree(data, ignore_errors=True)
        os.makedirs(data)
        self.data_dir = data

    def _launch(self) -> None:
        raise NotImplementedError

    def _ready(self) -> bool:
        raise NotImplementedError


class Stratad(Server):
    """stratad in `always` durability; its ready file names the bound address."""

    name = "stratad"

    def __init__(self, root, binary):
        super().__init__(root)
        self.binary = os.path.abspath(binary)

    def _launch(self):
        self.ready_file = os.path.join(self.dir, "ready")
        if os.path.exists(self.ready_file):
            os.unlink(self.ready_file)
        self._spawn([
            self.binary, "--listen", "127.0.0.1:0", "--data-dir", self.data_dir,
            "--ready-file", self.ready_file, "--durability", "always", "--log-level", "warn",
        ])

    def _ready(self):
        try:
            with open(self.ready_file) as f:
                text = f.read()
        except OSError:
            return False
        if not text.endswith("\n"):
            return False  # written but not finished
        self.address = text.strip()
        return True

    def version(self):
        out = subprocess.run([self.binary, "--version"], capture_output=True, text=True, timeout=10)
        return (out.stdout or out.stderr).strip()


class Etcd(Server):
    """A single-member etcd; it fsyncs its WAL on every commit by default."""

    name = "etcd"

    def _launch(self):
        port, peer = free_port(), free_port()
        client_url, peer_url = f"http://127.0.0.1:{port}", f"http://127.0.0.1:{peer}"
        self.address = f"127.0.0.1:{port}"
        self._client_url = client_url
        self._spawn([
            "etcd", "--name", "bench", "--data-dir", self.data_dir,
            "--listen-client-urls", client_url, "--advertise-client-urls", client_url,
            "--listen-peer-urls", peer_url, "--initial-advertise-peer-urls", peer_url,
            "--initial-cluster", f"bench={peer_url}", "--log-level", "warn",
        ])

    def _ready(self):
        try:
            with urllib.request.urlopen(self._client_url + "/health", timeout=1) as r:
                return json.loads(r.read()).get("health") == "true"
        except (OSError, ValueError):
            return False

    def version(self):
        out = subprocess.run(["etcd", "--version"], capture_output=True, text=True, timeout=10)
        return out.stdout.splitlines()[0].strip() if out.stdout else ""


class Redis(Server):
    """Redis with an append-only file fsynced before every reply (appendfsync always)."""

    name = "redis"

    def _launch(self):
        port = free_port()
        self.address = f"127.0.0.1:{port}"
        self._port = port
        self._spawn([
            "redis-server", "--port", str(port), "--bind", "127.0.0.1",
            "--appendonly", "yes", "--appendfsync", "always", "--save", "",
            "--dir", self.data_dir, "--daemonize", "no", "--loglevel", "warning",
        ])

    def _ready(self):
        try:
            with socket.create_connection(("127.0.0.1", self._port), timeout=1) as s:
                s.sendall(b"PING\r\n")
                return s.recv(64).startswith(b"+PONG")
        except OSError:
            return False

    def version(self):
        out = subprocess.run(["redis-server", "--version"], capture_output=True, text=True, timeout=10)
        return out.stdout.strip()


def dir_bytes(path: str) -> int:
    total = 0
    for dirpath, _, files in os.walk(path):
        for f in files:
            try:
                total += os.path.getsize(os.path.join(dirpath, f))
            except OSError:
                pass
    return total
