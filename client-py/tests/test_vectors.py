"""Vector collections against a real stratad (spec/api.md §8, §14).

Search results are checked against brute force in numpy; with a large `ef`
on a small collection the HNSW answer must be the exact one.
"""

import json
import os
import subprocess
import sys
import threading
import time
import warnings

import numpy as np
import pytest

from stratadb import ConstraintError, NotFoundError, ValidationError
from stratadb._proto import vectors_pb2

RNG_SEED = 20261128


def _name(ns: str, suffix: str = "c") -> str:
    # Collection names may not hold "/"; ns is unique per test.
    return ns.replace("/", "_").strip("_") + "_" + suffix


@pytest.fixture
def coll(db, ns):
    """An empty 4-dimensional cosine collection for the test."""
    name = _name(ns)
    db.vector_create_collection(name, 4)
    yield name
    db.vector_delete_collection(name)


# -- brute force --------------------------------------------------------------


def brute_force(data: np.ndarray, query: np.ndarray, k: int, metric: str):
    """(row indices best first, scores, distances) as the server defines them."""
    data = data.astype(np.float64)
    query = query.astype(np.float64)
    if metric == "cosine":
        score = (data @ query) / (np.linalg.norm(data, axis=1) * np.linalg.norm(query))
        distance = 1.0 - score
    elif metric == "euclidean":
        distance = np.linalg.norm(data - query, axis=1)
        score = 1.0 / (1.0 + distance)
    else:
        score = data @ query
        distance = 1.0 - score
    order = np.argsort(-score, kind="stable")[:k]
    return order, score[order], distance[order]


# -- collections ----------------------------------------------------------------


def test_seed_example(db, ns):
    name = _name(ns, "docs")
    embedding = np.random.default_rng(1).random(384).astype(np.float32)
    db.vector_create_collection(name, 384)
    db.vector_upsert(name, "doc-1", embedding, {"title": "Hello"})
    results = db.vector_search(name, embedding, k=5)
    assert [r["key"] for r in results] == ["doc-1"]
    assert results[0]["score"] == pytest.approx(1.0, abs=1e-5)
    assert results[0]["distance"] == pytest.approx(0.0, abs=1e-5)
    assert results[0]["metadata"] == {"title": "Hello"}


def test_create_list_stats_delete(db, ns):
    a, b = _name(ns, "a"), _name(ns, "b")
    v1 = db.vector_create_collection(a, 3)
    v2 = db.vector_create_collection(b, 5, "L2", m=8, ef_construction=50)
    assert isinstance(v1, int) and 0 < v1 < v2
    listed = {c["name"]: c for c in db.vector_list_collections()}
    # Listing loads no index: one not used yet holds no memory.
    assert listed[a]["memory_bytes"] == 0
    stats = db.vector_collection_stats(a)  # loads it
    assert {c["name"]: c for c in db.vector_list_collections()}[a] == stats
    assert listed[a]["dimension"] == 3 and listed[a]["metric"] == "cosine"
    assert listed[a]["count"] == 0 and listed[a]["index_type"] == "hnsw"
    assert listed[b]["metric"] == "euclidean" and listed[b]["dimension"] == 5
    assert listed[b]["m"] == 8 and listed[b]["ef_construction"] == 50
    assert set(listed[a]) >= {"name", "dimension", "metric", "count", "index_type", "memory_bytes"}
    db.vector_upsert(a, "x", [1, 2, 3])
    stats = db.vector_collection_stats(a)
    assert stats["count"] == 1 and stats["memory_bytes"] >= 0
    assert db.vector_delete_collection(a) is True
    assert db.vector_delete_collection(a) is False
    assert a not in {c["name"] for c in db.vector_list_collections()}
    with pytest.raises(NotFoundError):
        db.vector_collection_stats(a)
    db.vector_delete_collection(b)


@pytest.mark.parametrize(
    "spelling, canonical",
    [
        ("cosine", "cosine"), ("COSINE", "cosine"), ("euclidean", "euclidean"), ("l2", "euclidean"),
        ("dot_product", "dot_product"), ("dot", "dot_product"), ("DotProduct", "dot_product"),
        ("ip", "dot_product"),
    ],
)
def test_metric_spellings(db, ns, spelling, canonical):
    name = _name(ns)
    db.vector_create_collection(name, 2, spelling)
    assert db.vector_collection_stats(name)["metric"] == canonical
    db.vector_delete_collection(name)


def test_unknown_metric_fails_before_any_call(db, ns):
    with pytest.raises(ValidationError, match="unknown metric 'manhattan'") as e:
        db.vector_create_collection(_name(ns), 2, "manhattan")
    assert e.value.code is None  # raised by the client, not the server
    assert _name(ns) not in {c["name"] for c in db.vector_list_collections()}


def test_existing_collection_is_a_constraint_error(db, coll):
    with pytest.raises(ConstraintError):
        db.vector_create_collection(coll, 4)


@pytest.mark.parametrize("dim", [0, -1, 65537, 2.0, True, "4"])
def test_bad_dimension(db, ns, dim):
    with pytest.raises(ValidationError, match="dim"):
        db.vector_create_collection(_name(ns), dim)


def test_bad_collection_names(db):
    for bad in ("", None, 5):
        with pytest.raises(ValidationError, match="collection name"):
            db.vector_create_collection(bad, 2)
    with pytest.raises(ValidationError):  # the server's naming rule
        db.vector_create_collection("a/b", 2)


def test_missing_collection_is_not_found(db, ns):
    missing = _name(ns, "missing")
    for call in (
        lambda: db.vector_upsert(missing, "k", [1.0]),
        lambda: db.vector_get(missing, "k"),
        lambda: db.vector_search(missing, [1.0], 1),
        lambda: db.vector_batch_search(missing, [[1.0]], 1),
        lambda: db.vector_batch_upsert(missing, [("k", [1.0])]),
        lambda: db.vector_collection_stats(missing),
    ):
        with pytest.raises(NotFoundError):
            call()


# -- vectors ------------------------------------------------------------------


def test_upsert_get_delete(db, coll):
    v1 = db.vector_upsert(coll, "k", [1, 2, 3, 4], {"a": {"b": [1, "x"]}})
    got = db.vector_get(coll, "k")
    assert got["key"] == "k" and got["version"] == v1 and got["timestamp"] > 0
    assert got["metadata"] == {"a": {"b": [1, "x"]}}
    assert isinstance(got["embedding"], np.ndarray) and got["embedding"].dtype == np.float32
    assert got["embedding"].tolist() == [1.0, 2.0, 3.0, 4.0]
    v2 = db.vector_upsert(coll, "k", (4, 3, 2, 1))  # metadata replaced: now none
    assert v2 > v1
    got = db.vector_get(coll, "k")
    assert got["metadata"] is None and got["embedding"].tolist() == [4.0, 3.0, 2.0, 1.0]
    assert db.vector_get(coll, "absent") is None
    assert db.vector_delete(coll, "k") is True
    assert db.vector_delete(coll, "k") is False
    assert db.vector_get(coll, "k") is None
    assert db.vector_collection_stats(coll)["count"] == 0


def test_get_as_of(db, coll):
    db.vector_upsert(coll, "k", [1, 0, 0, 0], {"n": 1})
    first = db.vector_get(coll, "k")
    time.sleep(0.002)
    db.vector_upsert(coll, "k", [0, 1, 0, 0], {"n": 2})
    old = db.vector_get(coll, "k", as_of=first["timestamp"])
    assert old["metadata"] == {"n": 1} and old["embedding"].tolist() == [1, 0, 0, 0]
    assert db.vector_get(coll, "k", as_of=first["timestamp"] - 1) is None


def test_numpy_round_trip_is_exact(db, ns):
    name = _name(ns)
    rng = np.random.default_rng(RNG_SEED)
    vec = rng.standard_normal(64).astype(np.float32)
    vec[0] = np.float32(1e-38)  # tiny, and
    vec[1] = np.float32(3.4e38)  # huge float32 values survive bit for bit
    db.vector_create_collection(name, 64, "euclidean")
    db.vector_upsert(name, "k", vec)
    back = db.vector_get(name, "k")["embedding"]
    assert back.dtype == np.float32 and back.shape == (64,) and back.flags.writeable
    assert back.tobytes() == vec.tobytes()
    # Other dtypes are converted to float32 once, the same way numpy does.
    as64 = rng.standard_normal(64)
    db.vector_upsert(name, "k64", as64)
    assert db.vector_get(name, "k64")["embedding"].tobytes() == as64.astype(np.float32).tobytes()
    db.vector_upsert(name, "int", np.arange(64, dtype=np.int16))
    assert db.vector_get(name, "int")["embedding"].tolist() == list(range(64))
    # A non-contiguous view packs as its values.
    wide = rng.standard_normal(128).astype(np.float32)
    db.vector_upsert(name, "strided", wide[::2])
    assert db.vector_get(name, "strided")["embedding"].tobytes() == wide[::2].tobytes()
    db.vector_delete_collection(name)


@pytest.mark.parametrize(
    "vector, message",
    [
        ([1, 2, 3], "dimension"),
        ([1, 2, 3, 4, 5], "dimension"),
    ],
)
def test_wrong_dimension_is_a_constraint_error(db, coll, vector, message):
    with pytest.raises(ConstraintError, match=message):
        db.vector_upsert(coll, "k", vector)
    db.vector_upsert(coll, "q", [1, 1, 1, 1])
    with pytest.raises(ConstraintError):
        db.vector_search(coll, vector, 1)


@pytest.mark.parametrize(
    "vector, message",
    [
        ([1, float("nan"), 3, 4], "NaN.*position 1"),
        ([1, 2, float("inf"), 4], "position 2"),
        ([1, 2, 3, 1e39], "float32 range.*position 3"),
        ([1, 10**400, 3, 4], "float32 range.*position 1"),  # raised a bare OverflowError
        (np.array([1, 2, np.nan, 4], dtype=np.float32), "position 2"),
        (np.array([-np.inf, 2, 3, 4], dtype="<f4"), "-inf at position 0"),
        (np.array([1, 2, 3, np.inf], dtype=">f4"), "inf at position 3"),
        (np.array([1, 2, 3, 1e300]), "position 3"),
        ([1, True, 3, 4], "position 1 must be a number, got bool"),
        ([1, 2, "3", 4], "position 2 must be a number, got str"),
        ([1, 2, None, 4], "position 2 must be a number, got NoneType"),
        (np.ones((2, 2), dtype=np.float32), "1-D"),
        (np.array([True, False, True, True]), "numeric dtype"),
        ([], "empty"),
        ("1234", "list/tuple of numbers or a 1-D numpy array, got str"),
        (b"\0\0\0\0", "got bytes"),
    ],
)
def test_bad_vectors_are_validation_errors(db, coll, vector, message):
    with pytest.raises(ValidationError, match=message):
        db.vector_upsert(coll, "k", vector)
    assert db.vector_get(coll, "k") is None


def test_large_finite_values_pass_the_finite_check(db, coll):
    """The client's finite check sums in float64: finite float32 values whose
    float32 sum would overflow are accepted, without a numpy warning."""
    big = np.array([3e38, 3e38, 3e38, 0], dtype=np.float32)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        db.vector_upsert(coll, "big", big)
        assert db.vector_search(coll, big, 1)[0]["key"] == "big"
    assert np.array_equal(db.vector_get(coll, "big")["embedding"], big)


def test_server_rejects_nan_and_zero_cosine_vectors(db, coll):
    """The server's own checks, for clients that do not check first."""
    bad = np.array([1, np.nan, 0, 0], dtype="<f4").tobytes()
    request = vectors_pb2.VectorUpsertRequest(context=db._context(), collection=coll)
    request.entry.key = "k"
    request.entry.vector.f32le = bad
    with pytest.raises(ValidationError) as e:
        db._call(db._vectors_stub.Upsert, request)
    assert e.value.code == "INVALID_ARGUMENT"
    with pytest.raises(ValidationError):  # a cosine collection cannot hold a zero vector
        db.vector_upsert(coll, "zero", [0, 0, 0, 0])


@pytest.mark.parametrize(
    "metadata, message",
    [
        ([1, 2], "metadata must be a dict or None, got list"),
        ("x", "got str"),
        ({"a": float("nan")}, r"NaN.*\$\.a"),
        ({"a": {"b": [float("inf")]}}, r"\$\.a\.b\[0\]"),
        ({1: "x"}, "keys must be str"),
    ],
)
def test_bad_metadata(db, coll, metadata, message):
    with pytest.raises(ValidationError, match=message):
        db.vector_upsert(coll, "k", [1, 2, 3, 4], metadata)


def test_bad_keys(db, coll):
    for key in ("", None, "_strata/x", "a\0b"):
        with pytest.raises(ValidationError, match="vector key"):
            db.vector_upsert(coll, key, [1, 2, 3, 4])


# -- batch upsert ---------------------------------------------------------------


def test_batch_upsert_dicts_and_tuples(db, coll):
    versions = db.vector_batch_upsert(
        coll,
        [
            {"key": "a", "vector": [1, 0, 0, 0], "metadata": {"n": 1}},
            {"key": "b", "vector": np.array([0, 1, 0, 0], dtype=np.float32)},
            ("c", [0, 0, 1, 0]),
            ("d", (0, 0, 0, 1), {"n": 4}),
        ],
    )
    assert len(versions) == 4 and all(isinstance(v, int) for v in versions)
    assert versions == sorted(versions)
    assert db.vector_get(coll, "a")["metadata"] == {"n": 1}
    assert db.vector_get(coll, "b")["metadata"] is None
    assert db.vector_get(coll, "d")["embedding"].tolist() == [0, 0, 0, 1]
    assert db.vector_collection_stats(coll)["count"] == 4


def test_batch_upsert_is_all_or_nothing(db, coll):
    db.vector_upsert(coll, "keep", [1, 1, 1, 1], {"v": 1})
    entries = [("keep", [2, 2, 2, 2], {"v": 2}), ("new1", [1, 2, 3, 4]), ("bad", [1, 2, 3]), ("new2", [4, 3, 2, 1])]
    with pytest.raises(ConstraintError):  # the server's check: nothing is written
        db.vector_batch_upsert(coll, entries)
    assert db.vector_get(coll, "new1") is None and db.vector_get(coll, "new2") is None
    assert db.vector_get(coll, "keep")["metadata"] == {"v": 1}
    assert db.vector_collection_stats(coll)["count"] == 1


@pytest.mark.parametrize(
    "entries, message",
    [
        ([("a", [1, 2, 3, 4]), ("b", [1, float("nan"), 3, 4])], r"entries\[1\]\.vector holds NaN"),
        ([("a", [1, 2, 3, 4]), ("",  [1, 2, 3, 4])], r"entries\[1\]\.key must not be empty"),
        ([{"key": "a", "vec": [1, 2, 3, 4]}], r"entries\[0\].*unknown keys \['vec'\]"),
        ([{"vector": [1, 2, 3, 4]}], r"entries\[0\].*missing key"),
        ([("a",)], r"entries\[0\].*tuple of length 1"),
        ([["a", [1, 2, 3, 4]]], r"entries\[0\].*got list"),
        ([("a", [1, 2, 3, 4], [1])], r"entries\[0\]\.metadata must be a dict"),
        ({"key": "a", "vector": [1, 2, 3, 4]}, "entries must be a list"),
    ],
)
def test_batch_upsert_bad_entries_name_the_index(db, coll, entries, message):
    with pytest.raises(ValidationError, match=message):
        db.vector_batch_upsert(coll, entries)
    assert db.vector_collection_stats(coll)["count"] == 0


# -- search -----------------------------------------------------------------------


@pytest.mark.parametrize("metric", ["cosine", "euclidean", "dot_product"])
def test_search_equals_brute_force(db, ns, metric):
    rng = np.random.default_rng(RNG_SEED)
    n, dim, k = 300, 16, 10
    data = rng.standard_normal((n, dim)).astype(np.float32)
    name = _name(ns)
    db.vector_create_collection(name, dim, metric)
    db.vector_batch_upsert(name, [(f"v{i}", data[i], {"i": i}) for i in range(n)])
    queries = rng.standard_normal((5, dim)).astype(np.float32)
    batch = db.vector_batch_search(name, queries, k, ef=500)
    assert len(batch) == len(queries)
    for query, batched in zip(queries, batch):
        order, scores, distances = brute_force(data, query, k, metric)
        got = db.vector_search(name, query, k, ef=500)
        assert [r["key"] for r in got] == [f"v{i}" for i in order]
        assert [r["metadata"]["i"] for r in got] == order.tolist()
        np.testing.assert_allclose([r["score"] for r in got], scores, rtol=1e-4, atol=1e-4)
        np.testing.assert_allclose([r["distance"] for r in got], distances, rtol=1e-4, atol=1e-4)
        assert [r["key"] for r in batched] == [r["key"] for r in got]
        # The default ef finds the same on so small a collection.
        assert [r["key"] for r in db.vector_search(name, query.tolist(), k)] == [r["key"] for r in got]
    db.vector_delete_collection(name)


def test_other_metric_is_answered_exactly(db, ns):
    rng = np.random.default_rng(RNG_SEED + 1)
    data = rng.standard_normal((200, 8)).astype(np.float32)
    name = _name(ns)
    db.vector_create_collection(name, 8, "cosine")
    db.vector_batch_upsert(name, [(f"v{i}", data[i]) for i in range(len(data))])
    query = rng.standard_normal(8).astype(np.float32)
    for metric in ("euclidean", "dot_product", "ip"):
        canonical = "dot_product" if metric == "ip" else metric
        order, scores, _ = brute_force(data, query, 7, canonical)
        got = db.vector_search(name, query, 7, metric=metric)
        assert [r["key"] for r in got] == [f"v{i}" for i in order]
        np.testing.assert_allclose([r["score"] for r in got], scores, rtol=1e-4, atol=1e-4)
    db.vector_delete_collection(name)


def test_k_larger_than_the_collection(db, coll):
    db.vector_batch_upsert(coll, [("a", [1, 0, 0, 0]), ("b", [0, 1, 0, 0])])
    assert [r["key"] for r in db.vector_search(coll, [1, 0.1, 0, 0], 10)] == ["a", "b"]


@pytest.mark.parametrize("k", [0, -1, 10001, 1.5, True, None])
def test_bad_k(db, coll, k):
    with pytest.raises(ValidationError, match="k must be"):
        db.vector_search(coll, [1, 2, 3, 4], k)


def test_server_rejects_k_out_of_range(db, coll):
    request = vectors_pb2.VectorSearchRequest(context=db._context(), collection=coll, k=0)
    request.query.f32le = np.ones(4, dtype="<f4").tobytes()
    with pytest.raises(ValidationError) as e:
        db._call(db._vectors_stub.Search, request)
    assert e.value.code == "INVALID_ARGUMENT"


@pytest.mark.parametrize("ef", [0, -3, "100", 2.0])
def test_bad_ef(db, coll, ef):
    with pytest.raises(ValidationError, match="ef must"):
        db.vector_search(coll, [1, 2, 3, 4], 1, ef=ef)


def test_batch_search_input_shapes(db, coll):
    db.vector_batch_upsert(coll, [("a", [1, 0, 0, 0]), ("b", [0, 1, 0, 0]), ("c", [0, 0, 1, 0])])
    as_array = db.vector_batch_search(coll, np.eye(4, dtype=np.float64)[:3], 1)
    as_lists = db.vector_batch_search(coll, [[1, 0, 0, 0], (0, 1, 0, 0), np.array([0, 0, 1, 0])], 1)
    assert [[r["key"] for r in res] for res in as_array] == [["a"], ["b"], ["c"]]
    assert as_lists == as_array
    for bad, message in (
        (np.ones(4), "2-D"),
        (np.ones((0, 4)), "must not be empty"),
        ([], "must not be empty"),
        ([[1, 0, 0, float("nan")]], r"queries\[0\] holds NaN"),
        (np.array([[1, 0, 0, 0], [0, 0, np.inf, 0]]), "position 6"),
        ("abcd", "got str"),
    ):
        with pytest.raises(ValidationError, match=message):
            db.vector_batch_search(coll, bad, 1)


def test_search_as_of(db, coll):
    db.vector_batch_upsert(coll, [("a", [1, 0, 0, 0], {"gen": 1}), ("b", [0, 1, 0, 0], {"gen": 1})])
    then = db.vector_get(coll, "b")["timestamp"]
    time.sleep(0.002)
    db.vector_upsert(coll, "c", [1, 0.01, 0, 0], {"gen": 2})
    db.vector_upsert(coll, "a", [0, 0, 0, 1], {"gen": 2})
    db.vector_delete(coll, "b")
    now = db.vector_search(coll, [1, 0, 0, 0], 3)
    assert [r["key"] for r in now] == ["c", "a"]
    old = db.vector_search(coll, [1, 0, 0, 0], 3, as_of=then)
    assert [r["key"] for r in old] == ["a", "b"]
    assert [r["metadata"] for r in old] == [{"gen": 1}, {"gen": 1}]
    old_batch = db.vector_batch_search(coll, [[1, 0, 0, 0]], 3, as_of=then)
    assert [r["key"] for r in old_batch[0]] == ["a", "b"]


def test_search_without_metadata(db, coll):
    """include_metadata=False: same keys, scores and distances, every
    "metadata" None (same dict shape); filters still apply to the stored
    metadata; the single, batch, filtered, metric-override and as_of paths."""
    db.vector_batch_upsert(
        coll,
        [("a", [1, 0, 0, 0], {"gen": 1}), ("b", [1, 1, 0, 0], {"gen": 2}), ("c", [0, 1, 0, 0])],
    )
    then = db.vector_get(coll, "c")["timestamp"]
    query = np.array([1, 0.1, 0, 0], dtype=np.float32)
    where = [{"field": "gen", "op": "gte", "value": 2}]
    cases = [
        ({}, ["a", "b", "c"]),
        ({"filters": where}, ["b"]),
        ({"metric": "euclidean"}, ["a", "b", "c"]),
        ({"as_of": then}, ["a", "b", "c"]),
        ({"as_of": then, "filters": where}, ["b"]),
    ]
    for options, keys in cases:
        with_metadata = db.vector_search(coll, query, 3, **options)
        without = db.vector_search(coll, query, 3, include_metadata=False, **options)
        assert [r["key"] for r in without] == keys, options
        assert [r["key"] for r in with_metadata] == keys, options
        for full, bare in zip(with_metadata, without):
            assert set(bare) == {"key", "score", "distance", "metadata"}
            assert bare["metadata"] is None
            assert (bare["score"], bare["distance"]) == (full["score"], full["distance"])
        assert [r["metadata"] for r in with_metadata][: len(keys)] == [
            {"a": {"gen": 1}, "b": {"gen": 2}, "c": None}[k] for k in keys
        ]
    explicit = db.vector_search(coll, query, 3, include_metadata=True)
    assert explicit == db.vector_search(coll, query, 3)

    batches = db.vector_batch_search(coll, [[1, 0, 0, 0], [0, 1, 0, 0]], 2, include_metadata=False)
    assert [[r["key"] for r in res] for res in batches] == [["a", "b"], ["c", "b"]]
    assert all(r["metadata"] is None for res in batches for r in res)
    filtered = db.vector_batch_search(coll, [[1, 0, 0, 0]], 2, filters=where, as_of=then, include_metadata=False)
    assert [[(r["key"], r["metadata"]) for r in res] for res in filtered] == [[("b", None)]]
    full = db.vector_batch_search(coll, [[1, 0, 0, 0], [0, 1, 0, 0]], 2)
    assert full[0][0]["metadata"] == {"gen": 1}

    for bad in (0, 1, "no", None):
        with pytest.raises(ValidationError, match="include_metadata must be a bool"):
            db.vector_search(coll, query, 1, include_metadata=bad)
        with pytest.raises(ValidationError, match="include_metadata must be a bool"):
            db.vector_batch_search(coll, [query], 1, include_metadata=bad)


def test_nan_in_a_float32_query_is_named_by_the_server(db, coll):
    """A float32 numpy query is sent unchecked (the check would cost every
    search); the server's error names the bad component, and other query
    forms are still checked before sending."""
    db.vector_upsert(coll, "a", [1, 0, 0, 0])
    for bad, what in ((np.nan, "NaN"), (np.inf, "infinite"), (-np.inf, "infinite")):
        query = np.array([1, 0, bad, 0], dtype=np.float32)
        for options in ({}, {"filters": [{"field": "x", "op": "eq", "value": 1}]}):
            with pytest.raises(ValidationError, match=f"query component 2 is {what}") as e:
                db.vector_search(coll, query, 1, **options)
            assert e.value.code == "INVALID_ARGUMENT"
    with pytest.raises(ValidationError, match="position 1"):  # float64: converted and checked client-side
        db.vector_search(coll, np.array([1, np.nan, 0, 0]), 1)
    assert db.vector_search(coll, np.array([1, 0, 0, 0], dtype=np.float32), 1)[0]["key"] == "a"


def test_results_read_from_either_answer_layout(db, coll):
    """The client asks for the columns layout; an answer in matches (a
    server that predates `columns` ignores the field) reads the same."""
    db.vector_batch_upsert(coll, [("a", [1, 0, 0, 0], {"gen": 1}), ("b", [1, 1, 0, 0])])
    from stratadb._vectors import _matches

    for include_metadata in (True, False):
        request = vectors_pb2.VectorSearchRequest(context=db._context(), collection=coll, k=2)
        request.query.f32le = np.array([1, 0, 0, 0], dtype="<f4").tobytes()
        if not include_metadata:
            request.include_metadata = False
        old_layout = db._call(db._vectors_stub.Search, request)
        assert len(old_layout.matches) == 2 and not old_layout.keys
        expected = db.vector_search(coll, [1, 0, 0, 0], 2, include_metadata=include_metadata)
        assert _matches(old_layout, include_metadata) == expected
        assert [r["metadata"] for r in expected] == ([{"gen": 1}, None] if include_metadata else [None, None])


def test_plain_searches_answer_as_the_general_path(db, coll, ns):
    """A search without filters or as_of is sent from a request serialized
    once per (branch, space, collection, k, metric, ef, include_metadata);
    it answers exactly as the general path (forced here by filters=[]),
    still validates every argument, and follows the handle's branch."""
    rng = np.random.default_rng(RNG_SEED)
    data = rng.normal(size=(40, 4)).astype(np.float32)
    db.vector_batch_upsert(coll, [(f"k{i}", data[i], {"i": i}) for i in range(40)])
    queries = rng.normal(size=(5, 4)).astype(np.float32)
    for options in ({}, {"metric": "euclidean"}, {"ef": 7}, {"include_metadata": False}, {"metric": "DOT", "ef": 50}):
        for k in (1, 5, 40):
            for q in queries:
                plain = db.vector_search(coll, q, k, **options)
                assert plain == db.vector_search(coll, q, k, filters=[], **options), (options, k)
                assert plain == db.vector_search(coll, list(map(float, q)), k, **options)  # a list query too
    # A template made for k=3 never answers a k of another type or range.
    db.vector_search(coll, queries[0], 3)
    for bad_k in (3.0, True, 0):
        with pytest.raises(ValidationError, match="k must be"):
            db.vector_search(coll, queries[0], bad_k)
    with pytest.raises(ValidationError, match="query"):
        db.vector_search(coll, [1.0, float("nan"), 0.0, 0.0], 3)
    with pytest.raises(ConstraintError):
        db.vector_search(coll, [1.0, 0.0, 0.0], 3)
    # Same arguments on another branch: that branch's vectors.
    branch = _name(ns, "b")
    db.branch_fork("default", branch)
    try:
        db.branch_use(branch)
        db.vector_upsert(coll, "only-here", queries[0])
        assert db.vector_search(coll, queries[0], 1)[0]["key"] == "only-here"
        db.branch_use("default")
        assert db.vector_search(coll, queries[0], 1)[0]["key"] != "only-here"
    finally:
        db.branch_use("default")
        db.branch_delete(branch)


# -- filters ---------------------------------------------------------------------


@pytest.fixture
def tagged(db, ns):
    """40 vectors with nested metadata: {"info": {"n", "tag", "name", "tags"}}."""
    name = _name(ns)
    db.vector_create_collection(name, 4, "euclidean")
    rng = np.random.default_rng(RNG_SEED + 2)
    metas = {}
    entries = []
    for i in range(40):
        meta = {"info": {"n": i, "tag": f"t{i % 4}", "name": f"item-{i}", "tags": ["all"] + (["odd"] if i % 2 else [])}}
        metas[f"v{i}"] = meta
        entries.append((f"v{i}", rng.standard_normal(4), meta))
    db.vector_batch_upsert(name, entries)
    yield name, metas
    db.vector_delete_collection(name)


def _n(meta):
    return meta["info"]["n"]


@pytest.mark.parametrize(
    "condition, holds",
    [
        ({"field": "info.n", "op": "eq", "value": 7}, lambda m: _n(m) == 7),
        ({"field": "info.tag", "op": "ne", "value": "t0"}, lambda m: m["info"]["tag"] != "t0"),
        ({"field": "info.n", "op": "gt", "value": 30}, lambda m: _n(m) > 30),
        ({"field": "info.n", "op": "gte", "value": 30}, lambda m: _n(m) >= 30),
        ({"field": "info.n", "op": "lt", "value": 5}, lambda m: _n(m) < 5),
        ({"field": "info.n", "op": "lte", "value": 5.5}, lambda m: _n(m) <= 5.5),
        ({"field": "info.tag", "op": "in", "value": ["t1", "t3"]}, lambda m: m["info"]["tag"] in ("t1", "t3")),
        ({"field": "info.name", "op": "contains", "value": "-1"}, lambda m: "-1" in m["info"]["name"]),
        ({"field": "info.tags", "op": "contains", "value": "odd"}, lambda m: "odd" in m["info"]["tags"]),
        ({"field": "info.n", "op": "EQ", "value": 3}, lambda m: _n(m) == 3),  # ops in any case
    ],
)
def test_filter_ops_on_nested_metadata(db, tagged, condition, holds):
    name, metas = tagged
    expected = {key for key, meta in metas.items() if holds(meta)}
    assert expected  # every case selects something
    got = db.vector_search(name, [0, 0, 0, 0.5], 40, filters=[condition])
    assert {r["key"] for r in got} == expected
    assert all(holds(r["metadata"]) for r in got)
    # k below the number of matches: exactly k of them, still best first.
    few = db.vector_search(name, [0, 0, 0, 0.5], 2, filters=[condition])
    assert len(few) == min(2, len(expected))
    assert [r["key"] for r in few] == [r["key"] for r in got[: len(few)]]


def test_filters_combine_with_and(db, tagged):
    name, metas = tagged
    filters = [
        {"field": "info.n", "op": "gte", "value": 10},
        {"field": "info.tags", "op": "contains", "value": "odd"},
        {"field": "info.tag", "op": "ne", "value": "t1"},
    ]
    expected = {k for k, m in metas.items() if _n(m) >= 10 and _n(m) % 2 and m["info"]["tag"] != "t1"}
    got = db.vector_search(name, [1, 0, 0, 0], 40, filters=filters)
    assert {r["key"] for r in got} == expected
    assert db.vector_search(name, [1, 0, 0, 0], 40, filters=[{"field": "info.missing", "op": "eq", "value": 1}]) == []


@pytest.mark.parametrize(
    "filters, message",
    [
        ({"field": "a", "op": "eq", "value": 1}, "filters must be a list"),
        (["a"], r"filters\[0\] must be a dict"),
        ([{"field": "a", "op": "eq"}], r"filters\[0\].*missing \['value'\]"),
        ([{"field": "a", "op": "eq", "value": 1, "x": 2}], r"unknown keys \['x'\]"),
        ([{"field": "", "op": "eq", "value": 1}], r"filters\[0\]\.field"),
        ([{"field": "a\ud800", "op": "eq", "value": 1}], r"filters\[0\]\.field is not valid unicode"),
        ([{"field": "a", "op": "like", "value": 1}], r"filters\[0\]\.op must be one of"),
        ([{"field": "a", "op": "in", "value": 1}], 'op "in" needs a list'),
        ([{"field": "a", "op": "eq", "value": object()}], r"filters\[0\]\.value: unsupported value type"),
    ],
)
def test_bad_filters_client_side(db, coll, filters, message):
    with pytest.raises(ValidationError, match=message) as e:
        db.vector_search(coll, [1, 2, 3, 4], 1, filters=filters)
    assert e.value.code is None


def test_bad_filter_server_side(db, coll):
    """What only the server can judge: a malformed dotted path."""
    db.vector_upsert(coll, "a", [1, 2, 3, 4], {"x": 1})
    with pytest.raises(ValidationError) as e:
        db.vector_search(coll, [1, 2, 3, 4], 1, filters=[{"field": "a..b", "op": "eq", "value": 1}])
    assert e.value.code == "INVALID_ARGUMENT"


def test_selective_filter_over_10k_returns_exactly_the_matches(db, ns):
    name = _name(ns)
    n, dim = 10_000, 8
    rng = np.random.default_rng(RNG_SEED + 3)
    data = rng.standard_normal((n, dim)).astype(np.float32)
    rare = {17, 4242, 9999}
    db.vector_create_collection(name, dim)
    for start in range(0, n, 2000):
        db.vector_batch_upsert(
            name,
            [
                (f"v{i}", data[i], {"g": {"bucket": i % 100, "rare": i in rare}})
                for i in range(start, min(n, start + 2000))
            ],
        )
    assert db.vector_collection_stats(name)["count"] == n
    query = data[123]
    got = db.vector_search(name, query, 10, filters=[{"field": "g.rare", "op": "eq", "value": True}])
    assert sorted(r["key"] for r in got) == sorted(f"v{i}" for i in rare)
    # Best first among the three.
    order, _, _ = brute_force(data[sorted(rare)], query, 3, "cosine")
    assert [r["key"] for r in got] == [f"v{sorted(rare)[i]}" for i in order]
    # 1% selectivity: exactly the brute-force top 10 of the bucket.
    bucket = np.flatnonzero(np.arange(n) % 100 == 42)
    got = db.vector_search(name, query, 10, filters=[{"field": "g.bucket", "op": "eq", "value": 42}])
    order, _, _ = brute_force(data[bucket], query, 10, "cosine")
    assert [r["key"] for r in got] == [f"v{bucket[i]}" for i in order]
    db.vector_delete_collection(name)


# -- branches, threads, no numpy -------------------------------------------------------


def test_fork_isolation(db, ns):
    name = _name(ns)
    fork = _name(ns, "fork")
    db.vector_create_collection(name, 2, "euclidean")
    db.vector_batch_upsert(name, [("a", [0, 0]), ("b", [1, 1])])
    db.branch_fork(db.current_branch(), fork)
    try:
        with type(db).open(db._target.address, timeout=30) as other:
            other.branch_use(fork)
            other.vector_upsert(name, "c", [0.1, 0.1])
            other.vector_delete(name, "b")
            assert [r["key"] for r in other.vector_search(name, [0, 0], 5)] == ["a", "c"]
            db.vector_upsert(name, "d", [0.05, 0.05])
            assert [r["key"] for r in db.vector_search(name, [0, 0], 5)] == ["a", "d", "b"]
            assert [r["key"] for r in other.vector_search(name, [0, 0], 5)] == ["a", "c"]
            assert other.vector_collection_stats(name)["count"] == 2
            assert db.vector_collection_stats(name)["count"] == 3
    finally:
        db.branch_delete(fork)
        db.vector_delete_collection(name)


def test_concurrent_searches_during_upserts(db, ns):
    name = _name(ns)
    dim = 16
    rng = np.random.default_rng(RNG_SEED + 4)
    data = rng.standard_normal((1200, dim)).astype(np.float32)
    db.vector_create_collection(name, dim)
    db.vector_batch_upsert(name, [(f"v{i}", data[i]) for i in range(200)])
    errors = []
    done = threading.Event()

    def writer():
        try:
            for start in range(200, 1200, 50):
                db.vector_batch_upsert(name, [(f"v{i}", data[i]) for i in range(start, start + 50)])
                db.vector_upsert(name, f"single{start}", data[start])
        except Exception as e:  # reported below
            errors.append(e)
        finally:
            done.set()

    def reader(seed):
        r = np.random.default_rng(seed)
        try:
            for _ in range(400):  # bounded, whatever the writer does
                got = db.vector_search(name, r.standard_normal(dim), 5)
                assert len(got) == 5 and all(a["score"] >= b["score"] for a, b in zip(got, got[1:]))
                if done.is_set():
                    break
        except Exception as e:
            errors.append(e)

    threads = [threading.Thread(target=writer)] + [threading.Thread(target=reader, args=(s,)) for s in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not any(t.is_alive() for t in threads)
    assert errors == []
    assert db.vector_collection_stats(name)["count"] == 1200 + 20
    # The index caught up with every write: a stored vector finds itself.
    assert db.vector_search(name, data[1199], 1)[0]["key"] == "v1199"
    db.vector_delete_collection(name)


NO_NUMPY_SCRIPT = r"""
import json, sys
sys.modules["numpy"] = None  # `import numpy` now raises ImportError
from stratadb import Strata, ValidationError
address, name = sys.argv[1], sys.argv[2]
out = {}
with Strata.open(address, timeout=30) as db:
    db.vector_create_collection(name, 3, "euclidean")
    db.vector_upsert(name, "a", [0.5, 1, -2.25], {"m": 1})
    db.vector_batch_upsert(name, [("b", (1.0, 1.0, 1.0)), {"key": "c", "vector": [3, 3, 3]}])
    got = db.vector_get(name, "a")
    out["embedding"] = got["embedding"]
    out["embedding_type"] = type(got["embedding"]).__name__
    out["search"] = [r["key"] for r in db.vector_search(name, [1, 1, 1], 3)]
    out["batch"] = [[r["key"] for r in res] for res in db.vector_batch_search(name, [[3, 3, 3], [0, 1, -2]], 1)]
    try:
        db.vector_upsert(name, "bad", [1, "x", 3])
    except ValidationError as e:
        out["error"] = str(e)
    db.vector_delete_collection(name)
out["numpy_loaded"] = sys.modules.get("numpy") is not None
print(json.dumps(out))
"""


def test_works_without_numpy(stratad, ns):
    env = dict(os.environ)
    src = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "src")
    env["PYTHONPATH"] = src + os.pathsep + env.get("PYTHONPATH", "")
    result = subprocess.run(
        [sys.executable, "-c", NO_NUMPY_SCRIPT, stratad.address, _name(ns)],
        capture_output=True, text=True, timeout=60, env=env,
    )
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    assert out["embedding_type"] == "list" and out["embedding"] == [0.5, 1.0, -2.25]
    assert out["search"] == ["b", "a", "c"]
    assert out["batch"] == [["c"], ["a"]]
    assert out["error"] == "vector element at position 1 must be a number, got str"
    assert out["numpy_loaded"] is False


def test_the_finite_check_agrees_with_numpy_on_every_kind_of_float32():
    """all_finite_f32le reads exponent bits: every special value at every
    position of several lengths, against numpy's isfinite."""
    from stratadb._vector_encoding import all_finite_f32le

    specials = np.array(
        [np.inf, -np.inf, np.nan, -np.nan], dtype="<f4"
    ).view("<u4").tolist() + [0x7F800001, 0x7FC00001, 0xFFFFFFFF, 0x7FBFFFFF]  # NaNs with payloads, signalling
    ordinary = np.array(
        [0.0, -0.0, 1.0, -1.5, 3.4028235e38, -3.4028235e38, 1e-45, 1.17549435e-38], dtype="<f4"
    ).view("<u4").tolist() + [0x7F7FFFFF, 0x00800000, 0x807FFFFF]  # largest finite, smallest normal, a subnormal
    for length in (1, 2, 3, 7, 8, 9, 128, 1536):
        base = np.full(length, 0x3F800000, dtype="<u4")  # 1.0
        assert all_finite_f32le(base.tobytes())
        for position in sorted({0, length // 2, length - 1}):
            for bits in specials + ordinary:
                lanes = base.copy()
                lanes[position] = bits
                floats = lanes.view("<f4")
                assert all_finite_f32le(lanes.tobytes()) == bool(np.isfinite(floats).all()), (length, position, hex(bits))
