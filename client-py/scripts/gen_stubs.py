#!/usr/bin/env python3
"""Regenerate the checked-in gRPC stubs in src/stratadb/_proto from ../proto.

Usage (from anywhere, with the pinned grpcio-tools installed):

    python client-py/scripts/gen_stubs.py

protoc writes `strata/v1/*_pb2*.py` that import each other absolutely
(`from strata.v1 import value_pb2`), which would need a top-level `strata`
package on sys.path. We flatten them into `stratadb._proto` and rewrite those
imports to relative ones so the installed package is self-contained.
`tests/test_stubs_fresh.py` calls `generate()` to check the stubs are current.
"""

import importlib.metadata
import re
import sys
import tempfile
from pathlib import Path

# The stubs embed the generator's version (and protoc's protobuf version), so
# regenerating with another grpcio-tools would churn every file.
PINNED_GRPCIO_TOOLS = "1.68.1"

CLIENT_DIR = Path(__file__).resolve().parent.parent
PROTO_ROOT = CLIENT_DIR.parent / "proto"
OUT_DIR = CLIENT_DIR / "src" / "stratadb" / "_proto"
PROTO_PACKAGE_DIR = Path("strata") / "v1"
PYTHON_PACKAGE = "stratadb._proto"

_ABS_IMPORT = re.compile(r"^from strata\.v1 import ", re.MULTILINE)
# The module name protoc bakes in sets the classes' __module__ (pickling, repr).
_MODULE_NAME = re.compile(r"'strata\.v1\.(\w+_pb2)'")


def generated_name(path: Path) -> bool:
    """True for files this script owns in OUT_DIR (everything but __init__)."""
    return path.name.endswith(("_pb2.py", "_pb2.pyi", "_pb2_grpc.py"))


def _rewrite(text: str) -> str:
    text = _ABS_IMPORT.sub("from . import ", text)
    text = _MODULE_NAME.sub(lambda m: f"'{PYTHON_PACKAGE}.{m.group(1)}'", text)
    if "strata.v1 import" in text:
        raise RuntimeError("an absolute strata.v1 import survived the rewrite")
    return text


def generate(proto_root: Path, out_dir: Path) -> list:
    """Compile every proto under proto_root/strata/v1 into out_dir.

    Returns the sorted names of the files written. Stale generated files in
    out_dir (from a deleted proto) are removed; other files are left alone.
    """
    from grpc_tools import protoc  # imported late: only needed to generate

    protos = sorted((proto_root / PROTO_PACKAGE_DIR).glob("*.proto"))
    if not protos:
        raise RuntimeError(f"no .proto files under {proto_root / PROTO_PACKAGE_DIR}")
    # grpc_tools ships google/protobuf/*.proto; include them for well-known types.
    wkt_include = Path(protoc.__file__).resolve().parent / "_proto"
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        args = [
            "grpc_tools.protoc",
            f"-I{proto_root}",
            f"-I{wkt_include}",
            f"--python_out={tmp}",
            f"--pyi_out={tmp}",
            f"--grpc_python_out={tmp}",
            *(str(p) for p in protos),
        ]
        if protoc.main(args) != 0:
            raise RuntimeError("protoc failed: " + " ".join(args))
        written = []
        for src in sorted((Path(tmp) / PROTO_PACKAGE_DIR).iterdir()):
            if not generated_name(src):
                continue
            (out_dir / src.name).write_text(_rewrite(src.read_text()))
            written.append(src.name)
    for old in out_dir.iterdir():
        if generated_name(old) and old.name not in written:
            old.unlink()
    return written


def main() -> int:
    installed = importlib.metadata.version("grpcio-tools")
    if installed != PINNED_GRPCIO_TOOLS:
        print(
            f"grpcio-tools {installed} is installed but the stubs are pinned to "
            f"{PINNED_GRPCIO_TOOLS}: pip install grpcio-tools=={PINNED_GRPCIO_TOOLS}",
            file=sys.stderr,
        )
        return 1
    names = generate(PROTO_ROOT, OUT_DIR)
    print(f"wrote {len(names)} files to {OUT_DIR}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
