"""Vector indexes across restarts (spec/api.md §8, design.md "Vectors"):
a clean stop leaves an index snapshot in <data-dir>/vectors/ that the next
start loads; without it, or with it corrupted, the index is rebuilt from the
records. Either way searches answer the same.

The counters come from db.info(): vector_indexes_loaded / _built count the
indexes made since the process started (an index is made on first use).
"""

import numpy as np
import pytest

from stratadb import Strata

N, DIM, K = 300, 16, 10


def _search_keys(db, queries):
    return [[r["key"] for r in res] for res in db.vector_batch_search("c", queries, K, ef=500)]


def _counters(db):
    info = db.info()
    return info["vector_indexes_loaded"], info["vector_indexes_built"]


def _snapshot_files(data_dir):
    vectors = data_dir / "vectors"
    return sorted(p for p in vectors.rglob("*") if p.is_file()) if vectors.is_dir() else []


class Loaded:
    """A private server holding collection "c" (N vectors, cosine), stopped
    cleanly once, and the batch-search answer it gave before the stop."""

    def __init__(self, stratad_factory):
        self.server = stratad_factory()
        rng = np.random.default_rng(7)
        self.data = rng.standard_normal((N, DIM)).astype(np.float32)
        self.queries = rng.standard_normal((8, DIM)).astype(np.float32)
        with Strata.open(self.server.address, timeout=30) as db:
            db.vector_create_collection("c", DIM, "cosine")
            db.vector_batch_upsert("c", [(f"v{i}", self.data[i], {"i": i}) for i in range(N)])
            self.before = _search_keys(db, self.queries)
            assert _counters(db) == (0, 1)  # built on first use in this process
        self.server.stop()
        self.files = _snapshot_files(self.server.data_dir)

    def check_after_start(self, expect_loaded: bool):
        self.server.start()
        with Strata.open(self.server.address, timeout=30) as db:
            assert _search_keys(db, self.queries) == self.before
            assert db.vector_get("c", "v5")["embedding"].tobytes() == self.data[5].tobytes()
            assert _counters(db) == ((1, 0) if expect_loaded else (0, 1))
            # Still writable and searchable.
            db.vector_upsert("c", "new", self.queries[0])
            assert db.vector_search("c", self.queries[0], 1)[0]["key"] == "new"


@pytest.fixture
def loaded(stratad_factory):
    return Loaded(stratad_factory)


def test_clean_stop_writes_a_snapshot(loaded):
    assert [p.name for p in loaded.files if p.suffix in (".hnsw", ".meta")], loaded.files


# Regression: hnswlib 0.6.2's loading constructor leaves num_deleted_
# uninitialized, so the snapshot's deleted-label check failed at random and the
# index was rebuilt (storage/hnsw_graph.cc recounts the marks).
def test_restart_loads_the_snapshot(loaded):
    loaded.check_after_start(expect_loaded=True)


def test_restart_without_snapshot_rebuilds(loaded):
    assert loaded.files
    for path in loaded.files:
        path.unlink()
    loaded.check_after_start(expect_loaded=False)


def test_restart_with_corrupted_snapshot_rebuilds(loaded):
    graphs = [p for p in loaded.files if p.suffix == ".hnsw"]
    assert graphs
    for path in graphs:
        raw = bytearray(path.read_bytes())
        for offset in range(len(raw) // 3, len(raw) // 3 + 64):
            raw[offset] ^= 0xFF
        path.write_bytes(bytes(raw))
    loaded.check_after_start(expect_loaded=False)
