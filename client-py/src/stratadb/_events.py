"""The hash-chained event log (spec/api.md §6). Mixed into `Strata`; uses
its `_call`, `_context` and `_events` stub.

Every event is chained to the one before it, so anyone can check the log
without trusting the server (`event_verify` asks the server to do it):

    hash      = SHA-256(prev_hash || canonical)   (prev_hash of event 0: 32 zero bytes)
    canonical = u64be(sequence) || u32be(len(type_utf8)) || type_utf8
                || i64be(timestamp) || enc(payload)
    enc(v)    = b"n" null | b"f" false | b"t" true | b"i" i64be int
              | b"d" f64be float (IEEE-754 bits) | b"s" u32be(len) utf8
              | b"b" u32be(len) bytes | b"a" u32be(count) enc(item)...
              | b"o" u32be(count) (u32be(len(key_utf8)) key_utf8 enc(value))...
                (object keys in stored order: the order the client sent)
"""

from typing import Any, Dict, List, Optional

from . import validate
from ._proto import events_pb2
from .codec import decode, encode_into, require_finite
from .errors import IoError

__all__ = ["EventsMixin"]

_EVENT_PAGE = 1000  # events per List call when paging


def _event(e) -> Dict[str, Any]:
    """An Event message as the SDK's dict; hashes as lowercase hex."""
    return {
        "sequence": e.sequence,
        "event_type": e.event_type,
        "value": decode(e.value),
        "timestamp": e.timestamp,
        "hash": e.hash.hex(),
        "prev_hash": e.prev_hash.hex(),
        "version": e.version,
    }


class EventsMixin:
    """The `event_*` methods of `Strata`."""

    def event_append(self, event_type: str, payload: Any) -> int:
        """Append an event to the log of the current branch and space; return
        its sequence number (0-based, gap-free).

        Raises ValidationError for an empty or over-256-byte `event_type`, an
        unsupported payload, or NaN/infinity anywhere in the payload.
        """
        request = events_pb2.EventAppendRequest(context=self._context(), event_type=validate.event_type(event_type))
        encode_into(payload, request.payload)
        require_finite(request.payload, "an event payload")
        return self._call(self._events.Append, request).sequence

    def event_get(self, sequence: int, *, as_of: Optional[int] = None) -> Optional[Dict[str, Any]]:
        """Return event `sequence` or None if there is none.

        The dict is {"sequence", "event_type", "value" (the payload),
        "timestamp" (int microseconds), "hash", "prev_hash" (64-digit
        lowercase hex), "version" (the commit that appended it)}. `as_of`
        reads the log as of that instant.
        """
        request = events_pb2.EventGetRequest(context=self._context(), sequence=validate.uint64(sequence, "sequence"))
        ts = validate.timestamp(as_of)
        if ts is not None:
            request.as_of = ts
        response = self._call(self._events.Get, request)
        return _event(response.event) if response.found else None

    def event_list(
        self,
        event_type: Optional[str],
        limit: Optional[int] = None,
        after: Optional[int] = None,
        *,
        as_of: Optional[int] = None,
    ) -> List[Dict[str, Any]]:
        """Return events in ascending sequence, as `event_get` shapes them.

        Args:
            event_type: only events of this type; None for every type.
            limit: at most this many; None for all (fetched 1000 at a time).
            after: only events with a greater sequence (exclusive); None
                starts at the beginning.
            as_of: read the log as of this instant (int microseconds).
        """
        request = events_pb2.EventListRequest(context=self._context())
        if event_type is not None:
            request.event_type = validate.event_type(event_type)
        limit = validate.optional_count(limit)
        if after is not None:
            request.after = validate.uint64(after, "after")
        ts = validate.timestamp(as_of)
        if ts is not None:
            request.as_of = ts
        events: List[Dict[str, Any]] = []
        while True:
            want = _EVENT_PAGE if limit is None else min(_EVENT_PAGE, limit - len(events))
            request.limit = want
            # A page can stop short of `want` with `more` set, to fit the
            # server's --max-message-size.
            response = self._call(self._events.List, request)
            page = response.events[:want]
            if response.more and not page:
                raise IoError("server said more events follow but sent none", reason="io")
            if page and request.HasField("after") and page[0].sequence <= request.after:
                raise IoError("server returned events out of order while paging", reason="io")
            events.extend(_event(e) for e in page)
            if (len(page) < want and not response.more) or (limit is not None and len(events) >= limit):
                return events
            request.after = page[-1].sequence

    def event_list_paginated(
        self, event_type: Optional[str], limit: Optional[int] = None, after: Optional[int] = None
    ) -> List[Dict[str, Any]]:
        """The embedded SDK's name for `event_list` (spec/api.md §15): page
        with `limit` and pass the last sequence seen as `after`."""
        return self.event_list(event_type, limit, after)

    def event_len(self, *, as_of: Optional[int] = None) -> int:
        """Return the number of events in the log (as of `as_of`, if given)."""
        request = events_pb2.EventLenRequest(context=self._context())
        ts = validate.timestamp(as_of)
        if ts is not None:
            request.as_of = ts
        return self._call(self._events.Len, request).length

    def event_verify(self) -> Dict[str, Any]:
        """Have the server walk the whole hash chain.

        Returns {"valid", "length", "head_hash"} (head_hash: hex of the last
        event's hash; 64 zeros for an empty log). When not valid, also
        "first_broken" (the first sequence whose link or hash is wrong) and
        "reason"; head_hash is then the hash of the last event that verified.
        """
        response = self._call(self._events.Verify, events_pb2.EventVerifyRequest(context=self._context()))
        result: Dict[str, Any] = {
            "valid": response.valid,
            "length": response.length,
            "head_hash": response.head_hash.hex(),
        }
        if not response.valid:
            result["first_broken"] = response.first_broken if response.HasField("first_broken") else None
            result["reason"] = response.reason
        return result
