"""Spaces against a real stratad (spec/api.md §10, §15)."""

import uuid

import pytest

from stratadb import ConstraintError, NotFoundError, ValidationError


@pytest.fixture
def sname():
    """A space name no other test uses (the server is shared)."""
    prefix = f"s{uuid.uuid4().hex[:8]}"
    return lambda suffix="": f"{prefix}{'-' + suffix if suffix else ''}"


def test_default_space(db):
    assert "default" in db.space_list()
    assert db.space_exists("default")
    assert db.current_space() == "default"


def test_create_idempotent_and_listed(db, sname):
    name = sname()
    assert db.space_create(name) is None
    db.space_create(name)
    assert db.space_exists(name)
    assert name in db.space_list()
    assert db.space_list() == sorted(db.space_list())


def test_use_and_first_write(db, ns, sname):
    name = sname()
    db.space_use(name)
    assert db.current_space() == name
    assert not db.space_exists(name)  # not until its first write
    db.kv_put(ns + "k", "in space")
    assert db.space_exists(name)
    db.space_use("default")
    assert db.kv_get(ns + "k") is None
    db.set_space(name)
    assert db.kv_get(ns + "k") == "in space"


def test_name_rules(db):
    for bad in ("", "Upper", "1x", "_system_", "has space", "a" * 65, "-x", 5):
        with pytest.raises(ValidationError):
            db.space_use(bad)
        with pytest.raises(ValidationError):
            db.space_create(bad)
    db.space_use("a" * 64)
    db.space_use("default")


def test_delete_rules(db, ns, sname):
    with pytest.raises(ConstraintError):
        db.space_delete("default")
    with pytest.raises(ConstraintError):
        db.delete_space_force("default")
    with pytest.raises(NotFoundError):
        db.space_delete(sname("missing"))
    name = sname()
    db.space_use(name)
    db.kv_put(ns + "k", 1)
    db.state_set(ns + "c", 2)
    db.event_append("t", {"x": 1})
    db.space_use("default")
    with pytest.raises(ConstraintError):
        db.space_delete(name)
    with pytest.raises(ConstraintError):
        db.delete_space(name)
    assert db.space_exists(name)
    db.space_delete(name, force=True)
    assert not db.space_exists(name)
    assert name not in db.list_spaces()
    db.space_use(name)
    assert db.kv_get(ns + "k") is None
    assert db.state_get(ns + "c") is None
    assert db.event_len() == 0


def test_empty_space_deletes_without_force(db, sname):
    name = sname()
    db.space_create(name)
    db.space_delete(name)
    assert not db.space_exists(name)


def test_spaces_are_per_branch(db, ns, sname):
    name = sname()
    branch = f"b-{uuid.uuid4().hex[:8]}"
    db.space_use(name)
    db.kv_put(ns + "k", "parent")
    db.branch_fork("default", branch)
    db.branch_use(branch)
    assert db.space_exists(name)
    assert db.kv_get(ns + "k") == "parent"
    db.delete_space_force(name)
    assert not db.space_exists(name)
    assert db.kv_get(ns + "k") is None
    db.branch_use("default")
    assert db.space_exists(name)
    assert db.kv_get(ns + "k") == "parent"
