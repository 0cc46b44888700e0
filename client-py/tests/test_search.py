"""search() through a real stratad: hits of every primitive with ranks,
scores and snippets, BM25 scores computed here from the corpus, the
primitives filter, branches, as_of, transactions and validation."""

import math
import time
import uuid

import numpy as np
import pytest

from stratadb import Strata, ValidationError


@pytest.fixture
def sdb(db):
    """`db` in a space of its own: search statistics see only this test's data."""
    space = "s" + uuid.uuid4().hex[:12]
    db.space_create(space)
    db.space_use(space)
    yield db
    db.space_use("default")


def bm25(tf, doc_len, df, n, avg_len):
    idf = math.log(1 + (n - df + 0.5) / (df + 0.5))
    return idf * tf * 2.2 / (tf + 1.2 * (1 - 0.75 + 0.75 * doc_len / avg_len))


def test_scores_are_bm25_of_the_corpus(sdb):
    sdb.kv_put("a", "the quick brown fox")  # 4 words
    sdb.kv_put("b", "the lazy dog")  # 3 words
    sdb.kv_put("c", "quick quick fox jumps")  # 4 words
    hits = sdb.search("quick fox")
    assert [(h["primitive"], h["entity"], h["rank"]) for h in hits] == [("kv", "c", 1), ("kv", "a", 2)]
    avg = 11 / 3
    assert hits[0]["score"] == pytest.approx(bm25(2, 4, 2, 3, avg) + bm25(1, 4, 2, 3, avg), rel=1e-12)
    assert hits[1]["score"] == pytest.approx(2 * bm25(1, 4, 2, 3, avg), rel=1e-12)
    assert hits[0]["snippet"] == "[quick] [quick] [fox] jumps"


def test_every_primitive_is_searchable(sdb):
    sdb.kv_put("k", {"text": "shared topic in kv", "n": 1})
    sdb.state_init("cell", "shared topic in state")
    sdb.json_set("doc", "$", {"body": "shared topic in json", "tags": ["x"]})
    seq = sdb.event_append("shared_topic", {"detail": "event payload"})
    sdb.vector_create_collection("docs", 3)
    sdb.vector_upsert("docs", "v1", np.ones(3, dtype=np.float32), {"title": "shared topic in vector"})
    found = {(h["primitive"], h["entity"]) for h in sdb.search("shared topic")}
    assert found == {("kv", "k"), ("state", "cell"), ("json", "doc"), ("event", str(seq)), ("vector", "docs/v1")}
    assert [h["entity"] for h in sdb.search("payload")] == [str(seq)]
    only = sdb.search("shared topic", primitives=["json", "vector"])
    assert {h["primitive"] for h in only} == {"json", "vector"}
    assert [h["rank"] for h in only] == [1, 2]


def test_deletes_and_overwrites_change_hits(sdb):
    sdb.kv_put("a", "temporary marker")
    sdb.json_set("j", "$", {"t": "temporary marker"})
    assert len(sdb.search("temporary")) == 2
    sdb.kv_delete("a")
    sdb.json_set("j", "$", {"t": "permanent now"})
    assert sdb.search("temporary") == []
    assert [h["entity"] for h in sdb.search("permanent")] == ["j"]


def test_as_of_searches_the_past(sdb):
    sdb.kv_put("a", "before words")
    then = sdb.kv_get_versioned("a")["timestamp"]
    time.sleep(0.002)  # a later timestamp for the overwrite
    sdb.kv_put("a", "after words")
    assert sdb.search("before") == []
    assert [h["entity"] for h in sdb.search("before", as_of=then)] == ["a"]
    assert sdb.search("after", as_of=then) == []


def test_forked_branch_drops_parent_hits_it_changed(sdb, ns):
    branch = "b" + uuid.uuid4().hex[:10]
    space = sdb._space
    sdb.kv_put("a", "parent apple")
    sdb.kv_put("b", "parent berry")
    sdb.branch_fork("default", branch)
    try:
        sdb.branch_use(branch)
        sdb.space_use(space)
        sdb.kv_put("a", "child apple")
        sdb.kv_delete("b")
        assert sdb.search("parent") == []
        assert [h["snippet"] for h in sdb.search("apple")] == ["child [apple]"]
        sdb.branch_use("default")
        sdb.space_use(space)
        assert sorted(h["entity"] for h in sdb.search("parent")) == ["a", "b"]
    finally:
        sdb.branch_use("default")
        sdb.space_use(space)


def test_k_limits_and_orders_ties(sdb):
    for key in ["d", "b", "a", "c"]:
        sdb.kv_put(key, "tie")
    assert [h["entity"] for h in sdb.search("tie")] == ["a", "b", "c", "d"]
    assert [h["entity"] for h in sdb.search("tie", k=2)] == ["a", "b"]


@pytest.mark.parametrize(
    "kwargs, mention",
    [
        ({"query": ""}, "query"),
        ({"query": "   "}, "query"),
        ({"query": 5}, "query"),
        ({"query": "fox \ud800"}, "query is not valid unicode"),
        ({"query": "x", "k": 0}, "k"),
        ({"query": "x", "k": 1001}, "k"),
        ({"query": "x", "primitives": ["kv", "blob"]}, "'blob'"),
        ({"query": "x", "primitives": "kv"}, "primitives"),
        ({"query": "x", "as_of": "yesterday"}, "as_of"),
    ],
)
def test_bad_arguments_are_validation_errors(db, kwargs, mention):
    with pytest.raises(ValidationError, match=mention):
        db.search(**kwargs)


def test_server_refuses_an_unknown_primitive_too(db):
    # Past the client's own check, the server names the bad primitive itself.
    from stratadb._proto import search_pb2

    with pytest.raises(ValidationError, match='"blob"'):
        db._call(db._search_stub.Search, search_pb2.SearchRequest(context=db._context(), query="x", primitives=["blob"]))


def test_search_inside_a_transaction_sees_its_snapshot_and_own_writes(sdb, stratad):
    sdb.kv_put("a", "visible words")
    sdb.kv_put("b", "visible too")
    other = Strata.open(stratad.address, timeout=30)
    other.space_use(sdb.current_space())
    try:
        with sdb.transaction():
            sdb.kv_put("c", "visible staged words")
            sdb.kv_delete("b")
            sdb.event_append("note", {"text": "visible event"})
            other.kv_put("d", "visible from outside")  # committed after begin
            inside = sdb.search("visible")
            assert sorted(h["entity"] for h in inside) == ["0", "a", "c"]
            assert [h["rank"] for h in inside] == [1, 2, 3]
            staged = next(h for h in inside if h["entity"] == "c")
            assert "[visible] staged words" in staged["snippet"]
            assert sorted(h["entity"] for h in other.search("visible")) == ["a", "b", "d"]
        # Committed: the staged writes now visible to everyone, "d" too.
        assert sorted(h["entity"] for h in other.search("visible")) == ["0", "a", "c", "d"]
    finally:
        other.close()
