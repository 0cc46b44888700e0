"""Database operations (spec/api.md §13) and time_range (§3)."""

import time

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
    result = db.compact()
    assert set(result) == {"versions_removed", "indexes_rebuilt"}
    assert all(isinstance(v, int) and v >= 0 for v in result.values())
    assert db.kv_get(ns + "k") == 1  # retained data survives


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
