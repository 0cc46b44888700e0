"""Branches against a real stratad (spec/api.md §9, §15)."""

import time
import uuid

import pytest

from stratadb import ConstraintError, NotFoundError, Strata, ValidationError


@pytest.fixture
def bname():
    """A branch name no other test uses (the server is shared)."""
    prefix = f"b-{uuid.uuid4().hex[:8]}"
    return lambda suffix="": f"{prefix}{'-' + suffix if suffix else ''}"


def test_default_branch(db):
    assert "default" in db.branch_list()
    assert db.branch_exists("default")
    info = db.branch_get("default")
    assert info["name"] == "default" and info["parent"] is None
    assert isinstance(info["created_at"], int) and info["created_at"] > 0
    assert db.current_branch() == "default"


def test_create_is_empty_and_listed(db, ns, bname):
    db.kv_put(ns + "k", 1)
    name = bname()
    assert db.branch_create(name) is None
    assert db.branch_exists(name)
    assert name in db.branch_list()
    info = db.branch_get(name)
    assert info["name"] == name and info["parent"] is None and info["fork_version"] == 0
    assert abs(time.time_ns() // 1000 - info["created_at"]) < 60_000_000
    db.branch_use(name)
    assert db.current_branch() == name
    assert db.kv_get(ns + "k") is None
    assert db.kv_list(ns) == []


def test_fork_isolation_both_ways(db, ns, bname):
    db.kv_put(ns + "shared", "before")
    db.state_set(ns + "cell", 1)
    db.json_set(ns + "doc", "$", {"a": 1})
    child = bname("child")
    fork = db.branch_fork("default", child)
    assert fork["source"] == "default" and fork["destination"] == child
    assert isinstance(fork["version"], int) and fork["version"] > 0
    info = db.branch_get(child)
    assert info["parent"] == "default" and info["fork_version"] == fork["version"]

    db.branch_use(child)
    assert db.kv_get(ns + "shared") == "before"
    assert db.state_get(ns + "cell") == 1
    assert db.json_get(ns + "doc", "$.a") == 1
    db.kv_put(ns + "shared", "child")
    db.kv_put(ns + "child-only", True)
    db.branch_use("default")
    db.kv_put(ns + "parent-only", 1)
    assert db.kv_get(ns + "shared") == "before"
    assert db.kv_get(ns + "child-only") is None
    db.branch_use(child)
    assert db.kv_get(ns + "shared") == "child"
    assert db.kv_get(ns + "parent-only") is None
    assert db.kv_list(ns) == [ns + "child-only", ns + "shared"]


def test_events_continue_after_fork(fresh_db, bname):
    db = fresh_db
    for i in range(3):
        db.event_append("t", {"i": i})
    db.fork_branch(bname())
    db.set_branch(bname())
    assert db.event_append("t", {"i": "child"}) == 3
    verify = db.event_verify()
    assert verify["valid"] and verify["length"] == 4
    events = db.event_list(None)
    assert [e["sequence"] for e in events] == [0, 1, 2, 3]
    assert events[3]["prev_hash"] == events[2]["hash"]


def test_grandchild_and_deleted_parent(db, ns, bname):
    db.kv_put(ns + "root", "r")
    mid, leaf = bname("mid"), bname("leaf")
    db.branch_fork("default", mid)
    db.branch_use(mid)
    db.kv_put(ns + "mid", "m")
    db.fork_branch(leaf)
    db.kv_put(ns + "mid", "changed after the fork")
    db.branch_use("default")
    db.branch_delete(mid)
    assert not db.branch_exists(mid)
    assert db.branch_get(mid) is None
    db.branch_use(leaf)
    assert db.kv_get(ns + "root") == "r"
    assert db.kv_get(ns + "mid") == "m"
    assert db.branch_get(leaf)["parent"] == mid
    # The name is free again.
    db.branch_create(mid)
    assert db.branch_get(mid)["parent"] is None


def test_errors(db, bname):
    with pytest.raises(ConstraintError):
        db.branch_delete("default")
    with pytest.raises(NotFoundError):
        db.branch_delete(bname("missing"))
    with pytest.raises(NotFoundError):
        db.branch_use(bname("missing"))
    assert db.current_branch() == "default"
    with pytest.raises(NotFoundError):
        db.branch_fork(bname("missing"), bname("x"))
    name = bname()
    db.branch_create(name)
    with pytest.raises(ConstraintError):
        db.branch_create(name)
    with pytest.raises(ConstraintError):
        db.branch_fork("default", name)
    for bad in ("", "/x", "x/", "a" * 256, "nul\x00", 3, None):
        with pytest.raises(ValidationError):
            db.branch_create(bad)
    assert db.branch_exists(bname("missing")) is False
    assert db.branch_get(bname("missing")) is None


def test_aliases(db, ns, bname):
    name = bname()
    db.create_branch(name)
    assert name in db.list_branches()
    db.set_branch(name)
    assert db.current_branch() == name
    db.kv_put(ns + "k", 1)
    forked = db.fork_branch(bname("fork"))
    assert forked["source"] == name
    db.set_branch(bname("fork"))
    assert db.kv_get(ns + "k") == 1
    db.set_branch("default")
    db.delete_branch(name)
    assert not db.branch_exists(name)
    assert db.branch_exists(bname("fork"))


def test_each_handle_has_its_own_branch(stratad, ns, bname):
    with Strata.open(stratad.address) as a, Strata.open(stratad.address) as b:
        name = bname()
        a.branch_create(name)
        a.branch_use(name)
        a.kv_put(ns + "k", "on branch")
        assert b.current_branch() == "default"
        assert b.kv_get(ns + "k") is None
        b.branch_use(name)
        assert b.kv_get(ns + "k") == "on branch"


def test_branches_survive_restart(stratad_factory, ns, bname):
    server = stratad_factory()
    name = bname()
    with Strata.open(server.address) as db:
        db.kv_put(ns + "k", 1)
        db.branch_fork("default", name)
    server.stop()
    server.start()
    with Strata.open(server.address) as db:
        assert name in db.branch_list()
        db.branch_use(name)
        assert db.kv_get(ns + "k") == 1
