"""Data and history survive a restart on the same data directory."""

import math

from stratadb import Strata


def test_data_survives_restart(stratad_factory):
    server = stratad_factory()
    with Strata.open(server.address, timeout=10) as db:
        v1 = db.kv_put("a", {"n": 1, "b": b"\x00\xff", "f": float("nan")})
        v2 = db.kv_put("a", [1, 2.5, "three"])
        db.kv_put("gone", 1)
        db.kv_delete("gone")
        db.kv_put("kept", "yes")
        history_before = db.kv_history("a")
    server.restart()
    with Strata.open(server.address, timeout=10) as db:
        assert db.kv_get("a") == [1, 2.5, "three"]
        assert db.kv_get("gone") is None
        assert db.kv_list() == ["a", "kept"]
        history = db.kv_history("a")
        assert [e["version"] for e in history] == [v2, v1]
        assert history[0] == history_before[0]
        old = history[1]["value"]
        assert old["n"] == 1 and old["b"] == b"\x00\xff" and math.isnan(old["f"])
        assert db.kv_history("gone")[0]["deleted"] is True
        # The version counter carries on past what was written before.
        assert db.kv_put("after", 1) > v2


def test_sigterm_exits_zero(stratad_factory):
    server = stratad_factory()
    with Strata.open(server.address) as db:
        db.kv_put("k", 1)
    assert server.stop() == 0
