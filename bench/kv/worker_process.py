"""run.py's handle on one worker.py subprocess: JSON lines in, JSON lines out,
every answer awaited with a timeout."""

import json
import os
import queue
import subprocess
import sys
import threading

HERE = os.path.dirname(os.path.abspath(__file__))
WORKER = os.path.join(HERE, "worker.py")


def worker_env(system):
    """Each worker's own protobuf: etcd3 0.12's generated code only loads with
    the pure-Python implementation; everyone else keeps the default (upb)."""
    env = dict(os.environ)
    env.pop("PROTOCOL_BUFFERS_PYTHON_IMPLEMENTATION", None)
    if system == "etcd":
        env["PROTOCOL_BUFFERS_PYTHON_IMPLEMENTATION"] = "python"
    return env


class WorkerError(RuntimeError):
    pass


class WorkerProcess:
    def __init__(self, system, log_path, address=None, path=None, server_pid=0, value_size=100,
                 max_seconds=120.0):
        argv = [sys.executable, WORKER, "serve", "--system", system, "--server-pid", str(server_pid),
                "--value-size", str(value_size), "--max-seconds", str(max_seconds)]
        argv += ["--address", address] if address else ["--path", path]
        self.system = system
        self.log_path = log_path
        self.timeout = max_seconds + 120  # a phase bounds itself at max_seconds
        self._log = open(log_path, "ab")
        self.proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=self._log, text=True, bufsize=1, env=worker_env(system))
        self._lines = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()
        self._answer(60)  # {"ready": ...}

    def _read(self):
        for line in self.proc.stdout:
            self._lines.put(line)
        self._lines.put(None)

    def _answer(self, timeout):
        try:
            line = self._lines.get(timeout=timeout)
        except queue.Empty:
            raise WorkerError(f"{self.system} worker: no answer in {timeout:.0f}s") from None
        if line is None:
            raise WorkerError(f"{self.system} worker exited ({self.proc.poll()}); see {self.log_path}")
        out = json.loads(line)
        if "fatal" in out:
            raise WorkerError(f"{self.system} worker: {out['fatal']}")
        return out

    def request(self, cmd, timeout=None):
        try:
            self.proc.stdin.write(json.dumps(cmd) + "\n")
            self.proc.stdin.flush()
        except (BrokenPipeError, OSError) as e:
            raise WorkerError(f"{self.system} worker is gone: {e}") from None
        return self._answer(timeout or self.timeout)

    def phase(self, op, clients, keys):
        return self.request({"cmd": "phase", "op": op, "clients": clients, "keys": keys})

    def close(self):
        """The worker's closing report; the process is ended in any case."""
        try:
            return self.request({"cmd": "close"}, timeout=60)
        finally:
            self.stop()

    def stop(self):
        if self.proc.poll() is None:
            try:
                self.proc.stdin.close()
            except OSError:
                pass
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        if not self._log.closed:
            self._log.close()


def etcd_protoset(path):
    argv = [sys.executable, WORKER, "protoset", "--out", path]
    out = subprocess.run(argv, capture_output=True, text=True, timeout=120, env=worker_env("etcd"))
    if out.returncode != 0:
        raise RuntimeError(f"etcd protoset failed: {out.stderr.strip()[-1000:]}")
    return path
