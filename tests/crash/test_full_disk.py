"""Full disk: a full LMDB map (--map-size) and a filesystem that runs out of
space (a small tmpfs). Writes fail with a ConstraintError (gRPC
RESOURCE_EXHAUSTED) naming the cause, reads keep working and see every
acknowledged write, the server stays up, and once space is freed writes
succeed again. Every wait is bounded; run with STRATAD_BIN set (ctest does).
"""

import os
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1] / "client-py" / "tests"))

from stratad_process import StratadProcess, stratad_bin  # noqa: E402
from stratadb import Strata  # noqa: E402
from stratadb.errors import ConstraintError  # noqa: E402

BLOB = "x" * 8000
MAX_WRITES = 5000  # far more than fits: the loops below end at the first refusal


def supports_flag(flag: str) -> bool:
    out = subprocess.run([str(stratad_bin()), "--help"], capture_output=True, text=True, timeout=20).stdout
    return flag in out


def fill_until_refused(db, prefix: str):
    """Put 8 KB values until the server refuses one; return (written keys, error)."""
    written = []
    for i in range(MAX_WRITES):
        key = f"{prefix}{i:05d}"
        try:
            db.kv_put(key, BLOB)
        except ConstraintError as e:
            return written, e
        written.append(key)
    pytest.fail(f"{MAX_WRITES} writes of 8 KB never filled the database")


def assert_reads_work(db, written):
    assert db.ping()
    assert db.kv_get(written[0]) == BLOB
    assert db.kv_get(written[-1]) == BLOB
    assert db.kv_list(written[0][:4]) == written


@pytest.fixture
def work_dir():
    with tempfile.TemporaryDirectory(prefix="strata-full-") as d:
        yield Path(d)


def test_full_map_refuses_writes_keeps_reads_and_recovers_after_delete_and_compact(work_dir):
    # History retention decides whether deletes can free space: with every
    # version kept (the default) a delete adds a tombstone and frees nothing.
    # With --retention-versions 1, compact() drops the deleted names and their
    # history; LMDB puts the freed pages on its free list and reuses them
    # (the data file never shrinks; the map is the ceiling, not the file).
    if not supports_flag("--retention-versions"):
        pytest.skip("this stratad has no --retention-versions: compact() cannot free space")
    server = StratadProcess(work_dir / "data", work_dir / "server",
                            ["--map-size", "2MiB", "--retention-versions", "1"])
    address = server.start()
    try:
        with Strata.open(address, timeout=30) as db:
            db.kv_put("early", "survives")
            written, err = fill_until_refused(db, "fill")
            assert len(written) > 10
            assert err.code == "RESOURCE_EXHAUSTED", err.code
            assert "map size" in str(err) and "--map-size" in str(err), str(err)
            # Writes of every primitive are refused the same way, and change nothing.
            with pytest.raises(ConstraintError, match="full"):
                db.kv_put("one-more", BLOB)
            with pytest.raises(ConstraintError, match="full"):
                db.event_append("t", {"blob": BLOB})
            assert db.kv_get("one-more") is None
            assert db.kv_get("early") == "survives"
            assert_reads_work(db, written)
            assert db.event_verify()["valid"]
            # Free space: delete most of it (a delete writes a small tombstone;
            # LMDB reuses pages freed by earlier commits), then compact.
            deleted = 0
            for key in written[: len(written) * 3 // 4]:
                try:
                    db.kv_delete(key)
                    deleted += 1
                except ConstraintError:
                    db.compact()  # frees what was deleted so far
                    db.kv_delete(key)
                    deleted += 1
            assert deleted > 0
            report = db.compact()
            assert report["versions_removed"] > 0, report
            more, err2 = fill_until_refused(db, "again")
            assert len(more) >= len(written) // 2, (len(more), len(written), str(err2))
            assert db.kv_get("early") == "survives"
            assert db.kv_get(written[-1]) == BLOB
        # A restart of a database that was full is clean.
        address = server.restart()
        with Strata.open(address, timeout=30) as db:
            assert db.kv_get("early") == "survives"
            assert db.kv_get(more[-1]) == BLOB
    finally:
        server.kill()


def test_full_map_without_retention_stays_full_but_serving(work_dir):
    # The default keeps all history: deleting frees nothing in LMDB terms, so
    # compact() cannot make room; the server stays up, reads work, and a
    # restart with a larger --map-size is the way out.
    server = StratadProcess(work_dir / "data", work_dir / "server", ["--map-size", "1MiB"])
    address = server.start()
    try:
        with Strata.open(address, timeout=30) as db:
            written, err = fill_until_refused(db, "fill")
            assert "map size" in str(err), str(err)
            db.compact()
            with pytest.raises(ConstraintError):
                db.kv_put("x", BLOB)
            assert_reads_work(db, written)
        server.stop()
        server.extra_args = ["--map-size", "8MiB"]
        address = server.start()
        with Strata.open(address, timeout=30) as db:
            db.kv_put("x", BLOB)
            assert_reads_work(db, written)
    finally:
        server.kill()


@pytest.fixture
def small_tmpfs(work_dir):
    mount_point = work_dir / "tmpfs"
    mount_point.mkdir()
    proc = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=3m", f"strata-test-{uuid.uuid4().hex[:8]}",
                           str(mount_point)], capture_output=True, text=True, timeout=20)
    if proc.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here (needs root / CAP_SYS_ADMIN): {proc.stderr.strip()}")
    try:
        yield mount_point
    finally:
        subprocess.run(["umount", "-l", str(mount_point)], timeout=20)


def test_filesystem_out_of_space_refuses_writes_keeps_reads_and_recovers(small_tmpfs, work_dir):
    data = small_tmpfs / "data"
    server = StratadProcess(data, work_dir / "server", ["--map-size", "64MiB"])
    address = server.start()
    try:
        with Strata.open(address, timeout=30) as db:
            db.kv_put("early", "survives")
            written, err = fill_until_refused(db, "fill")
            assert len(written) > 10
            assert err.code == "RESOURCE_EXHAUSTED", err.code
            assert "disk full" in str(err) or "space" in str(err), str(err)
            assert_reads_work(db, written)
            with pytest.raises(ConstraintError):
                db.kv_put("one-more", BLOB)
            assert db.ping()
            # Make room on the filesystem (as an operator would) and write again.
            ballast_free = _free_bytes(small_tmpfs)
            assert ballast_free < 64 * 1024, ballast_free
        # Growing the filesystem is what frees space in practice; a tmpfs
        # can be resized in place.
        subprocess.run(["mount", "-o", "remount,size=16m", str(small_tmpfs)], check=True, timeout=20)
        with Strata.open(address, timeout=30) as db:
            db.kv_put("after", BLOB)
            assert db.kv_get("after") == BLOB
            assert_reads_work(db, written)
            assert db.event_verify()["valid"]
        address = server.restart()
        with Strata.open(address, timeout=30) as db:
            assert db.kv_get("early") == "survives"
            assert db.kv_get("after") == BLOB
            assert_reads_work(db, written)
    finally:
        server.kill()


def _free_bytes(path: Path) -> int:
    st = os.statvfs(path)
    return st.f_bavail * st.f_frsize
