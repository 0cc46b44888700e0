"""Keyword (BM25) search across primitives (spec/api.md §12). Mixed into
`Strata`; uses its `_call`, `_context` and `_channel`.

Ranking, tokenizer, snippets and branch rules: docs/search.md.
"""

from typing import Any, Dict, Iterable, List, Optional

from . import validate
from ._proto import search_pb2, search_pb2_grpc
from .errors import ValidationError

__all__ = ["SearchMixin", "SEARCH_PRIMITIVES"]

# The names the server accepts, in its tie-break order.
SEARCH_PRIMITIVES = ("kv", "state", "json", "event", "vector")
MAX_SEARCH_K = 1000


def _primitives(value: Optional[Iterable[str]]) -> List[str]:
    """None means every primitive; otherwise a collection of known names."""
    if value is None:
        return []
    if isinstance(value, (str, bytes)):
        raise ValidationError(
            f"primitives must be a list of names such as ['kv', 'json'], got {type(value).__name__}",
            reason="validation",
        )
    try:
        names = list(value)
    except TypeError:
        raise ValidationError(
            f"primitives must be a list of names, got {type(value).__name__}", reason="validation"
        ) from None
    for name in names:
        if name not in SEARCH_PRIMITIVES:
            raise ValidationError(
                f"unknown primitive {name!r} in primitives; expected kv, state, json, event or vector",
                reason="validation",
            )
    return names


def _query(value) -> str:
    validate.text(value, "query")
    if not value.strip():
        raise ValidationError("query must not be empty", reason="validation")
    return value


class SearchMixin:
    """The `search` method of `Strata`."""

    @property
    def _search_stub(self):
        # Made on first use, so the handle's constructor need not know it.
        stub = self.__dict__.get("_search_stub_")
        if stub is None:
            stub = self.__dict__["_search_stub_"] = search_pb2_grpc.SearchStub(self._channel)
        return stub

    def search(
        self,
        query: str,
        k: int = 10,
        primitives: Optional[Iterable[str]] = None,
        *,
        as_of: Optional[int] = None,
    ) -> List[Dict[str, Any]]:
        """Return the `k` (1..1000) entities of the current branch and space
        whose text best matches `query` by BM25, best first, as dicts
        {"primitive", "entity", "score", "rank" (1-based), "snippet"}.

        `entity` is the key (cell, document id), "<sequence>" for events,
        "collection/key" for vectors. `primitives` restricts the search to some
        of "kv", "state", "json", "event", "vector". `as_of` (int microseconds)
        searches the database as it was then. The snippet is a short window of
        the matched text with each matching word in [brackets].

        Inside a transaction it searches the transaction's snapshot plus its
        own writes (staged puts and appends found, staged deletes gone), with
        the statistics its commit would make.

        Raises ValidationError for a blank query, k outside 1..1000 or an
        unknown primitive.
        """
        request = search_pb2.SearchRequest(
            context=self._context(),
            query=_query(query),
            k=validate.limit(k, 1, MAX_SEARCH_K, "k"),
            primitives=_primitives(primitives),
        )
        ts = validate.timestamp(as_of)
        if ts is not None:
            request.as_of = ts
        response = self._call(self._search_stub.Search, request)
        return [
            {"primitive": h.primitive, "entity": h.entity, "score": h.score, "rank": h.rank, "snippet": h.snippet}
            for h in response.hits
        ]
