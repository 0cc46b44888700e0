"""Branches and spaces (spec/api.md §9, §10, §15). Mixed into `Strata`; uses
its `_call`, `_channel`, `_branch` and `_space`.

A branch is an isolated copy of all data made in constant time (the server
keeps it as a layer over its parent); a space is a namespace inside a branch.
The handle's current branch and space go out with every data call;
`branch_use` and `space_use` change them for this handle only."""

import re
from typing import Any, Dict, List, Optional

from ._proto import branches_pb2, branches_pb2_grpc, spaces_pb2, spaces_pb2_grpc
from .codec import decode
from .errors import NotFoundError, ValidationError

__all__ = ["BranchesMixin"]

_MERGE_STRATEGIES = ("last_writer_wins", "source_wins", "target_wins", "strict")
_SPACE_NAME = re.compile(r"[a-z][a-z0-9_-]{0,63}")
_MAX_BRANCH_BYTES = 255


def _invalid(message: str) -> ValidationError:
    return ValidationError(message, reason="validation")


def _branch_name(value, what: str = "branch name") -> str:
    """A legal branch name: 1-255 bytes of UTF-8, no NUL, no '/' at either end."""
    if not isinstance(value, str):
        raise _invalid(f"{what} must be str, got {type(value).__name__}")
    if not value:
        raise _invalid(f"{what} must not be empty")
    if "\x00" in value:
        raise _invalid(f"{what} must not contain NUL")
    try:
        size = len(value.encode("utf-8"))
    except UnicodeEncodeError as e:
        raise _invalid(f"{what} is not valid unicode: {e.reason}") from None
    if size > _MAX_BRANCH_BYTES:
        raise _invalid(f"{what} is {size} bytes, over the limit of {_MAX_BRANCH_BYTES} bytes")
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
        request = branches_pb2.BranchCreateRequest(name=_branch_name(name))
        self._call(self._branches_stub.Create, request)

    def branch_fork(self, source: str, dest: str) -> Dict[str, Any]:
        """Make `dest` a copy of everything `source` holds now (all spaces,
        all primitives); costs the same whatever the data size.

        Returns {"source", "destination", "version"}. Raises NotFoundError for
        a missing source, ConstraintError if `dest` exists.
        """
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
        request = branches_pb2.BranchDeleteRequest(name=_branch_name(name))
        self._call(self._branches_stub.Delete, request)

    def branch_use(self, name: str) -> None:
        """Make `name` this handle's current branch (the space stays).

        Raises NotFoundError if the branch does not exist.
        """
        request = branches_pb2.BranchGetRequest(name=_branch_name(name))
        self._call(self._branches_stub.Get, request)
        self._branch = name

    def branch_diff(self, a: str, b: str) -> Dict[str, Any]:
        """What differs between branches `a` and `b`, per (space, primitive, key).

        Returns {"branch_a", "branch_b", "summary": {"added", "removed",
        "modified"}, "entries": [{"space", "primitive", "key", "change",
        "value_a", "value_b"}], "unrelated"}: "added" is in b only, "removed"
        in a only; an absent side's value is None. Event entries are keyed by
        the decimal sequence, with values {"event_type", "value"}.
        `unrelated` is True when the branches share no ancestor (a two-way
        comparison). Raises NotFoundError for a missing branch.
        """
        request = branches_pb2.BranchDiffRequest(branch_a=_branch_name(a), branch_b=_branch_name(b))
        response = self._call(self._branches_stub.Diff, request)
        return {
            "branch_a": response.branch_a,
            "branch_b": response.branch_b,
            "summary": {"added": response.added, "removed": response.removed, "modified": response.modified},
            "entries": [
                {
                    "space": e.space,
                    "primitive": e.primitive,
                    "key": e.key,
                    "change": e.change,
                    "value_a": decode(e.value_a),
                    "value_b": decode(e.value_b),
                }
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
        "target_value", "resolution"}], "version", "unrelated"}. Raises
        ConflictError for conflicts under "strict" (nothing is written),
        ValidationError for an unknown strategy or source == target,
        NotFoundError for a missing branch.
        """
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
                {
                    "space": c.space,
                    "primitive": c.primitive,
                    "key": c.key,
                    "source_value": decode(c.source_value),
                    "target_value": decode(c.target_value),
                    "resolution": c.resolution,
                }
                for c in response.conflicts
            ],
            "version": response.version,
            "unrelated": response.unrelated,
        }

    # -- spaces ------------------------------------------------------------

    def space_create(self, name: str) -> None:
        """Create a space on the current branch; idempotent."""
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
