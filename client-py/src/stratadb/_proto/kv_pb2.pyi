from . import value_pb2 as _value_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Iterable as _Iterable, Mapping as _Mapping, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class KvPutRequest(_message.Message):
    __slots__ = ("context", "key", "value")
    CONTEXT_FIELD_NUMBER: _ClassVar[int]
    KEY_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    context: _value_pb2.Context
    key: str
    value: _value_pb2.Value
    def __init__(self, context: _Optional[_Union[_value_pb2.Context, _Mapping]] = ..., key: _Optional[str] = ..., value: _Optional[_Union[_value_pb2.Value, _Mapping]] = ...) -> None: ...

class KvGetRequest(_message.Message):
    __slots__ = ("context", "key", "as_of")
    CONTEXT_FIELD_NUMBER: _ClassVar[int]
    KEY_FIELD_NUMBER: _ClassVar[int]
    AS_OF_FIELD_NUMBER: _ClassVar[int]
    context: _value_pb2.Context
    key: str
    as_of: int
    def __init__(self, context: _Optional[_Union[_value_pb2.Context, _Mapping]] = ..., key: _Optional[str] = ..., as_of: _Optional[int] = ...) -> None: ...

class KvGetResponse(_message.Message):
    __slots__ = ("found", "entry")
    FOUND_FIELD_NUMBER: _ClassVar[int]
    ENTRY_FIELD_NUMBER: _ClassVar[int]
    found: bool
    entry: _value_pb2.VersionedValue
    def __init__(self, found: bool = ..., entry: _Optional[_Union[_value_pb2.VersionedValue, _Mapping]] = ...) -> None: ...

class KvDeleteRequest(_message.Message):
    __slots__ = ("context", "key")
    CONTEXT_FIELD_NUMBER: _ClassVar[int]
    KEY_FIELD_NUMBER: _ClassVar[int]
    context: _value_pb2.Context
    key: str
    def __init__(self, context: _Optional[_Union[_value_pb2.Context, _Mapping]] = ..., key: _Optional[str] = ...) -> None: ...

class KvDeleteResponse(_message.Message):
    __slots__ = ("existed", "version")
    EXISTED_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    existed: bool
    version: int
    def __init__(self, existed: bool = ..., version: _Optional[int] = ...) -> None: ...

class KvListRequest(_message.Message):
    __slots__ = ("context", "prefix", "limit", "cursor", "as_of")
    CONTEXT_FIELD_NUMBER: _ClassVar[int]
    PREFIX_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    CURSOR_FIELD_NUMBER: _ClassVar[int]
    AS_OF_FIELD_NUMBER: _ClassVar[int]
    context: _value_pb2.Context
    prefix: str
    limit: int
    cursor: str
    as_of: int
    def __init__(self, context: _Optional[_Union[_value_pb2.Context, _Mapping]] = ..., prefix: _Optional[str] = ..., limit: _Optional[int] = ..., cursor: _Optional[str] = ..., as_of: _Optional[int] = ...) -> None: ...

class KvHistoryRequest(_message.Message):
    __slots__ = ("context", "key", "before_version")
    CONTEXT_FIELD_NUMBER: _ClassVar[int]
    KEY_FIELD_NUMBER: _ClassVar[int]
    BEFORE_VERSION_FIELD_NUMBER: _ClassVar[int]
    context: _value_pb2.Context
    key: str
    before_version: int
    def __init__(self, context: _Optional[_Union[_value_pb2.Context, _Mapping]] = ..., key: _Optional[str] = ..., before_version: _Optional[int] = ...) -> None: ...

class HistoryResponse(_message.Message):
    __slots__ = ("exists", "entries", "more")
    EXISTS_FIELD_NUMBER: _ClassVar[int]
    ENTRIES_FIELD_NUMBER: _ClassVar[int]
    MORE_FIELD_NUMBER: _ClassVar[int]
    exists: bool
    entries: _containers.RepeatedCompositeFieldContainer[_value_pb2.VersionedValue]
    more: bool
    def __init__(self, exists: bool = ..., entries: _Optional[_Iterable[_Union[_value_pb2.VersionedValue, _Mapping]]] = ..., more: bool = ...) -> None: ...
