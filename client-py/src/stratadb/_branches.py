"""Branches and spaces (spec/api.md §9, §10, §15). Mixed into `Strata`; uses
its `_call`, `_channel`, `_branch` and `_space`.

A branch is an isolated copy of all data made in constant time (the server
keeps it as a layer over its parent); a space is a namespace inside a branch.
The handle's current branch and space go out with every data call;
`branch_use` and `space_use` change them for this handle only."""

import hashlib
import os
import re
import secrets
import struct
import zlib
from typing import Any, BinaryIO, Dict, Iterator, List, Optional, Tuple

import grpc

from ._proto import admin_pb2, branches_pb2, branches_pb2_grpc, spaces_pb2, spaces_pb2_grpc
from . import validate
from .codec import decode
from .errors import NotFoundError, StrataError, ValidationError, from_rpc_error

__all__ = ["BranchesMixin"]

_MERGE_STRATEGIES = ("last_writer_wins", "source_wins", "target_wins", "strict")
_SPACE_NAME = re.compile(r"[a-z][a-z0-9_-]{0,63}")
_MAX_BRANCH_BYTES = 255


def _invalid(message: str) -> ValidationError:
    return ValidationError(message, reason="validation")


def _branch_name(value, what: str = "branch name") -> str:
    """A legal branch name: 1-255 bytes of UTF-8, no NUL, no '/' at either end."""
    validate.utf8_name(value, what, _MAX_BRANCH_BYTES)
    if value.startswith("/") or value.endswith("/"):
        raise _invalid(f"{what} {value!r} must not start or end with '/'")
    return value


def _space_name(value) -> str:
    """A legal space name: ^[a-z][a-z0-9_-]{0,63}$, not "_system_"."""
    if not isinstance(value, str):
        raise _invalid(f"space name must be str, got {type(value).__name__}")
    if not _SPACE_NAME.fullmatch(value):
        raise _invalid(
            f"invalid space name {value!r}: a lowercase letter, then up to 63 of lowercase letters, "
            "digits, '_' and '-'"
        )
    return value


def _info(response) -> Dict[str, Any]:
    return {
        "name": response.name,
        "parent": response.parent or None,
        "fork_version": response.fork_version,
        "created_at": response.created_at,
    }


def _strategy(value) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise _invalid(f"strategy must be str or None, got {type(value).__name__}")
    if value not in _MERGE_STRATEGIES:
        raise _invalid(f"unknown merge strategy {value!r}; expected one of {', '.join(_MERGE_STRATEGIES)}")
    return value


_BUNDLE_MAGIC = b"STRATABUNDLE"
_BUNDLE_VERSIONS = (1, 2)  # 2 added collection and vector records (docs/format.md "Bundles")
# Bytes per BundleChunk sent on import: 256 KiB, or less where the server's
# --max-message-size (1 KiB and up, from info()) leaves less room beside the
# framing of a chunk (at most ~1 KiB with the branch name).
_IMPORT_PIECE = 256 << 10
_IMPORT_FRAMING = 1 << 10
# Largest single read while validating a bundle file.
_READ_PIECE = 1 << 20


def _bad_bundle(message: str) -> ValidationError:
    return ValidationError(message, reason="validation")


# Record entries' primitives a bundle may hold (storage/key_codec.h), and the
# ones only a format 2 bundle may.
_BUNDLE_PRIMITIVES = {1, 2, 3, 5, 6}  # kv, state, json, vector, collection
_VECTOR_PRIMITIVES = {5, 6}


class _BadEntry(ValueError):
    """What is wrong with one entry's layout (the server's words)."""


def _check_entry(entry: bytes, version: int, index: int) -> None:
    """The entry layouts of docs/format.md "Bundles", and the primitives a
    bundle of `version` may hold: the server's checks, with its messages.
    Raises _BadEntry (layout) or ValidationError (content)."""
    pos = 0

    def take(n: int, what: str) -> bytes:
        nonlocal pos
        if len(entry) - pos < n:
            raise _BadEntry(what)
        out = entry[pos : pos + n]
        pos += n
        return out

    def string(what: str) -> bytes:
        return take(struct.unpack(">I", take(4, what))[0], what)

    kind = take(1, "it ends too soon")
    string("it ends too soon")  # space
    if kind == b"R":
        short = "a record entry ends too soon"
        primitive = take(1, short)[0]
        string(short), take(8, short), take(8, short)
        tombstone = take(1, short)[0]
        string(short)
        if tombstone > 1:
            raise _BadEntry(f"a record's tombstone flag must be 0 or 1, got {tombstone}")
        if pos != len(entry):
            raise _BadEntry("bytes after a record entry")
        if primitive not in _BUNDLE_PRIMITIVES:
            raise _bad_bundle(f"bundle entry {index}: unknown primitive")
        if primitive in _VECTOR_PRIMITIVES and version < 2:
            raise _bad_bundle(f"bundle entry {index}: a format 1 bundle cannot hold collections or vectors")
    elif kind == b"E":
        short = "an event entry ends too soon"
        take(8, short), take(8, short), take(8, short), string(short), string(short), take(32, short)
        if pos != len(entry):
            raise _BadEntry("bytes after an event entry")
    elif kind == b"S":
        if pos != len(entry):
            raise _BadEntry("bytes after a space entry")
    else:
        raise _BadEntry(f"unknown entry kind {kind[0]}")


def _read(f: BinaryIO, n: int) -> bytes:
    """The next `n` bytes of `f`, fewer only where the file ends. Read in
    pieces, so that a damaged length field (up to 4 GiB) costs no more memory
    than the file holds."""
    pieces = []
    while n > 0:
        piece = f.read(min(n, _READ_PIECE))
        if not piece:
            break
        pieces.append(piece)
        n -= len(piece)
    return b"".join(pieces)


def validate_bundle(f: BinaryIO) -> Dict[str, Any]:
    """The checks of the server's bundle reader, on a binary file read from
    its current position to its end: magic, version, every chunk's CRC-32,
    the trailer's entry count and SHA-256, truncation, trailing bytes.

    One frame is in memory at a time (the server makes them about 1 MiB, or
    one entry when that is larger), so a bundle of any size can be checked."""
    magic = len(_BUNDLE_MAGIC)
    head = _read(f, magic)
    if head != _BUNDLE_MAGIC:
        if len(head) < magic and _BUNDLE_MAGIC.startswith(head):
            raise _bad_bundle("bundle truncated (in the header)")
        raise _bad_bundle("not a stratad bundle (bad magic)")
    fixed = _read(f, 6)
    if len(fixed) < 6:
        raise _bad_bundle("bundle truncated (in the header)")
    (version,) = struct.unpack(">I", fixed[:4])
    if version not in _BUNDLE_VERSIONS:
        raise _bad_bundle(
            f"unsupported bundle version {version} "
            f"(this client reads {_BUNDLE_VERSIONS[0]} to {_BUNDLE_VERSIONS[-1]})"
        )
    (name_len,) = struct.unpack(">H", fixed[4:])
    name = _read(f, name_len)
    if len(name) < name_len:
        raise _bad_bundle("bundle truncated (in the header)")
    branch = name.decode("utf-8", errors="replace")
    # The trailer's SHA-256 covers every byte before the trailer frame.
    whole = hashlib.sha256(head + fixed + name)
    entries = 0
    frame = 0
    while True:
        header = _read(f, 9)
        if len(header) < 9:
            raise _bad_bundle("bundle truncated (no trailer)")
        kind = header[:1]
        length, crc = struct.unpack(">II", header[1:])
        payload = _read(f, length)
        if len(payload) < length:
            raise _bad_bundle(f"bundle truncated (in chunk {frame})")
        if kind not in (b"D", b"T"):
            raise _bad_bundle(f"bad chunk kind in chunk {frame}")
        if zlib.crc32(payload) & 0xFFFFFFFF != crc:
            raise _bad_bundle(f"checksum mismatch in chunk {frame}")
        if kind == b"T":
            if length != 40:
                raise _bad_bundle("bad bundle trailer")
            (count,) = struct.unpack(">Q", payload[:8])
            digest = payload[8:]
            if whole.digest() != digest:
                raise _bad_bundle("bundle checksum mismatch (SHA-256 of the whole bundle)")
            if count != entries:
                raise _bad_bundle(f"bundle entry count mismatch: trailer says {count}, bundle holds {entries}")
            if f.read(1):
                raise _bad_bundle("bytes after the bundle trailer")
            return {"valid": True, "branch": branch, "entry_count": count, "checksum": digest.hex()}
        whole.update(header)
        whole.update(payload)
        at = 0
        while at < length:
            if length - at < 4:
                raise _bad_bundle(f"bad entry in chunk {frame}: its length is cut off")
            (n,) = struct.unpack(">I", payload[at : at + 4])
            if length - at - 4 < n:
                raise _bad_bundle(f"bad entry in chunk {frame}: it runs past the end of its chunk")
            try:
                _check_entry(payload[at + 4 : at + 4 + n], version, entries)
            except _BadEntry as e:
                raise _bad_bundle(f"bad entry in chunk {frame}: {e}") from None
            entries += 1
            at += 4 + n
        frame += 1


def _open_part_file(path: str) -> Tuple[str, BinaryIO]:
    """A new temporary file beside `path` for branch_export, and its name.

    The name is this call's own (random, and created with O_EXCL so it is
    never shared): two exports to one path, from two threads or two
    processes, each write a whole bundle and the last rename wins. Not
    tempfile.mkstemp: its files are 0600, and the bundle keeps the mode any
    new file gets (0666 less the umask), as before."""
    tmp = f"{path}.part-{os.getpid()}-{secrets.token_hex(8)}"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
    return tmp, os.fdopen(fd, "wb")


def _omitted_marked(entry: Dict[str, Any], values_omitted: bool) -> Dict[str, Any]:
    # Only entries the server slimmed to fit its message size carry the mark,
    # so the usual entry keeps the shape the spec gives.
    if values_omitted:
        entry["values_omitted"] = True
    return entry


def _export_file_error(e: OSError, path: str) -> OSError:
    """`e`, raised on branch_export's temporary file, re-aimed at `path`.

    The caller gave `path`, never `<path>.part-<pid>-<random>`, so the error names
    `path`; it stays the same OSError subclass (FileNotFoundError, ...), as
    for any local file problem. A missing directory, the usual cause, is
    said outright."""
    problem = e.strerror or str(e)
    directory = os.path.dirname(path) or "."
    if isinstance(e, FileNotFoundError) and not os.path.isdir(directory):
        problem += f" (the directory {directory!r} does not exist: create it first)"
    return type(e)(e.errno, f"cannot write the bundle: {problem}", path)


class BranchesMixin:
    """The `branch_*` and `space_*` methods of `Strata`, and their §15 aliases."""

    # Stubs are made on first use, so the handle's constructor need not know them.
    @property
    def _branches_stub(self):
        stub = self.__dict__.get("_branches_stub_")
        if stub is None:
            stub = self.__dict__["_branches_stub_"] = branches_pb2_grpc.BranchesStub(self._channel)
        return stub

    @property
    def _spaces_stub(self):
        stub = self.__dict__.get("_spaces_stub_")
        if stub is None:
            stub = self.__dict__["_spaces_stub_"] = spaces_pb2_grpc.SpacesStub(self._channel)
        return stub

    # -- branches ----------------------------------------------------------

    def branch_create(self, name: str) -> None:
        """Create a new, empty branch.

        Raises ConstraintError if the name is taken, ValidationError for a bad name.
        """
        self._refuse_in_transaction("creating a branch")
        request = branches_pb2.BranchCreateRequest(name=_branch_name(name))
        self._call(self._branches_stub.Create, request)

    def branch_fork(self, source: str, dest: str) -> Dict[str, Any]:
        """Make `dest` a copy of everything `source` holds now (all spaces,
        all primitives); costs the same whatever the data size.

        Returns {"source", "destination", "version"}. Raises NotFoundError for
        a missing source, ConstraintError if `dest` exists.
        """
        self._refuse_in_transaction("forking a branch")
        request = branches_pb2.BranchForkRequest(
            source=_branch_name(source, "source branch"), destination=_branch_name(dest, "destination branch")
        )
        response = self._call(self._branches_stub.Fork, request)
        return {"source": response.source, "destination": response.destination, "version": response.version}

    def branch_get(self, name: str) -> Optional[Dict[str, Any]]:
        """Return {"name", "parent", "fork_version", "created_at"} of a branch,
        or None if it does not exist. `parent` is None for a root branch;
        `created_at` is int microseconds since the epoch."""
        request = branches_pb2.BranchGetRequest(name=_branch_name(name))
        try:
            return _info(self._call(self._branches_stub.Get, request))
        except NotFoundError:
            return None

    def branch_list(self) -> List[str]:
        """Return the names of all branches, bytewise ("default" is always there)."""
        return list(self._call(self._branches_stub.List, branches_pb2.BranchListRequest()).names)

    def branch_exists(self, name: str) -> bool:
        """Return True if the branch exists."""
        return self.branch_get(name) is not None

    def branch_delete(self, name: str) -> None:
        """Delete a branch. Branches forked from it keep seeing what they saw.

        Raises ConstraintError for "default", NotFoundError if missing.
        """
        self._refuse_in_transaction("deleting a branch")
        request = branches_pb2.BranchDeleteRequest(name=_branch_name(name))
        self._call(self._branches_stub.Delete, request)

    def branch_use(self, name: str) -> None:
        """Make `name` this handle's current branch (the space stays).

        Raises NotFoundError if the branch does not exist.
        """
        self._refuse_in_transaction("switching branches")
        request = branches_pb2.BranchGetRequest(name=_branch_name(name))
        self._call(self._branches_stub.Get, request)
        self._branch = name

    def branch_diff(self, a: str, b: str) -> Dict[str, Any]:
        """What differs between branches `a` and `b`, per (space, primitive, key).

        Returns {"branch_a", "branch_b", "summary": {"added", "removed",
        "modified"}, "entries": [{"space", "primitive", "key", "change",
        "value_a", "value_b"}], "unrelated"}: "added" is in b only, "removed"
        in a only; an absent side's value is None. Event entries are keyed by
        the decimal sequence, with values {"event_type", "value"}. Vector
        entries are keyed "<collection>/<key>", with values {"embedding",
        "metadata"}; collection entries show {"dimension", "metric", "m",
        "ef_construction", "created_version"}.
        `unrelated` is True when the branches share no ancestor (a two-way
        comparison). When the values would take the answer past the server's
        --max-message-size, the largest entries come without them: both None
        and "values_omitted": True (read them from the branches). Raises
        NotFoundError for a missing branch, ConstraintError when not even the
        entries' names fit in one answer.
        """
        request = branches_pb2.BranchDiffRequest(branch_a=_branch_name(a), branch_b=_branch_name(b))
        response = self._call(self._branches_stub.Diff, request)
        return {
            "branch_a": response.branch_a,
            "branch_b": response.branch_b,
            "summary": {"added": response.added, "removed": response.removed, "modified": response.modified},
            "entries": [
                _omitted_marked(
                    {
                        "space": e.space,
                        "primitive": e.primitive,
                        "key": e.key,
                        "change": e.change,
                        "value_a": decode(e.value_a),
                        "value_b": decode(e.value_b),
                    },
                    e.values_omitted,
                )
                for e in response.entries
            ],
            "unrelated": response.unrelated,
        }

    def branch_merge(self, source: str, target: str, strategy: Optional[str] = None) -> Dict[str, Any]:
        """Three-way merge of `source` into `target` against their common
        ancestor (the fork point or the last merge of the pair), as one commit.

        Strategies: "last_writer_wins" (default), "source_wins", "target_wins",
        "strict". Returns {"source", "target", "strategy", "keys_applied",
        "conflicts": [{"space", "primitive", "key", "source_value",
        "target_value", "resolution"}], "version", "unrelated"}. Vectors merge
        one by one while both sides hold the same collection; a collection
        deleted or re-created on one side is merged whole (a "collection"
        conflict when the other side changed it too). The merge is committed
        whatever the size of its answer: conflicts whose values would take it
        past the server's --max-message-size come without them (both None,
        "values_omitted": True), and "conflicts_left_out" counts those that
        did not fit even so (0 when every conflict is listed). Raises
        ConflictError for conflicts under "strict" (nothing is written),
        ValidationError for an unknown strategy or source == target,
        NotFoundError for a missing branch.
        """
        self._refuse_in_transaction("merging branches")
        request = branches_pb2.BranchMergeRequest(
            source=_branch_name(source, "source branch"),
            target=_branch_name(target, "target branch"),
            strategy=_strategy(strategy),
        )
        response = self._call(self._branches_stub.Merge, request)
        return {
            "source": response.source,
            "target": response.target,
            "strategy": response.strategy,
            "keys_applied": response.keys_applied,
            "conflicts": [
                _omitted_marked(
                    {
                        "space": c.space,
                        "primitive": c.primitive,
                        "key": c.key,
                        "source_value": decode(c.source_value),
                        "target_value": decode(c.target_value),
                        "resolution": c.resolution,
                    },
                    c.values_omitted,
                )
                for c in response.conflicts
            ],
            "conflicts_left_out": response.conflicts_left_out,
            "version": response.version,
            "unrelated": response.unrelated,
        }

    # -- spaces ------------------------------------------------------------

    def branch_export(self, name: str, path) -> Dict[str, Any]:
        """Stream a bundle of everything visible on branch `name` from the
        server into the file `path` on this machine (written to a temporary
        file of this call's own beside it, renamed into place once complete
        and validated: concurrent exports to one path each leave a whole
        bundle there, the last one renamed wins).

        The directory of `path` must exist. A local file problem raises the
        matching OSError (FileNotFoundError, PermissionError, ...) naming `path`."""
        request = branches_pb2.BranchExportRequest(name=_branch_name(name))
        path = os.fspath(path)
        tmp = None
        try:
            tmp, out = _open_part_file(path)
            with out:
                # No deadline: a bundle's size has no bound known in advance.
                for chunk in self._call(self._branches_stub.Export, request, timeout=None):
                    out.write(chunk.data)
            with open(tmp, "rb") as f:
                info = validate_bundle(f)
                # Taken before the rename: afterwards `path` may already hold
                # another call's bundle.
                size = os.fstat(f.fileno()).st_size
            os.replace(tmp, path)
            tmp = None
        except grpc.RpcError as e:
            raise from_rpc_error(e, self._target.address) from None
        except StrataError:
            raise  # some StrataErrors are OSErrors too: keep them out of the next clause
        except OSError as e:
            raise _export_file_error(e, path) from None
        finally:
            if tmp is not None:  # failed after creating it
                try:
                    os.remove(tmp)
                except FileNotFoundError:
                    pass
        return {
            "branch": name,
            "path": path,
            "entry_count": info["entry_count"],
            "bundle_size": size,
            "checksum": info["checksum"],
        }

    def branch_import(self, path, name: Optional[str] = None) -> Dict[str, Any]:
        """Stream the bundle file `path` to the server into a new branch (`name`,
        or the bundle's own branch name). The server validates the whole bundle
        before writing anything; a bad bundle raises ValidationError, an
        existing branch name ConstraintError."""
        self._refuse_in_transaction("importing a branch")
        branch = "" if name is None else _branch_name(name)
        path = os.fspath(path)

        # Opened here, so that a missing or unreadable file raises its own
        # OSError (as branch_export's does): raised inside the request stream,
        # grpc would turn it into "Exception iterating requests!" (UNKNOWN).
        piece = self._import_piece()
        f = open(path, "rb")
        read_failure: List[OSError] = []

        def pieces() -> Iterator[branches_pb2.BundleChunk]:
            first = True
            while True:
                try:
                    data = f.read(piece)
                except OSError as e:
                    read_failure.append(e)
                    raise
                if not data and not first:
                    return
                yield branches_pb2.BundleChunk(data=data, branch=branch if first else "")
                first = False
                if not data:
                    return

        try:
            response = self._call(self._branches_stub.Import, pieces(), timeout=None)
        except StrataError:
            if read_failure:
                raise read_failure[0] from None
            raise
        finally:
            f.close()
        return {"branch": response.branch, "entry_count": response.entry_count, "keys_written": response.keys_written}

    def _import_piece(self) -> int:
        """Bytes per import chunk that fit the server's --max-message-size."""
        limit = self._call(self._admin.Info, admin_pb2.InfoRequest(branch=self._branch)).max_message_size
        if limit == 0:  # a server from before Info reported it
            return _IMPORT_PIECE
        return max(256, min(_IMPORT_PIECE, limit - _IMPORT_FRAMING))

    def branch_validate_bundle(self, path) -> Dict[str, Any]:
        """Check a bundle file locally (magic, version, every chunk's checksum,
        the whole-bundle SHA-256, truncation): {"valid", "branch", "entry_count",
        "checksum"}; raises ValidationError naming what is wrong. The file is
        read a frame at a time, never held whole."""
        with open(os.fspath(path), "rb") as f:
            return validate_bundle(f)

    def space_create(self, name: str) -> None:
        """Create a space on the current branch; idempotent."""
        self._refuse_in_transaction("creating a space")
        request = spaces_pb2.SpaceRequest(branch=self._branch, name=_space_name(name))
        self._call(self._spaces_stub.Create, request)

    def space_list(self) -> List[str]:
        """Return the spaces of the current branch, bytewise; always has "default"."""
        request = spaces_pb2.SpaceListRequest(branch=self._branch)
        return list(self._call(self._spaces_stub.List, request).names)

    def space_exists(self, name: str) -> bool:
        """Return True if the space exists on the current branch."""
        request = spaces_pb2.SpaceRequest(branch=self._branch, name=_space_name(name))
        return self._call(self._spaces_stub.Exists, request).exists

    def space_delete(self, name: str, force: bool = False) -> None:
        """Delete a space of the current branch.

        Without `force` the space must be empty. With `force`, every
        primitive's data in it on this branch goes (other branches keep
        theirs). Raises ConstraintError for "default" or a non-empty space
        without force, NotFoundError if it does not exist.
        """
        self._refuse_in_transaction("deleting a space")
        if not isinstance(force, bool):
            raise _invalid(f"force must be bool, got {type(force).__name__}")
        request = spaces_pb2.SpaceDeleteRequest(branch=self._branch, name=_space_name(name), force=force)
        self._call(self._spaces_stub.Delete, request)

    def space_use(self, name: str) -> None:
        """Make `name` this handle's current space; it comes into being at its
        first write (no server call is made)."""
        self._space = _space_name(name)

    # -- names kept for the embedded SDK (spec/api.md §15) ------------------

    def create_branch(self, name: str) -> None:
        """Alias of `branch_create`."""
        self.branch_create(name)

    def set_branch(self, name: str) -> None:
        """Alias of `branch_use`."""
        self.branch_use(name)

    def list_branches(self) -> List[str]:
        """Alias of `branch_list`."""
        return self.branch_list()

    def delete_branch(self, name: str) -> None:
        """Alias of `branch_delete`."""
        self.branch_delete(name)

    def fork_branch(self, dest: str) -> Dict[str, Any]:
        """Fork the current branch into `dest` (`branch_fork(current_branch(), dest)`)."""
        return self.branch_fork(self._branch, dest)

    def diff_branches(self, a: str, b: str) -> Dict[str, Any]:
        """Alias of `branch_diff`."""
        return self.branch_diff(a, b)

    def merge_branches(self, source: str, strategy: Optional[str] = None) -> Dict[str, Any]:
        """Merge `source` into the current branch (`branch_merge(source, current_branch(), strategy)`)."""
        return self.branch_merge(source, self._branch, strategy)

    def set_space(self, name: str) -> None:
        """Alias of `space_use`."""
        self.space_use(name)

    def list_spaces(self) -> List[str]:
        """Alias of `space_list`."""
        return self.space_list()

    def delete_space(self, name: str) -> None:
        """Alias of `space_delete(name)` (the space must be empty)."""
        self.space_delete(name)

    def delete_space_force(self, name: str) -> None:
        """Alias of `space_delete(name, force=True)`."""
        self.space_delete(name, force=True)
