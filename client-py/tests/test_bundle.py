"""Branch export/import (spec/api.md §9, docs/format.md "Bundles"): export
from one server, import into a fresh second server, compare every key, its
history and the event hashes; corrupted, truncated and wrong-version bundles
are rejected locally and by the server, leaving no branch behind; concurrent
exports to one path each succeed; exporting and validating do not hold the
bundle in the client's memory."""

import json
import os
import struct
import subprocess
import sys
import threading

import pytest

import stratadb
from stratadb import Strata
from stratadb.errors import ConstraintError, NotFoundError, ValidationError


def _strip(history):
    return [(h.get("value"), h.get("timestamp"), h.get("deleted", False)) for h in history or []]


def _populate(db):
    db.branch_create("exp")
    db.branch_use("exp")
    db.kv_put("a", 1)
    db.kv_put("a", "two")
    db.kv_put("gone", True)
    db.kv_delete("gone")
    db.state_init("cell", 0)
    db.state_set("cell", 5)
    db.json_set("doc", "$", {"x": 1})
    db.json_set("doc", "$.y", [1, 2])
    db.event_append("created", {"id": 1})
    db.event_append("updated", {"id": 2})
    db.space_create("other")
    db.space_use("other")
    db.kv_put("b", 2.5)
    db.event_append("elsewhere", "p")
    db.space_use("default")


def _snapshot(db, branch):
    db.branch_use(branch)
    out = {}
    for space in db.space_list():
        db.space_use(space)
        out[space] = {
            "kv": {k: _strip(db.kv_history(k)) for k in db.kv_list() + ["gone"]},
            "state": {c: _strip(db.state_history(c)) for c in db.state_list()},
            "json": {k: _strip(db.json_history(k)) for k in db.json_list()},
            "events": [
                (e["sequence"], e["event_type"], e["value"], e["timestamp"], e["hash"], e["prev_hash"])
                for e in db.event_list(None)
            ],
            "verify": db.event_verify()["valid"] if db.event_len() else True,
        }
    db.space_use("default")
    db.branch_use("default")
    return out


@pytest.fixture
def two_servers(stratad_factory):
    a, b = stratad_factory(), stratad_factory()
    with Strata.open(a.address, timeout=30) as da, Strata.open(b.address, timeout=30) as dbb:
        yield da, dbb


def test_export_import_into_fresh_server_reproduces_branch(two_servers, tmp_path):
    src, dst = two_servers
    _populate(src)
    path = tmp_path / "exp.bundle"
    info = src.branch_export("exp", path)
    assert info["branch"] == "exp" and info["path"] == str(path)
    assert info["bundle_size"] == path.stat().st_size
    assert info["entry_count"] > 0 and len(info["checksum"]) == 64
    local = src.branch_validate_bundle(path)
    assert local["valid"] and local["entry_count"] == info["entry_count"] and local["checksum"] == info["checksum"]

    result = dst.branch_import(path)
    assert result["branch"] == "exp" and result["entry_count"] == info["entry_count"]
    assert result["keys_written"] > 0
    before, after = _snapshot(src, "exp"), _snapshot(dst, "exp")
    assert before == after
    assert before["default"]["kv"]["a"] and before["other"]["events"]
    # Versions keep their order.
    dst.branch_use("exp")
    versions = [h["version"] for h in dst.kv_history("a")]
    assert versions == sorted(versions, reverse=True)
    dst.branch_use("default")

    # Under a new name as well; the same name again is a ConstraintError.
    assert dst.branch_import(path, name="exp-copy")["branch"] == "exp-copy"
    with pytest.raises(ConstraintError):
        dst.branch_import(path)


def test_export_of_missing_branch_is_not_found(fresh_db, tmp_path):
    with pytest.raises(NotFoundError):
        fresh_db.branch_export("nope", tmp_path / "x.bundle")
    assert not (tmp_path / "x.bundle").exists()
    assert not [n for n in os.listdir(tmp_path) if ".part-" in n]  # the temporary file is removed too


def test_export_into_a_missing_directory_names_the_given_path(fresh_db, tmp_path):
    # The error named the internal temporary file "<path>.part-<pid>", which
    # the caller never gave, and did not say that the directory was missing.
    path = tmp_path / "backup" / "default.bundle"
    with pytest.raises(FileNotFoundError) as raised:
        fresh_db.branch_export("default", path)
    err = raised.value
    assert err.filename == str(path)
    assert ".part-" not in str(err)
    assert "does not exist" in str(err) and repr(str(tmp_path / "backup")) in str(err)
    assert not (tmp_path / "backup").exists()


def test_import_of_a_missing_or_unreadable_file_raises_its_oserror(fresh_db, tmp_path):
    # Raised inside the request stream, it came out as StrataError("Exception
    # iterating requests!") with code UNKNOWN.
    with pytest.raises(FileNotFoundError):
        fresh_db.branch_import(tmp_path / "missing.bundle")
    with pytest.raises(IsADirectoryError):
        fresh_db.branch_import(tmp_path)
    assert fresh_db.branch_list() == ["default"]


def test_bad_bundles_are_rejected_and_leave_no_branch(two_servers, tmp_path):
    src, dst = two_servers
    _populate(src)
    good = tmp_path / "good.bundle"
    src.branch_export("exp", good)
    data = good.read_bytes()

    cases = {
        "truncated": data[: len(data) // 2],
        "truncated-trailer": data[:-3],
        "corrupted": data[: len(data) // 2] + bytes([data[len(data) // 2] ^ 0x20]) + data[len(data) // 2 + 1 :],
        "version": data[:12] + struct.pack(">I", 7) + data[16:],
    }
    expected = {
        "truncated": "truncated",
        "truncated-trailer": "truncated",
        "corrupted": "checksum mismatch",
        "version": "unsupported bundle version 7",
    }
    for case, payload in cases.items():
        path = tmp_path / f"{case}.bundle"
        path.write_bytes(payload)
        with pytest.raises(ValidationError, match=expected[case]):
            src.branch_validate_bundle(path)
        with pytest.raises(ValidationError, match=expected[case]):
            dst.branch_import(path, name=f"bad-{case}")
        assert not dst.branch_exists(f"bad-{case}")
    assert dst.branch_list() == ["default"]


def _fill(db, branch, values):
    db.branch_create(branch)
    db.branch_use(branch)
    for i, value in enumerate(values):
        db.kv_put(f"k{i}", value)
    db.branch_use("default")


def test_concurrent_exports_to_one_path_each_succeed_and_leave_one_whole_bundle(fresh_db, tmp_path):
    # Both calls wrote "<path>.part-<pid>": one returned success and its
    # checksum while the file held the other branch's bundle, the other failed
    # with "cannot write the bundle: No such file or directory" (or "bad magic").
    db = fresh_db
    _fill(db, "small", ["s"] * 3)
    _fill(db, "large", [os.urandom(32 << 10) for _ in range(64)])  # ~2 MiB: a long export
    reference_dir = tmp_path / "reference"
    reference_dir.mkdir()
    expected = {b: db.branch_export(b, reference_dir / f"{b}.bundle") for b in ("small", "large")}
    assert expected["large"]["bundle_size"] > 50 * expected["small"]["bundle_size"]

    out = tmp_path / "out"
    out.mkdir()
    path = out / "backup.bundle"
    for attempt in range(6):
        results = {}
        start = threading.Barrier(2)

        def export(branch):
            start.wait()
            try:
                results[branch] = db.branch_export(branch, path)  # one handle, two threads
            except Exception as e:  # noqa: BLE001 -- reported by the assertion below
                results[branch] = e

        threads = [threading.Thread(target=export, args=(b,)) for b in ("small", "large")]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        assert sorted(results) == ["large", "small"], f"attempt {attempt}: an export did not return"
        failed = {b: r for b, r in results.items() if not isinstance(r, dict)}
        assert not failed, f"attempt {attempt}: {failed!r}"
        for branch, result in results.items():
            for field in ("entry_count", "bundle_size", "checksum"):
                assert result[field] == expected[branch][field], (attempt, branch, field)
        assert os.listdir(out) == ["backup.bundle"]  # no temporary file left behind
        held = db.branch_validate_bundle(path)
        assert held["branch"] in ("small", "large")
        assert held["checksum"] == results[held["branch"]]["checksum"]
        assert path.stat().st_size == results[held["branch"]]["bundle_size"]


_MEASURE = """
import json, sys
sys.path.insert(0, {src!r})  # the stratadb the test imported, whatever the environment
from stratadb import Strata

def peak():
    # This process's own high-water mark (VmHWM): getrusage's ru_maxrss would
    # start at the size of the pytest process that forked it.
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024

with Strata.open({address!r}, timeout=30) as db:
    # A small export first, so that the calls' code and gRPC's buffers are in place.
    db.branch_export("default", {warm!r})
    db.branch_validate_bundle({warm!r})
    before = peak()
    if {export!r}:
        db.branch_export("big", {path!r})
    else:
        db.branch_validate_bundle({path!r})
    print(json.dumps(peak() - before))
"""


def _peak_growth(address, tmp_path, export):
    """How much the peak memory of a fresh client process grows during one
    branch_export of "big" to tmp_path/big.bundle (export) or one
    branch_validate_bundle of that file (not export)."""
    src = os.path.dirname(os.path.dirname(os.path.abspath(stratadb.__file__)))
    script = _MEASURE.format(
        src=src, address=address, warm=str(tmp_path / "warm.bundle"), path=str(tmp_path / "big.bundle"), export=export
    )
    child = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert child.returncode == 0, child.stderr
    return json.loads(child.stdout.strip().splitlines()[-1])


def test_export_and_validation_do_not_hold_the_bundle_in_memory(stratad_factory, tmp_path):
    # After streaming the bundle to disk, branch_export read it back whole to
    # validate it, and so did branch_validate_bundle: the client's peak memory
    # grew by about twice the bundle's size (a 60 MiB bundle: +120 MiB).
    server = stratad_factory()
    with Strata.open(server.address, timeout=30) as db:
        _fill(db, "big", [os.urandom(1 << 20) for _ in range(60)])
    exported = _peak_growth(server.address, tmp_path, export=True)
    size = (tmp_path / "big.bundle").stat().st_size
    assert size > 60 << 20
    validated = _peak_growth(server.address, tmp_path, export=False)
    # Frames of about 1 MiB are held one at a time; the bundle is 60 MiB.
    # The export also holds what gRPC's flow-control window lets the server
    # send ahead of the reader: 7-9 MB here alone, 18.5 MB once under ctest's
    # parallel load (a slow reader widens the window). Holding the bundle
    # would add at least its 60 MiB.
    grown = {"export": exported, "validate": validated, "bundle": size}
    assert exported < size // 2 and validated < size // 4, grown


def _repack(name, entries, version=2):
    """A bundle of `entries` with every checksum right: only the content can be wrong."""
    import hashlib
    import zlib

    out = b"STRATABUNDLE" + struct.pack(">IH", version, len(name)) + name.encode()
    payload = b"".join(struct.pack(">I", len(e)) + e for e in entries)
    out += b"D" + struct.pack(">II", len(payload), zlib.crc32(payload)) + payload
    trailer = struct.pack(">Q", len(entries)) + hashlib.sha256(out).digest()
    return out + b"T" + struct.pack(">II", len(trailer), zlib.crc32(trailer)) + trailer


def _entries(bundle):
    name_len = struct.unpack(">H", bundle[16:18])[0]
    start = 18 + name_len
    length = struct.unpack(">I", bundle[start + 1 : start + 5])[0]
    payload = bundle[start + 9 : start + 9 + length]
    entries, at = [], 0
    while at < len(payload):
        (n,) = struct.unpack(">I", payload[at : at + 4])
        entries.append(payload[at + 4 : at + 4 + n])
        at += 4 + n
    return entries


def test_the_offline_check_and_import_agree_on_malformed_entries(fresh_db, tmp_path):
    # branch_validate_bundle said valid: True for bundles import refused (a
    # tombstone flag of 2; a format 1 bundle holding vectors), and import said
    # only "bad entry in chunk 0". Both now give the same, specific verdict.
    db = fresh_db
    db.branch_create("src")
    db.branch_use("src")
    db.kv_put("k", 1)
    db.vector_create_collection("vc", 2)
    db.vector_upsert("vc", "a", [1.0, 0.0])
    db.branch_use("default")
    db.branch_export("src", tmp_path / "src.bundle")
    entries = _entries((tmp_path / "src.bundle").read_bytes())
    kv = next(i for i, e in enumerate(entries) if e[:1] == b"R" and e[1 + 4 + len(b"default")] == 1)
    bad = bytearray(entries[kv])
    bad[1 + 4 + 7 + 1 + 4 + 1 + 8 + 8] = 2  # kind, space, primitive, name "k", version, timestamp: the flag
    unknown = bytearray(entries[kv])
    unknown[1 + 4 + 7] = 9  # the primitive
    cases = {
        "tombstone": (_repack("src", entries[:kv] + [bytes(bad)] + entries[kv + 1 :]),
                      "bad entry in chunk 0: a record's tombstone flag must be 0 or 1, got 2"),
        "format1": (_repack("src", entries, version=1),
                    "a format 1 bundle cannot hold collections or vectors"),
        "primitive": (_repack("src", entries[:kv] + [bytes(unknown)] + entries[kv + 1 :]),
                      f"bundle entry {kv}: unknown primitive"),
        "kind": (_repack("src", entries + [b"X" + struct.pack(">I", 0)]), "bad entry in chunk 0: unknown entry kind 88"),
        "short": (_repack("src", entries + [b"R" + struct.pack(">I", 0) + b"\x01"]),
                  "bad entry in chunk 0: a record entry ends too soon"),
    }
    for case, (blob, message) in cases.items():
        path = tmp_path / f"{case}.bundle"
        path.write_bytes(blob)
        with pytest.raises(ValidationError, match=message):
            db.branch_validate_bundle(path)
        with pytest.raises(ValidationError, match=message):
            db.branch_import(path, f"bad-{case}")
        assert not db.branch_exists(f"bad-{case}")
