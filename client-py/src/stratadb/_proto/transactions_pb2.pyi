from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Optional as _Optional

DESCRIPTOR: _descriptor.FileDescriptor

class TxnBeginRequest(_message.Message):
    __slots__ = ("branch",)
    BRANCH_FIELD_NUMBER: _ClassVar[int]
    branch: str
    def __init__(self, branch: _Optional[str] = ...) -> None: ...

class TxnRequest(_message.Message):
    __slots__ = ("txn_id",)
    TXN_ID_FIELD_NUMBER: _ClassVar[int]
    txn_id: str
    def __init__(self, txn_id: _Optional[str] = ...) -> None: ...

class TxnInfo(_message.Message):
    __slots__ = ("id", "status", "started_at", "snapshot_version", "branch", "staged_writes")
    ID_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    STARTED_AT_FIELD_NUMBER: _ClassVar[int]
    SNAPSHOT_VERSION_FIELD_NUMBER: _ClassVar[int]
    BRANCH_FIELD_NUMBER: _ClassVar[int]
    STAGED_WRITES_FIELD_NUMBER: _ClassVar[int]
    id: str
    status: str
    started_at: int
    snapshot_version: int
    branch: str
    staged_writes: int
    def __init__(self, id: _Optional[str] = ..., status: _Optional[str] = ..., started_at: _Optional[int] = ..., snapshot_version: _Optional[int] = ..., branch: _Optional[str] = ..., staged_writes: _Optional[int] = ...) -> None: ...

class TxnCommitResponse(_message.Message):
    __slots__ = ("version",)
    VERSION_FIELD_NUMBER: _ClassVar[int]
    version: int
    def __init__(self, version: _Optional[int] = ...) -> None: ...

class TxnRollbackResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...
