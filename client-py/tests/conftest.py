"""Fixtures: a real stratad (shared per session), a client connected to it,
a factory for private servers, and a unique key prefix per test.

Tests that need a server FAIL, rather than skip, when the binary is missing:
a silently skipped suite would hide a broken build."""

import re
import uuid

import pytest

from stratad_process import StratadProcess
from stratadb import Strata


def _start(proc: StratadProcess) -> StratadProcess:
    try:
        proc.start()
        return proc
    except (FileNotFoundError, RuntimeError) as e:
        proc.kill()
        problem = str(e)
    pytest.fail(problem, pytrace=False)  # outside the except: no chained traceback


@pytest.fixture(scope="session")
def stratad(tmp_path_factory):
    """The shared server for tests that do not restart it."""
    base = tmp_path_factory.mktemp("stratad")
    proc = _start(StratadProcess(base / "data", base))
    yield proc
    proc.stop()


@pytest.fixture
def stratad_factory(tmp_path):
    """Start private servers (e.g. to restart one); all stopped at teardown."""
    started = []

    def make(extra_args=()):
        n = len(started)
        proc = StratadProcess(tmp_path / f"data{n}", tmp_path / f"run{n}", extra_args)
        started.append(proc)
        return _start(proc)

    yield make
    for proc in started:
        proc.stop()


@pytest.fixture
def db(stratad):
    """A client on the shared server, closed after the test."""
    with Strata.open(stratad.address, timeout=30) as handle:
        yield handle


@pytest.fixture
def ns(request):
    """A key prefix no other test uses, so tests can share one server."""
    name = re.sub(r"[^A-Za-z0-9_]+", "_", request.node.name)[:40]
    return f"t/{name}/{uuid.uuid4().hex[:8]}/"


@pytest.fixture
def fresh_db(stratad_factory):
    """A client on a private, empty server: for tests that need an empty
    event log (sequences start at 0) or a known global state. Closed before
    the server stops, so the stop is immediate."""
    server = stratad_factory()
    with Strata.open(server.address, timeout=30) as handle:
        yield handle
