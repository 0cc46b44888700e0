"""JSON documents updated by path (spec/api.md §7). Mixed into `Strata`;
uses its `_call`, `_context` and `_json` stub.

Paths: `$` is the root; `.name` (letters, digits, `_`, `-`) or
`['any name']` selects a member; `[i]` an element, `[-1]` the last one.
Wildcards, filters and `..` are not supported: the server answers a
ValidationError naming the offending position.
"""

from typing import Any, Dict, List, Optional

from . import validate
from ._common import history, list_all_names, versioned
from ._proto import json_pb2
from .codec import decode, encode_into, require_finite

__all__ = ["JsonMixin"]


def _key(key) -> str:
    return validate.key(key, "document key")


class JsonMixin:
    """The `json_*` methods of `Strata`."""

    def json_set(self, key: str, path: str, value: Any) -> int:
        """Set the value at `path` in document `key`; return the commit version.

        Creates the document if missing and any missing intermediate objects
        (or arrays, before an index); an index equal to the array's length
        appends.

        Raises:
            ValidationError: a malformed path (the message names the
                position), a type clash (e.g. `$.a.b` when `a` is a string),
                an index out of range, NaN/infinity in `value`, or an
                unsupported value.
            ConstraintError: the document would become too large to read
                back in one answer (the server's --max-message-size); nothing
                is written.
        """
        request = json_pb2.JsonSetRequest(context=self._context(), key=_key(key), path=validate.json_path(path))
        encode_into(value, request.value)
        require_finite(request.value, "a json document", at=request.path)
        return self._call(self._json.Set, request).version

    def json_get(self, key: str, path: str = "$", *, as_of: Optional[int] = None) -> Any:
        """Return the value at `path` in document `key`, or None if the
        document or the path is missing. `as_of` (int microseconds since the
        epoch) reads the document as of that instant."""
        request = json_pb2.JsonGetRequest(context=self._context(), key=_key(key), path=validate.json_path(path))
        ts = validate.timestamp(as_of)
        if ts is not None:
            request.as_of = ts
        response = self._call(self._json.Get, request)
        return decode(response.entry.value) if response.found else None

    def json_get_versioned(self, key: str) -> Optional[Dict[str, Any]]:
        """Return the whole document as {"value", "version", "timestamp"}, or
        None when it does not exist."""
        request = json_pb2.JsonGetRequest(context=self._context(), key=_key(key), path="$")
        response = self._call(self._json.Get, request)
        return versioned(response.entry) if response.found else None

    def json_delete(self, key: str, path: str) -> int:
        """Remove the value at `path`; return how many values were removed
        (0 or 1). `$` deletes the whole document."""
        request = json_pb2.JsonDeleteRequest(context=self._context(), key=_key(key), path=validate.json_path(path))
        return self._call(self._json.Delete, request).removed

    def json_list(
        self, prefix: Optional[str] = None, limit: Optional[int] = None, *, as_of: Optional[int] = None
    ) -> List[str]:
        """Return the keys of existing documents starting with `prefix`, in
        bytewise order: at most `limit` of them (None: all). `as_of` lists the
        documents that existed at that instant (int microseconds since the
        epoch)."""
        request = json_pb2.JsonListRequest(context=self._context(), prefix=validate.prefix(prefix))
        ts = validate.timestamp(as_of)
        if ts is not None:
            request.as_of = ts
        return list_all_names(self._call, self._json.List, request, validate.optional_count(limit))

    def json_history(self, key: str) -> Optional[List[Dict[str, Any]]]:
        """Return every version of the whole document, newest first, or None
        if it never existed.

        Entries are {"value", "version", "timestamp"}; a deletion is
        {"value": None, "version", "timestamp", "deleted": True}.
        """
        request = json_pb2.JsonHistoryRequest(context=self._context(), key=_key(key))
        return history(self._call, self._json.History, request)
