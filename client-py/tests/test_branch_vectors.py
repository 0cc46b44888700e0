"""Vector collections through branch diff, merge and export/import against
real stratad servers (spec/api.md §9: a branch holds every primitive)."""

import pytest

from stratadb import ConflictError, Strata


@pytest.fixture
def two_servers(stratad_factory):
    a, b = stratad_factory(), stratad_factory()
    with Strata.open(a.address, timeout=30) as da, Strata.open(b.address, timeout=30) as dbb:
        yield da, dbb


def _keys(results):
    return [r["key"] for r in results]


def test_fork_change_merge_and_search_vectors(fresh_db):
    db = fresh_db
    db.vector_create_collection("docs", 3, "euclidean")
    db.vector_upsert("docs", "keep", [1, 0, 0])
    db.vector_upsert("docs", "edit", [0, 1, 0], {"v": 1})
    db.vector_upsert("docs", "drop", [0, 0, 1])
    db.branch_fork("default", "feature")
    db.branch_use("feature")
    db.vector_upsert("docs", "edit", [0, 5, 0], {"v": 2})
    db.vector_delete("docs", "drop")
    db.vector_upsert("docs", "new", [9, 9, 9])
    db.vector_create_collection("notes", 2)
    db.vector_upsert("notes", "n", [1, 2])
    db.branch_use("default")

    diff = db.branch_diff("default", "feature")
    by_key = {(e["primitive"], e["key"]): e for e in diff["entries"]}
    assert by_key[("vector", "docs/edit")]["change"] == "modified"
    assert by_key[("vector", "docs/edit")]["value_b"]["metadata"] == {"v": 2}
    assert by_key[("vector", "docs/edit")]["value_b"]["embedding"] == [0.0, 5.0, 0.0]
    assert by_key[("vector", "docs/drop")]["change"] == "removed"
    assert by_key[("vector", "docs/new")]["change"] == "added"
    assert by_key[("collection", "notes")]["change"] == "added"
    assert by_key[("collection", "notes")]["value_b"]["dimension"] == 2
    assert ("vector", "docs/keep") not in by_key

    result = db.branch_merge("feature", "default")
    assert result["conflicts"] == []
    assert db.vector_get("docs", "edit")["metadata"] == {"v": 2}
    assert db.vector_get("docs", "drop") is None
    assert _keys(db.vector_search("docs", [9, 9, 9], 10))[0] == "new"
    assert "drop" not in _keys(db.vector_search("docs", [0, 0, 1], 10))
    assert db.vector_collection_stats("notes")["count"] == 1
    assert _keys(db.vector_search("notes", [1, 2], 1)) == ["n"]
    assert db.branch_diff("default", "feature")["entries"] == []


def test_vector_conflict_follows_the_strategy(fresh_db):
    db = fresh_db
    db.vector_create_collection("docs", 2)
    db.vector_upsert("docs", "k", [1, 1])
    db.branch_fork("default", "feature")
    db.vector_upsert("docs", "k", [1, 2])
    db.branch_use("feature")
    db.vector_upsert("docs", "k", [2, 1])
    db.branch_use("default")
    with pytest.raises(ConflictError) as err:
        db.branch_merge("feature", "default", "strict")
    assert 'vector "docs/k"' in str(err.value)
    result = db.branch_merge("feature", "default", "source_wins")
    assert [(c["primitive"], c["key"]) for c in result["conflicts"]] == [("vector", "docs/k")]
    assert list(db.vector_get("docs", "k")["embedding"]) == [2.0, 1.0]


def test_export_import_carries_collections_and_vectors(two_servers, tmp_path):
    src, dst = two_servers
    src.branch_create("exp")
    src.branch_use("exp")
    src.vector_create_collection("docs", 3, "cosine")
    src.vector_batch_upsert("docs", [(f"v{i}", [1.0, float(i), 0.5], {"i": i}) for i in range(20)])
    src.vector_upsert("docs", "v3", [0.0, 0.0, 1.0], {"i": "moved"})
    src.vector_delete("docs", "v4")
    path = tmp_path / "exp.bundle"
    src.branch_export("exp", path)
    checked = src.branch_validate_bundle(path)  # the client's own reader accepts format 2
    assert checked["valid"] and checked["entry_count"] >= 22

    dst.branch_import(path)
    dst.branch_use("exp")
    stats = dst.vector_collection_stats("docs")
    assert (stats["dimension"], stats["metric"], stats["count"]) == (3, "cosine", 19)
    assert dst.vector_get("docs", "v3")["metadata"] == {"i": "moved"}
    assert dst.vector_get("docs", "v4") is None
    query = [1.0, 7.0, 0.5]
    assert _keys(dst.vector_search("docs", query, 5)) == _keys(src.vector_search("docs", query, 5))
