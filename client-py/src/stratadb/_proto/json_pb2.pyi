from . import kv_pb2 as _kv_pb2
from . import value_pb2 as _value_pb2
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Mapping as _Mapping, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class JsonSetRequest(_message.Message):
    __slots__ = ("context", "key", "path", "value")
    CONTEXT_FIELD_NUMBER: _ClassVar[int]
    KEY_FIELD_NUMBER: _ClassVar[int]
    PATH_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    context: _value_pb2.Context
    key: str
    path: str
    value: _value_pb2.Value
    def __init__(self, context: _Optional[_Union[_value_pb2.Context, _Mapping]] = ..., key: _Optional[str] = ..., path: _Optional[str] = ..., value: _Optional[_Union[_value_pb2.Value, _Mapping]] = ...) -> None: ...

class JsonGetRequest(_message.Message):
    __slots__ = ("context", "key", "path", "as_of")
    CONTEXT_FIELD_NUMBER: _ClassVar[int]
    KEY_FIELD_NUMBER: _ClassVar[int]
    PATH_FIELD_NUMBER: _ClassVar[int]
    AS_OF_FIELD_NUMBER: _ClassVar[int]
    context: _value_pb2.Context
    key: str
    path: str
    as_of: int
    def __init__(self, context: _Optional[_Union[_value_pb2.Context, _Mapping]] = ..., key: _Optional[str] = ..., path: _Optional[str] = ..., as_of: _Optional[int] = ...) -> None: ...

class JsonGetResponse(_message.Message):
    __slots__ = ("found", "entry")
    FOUND_FIELD_NUMBER: _ClassVar[int]
    ENTRY_FIELD_NUMBER: _ClassVar[int]
    found: bool
    entry: _value_pb2.VersionedValue
    def __init__(self, found: bool = ..., entry: _Optional[_Union[_value_pb2.VersionedValue, _Mapping]] = ...) -> None: ...

class JsonDeleteRequest(_message.Message):
    __slots__ = ("context", "key", "path")
    CONTEXT_FIELD_NUMBER: _ClassVar[int]
    KEY_FIELD_NUMBER: _ClassVar[int]
    PATH_FIELD_NUMBER: _ClassVar[int]
    context: _value_pb2.Context
    key: str
    path: str
    def __init__(self, context: _Optional[_Union[_value_pb2.Context, _Mapping]] = ..., key: _Optional[str] = ..., path: _Optional[str] = ...) -> None: ...

class JsonDeleteResponse(_message.Message):
    __slots__ = ("removed", "version")
    REMOVED_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    removed: int
    version: int
    def __init__(self, removed: _Optional[int] = ..., version: _Optional[int] = ...) -> None: ...

class JsonListRequest(_message.Message):
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

class JsonHistoryRequest(_message.Message):
    __slots__ = ("context", "key", "before_version")
    CONTEXT_FIELD_NUMBER: _ClassVar[int]
    KEY_FIELD_NUMBER: _ClassVar[int]
    BEFORE_VERSION_FIELD_NUMBER: _ClassVar[int]
    context: _value_pb2.Context
    key: str
    before_version: int
    def __init__(self, context: _Optional[_Union[_value_pb2.Context, _Mapping]] = ..., key: _Optional[str] = ..., before_version: _Optional[int] = ...) -> None: ...
