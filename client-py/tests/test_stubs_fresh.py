"""The checked-in stubs must be exactly what scripts/gen_stubs.py makes from
../proto now; regenerate with `python client-py/scripts/gen_stubs.py`."""

import importlib.metadata
import importlib.util
from pathlib import Path

import pytest

CLIENT_DIR = Path(__file__).resolve().parent.parent


def _load_gen_stubs():
    spec = importlib.util.spec_from_file_location("gen_stubs", CLIENT_DIR / "scripts" / "gen_stubs.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_checked_in_stubs_match_the_protos(tmp_path):
    gen = _load_gen_stubs()
    installed = importlib.metadata.version("grpcio-tools")
    if installed != gen.PINNED_GRPCIO_TOOLS:
        pytest.fail(f"grpcio-tools {installed} installed, stubs pinned to {gen.PINNED_GRPCIO_TOOLS}")
    fresh = set(gen.generate(gen.PROTO_ROOT, tmp_path))
    checked_in = {p.name for p in gen.OUT_DIR.iterdir() if gen.generated_name(p)}
    hint = "stubs are stale: run python client-py/scripts/gen_stubs.py"
    assert checked_in == fresh, f"{hint} (files differ: {sorted(checked_in ^ fresh)})"
    stale = [n for n in sorted(fresh) if (tmp_path / n).read_bytes() != (gen.OUT_DIR / n).read_bytes()]
    assert not stale, f"{hint} (content differs: {stale})"


def test_every_proto_has_messages_and_stubs():
    gen = _load_gen_stubs()
    for proto in sorted((gen.PROTO_ROOT / "strata" / "v1").glob("*.proto")):
        for suffix in ("_pb2.py", "_pb2.pyi", "_pb2_grpc.py"):
            assert (gen.OUT_DIR / f"{proto.stem}{suffix}").is_file(), proto.name


def test_stubs_import_without_a_top_level_strata_package():
    import stratadb._proto.kv_pb2 as kv_pb2
    import stratadb._proto.kv_pb2_grpc as kv_pb2_grpc

    assert kv_pb2.KvPutRequest.__module__ == "stratadb._proto.kv_pb2"
    assert hasattr(kv_pb2_grpc, "KVStub")
