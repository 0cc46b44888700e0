"""Answers larger than the server's --max-message-size (spec §2 limits, §3
history, §6 event lists): read back in pages that fit, or refused with a
ConstraintError naming the limit. Before, gRPC failed them with "Sent message
larger than max" and no reason, so legally written data could not be read.

A 1 MiB limit keeps the values small; the default 64 MiB behaves the same
with 5 versions of a 16 MiB value or 70 events of 1 MiB."""

import pytest

from stratadb import ConstraintError, Strata

PIECE = "x" * 300_000  # four of them fill more than 1 MiB


@pytest.fixture
def small(stratad_factory):
    server = stratad_factory(["--max-message-size", "1MiB"])
    db = Strata.open(server.address, timeout=30)
    yield db
    db.close()


def test_history_longer_than_one_answer_comes_back_whole_newest_first(small):
    versions = [small.kv_put("k", PIECE + str(i)) for i in range(4)]
    small.kv_delete("k")
    history = small.kv_history("k")
    assert [e.get("deleted", False) for e in history] == [True, False, False, False, False]
    assert [e["value"] for e in history[1:]] == [PIECE + str(i) for i in (3, 2, 1, 0)]
    assert [e["version"] for e in history[1:]] == versions[::-1]


def test_state_history_longer_than_one_answer_comes_back_whole(small):
    for i in range(4):
        small.state_set("c", PIECE + str(i))
    assert [e["value"] for e in small.state_history("c")] == [PIECE + str(i) for i in (3, 2, 1, 0)]


def test_event_lists_longer_than_one_answer_come_back_whole(small):
    for i in range(4):
        small.event_append("big", {"n": i, "text": PIECE})
    small.event_append("small", {"n": 99})
    assert [e["value"]["n"] for e in small.event_list(None)] == [0, 1, 2, 3, 99]
    assert [e["value"]["n"] for e in small.event_list("big")] == [0, 1, 2, 3]
    assert [e["value"]["n"] for e in small.event_list(None, limit=3)] == [0, 1, 2]
    assert [e["value"]["n"] for e in small.event_list(None, after=1)] == [2, 3, 99]


def test_a_path_update_that_would_outgrow_one_answer_is_refused(small):
    # Path updates could grow a document past what one answer may carry, and
    # it could then be read only by path. The update that would is refused,
    # naming the limit, and nothing is written (in a transaction too).
    for i in range(3):
        small.json_set("doc", f"$.part{i}", PIECE)
    whole = {f"part{i}": PIECE for i in range(3)}
    refused = r'json document "doc" would be \d+ bytes .* --max-message-size of 1048576 bytes.* nothing was written'
    with pytest.raises(ConstraintError, match=refused) as info:
        small.json_set("doc", "$.part3", PIECE)
    assert info.value.reason == "constraint"
    with small.transaction():
        with pytest.raises(ConstraintError, match=refused):
            small.json_set("doc", "$.part3", PIECE)
        small.json_set("doc", "$.small", 1)
    assert small.json_get("doc", "$") == {**whole, "small": 1}
    assert [e["value"] for e in small.json_history("doc")][1] == whole
    small.json_set("doc", "$.part0", "short")  # shrinking and rewriting still work
    small.json_set("doc", "$.part3", PIECE)


def test_a_document_larger_than_a_lowered_limit_is_refused_whole_and_read_by_path(stratad_factory):
    # Written under a 1 MiB limit, read under 512 KiB: reading it whole is
    # refused with the reason (it was gRPC's "Sent message larger than max"),
    # and so is a history entry holding it; a path still reads a part.
    server = stratad_factory(["--max-message-size", "1MiB"])
    with Strata.open(server.address, timeout=30) as db:
        for i in range(3):
            db.json_set("doc", f"$.part{i}", PIECE)
    server.stop()
    server.extra_args = ["--max-message-size", "512KiB"]
    server.start()
    with Strata.open(server.address, timeout=30) as db:
        with pytest.raises(ConstraintError, match='value at "\\$" of document "doc" is .* --max-message-size') as info:
            db.json_get("doc", "$")
        assert info.value.reason == "constraint"
        with pytest.raises(ConstraintError, match="--max-message-size of 524288 bytes"):
            db.json_history("doc")
        assert db.json_get("doc", "$.part2") == PIECE


def _both_sides_change(db, keys):
    for key in keys:
        db.kv_put(key, "base")
    db.branch_fork("default", "side")
    for key in keys:
        db.kv_put(key, PIECE + "-target")
    db.branch_use("side")
    for key in keys:
        db.kv_put(key, PIECE + "-source")
    db.branch_use("default")


def test_a_merge_whose_conflicts_exceed_one_answer_is_committed_and_says_so(small):
    # Before, the merge was committed and then reported as a ConstraintError
    # ("Sent message larger than max"), which reads as "nothing was merged".
    keys = ["a", "b", "c", "d"]
    _both_sides_change(small, keys)
    before = small.info()["current_version"]
    result = small.branch_merge("side", "default", "source_wins")
    assert result["version"] > before
    assert sorted(c["key"] for c in result["conflicts"]) == keys
    assert result["conflicts_left_out"] == 0
    slimmed = [c for c in result["conflicts"] if c.get("values_omitted")]
    assert slimmed, "four 300 KB pairs of values cannot all fit in 1 MiB"
    assert all(c["source_value"] is None and c["target_value"] is None for c in slimmed)
    assert all(c["resolution"] == "source" for c in result["conflicts"])
    assert [small.kv_get(k) for k in keys] == [PIECE + "-source"] * 4


def test_a_diff_too_large_with_its_values_names_every_entry(small):
    keys = ["a", "b", "c", "d"]
    _both_sides_change(small, keys)
    diff = small.branch_diff("default", "side")
    assert diff["summary"] == {"added": 0, "removed": 0, "modified": 4}
    assert sorted(e["key"] for e in diff["entries"]) == keys
    full = [e for e in diff["entries"] if not e.get("values_omitted")]
    slimmed = [e for e in diff["entries"] if e.get("values_omitted")]
    assert slimmed and all(e["value_a"] is None and e["value_b"] is None for e in slimmed)
    assert all(e["value_a"] == PIECE + "-target" and e["value_b"] == PIECE + "-source" for e in full)


@pytest.mark.parametrize("limit", ["256KiB", "64KiB", "4KiB"])
def test_a_server_with_a_small_message_limit_imports_what_it_exported(stratad_factory, tmp_path, limit):
    # The client sent 256 KiB import pieces whatever the limit: a server at
    # 256 KiB or less exported a bundle it then refused to take back ("Received
    # message larger than max"). It now cuts them to the limit info() reports.
    server = stratad_factory(["--max-message-size", limit])
    with Strata.open(server.address, timeout=60) as db:
        assert db.info()["max_message_size"] == int(limit[:-3]) << 10
        for i in range(200):
            db.kv_put(f"k{i}", "x" * 2000)
        db.event_append("log", {"n": 1})
        exported = db.branch_export("default", tmp_path / "b.bundle")
        assert exported["bundle_size"] > int(limit[:-3]) << 10
        imported = db.branch_import(tmp_path / "b.bundle", "copy")
        assert imported["entry_count"] == exported["entry_count"]
        db.branch_use("copy")
        assert db.kv_get("k199") == "x" * 2000


def test_a_bundle_larger_than_one_message_exports_and_imports(small, tmp_path):
    # Before, both sides sent 1 MiB pieces plus framing: past a 1 MiB limit.
    values = [PIECE + str(i) for i in range(5)]
    for i, value in enumerate(values):
        small.kv_put(f"k{i}", value)
    exported = small.branch_export("default", tmp_path / "b.bundle")
    assert exported["bundle_size"] > 1 << 20
    imported = small.branch_import(tmp_path / "b.bundle", "copy")
    assert imported["branch"] == "copy"
    small.branch_use("copy")
    assert [small.kv_get(f"k{i}") for i in range(5)] == values


def test_a_search_answer_too_large_is_a_constraint_error_naming_the_limit(small):
    # Before: gRPC's bare "Sent message larger than max", with no reason.
    small.vector_create_collection("c", 2)
    for i in range(4):
        small.vector_upsert("c", f"v{i}", [1.0, float(i)], {"text": PIECE})
    with pytest.raises(ConstraintError, match="4 matches with their metadata.*--max-message-size") as info:
        small.vector_search("c", [1.0, 0.0], 4)
    assert info.value.reason == "constraint"
    with pytest.raises(ConstraintError, match="--max-message-size"):
        small.vector_batch_search("c", [[1.0, 0.0]], 4)
    assert len(small.vector_search("c", [1.0, 0.0], 4, include_metadata=False)) == 4
    assert len(small.vector_search("c", [1.0, 0.0], 2)) == 2


def test_a_branch_list_too_large_is_a_constraint_error_naming_the_limit(stratad_factory):
    server = stratad_factory(["--max-message-size", "4KiB"])
    db = Strata.open(server.address, timeout=30)
    try:
        for i in range(30):
            db.branch_create(f"{i:03d}" + "b" * 200)
        with pytest.raises(ConstraintError, match="list of 31 branches.*--max-message-size") as info:
            db.branch_list()
        assert info.value.reason == "constraint"
    finally:
        db.close()
