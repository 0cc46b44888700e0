from . import kv_pb2 as _kv_pb2
from . import value_pb2 as _value_pb2
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Mapping as _Mapping, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class StateSetRequest(_message.Message):
    __slots__ = ("context", "cell", "value")
    CONTEXT_FIELD_NUMBER: _ClassVar[int]
    CELL_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    context: _value_pb2.Context
    cell: str
    value: _value_pb2.Value
    def __init__(self, context: _Optional[_Union[_value_pb2.Context, _Mapping]] = ..., cell: _Optional[str] = ..., value: _Optional[_Union[_value_pb2.Value, _Mapping]] = ...) -> None: ...

class StateGetRequest(_message.Message):
    __slots__ = ("context", "cell", "as_of")
    CONTEXT_FIELD_NUMBER: _ClassVar[int]
    CELL_FIELD_NUMBER: _ClassVar[int]
    AS_OF_FIELD_NUMBER: _ClassVar[int]
    context: _value_pb2.Context
    cell: str
    as_of: int
    def __init__(self, context: _Optional[_Union[_value_pb2.Context, _Mapping]] = ..., cell: _Optional[str] = ..., as_of: _Optional[int] = ...) -> None: ...

class StateGetResponse(_message.Message):
    __slots__ = ("found", "entry")
    FOUND_FIELD_NUMBER: _ClassVar[int]
    ENTRY_FIELD_NUMBER: _ClassVar[int]
    found: bool
    entry: _value_pb2.VersionedValue
    def __init__(self, found: bool = ..., entry: _Optional[_Union[_value_pb2.VersionedValue, _Mapping]] = ...) -> None: ...

class StateCasRequest(_message.Message):
    __slots__ = ("context", "cell", "value", "expected", "expected_version")
    CONTEXT_FIELD_NUMBER: _ClassVar[int]
    CELL_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    EXPECTED_FIELD_NUMBER: _ClassVar[int]
    EXPECTED_VERSION_FIELD_NUMBER: _ClassVar[int]
    context: _value_pb2.Context
    cell: str
    value: _value_pb2.Value
    expected: _value_pb2.Value
    expected_version: int
    def __init__(self, context: _Optional[_Union[_value_pb2.Context, _Mapping]] = ..., cell: _Optional[str] = ..., value: _Optional[_Union[_value_pb2.Value, _Mapping]] = ..., expected: _Optional[_Union[_value_pb2.Value, _Mapping]] = ..., expected_version: _Optional[int] = ...) -> None: ...

class StateDeleteRequest(_message.Message):
    __slots__ = ("context", "cell")
    CONTEXT_FIELD_NUMBER: _ClassVar[int]
    CELL_FIELD_NUMBER: _ClassVar[int]
    context: _value_pb2.Context
    cell: str
    def __init__(self, context: _Optional[_Union[_value_pb2.Context, _Mapping]] = ..., cell: _Optional[str] = ...) -> None: ...

class StateDeleteResponse(_message.Message):
    __slots__ = ("existed", "version")
    EXISTED_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    existed: bool
    version: int
    def __init__(self, existed: bool = ..., version: _Optional[int] = ...) -> None: ...

class StateListRequest(_message.Message):
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

class StateHistoryRequest(_message.Message):
    __slots__ = ("context", "cell", "before_version")
    CONTEXT_FIELD_NUMBER: _ClassVar[int]
    CELL_FIELD_NUMBER: _ClassVar[int]
    BEFORE_VERSION_FIELD_NUMBER: _ClassVar[int]
    context: _value_pb2.Context
    cell: str
    before_version: int
    def __init__(self, context: _Optional[_Union[_value_pb2.Context, _Mapping]] = ..., cell: _Optional[str] = ..., before_version: _Optional[int] = ...) -> None: ...
