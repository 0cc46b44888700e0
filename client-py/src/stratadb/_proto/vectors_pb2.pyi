from . import value_pb2 as _value_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Iterable as _Iterable, Mapping as _Mapping, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Metric(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    METRIC_UNSPECIFIED: _ClassVar[Metric]
    METRIC_COSINE: _ClassVar[Metric]
    METRIC_EUCLIDEAN: _ClassVar[Metric]
    METRIC_DOT_PRODUCT: _ClassVar[Metric]
METRIC_UNSPECIFIED: Metric
METRIC_COSINE: Metric
METRIC_EUCLIDEAN: Metric
METRIC_DOT_PRODUCT: Metric

class Vector(_message.Message):
    __slots__ = ("values", "f32le")
    VALUES_FIELD_NUMBER: _ClassVar[int]
    F32LE_FIELD_NUMBER: _ClassVar[int]
    values: _containers.RepeatedScalarFieldContainer[float]
    f32le: bytes
    def __init__(self, values: _Optional[_Iterable[float]] = ..., f32le: _Optional[bytes] = ...) -> None: ...

class CreateCollectionRequest(_message.Message):
    __slots__ = ("context", "name", "dimension", "metric", "m", "ef_construction")
    CONTEXT_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    DIMENSION_FIELD_NUMBER: _ClassVar[int]
    METRIC_FIELD_NUMBER: _ClassVar[int]
    M_FIELD_NUMBER: _ClassVar[int]
    EF_CONSTRUCTION_FIELD_NUMBER: _ClassVar[int]
    context: _value_pb2.Context
    name: str
    dimension: int
    metric: Metric
    m: int
    ef_construction: int
    def __init__(self, context: _Optional[_Union[_value_pb2.Context, _Mapping]] = ..., name: _Optional[str] = ..., dimension: _Optional[int] = ..., metric: _Optional[_Union[Metric, str]] = ..., m: _Optional[int] = ..., ef_construction: _Optional[int] = ...) -> None: ...

class DeleteCollectionRequest(_message.Message):
    __slots__ = ("context", "name")
    CONTEXT_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    context: _value_pb2.Context
    name: str
    def __init__(self, context: _Optional[_Union[_value_pb2.Context, _Mapping]] = ..., name: _Optional[str] = ...) -> None: ...

class DeleteCollectionResponse(_message.Message):
    __slots__ = ("existed", "version")
    EXISTED_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    existed: bool
    version: int
    def __init__(self, existed: bool = ..., version: _Optional[int] = ...) -> None: ...

class ListCollectionsRequest(_message.Message):
    __slots__ = ("context",)
    CONTEXT_FIELD_NUMBER: _ClassVar[int]
    context: _value_pb2.Context
    def __init__(self, context: _Optional[_Union[_value_pb2.Context, _Mapping]] = ...) -> None: ...

class CollectionStatsRequest(_message.Message):
    __slots__ = ("context", "name")
    CONTEXT_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    context: _value_pb2.Context
    name: str
    def __init__(self, context: _Optional[_Union[_value_pb2.Context, _Mapping]] = ..., name: _Optional[str] = ...) -> None: ...

class CollectionInfo(_message.Message):
    __slots__ = ("name", "dimension", "metric", "count", "index_type", "memory_bytes", "m", "ef_construction")
    NAME_FIELD_NUMBER: _ClassVar[int]
    DIMENSION_FIELD_NUMBER: _ClassVar[int]
    METRIC_FIELD_NUMBER: _ClassVar[int]
    COUNT_FIELD_NUMBER: _ClassVar[int]
    INDEX_TYPE_FIELD_NUMBER: _ClassVar[int]
    MEMORY_BYTES_FIELD_NUMBER: _ClassVar[int]
    M_FIELD_NUMBER: _ClassVar[int]
    EF_CONSTRUCTION_FIELD_NUMBER: _ClassVar[int]
    name: str
    dimension: int
    metric: Metric
    count: int
    index_type: str
    memory_bytes: int
    m: int
    ef_construction: int
    def __init__(self, name: _Optional[str] = ..., dimension: _Optional[int] = ..., metric: _Optional[_Union[Metric, str]] = ..., count: _Optional[int] = ..., index_type: _Optional[str] = ..., memory_bytes: _Optional[int] = ..., m: _Optional[int] = ..., ef_construction: _Optional[int] = ...) -> None: ...

class ListCollectionsResponse(_message.Message):
    __slots__ = ("collections",)
    COLLECTIONS_FIELD_NUMBER: _ClassVar[int]
    collections: _containers.RepeatedCompositeFieldContainer[CollectionInfo]
    def __init__(self, collections: _Optional[_Iterable[_Union[CollectionInfo, _Mapping]]] = ...) -> None: ...

class VectorEntry(_message.Message):
    __slots__ = ("key", "vector", "metadata")
    KEY_FIELD_NUMBER: _ClassVar[int]
    VECTOR_FIELD_NUMBER: _ClassVar[int]
    METADATA_FIELD_NUMBER: _ClassVar[int]
    key: str
    vector: Vector
    metadata: _value_pb2.Value
    def __init__(self, key: _Optional[str] = ..., vector: _Optional[_Union[Vector, _Mapping]] = ..., metadata: _Optional[_Union[_value_pb2.Value, _Mapping]] = ...) -> None: ...

class VectorUpsertRequest(_message.Message):
    __slots__ = ("context", "collection", "entry")
    CONTEXT_FIELD_NUMBER: _ClassVar[int]
    COLLECTION_FIELD_NUMBER: _ClassVar[int]
    ENTRY_FIELD_NUMBER: _ClassVar[int]
    context: _value_pb2.Context
    collection: str
    entry: VectorEntry
    def __init__(self, context: _Optional[_Union[_value_pb2.Context, _Mapping]] = ..., collection: _Optional[str] = ..., entry: _Optional[_Union[VectorEntry, _Mapping]] = ...) -> None: ...

class VectorBatchUpsertRequest(_message.Message):
    __slots__ = ("context", "collection", "entries")
    CONTEXT_FIELD_NUMBER: _ClassVar[int]
    COLLECTION_FIELD_NUMBER: _ClassVar[int]
    ENTRIES_FIELD_NUMBER: _ClassVar[int]
    context: _value_pb2.Context
    collection: str
    entries: _containers.RepeatedCompositeFieldContainer[VectorEntry]
    def __init__(self, context: _Optional[_Union[_value_pb2.Context, _Mapping]] = ..., collection: _Optional[str] = ..., entries: _Optional[_Iterable[_Union[VectorEntry, _Mapping]]] = ...) -> None: ...

class VectorBatchUpsertResponse(_message.Message):
    __slots__ = ("versions",)
    VERSIONS_FIELD_NUMBER: _ClassVar[int]
    versions: _containers.RepeatedScalarFieldContainer[int]
    def __init__(self, versions: _Optional[_Iterable[int]] = ...) -> None: ...

class VectorGetRequest(_message.Message):
    __slots__ = ("context", "collection", "key", "as_of", "as_values")
    CONTEXT_FIELD_NUMBER: _ClassVar[int]
    COLLECTION_FIELD_NUMBER: _ClassVar[int]
    KEY_FIELD_NUMBER: _ClassVar[int]
    AS_OF_FIELD_NUMBER: _ClassVar[int]
    AS_VALUES_FIELD_NUMBER: _ClassVar[int]
    context: _value_pb2.Context
    collection: str
    key: str
    as_of: int
    as_values: bool
    def __init__(self, context: _Optional[_Union[_value_pb2.Context, _Mapping]] = ..., collection: _Optional[str] = ..., key: _Optional[str] = ..., as_of: _Optional[int] = ..., as_values: bool = ...) -> None: ...

class VectorGetResponse(_message.Message):
    __slots__ = ("found", "key", "vector", "metadata", "version", "timestamp")
    FOUND_FIELD_NUMBER: _ClassVar[int]
    KEY_FIELD_NUMBER: _ClassVar[int]
    VECTOR_FIELD_NUMBER: _ClassVar[int]
    METADATA_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    TIMESTAMP_FIELD_NUMBER: _ClassVar[int]
    found: bool
    key: str
    vector: Vector
    metadata: _value_pb2.Value
    version: int
    timestamp: int
    def __init__(self, found: bool = ..., key: _Optional[str] = ..., vector: _Optional[_Union[Vector, _Mapping]] = ..., metadata: _Optional[_Union[_value_pb2.Value, _Mapping]] = ..., version: _Optional[int] = ..., timestamp: _Optional[int] = ...) -> None: ...

class VectorDeleteRequest(_message.Message):
    __slots__ = ("context", "collection", "key")
    CONTEXT_FIELD_NUMBER: _ClassVar[int]
    COLLECTION_FIELD_NUMBER: _ClassVar[int]
    KEY_FIELD_NUMBER: _ClassVar[int]
    context: _value_pb2.Context
    collection: str
    key: str
    def __init__(self, context: _Optional[_Union[_value_pb2.Context, _Mapping]] = ..., collection: _Optional[str] = ..., key: _Optional[str] = ...) -> None: ...

class VectorDeleteResponse(_message.Message):
    __slots__ = ("existed", "version")
    EXISTED_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    existed: bool
    version: int
    def __init__(self, existed: bool = ..., version: _Optional[int] = ...) -> None: ...

class Filter(_message.Message):
    __slots__ = ("field", "op", "value")
    FIELD_FIELD_NUMBER: _ClassVar[int]
    OP_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    field: str
    op: str
    value: _value_pb2.Value
    def __init__(self, field: _Optional[str] = ..., op: _Optional[str] = ..., value: _Optional[_Union[_value_pb2.Value, _Mapping]] = ...) -> None: ...

class VectorSearchRequest(_message.Message):
    __slots__ = ("context", "collection", "query", "k", "metric", "filters", "as_of", "ef", "include_metadata", "columns")
    CONTEXT_FIELD_NUMBER: _ClassVar[int]
    COLLECTION_FIELD_NUMBER: _ClassVar[int]
    QUERY_FIELD_NUMBER: _ClassVar[int]
    K_FIELD_NUMBER: _ClassVar[int]
    METRIC_FIELD_NUMBER: _ClassVar[int]
    FILTERS_FIELD_NUMBER: _ClassVar[int]
    AS_OF_FIELD_NUMBER: _ClassVar[int]
    EF_FIELD_NUMBER: _ClassVar[int]
    INCLUDE_METADATA_FIELD_NUMBER: _ClassVar[int]
    COLUMNS_FIELD_NUMBER: _ClassVar[int]
    context: _value_pb2.Context
    collection: str
    query: Vector
    k: int
    metric: Metric
    filters: _containers.RepeatedCompositeFieldContainer[Filter]
    as_of: int
    ef: int
    include_metadata: bool
    columns: bool
    def __init__(self, context: _Optional[_Union[_value_pb2.Context, _Mapping]] = ..., collection: _Optional[str] = ..., query: _Optional[_Union[Vector, _Mapping]] = ..., k: _Optional[int] = ..., metric: _Optional[_Union[Metric, str]] = ..., filters: _Optional[_Iterable[_Union[Filter, _Mapping]]] = ..., as_of: _Optional[int] = ..., ef: _Optional[int] = ..., include_metadata: bool = ..., columns: bool = ...) -> None: ...

class SearchMatch(_message.Message):
    __slots__ = ("key", "score", "distance", "metadata")
    KEY_FIELD_NUMBER: _ClassVar[int]
    SCORE_FIELD_NUMBER: _ClassVar[int]
    DISTANCE_FIELD_NUMBER: _ClassVar[int]
    METADATA_FIELD_NUMBER: _ClassVar[int]
    key: str
    score: float
    distance: float
    metadata: _value_pb2.Value
    def __init__(self, key: _Optional[str] = ..., score: _Optional[float] = ..., distance: _Optional[float] = ..., metadata: _Optional[_Union[_value_pb2.Value, _Mapping]] = ...) -> None: ...

class VectorSearchResponse(_message.Message):
    __slots__ = ("matches", "keys", "scores", "distances", "metadata")
    MATCHES_FIELD_NUMBER: _ClassVar[int]
    KEYS_FIELD_NUMBER: _ClassVar[int]
    SCORES_FIELD_NUMBER: _ClassVar[int]
    DISTANCES_FIELD_NUMBER: _ClassVar[int]
    METADATA_FIELD_NUMBER: _ClassVar[int]
    matches: _containers.RepeatedCompositeFieldContainer[SearchMatch]
    keys: _containers.RepeatedScalarFieldContainer[str]
    scores: _containers.RepeatedScalarFieldContainer[float]
    distances: _containers.RepeatedScalarFieldContainer[float]
    metadata: _containers.RepeatedCompositeFieldContainer[_value_pb2.Value]
    def __init__(self, matches: _Optional[_Iterable[_Union[SearchMatch, _Mapping]]] = ..., keys: _Optional[_Iterable[str]] = ..., scores: _Optional[_Iterable[float]] = ..., distances: _Optional[_Iterable[float]] = ..., metadata: _Optional[_Iterable[_Union[_value_pb2.Value, _Mapping]]] = ...) -> None: ...

class VectorBatchSearchRequest(_message.Message):
    __slots__ = ("context", "collection", "queries", "k", "metric", "filters", "as_of", "ef", "include_metadata", "columns")
    CONTEXT_FIELD_NUMBER: _ClassVar[int]
    COLLECTION_FIELD_NUMBER: _ClassVar[int]
    QUERIES_FIELD_NUMBER: _ClassVar[int]
    K_FIELD_NUMBER: _ClassVar[int]
    METRIC_FIELD_NUMBER: _ClassVar[int]
    FILTERS_FIELD_NUMBER: _ClassVar[int]
    AS_OF_FIELD_NUMBER: _ClassVar[int]
    EF_FIELD_NUMBER: _ClassVar[int]
    INCLUDE_METADATA_FIELD_NUMBER: _ClassVar[int]
    COLUMNS_FIELD_NUMBER: _ClassVar[int]
    context: _value_pb2.Context
    collection: str
    queries: _containers.RepeatedCompositeFieldContainer[Vector]
    k: int
    metric: Metric
    filters: _containers.RepeatedCompositeFieldContainer[Filter]
    as_of: int
    ef: int
    include_metadata: bool
    columns: bool
    def __init__(self, context: _Optional[_Union[_value_pb2.Context, _Mapping]] = ..., collection: _Optional[str] = ..., queries: _Optional[_Iterable[_Union[Vector, _Mapping]]] = ..., k: _Optional[int] = ..., metric: _Optional[_Union[Metric, str]] = ..., filters: _Optional[_Iterable[_Union[Filter, _Mapping]]] = ..., as_of: _Optional[int] = ..., ef: _Optional[int] = ..., include_metadata: bool = ..., columns: bool = ...) -> None: ...

class VectorBatchSearchResponse(_message.Message):
    __slots__ = ("results",)
    RESULTS_FIELD_NUMBER: _ClassVar[int]
    results: _containers.RepeatedCompositeFieldContainer[VectorSearchResponse]
    def __init__(self, results: _Optional[_Iterable[_Union[VectorSearchResponse, _Mapping]]] = ...) -> None: ...
