"""stratad's serving modes as a user runs them: a Unix socket, a config file,
JSON log lines."""

import json
import subprocess
import time

from stratadb import Strata
from stratad_process import READY_TIMEOUT, StratadProcess, stratad_bin


def _wait_for(path, proc):
    deadline = time.monotonic() + READY_TIMEOUT
    while time.monotonic() < deadline:
        text = path.read_text() if path.exists() else ""
        if text.endswith("\n"):
            return text.strip()
        assert proc.poll() is None, "stratad exited before it was ready"
        time.sleep(0.02)
    raise AssertionError("stratad was not ready in time")


def test_serves_a_unix_socket_and_reports_it(tmp_path):
    sock = tmp_path / "s.sock"
    ready = tmp_path / "ready"
    proc = subprocess.Popen(
        [str(stratad_bin()), "--listen", f"unix:{sock}", "--data-dir", str(tmp_path / "db"),
         "--ready-file", str(ready), "--log-level", "warn"],
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        address = _wait_for(ready, proc)
        assert address == f"unix:{sock}"
        with Strata.open(address) as db:
            version = db.kv_put("k", "over a socket")
            got = db.kv_get_versioned("k")
            assert (got["value"], got["version"]) == ("over a socket", version)
    finally:
        proc.terminate()
        assert proc.wait(20) == 0


def test_config_file_sets_flags(tmp_path):
    config = tmp_path / "stratad.toml"
    config.write_text('durability = "relaxed"\nsync-interval-ms = 50\n')
    server = StratadProcess(tmp_path / "db", tmp_path / "work", extra_args=["--config", str(config)])
    server.start()
    try:
        with Strata.open(server.address) as db:
            assert db.info()["durability"] == "relaxed"
            db.kv_put("k", 1)
            db.flush()
            assert db.kv_get("k") == 1
    finally:
        assert server.stop() == 0


def test_json_log_lines_are_json(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    result = subprocess.run(
        [str(stratad_bin()), "--listen", "127.0.0.1:0", "--data-dir", str(blocker / "db"),
         "--log-format", "json"],
        stdin=subprocess.DEVNULL, capture_output=True, timeout=30)
    assert result.returncode != 0
    lines = [line for line in result.stderr.decode().splitlines() if line.startswith("{")]
    assert lines, result.stderr
    record = json.loads(lines[-1])
    assert record["level"] == "error"
    assert str(blocker / "db") in record["msg"]
