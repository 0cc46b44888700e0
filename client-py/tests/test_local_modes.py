"""Local modes (spec/api.md §1, docs/local-modes.md): Strata.cache(), a
private in-memory server, and Strata.open(<directory>), a local server shared
by every process that opens the directory. All through a real stratad."""

import gc
import os
import signal
import socket
import subprocess
import textwrap
import threading
import time
from pathlib import Path

import pytest

from local_processes import WAIT, alive, kill_and_wait, python, servers_for, wait_until
from stratad_process import stratad_bin, StratadProcess
import stratadb
from stratadb import Strata, UnavailableError, ValidationError
from stratadb import _directory_server

# Short, so idle-exit tests are quick; long enough that a handle's lease is
# what keeps a server up while a test works with it.
IDLE_MS = 700


@pytest.fixture(autouse=True)
def local_env(monkeypatch):
    binary = stratad_bin()
    if not binary.is_file():
        pytest.fail(f"stratad binary not found at {binary}: build it or set STRATAD_BIN", pytrace=False)
    monkeypatch.setenv("STRATAD_BIN", str(binary))
    monkeypatch.setenv("STRATA_IDLE_EXIT_MS", str(IDLE_MS))


@pytest.fixture
def data_dir(tmp_path):
    """A directory for Strata.open(dir); any server left for it is stopped."""
    directory = tmp_path / "db"
    yield directory
    for pid in servers_for(directory):
        kill_and_wait(pid)


def _print_cache_and_wait():
    return textwrap.dedent("""
        import sys, time
        from stratadb import Strata
        db = Strata.cache()
        db.kv_put("k", "v")
        print(db._private_server.pid, db._private_server.directory, flush=True)
        sys.stdin.readline()  # until the test says so (or kills us)
    """)


# -- Strata.cache() ---------------------------------------------------------

def test_cache_serves_and_close_stops_the_server_and_removes_its_dir():
    db = Strata.cache()
    server = db._private_server
    assert db.kv_put("k", {"a": 1}) > 0 and db.kv_get("k") == {"a": 1}
    assert db.info()["durability"] == "ephemeral"
    assert alive(server.pid) and os.path.isdir(server.directory)
    db.close()
    assert not alive(server.pid), "close() returns once the server has exited"
    assert not os.path.exists(server.directory)
    db.close()  # idempotent


def test_each_cache_is_private_and_starts_empty():
    with Strata.cache() as a, Strata.cache() as b:
        a.kv_put("only-in-a", 1)
        assert b.kv_get("only-in-a") is None and b.kv_list() == []
        assert a._private_server.pid != b._private_server.pid


def test_cache_is_stopped_when_the_handle_is_garbage_collected():
    db = Strata.cache()
    pid, directory = db._private_server.pid, db._private_server.directory
    db.kv_put("k", 1)
    del db
    gc.collect()
    wait_until(lambda: not alive(pid), "the server of a collected handle exits")
    wait_until(lambda: not os.path.exists(directory), "its temp dir is removed")


def test_cache_is_stopped_at_interpreter_exit():
    child = python(_print_cache_and_wait(), stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    try:
        pid, directory = child.stdout.readline().split()
        assert alive(int(pid)) and os.path.isdir(directory)
        child.stdin.close()  # the script returns without closing its handle
        assert child.wait(WAIT) == 0
    finally:
        child.kill()
        child.wait(WAIT)
    assert not alive(int(pid)), "the exit handler waited for the server"
    assert not os.path.exists(directory)


def test_killed_owner_leaves_no_server_and_the_next_cache_sweeps_its_dir():
    child = python(_print_cache_and_wait(), stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    try:
        pid, directory = child.stdout.readline().split()
        pid = int(pid)
        assert alive(pid)
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait(WAIT)
    try:
        wait_until(lambda: not alive(pid), "stratad notices its owner died and exits")
    finally:
        kill_and_wait(pid)
    with Strata.cache() as db:  # sweeps temp dirs whose owner is dead
        assert db.ping()
    assert not os.path.exists(directory)


def test_cache_server_belongs_to_its_creator_not_to_forks():
    # A forked child that exits normally (running exit handlers) must not
    # stop its parent's server, and one still running must not keep the
    # server alive once the parent is gone.
    script = textwrap.dedent("""
        import os, signal, sys
        from stratadb import Strata
        db = Strata.cache()
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGUSR1})
        children = []
        for _ in range(2):
            pid = os.fork()
            if pid == 0:
                signal.sigwait({signal.SIGUSR1})
                sys.exit(0)  # a normal exit: atexit handlers run
            children.append(pid)
        print(db._private_server.pid, db._target.address, *children, flush=True)
        sys.stdin.readline()
    """)
    parent = python(script, stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    children = []
    try:
        server_pid, address, *children = parent.stdout.readline().split()
        server_pid, children = int(server_pid), [int(c) for c in children]
        os.kill(children[0], signal.SIGUSR1)
        wait_until(lambda: not alive(children[0]), "the first fork exits")
        with Strata.open(address) as db:
            assert db.ping(), "the parent's server outlives a fork's normal exit"
        parent.send_signal(signal.SIGKILL)
        parent.wait(WAIT)
        wait_until(lambda: not alive(server_pid), "the server exits with its creator despite a live fork")
        assert alive(children[1])
    finally:
        parent.kill()
        parent.wait(WAIT)
        for pid in children:
            kill_and_wait(pid)


# -- the binary ---------------------------------------------------------------

def test_missing_binary_says_how_to_get_one(monkeypatch, tmp_path):
    monkeypatch.setenv("STRATAD_BIN", str(tmp_path / "no-such-stratad"))
    with pytest.raises(UnavailableError, match=r"STRATAD_BIN.*no-such-stratad.*make install"):
        Strata.cache()
    monkeypatch.delenv("STRATAD_BIN")
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(UnavailableError, match=r"not on PATH.*make install.*STRATAD_BIN"):
        Strata.open(tmp_path / "db")
    assert not servers_for(tmp_path / "db")


def test_stratad_binary_found_on_path(monkeypatch, tmp_path):
    (tmp_path / "bin").mkdir()
    (tmp_path / "bin" / "stratad").symlink_to(stratad_bin())
    monkeypatch.delenv("STRATAD_BIN")
    monkeypatch.setenv("PATH", f"{tmp_path / 'bin'}{os.pathsep}{os.environ['PATH']}")
    with Strata.cache() as db:
        assert db.ping()


# -- Strata.open(<directory>) -------------------------------------------------

def _open_write_and_wait(directory, key):
    return textwrap.dedent(f"""
        import sys
        from stratadb import Strata
        db = Strata.open({str(directory)!r})
        db.kv_put({key!r}, "written by a child")
        print("ready", flush=True)
        sys.stdin.readline()
        print(db.kv_get("from-parent"), flush=True)
        db.close()
    """)


def test_two_processes_share_one_server_and_its_data(data_dir):
    with Strata.open(str(data_dir)) as db:
        child = python(_open_write_and_wait(data_dir, "from-child"), stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        try:
            assert child.stdout.readline().strip() == "ready"
            assert db.kv_get("from-child") == "written by a child"
            db.kv_put("from-parent", "written by the test")
            child.stdin.write("go\n")
            child.stdin.flush()
            assert child.stdout.readline().strip() == "written by the test"
            assert child.wait(WAIT) == 0
        finally:
            child.kill()
            child.wait(WAIT)
        assert len(servers_for(data_dir)) == 1
        assert (data_dir / "stratad.sock").is_socket()
        assert (data_dir / "stratad.address").read_text() == f"unix:{data_dir / 'stratad.sock'}\n"


def test_concurrent_opens_end_with_one_server(data_dir):
    children = [
        python(_open_write_and_wait(data_dir, f"child-{i}"), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
               stderr=subprocess.PIPE)
        for i in range(4)
    ]
    try:
        for child in children:
            line = child.stdout.readline().strip()
            assert line == "ready", child.stderr.read() if child.poll() is not None else line
        assert len(servers_for(data_dir)) == 1
        with Strata.open(data_dir) as db:
            assert db.kv_list(prefix="child-") == [f"child-{i}" for i in range(4)]
        for child in children:
            child.stdin.write("go\n")
            child.stdin.flush()
            assert child.wait(WAIT) == 0
    finally:
        for child in children:
            child.kill()
            child.wait(WAIT)


def test_data_persists_across_close_and_reopen(data_dir):
    with Strata.open(data_dir) as db:
        version = db.kv_put("k", [1, "two"])
        first = servers_for(data_dir)
    with Strata.open(data_dir) as db:  # the same server, still lingering
        assert db.kv_get_versioned("k")["version"] == version
        assert servers_for(data_dir) == first
    wait_until(lambda: not servers_for(data_dir), "the server exits once idle")
    with Strata.open(data_dir) as db:  # a new server on the same files
        assert db.kv_get("k") == [1, "two"]
        assert servers_for(data_dir) != first


def test_stale_socket_file_is_replaced(data_dir):
    data_dir.mkdir()
    stale = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    stale.bind(str(data_dir / "stratad.sock"))  # bound, never listening: refuses like a dead server's
    stale.close()
    with Strata.open(data_dir) as db:
        db.kv_put("k", 1)
        pid = servers_for(data_dir)[0]
    os.kill(pid, signal.SIGKILL)  # leaves its socket file behind
    wait_until(lambda: not alive(pid), "the killed server is gone")
    assert (data_dir / "stratad.sock").exists()
    with Strata.open(data_dir) as db:
        assert db.kv_get("k") == 1


def test_server_stays_while_a_handle_is_open_then_exits_when_idle(data_dir):
    db = Strata.open(data_dir)
    try:
        pid = servers_for(data_dir)[0]
        # Three idle periods without a call: the handle's lease keeps it up.
        end = time.monotonic() + 3 * IDLE_MS / 1000
        while time.monotonic() < end:
            assert alive(pid)
            time.sleep(0.05)
        assert db.kv_put("still", "here") > 0
    finally:
        db.close()
    wait_until(lambda: not alive(pid), "the server exits once no handle is open")
    assert f"--idle-exit-ms {IDLE_MS}" in (data_dir / "stratad.log").read_text()


def test_sigterm_stops_a_server_with_handles_open_at_once(data_dir):
    # Handles let go of their lease when the server says it stops serving,
    # so it need not wait out its shutdown grace (10 s) for them.
    with Strata.open(data_dir) as db:
        db.kv_put("k", "kept")
        pid = servers_for(data_dir)[0]
        started = time.monotonic()
        os.kill(pid, signal.SIGTERM)
        wait_until(lambda: not alive(pid), "the server exits on SIGTERM")
        assert time.monotonic() - started < 5
        # The handle's next call starts a server again, on the same data.
        assert db.kv_get("k") == "kept"
        assert servers_for(data_dir) not in ([], [pid])


def test_a_killed_server_is_started_again_by_the_next_call(data_dir):
    """A directory handle outlives its server: a call that finds it gone
    (SIGKILL here) starts a new one, as opening does, and is made there;
    threads calling at once start one server; the new server is held by the
    handle's new lease until the handle closes."""
    db = Strata.open(data_dir)
    try:
        version = db.kv_put("k", [1, 2])
        db.vector_create_collection("v", 2)
        db.vector_upsert("v", "a", [1.0, 0.0])
        pid = servers_for(data_dir)[0]
        os.kill(pid, signal.SIGKILL)
        wait_until(lambda: not alive(pid), "the killed server is gone")

        answers, errors = [], []

        def read():
            try:
                answers.append(db.kv_get_versioned("k")["version"])
            except Exception as e:  # recorded: the assertion below shows it
                errors.append(e)

        threads = [threading.Thread(target=read) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(WAIT)
        assert errors == [] and answers == [version] * 4
        servers = servers_for(data_dir)
        assert len(servers) == 1 and servers != [pid]
        assert db.vector_search("v", [1.0, 0.0], 1)[0]["key"] == "a"  # the index, rebuilt or loaded
        assert db.kv_put("k", "after") > version
        # Held by the new lease across idle periods, then released by close().
        time.sleep(3 * IDLE_MS / 1000)
        assert servers_for(data_dir) == servers
    finally:
        db.close()
    wait_until(lambda: not alive(servers[0]), "the new server exits once the handle is closed")


def test_a_call_cut_off_by_the_servers_death_is_not_made_again(data_dir):
    """A call the server may have received is reported, not repeated (it
    might have taken effect); the call after it goes to a new server."""
    with Strata.open(data_dir) as db:
        db.kv_put("k", 0)
        pid = servers_for(data_dir)[0]
        os.kill(pid, signal.SIGSTOP)  # the call is sent, and waits
        failures = []

        def put():
            try:
                db.kv_put("k", 1)
            except Exception as e:  # recorded: the assertions below show it
                failures.append(e)

        caller = threading.Thread(target=put)
        caller.start()
        time.sleep(0.3)
        os.kill(pid, signal.SIGKILL)
        caller.join(WAIT)
        assert not caller.is_alive()
        assert len(failures) == 1 and isinstance(failures[0], UnavailableError), failures
        assert "may or may not have taken effect" in str(failures[0]), str(failures[0])
        assert db.kv_get("k") == 0  # the stopped server never read it; a new one answers
        assert servers_for(data_dir) not in ([], [pid])


def test_a_transaction_open_when_its_server_died_is_not_committed(data_dir):
    with Strata.open(data_dir) as db:
        db.kv_put("k", "before")
        db.begin()
        db.kv_put("k", "inside")
        pid = servers_for(data_dir)[0]
        os.kill(pid, signal.SIGKILL)
        wait_until(lambda: not alive(pid), "the killed server is gone")
        with pytest.raises(stratadb.NotFoundError, match="transaction .* not found"):
            db.commit()
        assert db.kv_get("k") == "before"


def test_a_cache_whose_server_died_is_not_started_again():
    """A cache's data was in its server's memory: a new, empty server in its
    place would answer wrongly, so the handle reports the loss."""
    db = Strata.cache()
    try:
        db.kv_put("k", 1)
        os.kill(db._private_server.pid, signal.SIGKILL)
        wait_until(lambda: not alive(db._private_server.pid), "the killed cache server is gone")
        with pytest.raises(UnavailableError):
            db.kv_get("k")
    finally:
        db.close()


def test_collected_handle_releases_the_server(data_dir):
    db = Strata.open(data_dir)
    pid = servers_for(data_dir)[0]
    del db
    gc.collect()
    wait_until(lambda: not alive(pid), "the server exits once its only handle is collected")


def test_server_exits_when_its_only_client_process_is_killed(data_dir):
    child = python(_open_write_and_wait(data_dir, "k"), stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    try:
        assert child.stdout.readline().strip() == "ready"
        pid = servers_for(data_dir)[0]
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait(WAIT)
    wait_until(lambda: not alive(pid), "the server exits once its killed client's lease is gone")


def test_a_child_forked_while_a_directory_handle_is_open_opens_its_own(data_dir):
    """The handle's lease stream used to make gRPC skip its fork handlers,
    and a child's calls then hung until their deadline. The lease is paused
    around fork now: a child (os.fork or multiprocessing's fork) opens its
    own handle on the directory, a call through the parent's copy says to,
    and the parent's handle and lease go on."""
    script = textwrap.dedent(f"""
        import multiprocessing, os, sys
        from stratadb import Strata, StateError
        directory = {str(data_dir)!r}
        db = Strata.open(directory)
        db.kv_put("parent", 1)

        def child_work(n):
            with Strata.open(directory, timeout=10) as mine:
                mine.kv_put(f"child{{n}}", mine.kv_get("parent") + n)
            return n

        pid = os.fork()
        if pid == 0:
            try:
                db.kv_get("parent")
                os._exit(3)
            except StateError as e:
                assert "open a handle in the child" in str(e), e
            child_work(1)
            os._exit(0)
        _, status = os.waitpid(pid, 0)
        print("child exit", os.waitstatus_to_exitcode(status), flush=True)
        with multiprocessing.get_context("fork").Pool(2) as pool:
            print("pool", sorted(pool.map(child_work, [2, 3])), flush=True)
        print("parent reads", db.kv_get("child1"), db.kv_get("child2"), db.kv_get("child3"), flush=True)
        sys.stdin.readline()
        db.close()
    """)
    parent = python(script, stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    try:
        lines = [parent.stdout.readline().strip() for _ in range(3)]
        assert lines == ["child exit 0", "pool [2, 3]", "parent reads 2 3 4"]
        server = servers_for(data_dir)
        assert len(server) == 1
        time.sleep(3 * IDLE_MS / 1000)  # the parent's lease, taken again after the forks, holds it
        assert servers_for(data_dir) == server
        parent.stdin.write("\n")
        parent.stdin.flush()
        assert parent.wait(WAIT) == 0
        wait_until(lambda: not alive(server[0]), "the server exits once the parent's handle is closed")
    finally:
        parent.kill()
        parent.wait(WAIT)


def test_too_long_socket_path_falls_back_to_a_private_tmp_dir(tmp_path):
    deep = tmp_path / ("d" * 60) / ("e" * 60)
    assert len(str(deep / "stratad.sock")) > 107
    socket_dir = f"/tmp/stratadb-{os.getuid()}"
    had_socket_dir = os.path.exists(socket_dir)
    try:
        with Strata.open(deep) as db:
            db.kv_put("k", "deep")
            address = (deep / "stratad.address").read_text().strip()
            assert address.startswith(f"unix:/tmp/stratadb-{os.getuid()}/") and len(address) <= 5 + 107
            assert os.stat(os.path.dirname(address[5:])).st_mode & 0o777 == 0o700
            # Another process derives the same address and shares the server.
            child = python(_open_write_and_wait(deep, "k2"), stdin=subprocess.PIPE, stdout=subprocess.PIPE)
            try:
                assert child.stdout.readline().strip() == "ready"
                child.stdin.write("go\n")
                child.stdin.flush()
                assert child.wait(WAIT) == 0
            finally:
                child.kill()
                child.wait(WAIT)
            assert db.kv_get("k2") == "written by a child"
            assert len(servers_for(deep)) == 1
    finally:
        for pid in servers_for(deep):
            kill_and_wait(pid)
        if not had_socket_dir:
            try:
                os.rmdir(socket_dir)  # only if empty: another user of it may have a socket there
            except OSError:
                pass


def test_path_objects_and_relative_paths_are_directories(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    try:
        with Strata.open(Path("newdb")) as db:  # relative, not there yet: created
            db.kv_put("k", 1)
        assert (tmp_path / "newdb" / "stratad.sock").exists()
        with Strata.open("./newdb") as db:
            assert db.kv_get("k") == 1
    finally:
        for pid in servers_for(tmp_path / "newdb"):
            kill_and_wait(pid)


def test_bad_directory_targets_are_named(tmp_path):
    afile = tmp_path / "afile"
    afile.write_text("not a directory")
    with pytest.raises(ValidationError, match="afile.*not a directory"):
        Strata.open(afile)
    with pytest.raises(ValidationError, match="tls does not apply to a directory"):
        Strata.open(tmp_path / "db", tls=True)
    assert not servers_for(tmp_path / "db")


def test_directory_served_by_another_stratad_is_reported(tmp_path, monkeypatch):
    monkeypatch.setattr(_directory_server, "IN_USE_WAIT", 0.5)
    server = StratadProcess(tmp_path / "db", tmp_path / "run")
    server.start()
    try:
        with pytest.raises(UnavailableError, match=r"another stratad serves it.*open that server's address"):
            Strata.open(tmp_path / "db")
    finally:
        assert server.stop() == 0


def test_directory_held_by_a_stratad_started_by_hand_fails_fast(tmp_path):
    # It took 36 s (3 attaches x 12 s of retries) and launched a stratad every
    # 20 ms, about 600 in all, before saying what a first launch already knew.
    server = StratadProcess(tmp_path / "db", tmp_path / "run")
    server.start()
    try:
        started = time.monotonic()
        with pytest.raises(UnavailableError) as raised:
            Strata.open(tmp_path / "db")
        assert time.monotonic() - started < 5
        message = str(raised.value)
        assert str(tmp_path / "db") in message and "in use by another stratad" in message
        assert "open that server's address instead" in message
        log = (tmp_path / "db" / _directory_server.LOG_NAME).read_text()
        assert log.count("in use by another stratad") == 1
    finally:
        assert server.stop() == 0


def test_open_waits_for_the_server_last_started_here_to_let_go(tmp_path):
    # A server this client started that is shutting down still holds the
    # directory for a moment: stratad.address still names the socket. Stand
    # in for one with a hand-started server that stops 0.5 s into the open.
    directory = tmp_path / "db"
    server = StratadProcess(directory, tmp_path / "run")
    server.start()
    sock = _directory_server.socket_path(os.path.realpath(directory))
    (directory / _directory_server.ADDRESS_NAME).write_text(f"unix:{sock}\n")
    stopper = threading.Timer(0.5, server.stop)
    stopper.start()
    try:
        with Strata.open(directory) as db:
            db.kv_put("k", 1)
        log = (directory / _directory_server.LOG_NAME).read_text()
        assert log.count("in use by another stratad") == 1  # then it waited, launching nothing
    finally:
        stopper.join()
        for pid in servers_for(directory):
            kill_and_wait(pid)


# -- the server flags behind the local modes ---------------------------------

def test_stratad_help_documents_the_lifetime_flags():
    out = subprocess.run([str(stratad_bin()), "--help"], capture_output=True, text=True, timeout=WAIT).stdout
    assert "--watch-fd" in out and "--idle-exit-ms" in out


def test_watch_fd_must_be_an_open_descriptor(tmp_path):
    result = subprocess.run(
        [str(stratad_bin()), "--ephemeral", "--listen", f"unix:{tmp_path}/s.sock", "--watch-fd", "987"],
        capture_output=True, text=True, timeout=WAIT)
    assert result.returncode == 2
    assert "--watch-fd 987 is not an open file descriptor" in result.stderr


def test_watch_fd_eof_stops_stratad_cleanly(tmp_path):
    read_fd, write_fd = os.pipe()
    ready = tmp_path / "ready"
    proc = subprocess.Popen(
        [str(stratad_bin()), "--ephemeral", "--listen", f"unix:{tmp_path}/s.sock", "--watch-fd", str(read_fd),
         "--ready-file", str(ready)],
        pass_fds=(read_fd,), stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    os.close(read_fd)
    try:
        wait_until(ready.exists, "stratad serves")
        os.write(write_fd, b"ignored")  # data is not a reason to stop
        time.sleep(0.3)
        assert proc.poll() is None
    finally:
        os.close(write_fd)
    try:
        assert proc.wait(WAIT) == 0
        assert "shutting down" in proc.stderr.read()
    finally:
        proc.kill()
        proc.wait(WAIT)


@pytest.mark.parametrize("name", ["what?", "c#notes", "100%41"])
def test_a_directory_whose_path_holds_uri_characters_opens(tmp_path, name):
    # The socket path went into gRPC's "unix:" target as is: '?' and '#' cut
    # it short (a server started and was left without a handle), and stratad
    # could not bind "%41". Such a directory's socket now goes to the private
    # socket directory, as a too long path's does.
    directory = tmp_path / name
    try:
        with Strata.open(str(directory)) as db:
            db.kv_put("k", name)
            assert db.kv_get("k") == name
        with Strata.open(str(directory)) as db:
            assert db.kv_get("k") == name  # the same server or its data
    finally:
        for pid in servers_for(directory):
            kill_and_wait(pid)


def test_a_cache_under_a_temp_dir_with_uri_characters_works(tmp_path, monkeypatch):
    odd = tmp_path / "tmp#x?y"
    odd.mkdir()
    monkeypatch.setenv("TMPDIR", str(odd))
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", None)  # gettempdir() reads TMPDIR again
    with Strata.cache() as db:
        db.kv_put("k", 1)
        assert db.kv_get("k") == 1


@pytest.mark.parametrize("blocker", ["stratad.log", "stratad.address"])
def test_a_directory_whose_files_cannot_be_written_is_a_strata_error(data_dir, blocker):
    # A raw IsADirectoryError (or PermissionError) escaped Strata.open.
    data_dir.mkdir(parents=True)
    (data_dir / blocker).mkdir()
    with pytest.raises(stratadb.StrataError, match=blocker):
        Strata.open(str(data_dir))
