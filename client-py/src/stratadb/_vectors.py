"""Vector collections (spec/api.md §8). Mixed into `Strata`; uses its
`_call`, `_context` and `_channel`.

Vectors are float32 on the server. Pass a numpy array (any numeric dtype,
converted once to little-endian float32) or a list/tuple of numbers; numpy
is optional. Embeddings come back as float32 numpy arrays when numpy is
installed, else as lists of floats.

`vector_batch_search` is an extension beyond the seed: many queries in one
round trip, answered in order.
"""

from typing import Any, Dict, List, Optional

from . import validate
from ._proto import vectors_pb2, vectors_pb2_grpc
from ._vector_encoding import (
    filters_into,
    metadata_dict,
    metric,
    metric_name,
    optional_positive,
    pack,
    pack_many,
    pack_query,
    unpack,
)
from .codec import decode, encode_into, require_finite
from .errors import ValidationError

__all__ = ["VectorsMixin"]

MAX_DIMENSION = 65536
MAX_K = 10000


def _invalid(message: str) -> ValidationError:
    return ValidationError(message, reason="validation")


def _collection(name) -> str:
    # The server checks the rest of the naming rule and names the problem.
    return validate.utf8_name(name, "collection name", 1024)


def _vector_key(key) -> str:
    return validate.key(key, "vector key")


def _entry(target: "vectors_pb2.VectorEntry", key, vector, metadata, where: str = "") -> None:
    """Fill a VectorEntry; `where` ("entries[3].") prefixes what a problem names."""
    target.key = validate.key(key, f"{where}key" if where else "vector key")
    target.vector.f32le = pack(vector, f"{where}vector")
    metadata = metadata_dict(metadata, f"{where}metadata")
    if metadata is not None:
        encode_into(metadata, target.metadata)
        # Metadata is a document: NaN/inf are rejected as in JSON (spec §2).
        require_finite(target.metadata, f"{where}metadata")


def _entry_parts(entry, index: int):
    """(key, vector, metadata) of one vector_batch_upsert entry."""
    where = f"entries[{index}]"
    if isinstance(entry, dict):
        unknown = [name for name in entry if name not in ("key", "vector", "metadata")]
        if unknown or "key" not in entry or "vector" not in entry:
            raise _invalid(
                f'{where} must be a dict with "key", "vector" and optionally "metadata"; '
                + (f"unknown keys {unknown}" if unknown else "missing " + ("key" if "key" not in entry else "vector"))
            )
        return entry["key"], entry["vector"], entry.get("metadata")
    if isinstance(entry, tuple) and len(entry) in (2, 3):
        return entry[0], entry[1], entry[2] if len(entry) == 3 else None
    raise _invalid(
        f"{where} must be a dict {{key, vector, metadata?}} or a tuple (key, vector[, metadata]), "
        f"got {type(entry).__name__}" + (f" of length {len(entry)}" if isinstance(entry, tuple) else "")
    )


def _collection_info(info: "vectors_pb2.CollectionInfo") -> Dict[str, Any]:
    return {
        "name": info.name,
        "dimension": info.dimension,
        "metric": metric_name(info.metric),
        "count": info.count,
        "index_type": info.index_type,
        "memory_bytes": info.memory_bytes,
        "m": info.m,
        "ef_construction": info.ef_construction,
    }


def _matches(response: "vectors_pb2.VectorSearchResponse", include_metadata: bool = True) -> List[Dict[str, Any]]:
    # A match without metadata (none stored, or the search asked for none)
    # reads as None: the same dict shape either way.
    keys = response.keys
    if keys:
        # The layout the client asks for (`columns`): three lists instead of
        # a message per result. Run between two round trips, when the
        # interpreter's caches are cold, reading ten SearchMatch messages
        # field by field cost 16-22 us; see bench/README.md "Session 13".
        if not include_metadata:
            return [
                {"key": key, "score": score, "distance": distance, "metadata": None}
                for key, score, distance in zip(keys, response.scores, response.distances)
            ]
        return [
            {"key": key, "score": score, "distance": distance, "metadata": decode(metadata)}
            for key, score, distance, metadata in zip(keys, response.scores, response.distances, response.metadata)
        ]
    # A server that predates `columns` answers in matches.
    if not include_metadata:
        return [
            {"key": match.key, "score": match.score, "distance": match.distance, "metadata": None}
            for match in response.matches
        ]
    return [
        {
            "key": match.key,
            "score": match.score,
            "distance": match.distance,
            "metadata": decode(match.metadata) if match.HasField("metadata") else None,
        }
        for match in response.matches
    ]


# Search requests without filters or as_of, by (branch, space, transaction,
# collection, k, metric, ef, include_metadata): the request serialized without
# its query. Bounded; cleared when full.
_SEARCH_TEMPLATES_MAX = 256


# VectorSearchRequest.query (field 3) holding Vector.f32le (field 2), up to
# the query's bytes: the same for every query of one length.
_QUERY_HEADERS: Dict[int, bytes] = {}


def _query_header(size: int) -> bytes:
    header = _QUERY_HEADERS.get(size)
    if header is None:
        inner = _varint(2 << 3 | 2) + _varint(size)  # Vector.f32le: tag, length
        header = _varint(3 << 3 | 2) + _varint(len(inner) + size) + inner  # .query: tag, length
        if len(_QUERY_HEADERS) < 64:
            _QUERY_HEADERS[size] = header
    return header


def _varint(n: int) -> bytes:
    out = bytearray()
    while n > 0x7F:
        out.append(n & 0x7F | 0x80)
        n >>= 7
    out.append(n)
    return bytes(out)


class VectorsMixin:
    """The `vector_*` methods of `Strata`."""

    @property
    def _search_wire(self):
        # Vectors.Search taking the serialized request as bytes (see
        # _search_request_bytes); the response is parsed as usual.
        call = self.__dict__.get("_search_wire_")
        if call is None:
            call = self.__dict__["_search_wire_"] = self._channel.unary_unary(
                "/strata.v1.Vectors/Search",
                request_serializer=None,
                response_deserializer=vectors_pb2.VectorSearchResponse.FromString,
            )
        return call

    def _search_request_bytes(self, coll, query, k, metric_value, ef, include_metadata) -> Optional[bytes]:
        """The serialized VectorSearchRequest of a plain search (no filters,
        no as_of) when its arguments have the exact types a template is kept
        for, else None (the caller builds the message as usual).

        Why: building the protobuf message afresh is most of what a search
        costs the client. A serialized message followed by another field is
        that message with the field set (protobuf parses fields in any
        order), so the query's field is appended to the request serialized
        once without it. Arguments are validated when the template is made;
        the key holds their exact types, so a value of another type (k=10.0)
        never reaches a template made for a valid one.
        """
        if not (
            type(coll) is str
            and type(k) is int
            and (metric_value is None or type(metric_value) is str)
            and (ef is None or type(ef) is int)
            and type(include_metadata) is bool
        ):
            return None
        key = (self._branch, self._space, self._txn_id, coll, k, metric_value, ef, include_metadata)
        templates = self.__dict__.setdefault("_search_templates_", {})
        template = templates.get(key)
        if template is None:
            request = vectors_pb2.VectorSearchRequest(context=self._context(), collection=_collection(coll))
            _search_options(request, k, metric_value, None, None, ef, include_metadata)
            if len(templates) >= _SEARCH_TEMPLATES_MAX:
                templates.clear()
            template = templates[key] = request.SerializeToString()
        data = pack_query(query)
        return b"".join((template, _query_header(len(data)), data))

    @property
    def _vectors_stub(self):
        # Made on first use, so the handle's constructor need not know it.
        stub = self.__dict__.get("_vectors_stub_")
        if stub is None:
            stub = self.__dict__["_vectors_stub_"] = vectors_pb2_grpc.VectorsStub(self._channel)
        return stub

    # -- collections -------------------------------------------------------

    def vector_create_collection(
        self, name: str, dim: int, metric: Optional[str] = None, *, m: int = 16, ef_construction: int = 200
    ) -> int:
        """Create a collection of `dim`-dimensional float32 vectors; return
        the commit version.

        `metric`: "cosine" (None: the default), "euclidean" (alias "l2") or
        "dot_product" (aliases "dot", "dotproduct", "ip"), in any case. `m`
        and `ef_construction` are the HNSW graph's degree and build breadth.

        Raises ConstraintError if the name is taken, ValidationError for a
        bad name, dimension (1..65536), metric or HNSW setting.
        """
        request = vectors_pb2.CreateCollectionRequest(
            context=self._context(),
            name=_collection(name),
            dimension=validate.limit(dim, 1, MAX_DIMENSION, "dim"),
            metric=_metric(metric),
            m=optional_positive(m, "m") or 0,
            ef_construction=optional_positive(ef_construction, "ef_construction") or 0,
        )
        return self._call(self._vectors_stub.CreateCollection, request).version

    def vector_delete_collection(self, name: str) -> bool:
        """Delete a collection and all its vectors; return True if it existed."""
        request = vectors_pb2.DeleteCollectionRequest(context=self._context(), name=_collection(name))
        return self._call(self._vectors_stub.DeleteCollection, request).existed

    def vector_list_collections(self) -> List[Dict[str, Any]]:
        """Return the collections of the current branch and space:
        [{"name", "dimension", "metric", "count", "index_type",
        "memory_bytes", "m", "ef_construction"}], `metric` by its canonical
        name ("cosine", "euclidean", "dot_product"). `memory_bytes` is what
        the collection's index holds in the server's memory now: listing
        loads no index, so it is 0 for one not used since the server started
        (a search, a write or `vector_collection_stats` loads it)."""
        request = vectors_pb2.ListCollectionsRequest(context=self._context())
        response = self._call(self._vectors_stub.ListCollections, request)
        return [_collection_info(info) for info in response.collections]

    def vector_collection_stats(self, name: str) -> Dict[str, Any]:
        """Return one collection's figures, shaped as in
        `vector_list_collections`. Raises NotFoundError if it is missing."""
        request = vectors_pb2.CollectionStatsRequest(context=self._context(), name=_collection(name))
        return _collection_info(self._call(self._vectors_stub.CollectionStats, request))

    # -- vectors -----------------------------------------------------------

    def vector_upsert(self, coll: str, key: str, vector, metadata: Optional[Dict[str, Any]] = None) -> int:
        """Insert or replace the vector under `key` (its metadata is replaced
        too); return the commit version.

        Raises NotFoundError for a missing collection, ConstraintError for a
        wrong dimension, ValidationError for NaN/infinity, a non-number or a
        bad key or metadata.
        """
        request = vectors_pb2.VectorUpsertRequest(context=self._context(), collection=_collection(coll))
        _entry(request.entry, key, vector, metadata)
        return self._call(self._vectors_stub.Upsert, request).version

    def vector_batch_upsert(self, coll: str, entries) -> List[int]:
        """Insert or replace many vectors in one commit, all or nothing;
        return one version per entry, in order.

        `entries`: dicts {"key", "vector", "metadata"?} or tuples
        (key, vector[, metadata]). A bad entry raises ValidationError naming
        its index before anything is sent.
        """
        request = vectors_pb2.VectorBatchUpsertRequest(context=self._context(), collection=_collection(coll))
        if isinstance(entries, (str, bytes, dict)) or not hasattr(entries, "__iter__"):
            raise _invalid(f"entries must be a list of dicts or tuples, got {type(entries).__name__}")
        add = request.entries.add
        for i, entry in enumerate(entries):
            key, vector, metadata = _entry_parts(entry, i)
            _entry(add(), key, vector, metadata, f"entries[{i}].")
        return list(self._call(self._vectors_stub.BatchUpsert, request).versions)

    def vector_get(self, coll: str, key: str, *, as_of: Optional[int] = None) -> Optional[Dict[str, Any]]:
        """Return {"key", "embedding", "metadata", "version", "timestamp"},
        or None if there is no such vector (now, or at `as_of`, int
        microseconds since the epoch). `embedding` is a float32 numpy array
        when numpy is installed, else a list of floats.

        Raises NotFoundError for a missing collection.
        """
        request = vectors_pb2.VectorGetRequest(
            context=self._context(), collection=_collection(coll), key=_vector_key(key)
        )
        ts = validate.timestamp(as_of)
        if ts is not None:
            request.as_of = ts
        response = self._call(self._vectors_stub.Get, request)
        if not response.found:
            return None
        return {
            "key": response.key,
            "embedding": unpack(response.vector),
            "metadata": decode(response.metadata) if response.HasField("metadata") else None,
            "version": response.version,
            "timestamp": response.timestamp,
        }

    def vector_delete(self, coll: str, key: str) -> bool:
        """Delete one vector; return True if it existed."""
        request = vectors_pb2.VectorDeleteRequest(
            context=self._context(), collection=_collection(coll), key=_vector_key(key)
        )
        return self._call(self._vectors_stub.Delete, request).existed

    # -- search ------------------------------------------------------------

    def vector_search(
        self,
        coll: str,
        query,
        k: int,
        metric: Optional[str] = None,
        filters: Optional[List[Dict[str, Any]]] = None,
        *,
        as_of: Optional[int] = None,
        ef: Optional[int] = None,
        include_metadata: bool = True,
    ) -> List[Dict[str, Any]]:
        """Return the `k` vectors nearest `query`, best first:
        [{"key", "score", "distance", "metadata"}].

        `score` is higher-is-better (cosine similarity, inner product, or
        1/(1+d) for euclidean); `distance` the metric's raw distance. A
        `metric` other than the collection's is answered by exact search.
        `filters`: [{"field", "op", "value"}], all must hold; `field` is a
        dotted path into the metadata; ops eq ne gt gte lt lte in contains.
        A filtered search still returns min(k, matches) results. `as_of`
        searches the collection as of that instant; `ef` (HNSW search
        breadth, server default 100) trades speed for recall.
        `include_metadata=False` leaves metadata out of the answer (every
        result's "metadata" is None, the dicts keep their shape): less for
        the server to send and the client to decode when only keys and
        scores are wanted. Filters still apply to the stored metadata.

        Raises NotFoundError for a missing collection, ConstraintError for a
        wrong dimension, ValidationError for a bad k (1..10000), filter or
        query.
        """
        if filters is None and as_of is None:
            wire = self._search_request_bytes(coll, query, k, metric, ef, include_metadata)
            if wire is not None:
                return _matches(self._call(self._search_wire, wire), include_metadata)
        request = vectors_pb2.VectorSearchRequest(context=self._context(), collection=_collection(coll))
        request.query.f32le = pack_query(query)
        _search_options(request, k, metric, filters, as_of, ef, include_metadata)
        return _matches(self._call(self._vectors_stub.Search, request), include_metadata)

    def vector_batch_search(
        self,
        coll: str,
        queries,
        k: int,
        metric: Optional[str] = None,
        filters: Optional[List[Dict[str, Any]]] = None,
        *,
        as_of: Optional[int] = None,
        ef: Optional[int] = None,
        include_metadata: bool = True,
    ) -> List[List[Dict[str, Any]]]:
        """`vector_search` for many queries in one round trip (an extension
        beyond the seed's API): return one result list per query, in order.

        `queries` is a 2-D numpy array (one query per row) or a list of
        vectors; the other arguments (`include_metadata` too) apply to
        every query.
        """
        request = vectors_pb2.VectorBatchSearchRequest(context=self._context(), collection=_collection(coll))
        add = request.queries.add
        for data in pack_many(queries):
            add(f32le=data)
        _search_options(request, k, metric, filters, as_of, ef, include_metadata)
        response = self._call(self._vectors_stub.BatchSearch, request)
        return [_matches(result, include_metadata) for result in response.results]


def _metric(value) -> int:
    # The methods' own `metric` parameter shadows the encoder inside them.
    return metric(value)


def _search_options(request, k, metric_value, filters, as_of, ef, include_metadata) -> None:
    """Set the fields a single and a batch search share."""
    if not isinstance(include_metadata, bool):
        raise _invalid(f"include_metadata must be a bool, got {type(include_metadata).__name__}")
    if not include_metadata:
        request.include_metadata = False  # unset means True (the server's default)
    request.columns = True  # the answer as parallel lists: cheaper to read (_matches)
    request.k = validate.limit(k, 1, MAX_K, "k")
    request.metric = _metric(metric_value)
    filters_into(filters, request.filters)
    ts = validate.timestamp(as_of)
    if ts is not None:
        request.as_of = ts
    request.ef = optional_positive(ef, "ef") or 0
