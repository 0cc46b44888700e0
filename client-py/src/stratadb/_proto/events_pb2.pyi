from . import value_pb2 as _value_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Iterable as _Iterable, Mapping as _Mapping, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Event(_message.Message):
    __slots__ = ("sequence", "event_type", "value", "timestamp", "hash", "prev_hash", "version")
    SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    EVENT_TYPE_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    TIMESTAMP_FIELD_NUMBER: _ClassVar[int]
    HASH_FIELD_NUMBER: _ClassVar[int]
    PREV_HASH_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    sequence: int
    event_type: str
    value: _value_pb2.Value
    timestamp: int
    hash: bytes
    prev_hash: bytes
    version: int
    def __init__(self, sequence: _Optional[int] = ..., event_type: _Optional[str] = ..., value: _Optional[_Union[_value_pb2.Value, _Mapping]] = ..., timestamp: _Optional[int] = ..., hash: _Optional[bytes] = ..., prev_hash: _Optional[bytes] = ..., version: _Optional[int] = ...) -> None: ...

class EventAppendRequest(_message.Message):
    __slots__ = ("context", "event_type", "payload")
    CONTEXT_FIELD_NUMBER: _ClassVar[int]
    EVENT_TYPE_FIELD_NUMBER: _ClassVar[int]
    PAYLOAD_FIELD_NUMBER: _ClassVar[int]
    context: _value_pb2.Context
    event_type: str
    payload: _value_pb2.Value
    def __init__(self, context: _Optional[_Union[_value_pb2.Context, _Mapping]] = ..., event_type: _Optional[str] = ..., payload: _Optional[_Union[_value_pb2.Value, _Mapping]] = ...) -> None: ...

class EventAppendResponse(_message.Message):
    __slots__ = ("sequence", "version")
    SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    sequence: int
    version: int
    def __init__(self, sequence: _Optional[int] = ..., version: _Optional[int] = ...) -> None: ...

class EventGetRequest(_message.Message):
    __slots__ = ("context", "sequence", "as_of")
    CONTEXT_FIELD_NUMBER: _ClassVar[int]
    SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    AS_OF_FIELD_NUMBER: _ClassVar[int]
    context: _value_pb2.Context
    sequence: int
    as_of: int
    def __init__(self, context: _Optional[_Union[_value_pb2.Context, _Mapping]] = ..., sequence: _Optional[int] = ..., as_of: _Optional[int] = ...) -> None: ...

class EventGetResponse(_message.Message):
    __slots__ = ("found", "event")
    FOUND_FIELD_NUMBER: _ClassVar[int]
    EVENT_FIELD_NUMBER: _ClassVar[int]
    found: bool
    event: Event
    def __init__(self, found: bool = ..., event: _Optional[_Union[Event, _Mapping]] = ...) -> None: ...

class EventListRequest(_message.Message):
    __slots__ = ("context", "event_type", "limit", "after", "as_of")
    CONTEXT_FIELD_NUMBER: _ClassVar[int]
    EVENT_TYPE_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    AFTER_FIELD_NUMBER: _ClassVar[int]
    AS_OF_FIELD_NUMBER: _ClassVar[int]
    context: _value_pb2.Context
    event_type: str
    limit: int
    after: int
    as_of: int
    def __init__(self, context: _Optional[_Union[_value_pb2.Context, _Mapping]] = ..., event_type: _Optional[str] = ..., limit: _Optional[int] = ..., after: _Optional[int] = ..., as_of: _Optional[int] = ...) -> None: ...

class EventListResponse(_message.Message):
    __slots__ = ("events", "more")
    EVENTS_FIELD_NUMBER: _ClassVar[int]
    MORE_FIELD_NUMBER: _ClassVar[int]
    events: _containers.RepeatedCompositeFieldContainer[Event]
    more: bool
    def __init__(self, events: _Optional[_Iterable[_Union[Event, _Mapping]]] = ..., more: bool = ...) -> None: ...

class EventLenRequest(_message.Message):
    __slots__ = ("context", "as_of")
    CONTEXT_FIELD_NUMBER: _ClassVar[int]
    AS_OF_FIELD_NUMBER: _ClassVar[int]
    context: _value_pb2.Context
    as_of: int
    def __init__(self, context: _Optional[_Union[_value_pb2.Context, _Mapping]] = ..., as_of: _Optional[int] = ...) -> None: ...

class EventLenResponse(_message.Message):
    __slots__ = ("length",)
    LENGTH_FIELD_NUMBER: _ClassVar[int]
    length: int
    def __init__(self, length: _Optional[int] = ...) -> None: ...

class EventVerifyRequest(_message.Message):
    __slots__ = ("context",)
    CONTEXT_FIELD_NUMBER: _ClassVar[int]
    context: _value_pb2.Context
    def __init__(self, context: _Optional[_Union[_value_pb2.Context, _Mapping]] = ...) -> None: ...

class EventVerifyResponse(_message.Message):
    __slots__ = ("valid", "length", "head_hash", "first_broken", "reason")
    VALID_FIELD_NUMBER: _ClassVar[int]
    LENGTH_FIELD_NUMBER: _ClassVar[int]
    HEAD_HASH_FIELD_NUMBER: _ClassVar[int]
    FIRST_BROKEN_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    valid: bool
    length: int
    head_hash: bytes
    first_broken: int
    reason: str
    def __init__(self, valid: bool = ..., length: _Optional[int] = ..., head_hash: _Optional[bytes] = ..., first_broken: _Optional[int] = ..., reason: _Optional[str] = ...) -> None: ...
