"""Helpers shared by the primitives' methods: result shapes and paging."""

from typing import Any, Dict, List

from .codec import decode
from .errors import IoError

__all__ = ["LIST_PAGE", "versioned", "history", "list_all_names"]

LIST_PAGE = 1000  # page size of the list helpers: the server's default


def versioned(entry) -> Dict[str, Any]:
    """A VersionedValue as the SDK's {"value", "version", "timestamp"} dict
    ({"value": None, ..., "deleted": True} for a tombstone)."""
    if entry.deleted:
        return {"value": None, "version": entry.version, "timestamp": entry.timestamp, "deleted": True}
    return {"value": decode(entry.value), "version": entry.version, "timestamp": entry.timestamp}


def history(call, method, request):
    """The whole history a History rpc pages through from `request` (its
    before_version is overwritten), as a list of `versioned` dicts, or None
    when the name never existed. The server answers in pages that fit its
    --max-message-size, marked `more` while older entries remain."""
    entries: List[Dict[str, Any]] = []
    request.before_version = 0
    while True:
        page = call(method, request)
        if not page.exists:
            return None if not entries else entries  # deleted for good between pages
        entries.extend(versioned(entry) for entry in page.entries)
        if not page.more:
            return entries
        if not page.entries or (request.before_version and page.entries[-1].version >= request.before_version):
            raise IoError("server returned a history page that does not go back in time", reason="io")
        request.before_version = page.entries[-1].version


def list_all_names(call, method, request, limit=None) -> List[str]:
    """Page through a NameList rpc from `request` (its limit and cursor are
    overwritten) and return the names, at most `limit` of them (None: all)."""
    names: List[str] = []
    request.cursor = ""
    while True:
        want = LIST_PAGE if limit is None else min(LIST_PAGE, limit - len(names))
        request.limit = want
        page = call(method, request)
        names.extend(page.names[:want])
        if not page.next_cursor or (limit is not None and len(names) >= limit):
            return names
        if page.next_cursor == request.cursor:  # would loop forever
            raise IoError("server returned the same list cursor twice", reason="io")
        request.cursor = page.next_cursor
