"""Transactions against a real stratad (spec/api.md §11, §15): atomicity,
isolation, first-committer-wins conflicts, misuse errors, expiry."""

import threading
import time

import numpy as np
import pytest

from stratadb import (
    ConflictError,
    NotFoundError,
    StateError,
    Strata,
    Transaction,
    ValidationError,
)


def test_with_block_commits_everything_at_one_version(db, ns):
    with db.transaction():
        assert db.in_transaction()
        assert db.kv_put(ns + "a", 1) == 0  # staged: the version is the commit's
        db.state_set(ns + "cell", "on")
        db.json_set(ns + "doc", "$", {"n": 1})
        db.json_set(ns + "doc", "$.m", [1, 2])
    assert not db.in_transaction()
    versions = {
        db.kv_get_versioned(ns + "a")["version"],
        db.state_get_versioned(ns + "cell")["version"],
    }
    assert len(versions) == 1
    assert db.json_get(ns + "doc") == {"n": 1, "m": [1, 2]}


def test_exception_inside_the_block_leaves_nothing(db, ns):
    with pytest.raises(RuntimeError, match="boom"):
        with db.transaction():
            db.kv_put(ns + "a", 1)
            db.state_set(ns + "c", 2)
            raise RuntimeError("boom")
    assert not db.in_transaction()
    assert db.kv_get(ns + "a") is None
    assert db.state_get(ns + "c") is None


def test_reads_inside_see_the_snapshot_and_own_writes(db, stratad, ns):
    db.kv_put(ns + "old", 1)
    with Strata.open(stratad.address) as other:
        db.begin()
        db.kv_put(ns + "mine", 2)
        db.kv_delete(ns + "old")
        other.kv_put(ns + "theirs", 3)  # after begin: invisible inside
        assert db.kv_get(ns + "mine") == 2
        assert db.kv_get(ns + "old") is None
        # A list is a snapshot read (not validated at commit): "theirs" is not in it.
        assert db.kv_list(prefix=ns) == [ns + "mine"]
        # Nobody else sees the uncommitted writes.
        assert other.kv_get(ns + "mine") is None
        assert other.kv_get(ns + "old") == 1
        version = db.commit()
        assert other.kv_get_versioned(ns + "mine")["version"] == version
        assert other.kv_get(ns + "old") is None
        assert sorted(other.kv_list(prefix=ns)) == [ns + "mine", ns + "theirs"]


def test_events_appended_inside_are_counted_inside(fresh_db):
    db = fresh_db
    db.event_append("audit", {"n": 0})
    with db.transaction():
        assert db.event_append("audit", {"n": 1}) == 1
        assert db.event_len() == 2
        staged = db.event_get(1)
        assert staged["value"] == {"n": 1} and staged["version"] == 0  # known at commit
    assert db.event_len() == 2
    assert db.event_verify()["valid"]


def test_lost_update_raises_conflict_for_the_second_committer(db, stratad, ns):
    db.state_set(ns + "counter", 10)
    with Strata.open(stratad.address) as other:
        db.begin()
        other.begin()
        db.state_set(ns + "counter", db.state_get(ns + "counter") + 1)
        other.state_set(ns + "counter", other.state_get(ns + "counter") + 1)
        db.commit()
        with pytest.raises(ConflictError, match="counter"):
            other.commit()
        assert not other.in_transaction()
    assert db.state_get(ns + "counter") == 11


def test_write_skew_raises_conflict(db, stratad, ns):
    db.state_set(ns + "alice", True)
    db.state_set(ns + "bob", True)
    with Strata.open(stratad.address) as other:
        db.begin()
        other.begin()
        if db.state_get(ns + "bob"):
            db.state_set(ns + "alice", False)
        if other.state_get(ns + "alice"):
            other.state_set(ns + "bob", False)
        db.commit()
        with pytest.raises(ConflictError):
            other.commit()
    assert db.state_get(ns + "bob") is True


def test_misuse_is_state_error(db, ns):
    with pytest.raises(StateError):
        db.commit()
    with pytest.raises(StateError):
        db.rollback()
    db.begin()
    try:
        with pytest.raises(StateError):
            db.begin()
        for call in (
            lambda: db.branch_create(ns.replace("/", "-") + "b"),
            lambda: db.branch_use("default"),
            lambda: db.fork_branch(ns.replace("/", "-") + "f"),
            lambda: db.space_create("s1"),
            lambda: db.space_delete("s1"),
            lambda: db.merge_branches("default"),
        ):
            with pytest.raises(StateError):
                call()
        with pytest.raises(StateError):
            db.vector_create_collection(ns.replace("/", "-") + "c", 3)
    finally:
        db.rollback()
    assert not db.in_transaction()


def test_rollback_discards(db, ns):
    db.begin()
    db.kv_put(ns + "a", 1)
    assert db.txn_info()["staged_writes"] == 1
    db.rollback()
    assert db.kv_get(ns + "a") is None
    assert db.txn_info() is None


def test_txn_info_and_aliases(db, ns):
    assert db.txn_info() is None
    assert not db.txn_is_active()
    with Transaction(db):
        info = db.txn_info()
        assert db.txn_is_active()
        assert info["status"] == "active"
        assert info["id"].startswith("txn-")
        assert info["branch"] == "default"
        assert abs(time.time_ns() // 1000 - info["started_at"]) < 60_000_000
        db.kv_put(ns + "k", 1)
    assert db.kv_get(ns + "k") == 1


def test_vector_writes_join_and_search_sees_them(db, ns):
    name = ns.replace("/", "-") + "vec"
    db.vector_create_collection(name, 3)
    db.vector_upsert(name, "old", [0, 1, 0])
    with db.transaction():
        db.vector_upsert(name, "a", np.array([1, 0, 0], dtype=np.float32), {"tag": "x"})
        db.vector_delete(name, "old")
        assert db.vector_get(name, "a")["metadata"] == {"tag": "x"}
        hits = db.vector_search(name, [1, 0, 0], k=5)  # the snapshot plus own writes
        assert [(h["key"], h["metadata"]) for h in hits] == [("a", {"tag": "x"})]
        batch = db.vector_batch_search(name, [[1, 0, 0], [0, 1, 0]], k=5, include_metadata=False)
        assert [[h["key"] for h in r] for r in batch] == [["a"], ["a"]]
        with pytest.raises(StateError):
            db.vector_create_collection(name + "-2", 3)
    hits = db.vector_search(name, [1, 0, 0], k=5)
    assert [h["key"] for h in hits] == ["a"]


def test_abandoned_transaction_expires(stratad_factory):
    server = stratad_factory(["--txn-idle-timeout-ms", "300"])
    with Strata.open(server.address) as db:
        db.begin()
        db.kv_put("k", 1)
        time.sleep(1.5)  # idle for five timeouts; expiry runs every timeout or second
        assert db.txn_info() is None
        assert not db.in_transaction()
        assert db.kv_get("k") is None
        db.begin()
        db.kv_put("k", 2)
        time.sleep(1.5)
        with pytest.raises(NotFoundError, match="expired"):
            db.commit()
        assert db.kv_get("k") is None


def test_unknown_txn_id_is_not_found(db):
    db._txn_id = "txn-does-not-exist"
    try:
        with pytest.raises(NotFoundError, match="txn-does-not-exist"):
            db.kv_put("k", 1)
    finally:
        db._txn_id = None


def test_concurrent_transfers_keep_the_total(stratad, ns):
    accounts = [f"{ns}acct{i}" for i in range(10)]
    with Strata.open(stratad.address) as setup:
        for a in accounts:
            setup.state_set(a, 1000)
    applied = []
    lock = threading.Lock()
    errors = []

    def client(c):
        with Strata.open(stratad.address, timeout=60) as db:
            for i in range(200):
                src, dst = accounts[(c + i) % 10], accounts[(c * 3 + i * 7 + 1) % 10]
                if src == dst:
                    continue
                amount = 1 + (i % 5)
                try:
                    with db.transaction():
                        a = db.state_get(src)
                        b = db.state_get(dst)
                        db.state_set(src, a - amount)
                        db.state_set(dst, b + amount)
                except ConflictError:
                    continue
                except Exception as e:  # noqa: BLE001 - collected and asserted below
                    errors.append(e)
                    return
                with lock:
                    applied.append((src, dst, amount))

    threads = [threading.Thread(target=client, args=(c,)) for c in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert applied
    expected = {a: 1000 for a in accounts}
    for src, dst, amount in applied:
        expected[src] -= amount
        expected[dst] += amount
    with Strata.open(stratad.address) as check:
        actual = {a: check.state_get(a) for a in accounts}
    assert actual == expected
    assert sum(actual.values()) == 10 * 1000


def test_branch_transaction_stays_on_its_branch(db, ns):
    branch = ns.replace("/", "-") + "br"
    db.branch_create(branch)
    db.branch_use(branch)
    try:
        with db.transaction():
            db.kv_put(ns + "k", "on-branch")
        assert db.kv_get(ns + "k") == "on-branch"
    finally:
        db.branch_use("default")
    assert db.kv_get(ns + "k") is None


def test_reading_a_name_created_since_begin_is_a_conflict(db, stratad, ns):
    with Strata.open(stratad.address) as other:
        db.begin()
        assert db.kv_get(ns + "k") is None
        other.kv_put(ns + "k", "theirs")
        db.kv_put(ns + "k2", "mine")
        with pytest.raises(ConflictError, match="k"):
            db.commit()
    assert db.kv_get(ns + "k2") is None


def test_validation_errors_inside_do_not_end_the_transaction(db, ns):
    with db.transaction():
        db.kv_put(ns + "ok", 1)
        with pytest.raises(ValidationError):
            db.kv_put("", 1)
        assert db.in_transaction()
    assert db.kv_get(ns + "ok") == 1
