"""Branch diff and merge against a real stratad (spec/api.md §9, §15)."""

import uuid

import pytest

from stratadb import ConflictError, NotFoundError, ValidationError


@pytest.fixture
def bname():
    """A branch name no other test uses (the server is shared)."""
    prefix = f"m-{uuid.uuid4().hex[:8]}"
    return lambda suffix="": f"{prefix}{'-' + suffix if suffix else ''}"


def _on(db, branch, fn):
    previous = db.current_branch()
    db.branch_use(branch)
    try:
        return fn()
    finally:
        db.branch_use(previous)


def _setup(db, ns, bname):
    """A base branch with k=1, forked into a feature branch."""
    base, feature = bname("base"), bname("feature")
    db.branch_create(base)
    _on(db, base, lambda: db.kv_put(ns + "k", 1))
    db.branch_fork(base, feature)
    return base, feature


def test_diff_shapes_and_every_primitive(db, ns, bname):
    base, feature = _setup(db, ns, bname)

    def changes():
        db.kv_put(ns + "k", 2)
        db.kv_put(ns + "new", {"a": [1, 2.5, b"x"]})
        db.state_set(ns + "cell", True)
        db.json_set(ns + "doc", "$", {"x": 1})
        db.event_append("evt", {"n": 1})

    _on(db, feature, changes)
    d = db.branch_diff(base, feature)
    assert d["branch_a"] == base and d["branch_b"] == feature
    assert d["unrelated"] is False
    assert d["summary"] == {"added": 4, "removed": 0, "modified": 1}
    by = {(e["primitive"], e["key"]): e for e in d["entries"]}
    assert by[("kv", ns + "k")]["change"] == "modified"
    assert by[("kv", ns + "k")]["value_a"] == 1 and by[("kv", ns + "k")]["value_b"] == 2
    assert by[("kv", ns + "new")]["value_a"] is None
    assert by[("kv", ns + "new")]["value_b"] == {"a": [1, 2.5, b"x"]}
    assert by[("state", ns + "cell")]["value_b"] is True
    assert by[("json", ns + "doc")]["value_b"] == {"x": 1}
    assert by[("event", "0")]["value_b"] == {"event_type": "evt", "value": {"n": 1}}
    assert all(e["space"] == "default" for e in d["entries"])
    assert db.diff_branches(base, feature) == d


def test_merge_applies_one_sided_changes_and_deletes(db, ns, bname):
    base, feature = _setup(db, ns, bname)
    _on(db, base, lambda: db.kv_put(ns + "gone", 1))
    feature2 = bname("f2")
    db.branch_fork(base, feature2)
    _on(db, feature2, lambda: (db.kv_put(ns + "k", 5), db.kv_delete(ns + "gone")))
    _on(db, base, lambda: db.kv_put(ns + "mine", 1))
    r = db.branch_merge(feature2, base)
    assert r["source"] == feature2 and r["target"] == base
    assert r["strategy"] == "last_writer_wins"
    assert r["keys_applied"] == 2 and r["conflicts"] == []
    assert isinstance(r["version"], int) and r["version"] > 0
    assert _on(db, base, lambda: db.kv_get(ns + "k")) == 5
    assert _on(db, base, lambda: db.kv_get(ns + "gone")) is None
    assert _on(db, base, lambda: db.kv_get(ns + "mine")) == 1
    # A second merge applies only what changed since.
    assert db.branch_merge(feature2, base)["keys_applied"] == 0
    _on(db, feature2, lambda: db.kv_put(ns + "later", 1))
    assert db.branch_merge(feature2, base)["keys_applied"] == 1


@pytest.mark.parametrize(
    "strategy,expected,resolution",
    [(None, "source", "source"), ("last_writer_wins", "source", "source"),
     ("source_wins", "source", "source"), ("target_wins", "target", "target")],
)
def test_conflict_strategies(db, ns, bname, strategy, expected, resolution):
    base, feature = _setup(db, ns, bname)
    _on(db, base, lambda: db.kv_put(ns + "k", "target"))
    _on(db, feature, lambda: db.kv_put(ns + "k", "source"))
    r = db.branch_merge(feature, base, strategy)
    assert r["conflicts"] == [{
        "space": "default", "primitive": "kv", "key": ns + "k",
        "source_value": "source", "target_value": "target", "resolution": resolution,
    }]
    assert _on(db, base, lambda: db.kv_get(ns + "k")) == expected


def test_strict_raises_and_writes_nothing(db, ns, bname):
    base, feature = _setup(db, ns, bname)
    _on(db, base, lambda: db.kv_put(ns + "k", "target"))
    _on(db, feature, lambda: (db.kv_put(ns + "k", "source"), db.kv_put(ns + "clean", 1)))
    with pytest.raises(ConflictError) as info:
        db.branch_merge(feature, base, "strict")
    assert ns + "k" in str(info.value)
    assert _on(db, base, lambda: db.kv_get(ns + "k")) == "target"
    assert _on(db, base, lambda: db.kv_get(ns + "clean")) is None


def test_merge_events_in_source_order(db, ns, bname):
    base, feature = _setup(db, ns, bname)
    _on(db, feature, lambda: (db.event_append("s", 1), db.event_append("s", 2)))
    r = db.branch_merge(feature, base)
    assert r["keys_applied"] == 2  # the two events; k is unchanged
    events = _on(db, base, lambda: db.event_list(None))
    assert [e["value"] for e in events][-2:] == [1, 2]
    assert _on(db, base, lambda: db.event_verify())["valid"] is True


def test_an_event_that_reached_the_target_another_way_is_not_merged_again(db, ns, bname):
    # a1 goes to base and to b from a; merging b into base then brings b1
    # only: base's copy of a1 is found (by its time, type and payload), not
    # appended again, and the chain stays valid.
    base, a = _setup(db, ns, bname)
    b = bname("b")
    db.branch_fork(base, b)
    _on(db, a, lambda: db.event_append("a", "a1"))
    _on(db, b, lambda: db.event_append("b", "b1"))
    assert db.branch_merge(a, base)["keys_applied"] == 1
    assert db.branch_merge(a, b)["keys_applied"] == 1
    assert db.branch_merge(b, base)["keys_applied"] == 1
    events = _on(db, base, lambda: db.event_list(None))
    assert [(e["event_type"], e["value"]) for e in events] == [("a", "a1"), ("b", "b1")]
    assert events[0]["timestamp"] == _on(db, a, lambda: db.event_list(None))[0]["timestamp"]
    assert _on(db, base, lambda: db.event_verify())["valid"] is True


def test_merge_branches_alias_merges_into_current(db, ns, bname):
    base, feature = _setup(db, ns, bname)
    _on(db, feature, lambda: db.kv_put(ns + "x", 1))
    r = _on(db, base, lambda: db.merge_branches(feature))
    assert r["target"] == base and r["keys_applied"] == 1
    assert _on(db, base, lambda: db.kv_get(ns + "x")) == 1


def test_unrelated_branches(db, ns, bname):
    x, y = bname("x"), bname("y")
    db.branch_create(x)
    db.branch_create(y)
    _on(db, x, lambda: db.kv_put(ns + "a", 1))
    _on(db, y, lambda: db.kv_put(ns + "b", 1))
    d = db.branch_diff(x, y)
    assert d["unrelated"] is True
    assert d["summary"] == {"added": 1, "removed": 1, "modified": 0}
    r = db.branch_merge(x, y)
    assert r["unrelated"] is True and r["keys_applied"] == 1


def test_errors(db, bname):
    base = bname("base")
    db.branch_create(base)
    with pytest.raises(ValidationError):
        db.branch_merge(base, "default", "ours")
    with pytest.raises(ValidationError):
        db.branch_merge(base, base)
    with pytest.raises(NotFoundError):
        db.branch_merge(bname("missing"), base)
    with pytest.raises(NotFoundError):
        db.branch_diff(base, bname("missing"))
