"""Database operations (spec/api.md §13) and time_range (§3)."""

import time

import pytest

from stratadb import Strata, ValidationError

INFO_FIELDS = {
    "version": str,
    "uptime_secs": int,
    "branch_count": int,
    "space_count": int,
    "total_keys": int,
    "collection_count": int,
    "disk_bytes": int,
    "current_version": int,
    "map_size": int,
    "map_used_bytes": int,
    "durability": str,
    "writer_commits": int,
    "writer_requests": int,
    "writer_largest_batch": int,
    # Vector indexes since the server started (tests/test_vectors_restart.py).
    "vector_indexes_loaded": int,
    "vector_indexes_built": int,
    "vector_index_count": int,
    "vector_index_memory_bytes": int,
    "durable_version": int,
    "retention_versions": int,
    "retention_seconds": int,
    "max_message_size": int,
}

COMPACT_FIELDS = {
    "versions_removed",
    "indexes_rebuilt",
    "names_removed",
    "retained_from_version",
    "retained_from_ts",
    "retention_versions",
    "retention_seconds",
    "records_examined",
    "commits",
}


def test_ping_returns_the_version(db):
    version = db.ping()
    assert isinstance(version, str) and version.strip()


def test_info_fields(db, ns):
    last = db.kv_put(ns + "k", "v")
    info = db.info()
    assert set(info) == set(INFO_FIELDS)
    for name, kind in INFO_FIELDS.items():
        assert isinstance(info[name], kind), name
    assert info["version"] == db.ping()
    assert info["branch_count"] >= 1
    assert info["space_count"] >= 1
    assert info["total_keys"] >= 1
    assert info["collection_count"] >= 0
    assert info["disk_bytes"] > 0
    assert info["current_version"] >= last
    assert 0 < info["map_used_bytes"] <= info["map_size"]
    assert info["durability"] in ("always", "relaxed", "ephemeral")
    assert 0 <= info["uptime_secs"] < 24 * 3600
    assert info["max_message_size"] == 64 << 20  # the default --max-message-size


def test_total_keys_counts_live_keys(db, ns):
    before = db.info()["total_keys"]
    db.kv_put(ns + "a", 1)
    db.kv_put(ns + "b", 2)
    db.kv_put(ns + "a", 3)  # an overwrite is not a new key
    assert db.info()["total_keys"] == before + 2
    db.kv_delete(ns + "b")
    assert db.info()["total_keys"] == before + 1


def test_flush(db, ns):
    db.kv_put(ns + "k", 1)
    assert db.flush() is None


def test_compact_reports_what_it_did(db, ns):
    db.kv_put(ns + "k", 1)
    db.kv_put(ns + "k", 2)
    result = db.compact()
    assert set(result) == COMPACT_FIELDS
    assert all(isinstance(v, int) and v >= 0 for v in result.values())
    # The shared server has no retention policy: all history is kept.
    assert result["retention_versions"] == 0 and result["retention_seconds"] == 0
    assert result["versions_removed"] == 0
    assert db.kv_get(ns + "k") == 2
    assert len(db.kv_history(ns + "k")) == 2


def test_retention_apply_is_compact(db, ns):
    db.kv_put(ns + "k", 1)
    result = db.retention_apply()
    assert set(result) == COMPACT_FIELDS
    assert result["versions_removed"] == 0
    assert db.kv_get(ns + "k") == 1


@pytest.fixture
def retained_db(stratad_factory):
    """A private server that keeps the 2 newest versions of each name."""
    server = stratad_factory(["--retention-versions", "2"])
    with Strata.open(server.address, timeout=30) as handle:
        yield handle


def test_compact_applies_the_count_rule(retained_db):
    db = retained_db
    versions = [db.kv_put("k", i) for i in range(5)]
    old_ts = db.kv_history("k")[-1]["timestamp"]
    db.kv_put("other", "x")
    result = db.compact()
    assert result["retention_versions"] == 2
    assert result["versions_removed"] == 3
    assert result["retained_from_version"] == versions[3]
    assert db.kv_get("k") == 4
    assert [e["value"] for e in db.kv_history("k")] == [4, 3]
    assert db.kv_get("other") == "x"
    # as_of inside the retained history is answered, before it refused.
    assert db.kv_get("k", as_of=result["retained_from_ts"]) == 3
    with pytest.raises(ValidationError, match="before the retained history"):
        db.kv_get("k", as_of=old_ts)
    assert db.time_range()["oldest_ts"] == result["retained_from_ts"]
    # Applying it again finds nothing more to drop.
    again = db.retention_apply()
    assert again["versions_removed"] == 0
    assert again["retained_from_ts"] == result["retained_from_ts"]


def test_compact_keeps_what_a_forked_branch_reads(retained_db):
    db = retained_db
    db.kv_put("k", "at fork")
    db.kv_put("gone", "at fork")
    db.branch_fork("default", "child")
    for i in range(4):
        db.kv_put("k", i)
    db.kv_delete("gone")
    db.kv_put("later", 1)
    db.compact()
    db.branch_use("child")
    assert db.kv_get("k") == "at fork"
    assert db.kv_get("gone") == "at fork"
    db.branch_use("default")
    assert db.kv_get("k") == 3
    assert db.kv_get("gone") is None
    diff = db.branch_diff("default", "child")
    assert diff["summary"] == {"added": 1, "removed": 1, "modified": 1}
    merged = db.branch_merge("child", "default")
    assert merged["conflicts"] == []
    assert db.kv_get("k") == 3


def test_deleted_names_go_with_their_history(retained_db):
    db = retained_db
    db.kv_put("d", 1)
    db.kv_delete("d")
    db.kv_put("keep", 1)
    before = db.info()["total_keys"]
    result = db.compact()
    # With 2 versions kept, the deletion and the value before it stay.
    assert result["names_removed"] == 0
    assert db.kv_history("d") is not None
    assert db.info()["total_keys"] == before == 1


def test_info_figures_match_what_was_written(fresh_db):
    db = fresh_db
    last = 0
    for i in range(5):
        last = db.kv_put(f"d{i}", i)
    db.space_create("second")
    db.space_use("second")
    for i in range(3):
        last = db.kv_put(f"s{i}", i)
    db.state_init("cell", 0)
    db.json_set("doc", "$", {"a": 1})
    db.vector_create_collection("c1", 4)
    db.vector_upsert("c1", "v", [1.0, 0.0, 0.0, 0.0])
    db.space_use("default")
    db.vector_create_collection("c2", 4)
    db.branch_create("other")
    db.branch_use("other")
    for i in range(2):
        last = db.kv_put(f"o{i}", i)
    db.branch_use("default")

    info = db.info()
    assert info["branch_count"] == 2
    assert info["space_count"] == 2
    # 5 + 3 kv keys, the cell, the document and the vector.
    assert info["total_keys"] == 5 + 3 + 1 + 1 + 1
    assert info["collection_count"] == 2
    assert info["current_version"] == last
    assert info["durable_version"] == last  # durability "always"
    assert 0 < info["map_used_bytes"] <= info["map_size"]
    # LMDB's file is sparse: what it takes on disk covers the pages in use.
    assert info["disk_bytes"] >= info["map_used_bytes"]
    assert 0 <= info["uptime_secs"] < 600

    db.branch_use("other")
    other = db.info()
    assert other["branch_count"] == 2
    assert other["space_count"] == 1
    assert other["total_keys"] == 2
    assert other["collection_count"] == 0


def test_flush_syncs_in_relaxed_durability(stratad_factory):
    # A minute between background syncs: only flush() makes writes durable.
    server = stratad_factory(["--durability", "relaxed", "--sync-interval-ms", "60000"])
    with Strata.open(server.address, timeout=30) as db:
        version = db.kv_put("k", 1)
        info = db.info()
        assert info["durability"] == "relaxed"
        assert info["durable_version"] < version
        db.flush()
        assert db.info()["durable_version"] == version


def test_retention_flags_read_from_the_config_file(stratad_factory, tmp_path):
    config = tmp_path / "stratad.toml"
    config.write_text("retention-versions = 1\nretention-seconds = 86400\n")
    server = stratad_factory(["--config", str(config)])
    with Strata.open(server.address, timeout=30) as db:
        info = db.info()
        assert info["retention_versions"] == 1
        assert info["retention_seconds"] == 86400


def test_time_range_brackets_the_writes(db, ns):
    before_us = time.time_ns() // 1000
    db.kv_put(ns + "first", 1)
    db.kv_put(ns + "last", 2)
    after_us = time.time_ns() // 1000
    first = db.kv_get_versioned(ns + "first")["timestamp"]
    last = db.kv_get_versioned(ns + "last")["timestamp"]
    span = db.time_range()
    assert set(span) == {"oldest_ts", "latest_ts"}
    assert 0 < span["oldest_ts"] <= first <= last <= span["latest_ts"]
    # Same machine, so the server's clock agrees with ours (with slack).
    assert before_us - 1_000_000 <= first <= last <= after_us + 1_000_000


def test_info_counts_group_commits(db, ns):
    import threading

    before = db.info()
    barrier = threading.Barrier(8)

    def writer(i):
        barrier.wait()
        for j in range(10):
            db.kv_put(f"{ns}gc-{i}-{j}", j)

    threads = [threading.Thread(target=writer, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    after = db.info()
    requests = after["writer_requests"] - before["writer_requests"]
    commits = after["writer_commits"] - before["writer_commits"]
    assert requests >= 80
    assert 1 <= commits <= requests
    assert after["writer_largest_batch"] >= 1
