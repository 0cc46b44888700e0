from . import value_pb2 as _value_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Iterable as _Iterable, Mapping as _Mapping, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class SearchRequest(_message.Message):
    __slots__ = ("context", "query", "k", "primitives", "as_of")
    CONTEXT_FIELD_NUMBER: _ClassVar[int]
    QUERY_FIELD_NUMBER: _ClassVar[int]
    K_FIELD_NUMBER: _ClassVar[int]
    PRIMITIVES_FIELD_NUMBER: _ClassVar[int]
    AS_OF_FIELD_NUMBER: _ClassVar[int]
    context: _value_pb2.Context
    query: str
    k: int
    primitives: _containers.RepeatedScalarFieldContainer[str]
    as_of: int
    def __init__(self, context: _Optional[_Union[_value_pb2.Context, _Mapping]] = ..., query: _Optional[str] = ..., k: _Optional[int] = ..., primitives: _Optional[_Iterable[str]] = ..., as_of: _Optional[int] = ...) -> None: ...

class SearchHit(_message.Message):
    __slots__ = ("primitive", "entity", "score", "rank", "snippet")
    PRIMITIVE_FIELD_NUMBER: _ClassVar[int]
    ENTITY_FIELD_NUMBER: _ClassVar[int]
    SCORE_FIELD_NUMBER: _ClassVar[int]
    RANK_FIELD_NUMBER: _ClassVar[int]
    SNIPPET_FIELD_NUMBER: _ClassVar[int]
    primitive: str
    entity: str
    score: float
    rank: int
    snippet: str
    def __init__(self, primitive: _Optional[str] = ..., entity: _Optional[str] = ..., score: _Optional[float] = ..., rank: _Optional[int] = ..., snippet: _Optional[str] = ...) -> None: ...

class SearchResponse(_message.Message):
    __slots__ = ("hits",)
    HITS_FIELD_NUMBER: _ClassVar[int]
    hits: _containers.RepeatedCompositeFieldContainer[SearchHit]
    def __init__(self, hits: _Optional[_Iterable[_Union[SearchHit, _Mapping]]] = ...) -> None: ...
