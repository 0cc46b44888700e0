"""State cells (spec/api.md §5): named values changed by set, init and
compare-and-swap. Mixed into `Strata`; uses its `_call`, `_context` and
`_state` stub."""

from typing import Any, Dict, List, Optional

from . import validate
from ._common import history, list_all_names, versioned
from ._proto import state_pb2
from .codec import decode, encode_into

__all__ = ["StateMixin"]


def _cell(cell) -> str:
    return validate.key(cell, "cell")


class StateMixin:
    """The `state_*` methods of `Strata`."""

    def state_set(self, cell: str, value: Any) -> int:
        """Set `cell` to `value` unconditionally; return the commit version.

        Raises ValidationError for a bad cell name or an unsupported value.
        """
        request = state_pb2.StateSetRequest(context=self._context(), cell=_cell(cell))
        encode_into(value, request.value)
        return self._call(self._state.Set, request).version

    def state_get(self, cell: str, *, as_of: Optional[int] = None) -> Any:
        """Return the value of `cell`, or None if it does not exist.

        `as_of` (int microseconds since the epoch) reads the value as of that
        instant instead of now.
        """
        request = state_pb2.StateGetRequest(context=self._context(), cell=_cell(cell))
        ts = validate.timestamp(as_of)
        if ts is not None:
            request.as_of = ts
        response = self._call(self._state.Get, request)
        return decode(response.entry.value) if response.found else None

    def state_get_versioned(self, cell: str) -> Optional[Dict[str, Any]]:
        """Return {"value", "version", "timestamp"} of `cell`, or None when it
        does not exist. The version is what `state_cas(expected_version=)`
        compares against."""
        request = state_pb2.StateGetRequest(context=self._context(), cell=_cell(cell))
        response = self._call(self._state.Get, request)
        return versioned(response.entry) if response.found else None

    def state_init(self, cell: str, value: Any) -> int:
        """Create `cell` with `value` if it does not exist.

        Returns the new commit version, or, if the cell already exists, its
        current version; an existing cell is never changed.
        """
        request = state_pb2.StateSetRequest(context=self._context(), cell=_cell(cell))
        encode_into(value, request.value)
        return self._call(self._state.Init, request).version

    def state_cas(
        self, cell: str, value: Any, expected: Any = None, *, expected_version: Optional[int] = None
    ) -> int:
        """Compare-and-swap: set `cell` to `value` only if it is as expected;
        return the commit version. Evaluated atomically on the server.

        - `expected` (not None): the current value must equal it, deeply and
          type-strictly (1, 1.0 and True all differ; dict key order does not
          matter).
        - `expected_version`: the cell's current version (see
          `state_get_versioned`) must equal it.
        - both: both must hold.
        - neither: the swap happens only if the cell does not exist.

        `expected=None` means "not given", so a stored null cannot be matched
        by value; use `expected_version` for that.

        Raises:
            ConflictError: (a RuntimeError) the cell is not as expected;
                nothing was written.
        """
        request = state_pb2.StateCasRequest(context=self._context(), cell=_cell(cell))
        encode_into(value, request.value)
        if expected is not None:
            encode_into(expected, request.expected)
        if expected_version is not None:
            request.expected_version = validate.uint64(expected_version, "expected_version")
        return self._call(self._state.Cas, request).version

    def state_delete(self, cell: str) -> bool:
        """Delete `cell`; return True if it existed."""
        request = state_pb2.StateDeleteRequest(context=self._context(), cell=_cell(cell))
        return self._call(self._state.Delete, request).existed

    def state_list(self, prefix: Optional[str] = None, *, as_of: Optional[int] = None) -> List[str]:
        """Return every existing cell starting with `prefix`, in bytewise
        order (paging through the server). `as_of` lists the cells that
        existed at that instant (int microseconds since the epoch)."""
        request = state_pb2.StateListRequest(context=self._context(), prefix=validate.prefix(prefix))
        ts = validate.timestamp(as_of)
        if ts is not None:
            request.as_of = ts
        return list_all_names(self._call, self._state.List, request)

    def state_history(self, cell: str) -> Optional[List[Dict[str, Any]]]:
        """Return every version of `cell`, newest first, or None if it never
        existed.

        Entries are {"value", "version", "timestamp"}; a deletion is
        {"value": None, "version", "timestamp", "deleted": True}.
        """
        request = state_pb2.StateHistoryRequest(context=self._context(), cell=_cell(cell))
        return history(self._call, self._state.History, request)
