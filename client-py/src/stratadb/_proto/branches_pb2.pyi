from . import value_pb2 as _value_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Iterable as _Iterable, Mapping as _Mapping, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class BranchInfo(_message.Message):
    __slots__ = ("name", "parent", "fork_version", "created_at")
    NAME_FIELD_NUMBER: _ClassVar[int]
    PARENT_FIELD_NUMBER: _ClassVar[int]
    FORK_VERSION_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    name: str
    parent: str
    fork_version: int
    created_at: int
    def __init__(self, name: _Optional[str] = ..., parent: _Optional[str] = ..., fork_version: _Optional[int] = ..., created_at: _Optional[int] = ...) -> None: ...

class BranchCreateRequest(_message.Message):
    __slots__ = ("name",)
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class BranchForkRequest(_message.Message):
    __slots__ = ("source", "destination")
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    DESTINATION_FIELD_NUMBER: _ClassVar[int]
    source: str
    destination: str
    def __init__(self, source: _Optional[str] = ..., destination: _Optional[str] = ...) -> None: ...

class BranchForkResponse(_message.Message):
    __slots__ = ("source", "destination", "version")
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    DESTINATION_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    source: str
    destination: str
    version: int
    def __init__(self, source: _Optional[str] = ..., destination: _Optional[str] = ..., version: _Optional[int] = ...) -> None: ...

class BranchGetRequest(_message.Message):
    __slots__ = ("name",)
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class BranchListRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class BranchListResponse(_message.Message):
    __slots__ = ("names",)
    NAMES_FIELD_NUMBER: _ClassVar[int]
    names: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, names: _Optional[_Iterable[str]] = ...) -> None: ...

class BranchDeleteRequest(_message.Message):
    __slots__ = ("name",)
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class BranchDeleteResponse(_message.Message):
    __slots__ = ("version",)
    VERSION_FIELD_NUMBER: _ClassVar[int]
    version: int
    def __init__(self, version: _Optional[int] = ...) -> None: ...

class BranchDiffRequest(_message.Message):
    __slots__ = ("branch_a", "branch_b")
    BRANCH_A_FIELD_NUMBER: _ClassVar[int]
    BRANCH_B_FIELD_NUMBER: _ClassVar[int]
    branch_a: str
    branch_b: str
    def __init__(self, branch_a: _Optional[str] = ..., branch_b: _Optional[str] = ...) -> None: ...

class DiffEntry(_message.Message):
    __slots__ = ("space", "primitive", "key", "change", "value_a", "value_b", "values_omitted")
    SPACE_FIELD_NUMBER: _ClassVar[int]
    PRIMITIVE_FIELD_NUMBER: _ClassVar[int]
    KEY_FIELD_NUMBER: _ClassVar[int]
    CHANGE_FIELD_NUMBER: _ClassVar[int]
    VALUE_A_FIELD_NUMBER: _ClassVar[int]
    VALUE_B_FIELD_NUMBER: _ClassVar[int]
    VALUES_OMITTED_FIELD_NUMBER: _ClassVar[int]
    space: str
    primitive: str
    key: str
    change: str
    value_a: _value_pb2.Value
    value_b: _value_pb2.Value
    values_omitted: bool
    def __init__(self, space: _Optional[str] = ..., primitive: _Optional[str] = ..., key: _Optional[str] = ..., change: _Optional[str] = ..., value_a: _Optional[_Union[_value_pb2.Value, _Mapping]] = ..., value_b: _Optional[_Union[_value_pb2.Value, _Mapping]] = ..., values_omitted: bool = ...) -> None: ...

class BranchDiffResponse(_message.Message):
    __slots__ = ("branch_a", "branch_b", "added", "removed", "modified", "entries", "unrelated")
    BRANCH_A_FIELD_NUMBER: _ClassVar[int]
    BRANCH_B_FIELD_NUMBER: _ClassVar[int]
    ADDED_FIELD_NUMBER: _ClassVar[int]
    REMOVED_FIELD_NUMBER: _ClassVar[int]
    MODIFIED_FIELD_NUMBER: _ClassVar[int]
    ENTRIES_FIELD_NUMBER: _ClassVar[int]
    UNRELATED_FIELD_NUMBER: _ClassVar[int]
    branch_a: str
    branch_b: str
    added: int
    removed: int
    modified: int
    entries: _containers.RepeatedCompositeFieldContainer[DiffEntry]
    unrelated: bool
    def __init__(self, branch_a: _Optional[str] = ..., branch_b: _Optional[str] = ..., added: _Optional[int] = ..., removed: _Optional[int] = ..., modified: _Optional[int] = ..., entries: _Optional[_Iterable[_Union[DiffEntry, _Mapping]]] = ..., unrelated: bool = ...) -> None: ...

class BranchMergeRequest(_message.Message):
    __slots__ = ("source", "target", "strategy")
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    TARGET_FIELD_NUMBER: _ClassVar[int]
    STRATEGY_FIELD_NUMBER: _ClassVar[int]
    source: str
    target: str
    strategy: str
    def __init__(self, source: _Optional[str] = ..., target: _Optional[str] = ..., strategy: _Optional[str] = ...) -> None: ...

class MergeConflict(_message.Message):
    __slots__ = ("space", "primitive", "key", "source_value", "target_value", "resolution", "values_omitted")
    SPACE_FIELD_NUMBER: _ClassVar[int]
    PRIMITIVE_FIELD_NUMBER: _ClassVar[int]
    KEY_FIELD_NUMBER: _ClassVar[int]
    SOURCE_VALUE_FIELD_NUMBER: _ClassVar[int]
    TARGET_VALUE_FIELD_NUMBER: _ClassVar[int]
    RESOLUTION_FIELD_NUMBER: _ClassVar[int]
    VALUES_OMITTED_FIELD_NUMBER: _ClassVar[int]
    space: str
    primitive: str
    key: str
    source_value: _value_pb2.Value
    target_value: _value_pb2.Value
    resolution: str
    values_omitted: bool
    def __init__(self, space: _Optional[str] = ..., primitive: _Optional[str] = ..., key: _Optional[str] = ..., source_value: _Optional[_Union[_value_pb2.Value, _Mapping]] = ..., target_value: _Optional[_Union[_value_pb2.Value, _Mapping]] = ..., resolution: _Optional[str] = ..., values_omitted: bool = ...) -> None: ...

class BranchMergeResponse(_message.Message):
    __slots__ = ("source", "target", "strategy", "keys_applied", "conflicts", "version", "unrelated", "conflicts_left_out")
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    TARGET_FIELD_NUMBER: _ClassVar[int]
    STRATEGY_FIELD_NUMBER: _ClassVar[int]
    KEYS_APPLIED_FIELD_NUMBER: _ClassVar[int]
    CONFLICTS_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    UNRELATED_FIELD_NUMBER: _ClassVar[int]
    CONFLICTS_LEFT_OUT_FIELD_NUMBER: _ClassVar[int]
    source: str
    target: str
    strategy: str
    keys_applied: int
    conflicts: _containers.RepeatedCompositeFieldContainer[MergeConflict]
    version: int
    unrelated: bool
    conflicts_left_out: int
    def __init__(self, source: _Optional[str] = ..., target: _Optional[str] = ..., strategy: _Optional[str] = ..., keys_applied: _Optional[int] = ..., conflicts: _Optional[_Iterable[_Union[MergeConflict, _Mapping]]] = ..., version: _Optional[int] = ..., unrelated: bool = ..., conflicts_left_out: _Optional[int] = ...) -> None: ...

class BranchExportRequest(_message.Message):
    __slots__ = ("name",)
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class BundleChunk(_message.Message):
    __slots__ = ("data", "branch")
    DATA_FIELD_NUMBER: _ClassVar[int]
    BRANCH_FIELD_NUMBER: _ClassVar[int]
    data: bytes
    branch: str
    def __init__(self, data: _Optional[bytes] = ..., branch: _Optional[str] = ...) -> None: ...

class BranchImportResponse(_message.Message):
    __slots__ = ("branch", "entry_count", "keys_written")
    BRANCH_FIELD_NUMBER: _ClassVar[int]
    ENTRY_COUNT_FIELD_NUMBER: _ClassVar[int]
    KEYS_WRITTEN_FIELD_NUMBER: _ClassVar[int]
    branch: str
    entry_count: int
    keys_written: int
    def __init__(self, branch: _Optional[str] = ..., entry_count: _Optional[int] = ..., keys_written: _Optional[int] = ...) -> None: ...
