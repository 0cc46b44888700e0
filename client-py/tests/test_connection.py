"""Opening, targets and closing (spec/api.md §1)."""

import os
import pathlib
import signal
import socket
import subprocess
import time

import pytest

from stratadb import StateError, Strata, UnavailableError, ValidationError
from stratadb.connection import parse_target


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_closed_port_is_unavailable_naming_the_address():
    port = _closed_port()
    started = time.monotonic()
    with pytest.raises(UnavailableError) as info:
        Strata.open(f"127.0.0.1:{port}", timeout=3)
    assert f"127.0.0.1:{port}" in str(info.value)
    assert isinstance(info.value, ConnectionError)
    assert info.value.code in ("UNAVAILABLE", "DEADLINE_EXCEEDED")
    assert time.monotonic() - started < 10


def test_missing_unix_socket_is_unavailable(tmp_path):
    target = f"unix:{tmp_path}/nothing.sock"
    with pytest.raises(UnavailableError, match="nothing.sock"):
        Strata.open(target, timeout=3)


@pytest.mark.parametrize(
    "target, want",
    [
        ("localhost:1234", "localhost:1234"),
        ("strata://localhost:1234", "localhost:1234"),
        ("strata://localhost:1234/", "localhost:1234"),
        ("strata://db.example", "db.example:50051"),
        ("db.example", "db.example:50051"),
        ("[::1]:99", "[::1]:99"),
        ("[::1]", "[::1]:50051"),
        ("::1", "[::1]:50051"),
        ("unix:/tmp/s.sock", "unix:/tmp/s.sock"),
        ("unix:///tmp/s.sock", "unix:///tmp/s.sock"),
    ],
)
def test_parse_target(target, want):
    assert parse_target(target).grpc_target == want


def test_default_target(monkeypatch):
    monkeypatch.delenv("STRATA_ADDRESS", raising=False)
    assert parse_target(None).grpc_target == "127.0.0.1:50051"
    monkeypatch.setenv("STRATA_ADDRESS", "strata://10.1.2.3:7000")
    assert parse_target(None).grpc_target == "10.1.2.3:7000"


@pytest.mark.parametrize(
    "target, want",
    [
        ("/path/to/data", "/path/to/data"),
        ("/path/to/data/", "/path/to/data"),
        ("~/data", os.path.expanduser("~/data")),
        (pathlib.Path("/x/y"), "/x/y"),
    ],
)
def test_directory_paths_are_directory_targets(target, want):
    # Opening them starts a local server: tests/test_local_modes.py.
    assert parse_target(target).directory == want


def test_relative_and_existing_directory_names_are_directory_paths(tmp_path, monkeypatch):
    (tmp_path / "mydata").mkdir()
    monkeypatch.chdir(tmp_path)
    assert parse_target("mydata").directory == str(tmp_path / "mydata")
    assert parse_target("./data").directory == str(tmp_path / "data")
    assert parse_target(".").directory == str(tmp_path)
    assert parse_target(pathlib.Path("not-yet")).directory == str(tmp_path / "not-yet")
    assert parse_target("not-a-dir").directory is None  # a host name


@pytest.mark.parametrize("target", ["", "  ", "http://x:1", 5, "unix:"])
def test_bad_targets(target):
    with pytest.raises(ValidationError):
        Strata.open(target)


# gRPC dialled "1234abc" as port 1234 and 50051 + 65536 as 50051: a typo
# reached whatever listened there.
@pytest.mark.parametrize(
    "target",
    ["127.0.0.1:115587", "127.0.0.1:50051abc", "127.0.0.1:-15485", "127.0.0.1:+50051", "127.0.0.1:0",
     "localhost:", "strata://h:70000", "[::1]:99999", "127.0.0.1:５"],
)
def test_ports_outside_1_to_65535_or_not_digits_are_refused(target):
    with pytest.raises(ValidationError, match="port"):
        parse_target(target)


@pytest.mark.parametrize("target, want", [("h:1", "h:1"), ("h:65535", "h:65535"), ("[::1]:443", "[::1]:443")])
def test_ports_at_the_ends_of_the_range_are_kept(target, want):
    assert parse_target(target).grpc_target == want


# 1e10 s overflowed grpc's deadline into one already gone: a working server
# answered "Deadline Exceeded" at once.
@pytest.mark.parametrize("timeout", [0, -1, "5", float("inf"), 1e10])
def test_bad_timeout(timeout):
    with pytest.raises(ValidationError, match="timeout"):
        Strata.open("127.0.0.1:1", timeout=timeout)


def test_bad_tls_and_token():
    with pytest.raises(ValidationError, match="tls"):
        Strata.open("127.0.0.1:1", tls=42)
    with pytest.raises(ValidationError, match="token"):
        Strata.open("127.0.0.1:1", token="a\nb")


def test_open_with_env_address(stratad, monkeypatch):
    monkeypatch.setenv("STRATA_ADDRESS", stratad.address)
    with Strata.open() as db:
        assert db.ping()


def test_strata_scheme(stratad):
    with Strata.open("strata://" + stratad.address) as db:
        assert db.ping()


def test_handle_defaults_and_close(stratad):
    db = Strata.open(stratad.address)
    assert db.current_branch() == "default" and db.current_space() == "default"
    assert stratad.address in repr(db)
    db.close()
    db.close()  # idempotent
    with pytest.raises(StateError, match="closed"):
        db.ping()
    with pytest.raises(StateError, match="closed"):
        db.kv_get("k")


def test_context_manager_closes(stratad):
    with Strata.open(stratad.address) as db:
        db.ping()
    with pytest.raises(StateError):
        db.ping()


def test_server_gone_is_unavailable(stratad_factory):
    server = stratad_factory()
    db = Strata.open(server.address, timeout=5)
    db.kv_put("k", 1)
    assert server.stop() == 0, "stratad should exit 0 on SIGTERM"
    with pytest.raises(UnavailableError, match=server.address):
        db.kv_get("k")
    db.close()


def test_an_open_idle_handle_does_not_hold_up_a_stopping_server(stratad_factory):
    # With gRPC 1.51, stratad waited out its whole shutdown grace (or 20 s,
    # whichever came first) for this client's idle connection; a stop takes
    # well under a second otherwise, hence the 3 s bound.
    server = stratad_factory(["--shutdown-grace-ms", "600000"])
    db = Strata.open(server.address, timeout=5)
    db.kv_put("k", 1)
    server.proc.send_signal(signal.SIGTERM)
    try:
        code = server.proc.wait(3)
    except subprocess.TimeoutExpired:
        pytest.fail("stratad did not exit within 3 s of SIGTERM while a handle was open and idle")
    assert code == 0
    with pytest.raises(UnavailableError, match=server.address):
        db.kv_get("k")
    db.close()


def test_a_server_that_stops_answering_fails_the_call_instead_of_hanging(stratad_factory):
    # SIGSTOP: the connection stays up but nothing answers, as with a host
    # gone from the network. Without keepalive pings the call waited forever
    # (no deadline is the default); now it fails once a ping goes unanswered.
    import threading

    from stratadb.connection import KEEPALIVE_MS, KEEPALIVE_TIMEOUT_MS

    server = stratad_factory()
    db = Strata.open(server.address)  # no timeout: calls have no deadline
    db.kv_put("k", 1)
    outcome = {}

    def call():
        try:
            outcome["value"] = db.kv_get("k")
        except Exception as e:  # recorded for the assertions below
            outcome["error"] = e

    server.proc.send_signal(signal.SIGSTOP)
    try:
        started = time.monotonic()
        worker = threading.Thread(target=call, daemon=True)
        worker.start()
        worker.join((KEEPALIVE_MS + KEEPALIVE_TIMEOUT_MS) / 1000 + 15)
        assert not worker.is_alive(), "the call still waits for a server that stopped answering"
        assert isinstance(outcome.get("error"), UnavailableError), outcome
        assert server.address in str(outcome["error"])
        assert time.monotonic() - started < (KEEPALIVE_MS + KEEPALIVE_TIMEOUT_MS) / 1000 + 15
    finally:
        server.proc.send_signal(signal.SIGCONT)
    # The server is fine once it runs again: a new call reconnects.
    assert db.kv_get("k") == 1
    # A long call that sends nothing meanwhile is not cut short by the pings:
    # the server accepts them (it refused pings more often than every 5 minutes).
    db.close()


def test_the_server_accepts_keepalive_pings_during_a_long_call(stratad):
    # A call that sends nothing for a while (here the health Watch stream)
    # while its client pings: gRPC's server default took more than one ping
    # per 5 minutes as abuse and ended the connection ("too_many_pings"),
    # which would have cut long calls short for the client's keepalive.
    import threading

    import grpc

    channel = grpc.insecure_channel(
        stratad.address,
        options=(
            ("grpc.keepalive_time_ms", 1000),
            ("grpc.keepalive_timeout_ms", 5000),
            ("grpc.http2.max_pings_without_data", 0),
            ("grpc.http2.min_time_between_pings_ms", 1000),
            ("grpc.use_local_subchannel_pool", 1),
        ),
    )
    watch = channel.unary_stream(
        "/grpc.health.v1.Health/Watch", request_serializer=lambda _: b"", response_deserializer=lambda raw: raw
    )
    call = watch(None)
    ended = {}

    def follow():
        try:
            for _ in call:
                pass
        except grpc.RpcError as e:
            ended["code"], ended["details"] = e.code(), e.details()

    reader = threading.Thread(target=follow, daemon=True)
    reader.start()
    reader.join(6)  # ~5 pings
    still_open = reader.is_alive()
    call.cancel()
    reader.join(5)
    channel.close()
    assert still_open, f"the server ended the stream over the client's pings: {ended}"
