from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Optional as _Optional

DESCRIPTOR: _descriptor.FileDescriptor

class PingRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class PingResponse(_message.Message):
    __slots__ = ("version",)
    VERSION_FIELD_NUMBER: _ClassVar[int]
    version: str
    def __init__(self, version: _Optional[str] = ...) -> None: ...

class InfoRequest(_message.Message):
    __slots__ = ("branch",)
    BRANCH_FIELD_NUMBER: _ClassVar[int]
    branch: str
    def __init__(self, branch: _Optional[str] = ...) -> None: ...

class InfoResponse(_message.Message):
    __slots__ = ("version", "uptime_secs", "branch_count", "space_count", "total_keys", "collection_count", "disk_bytes", "current_version", "map_size", "map_used_bytes", "durability", "writer_commits", "writer_requests", "writer_largest_batch", "vector_indexes_loaded", "vector_indexes_built", "vector_index_count", "vector_index_memory_bytes", "durable_version", "retention_versions", "retention_seconds", "max_message_size")
    VERSION_FIELD_NUMBER: _ClassVar[int]
    UPTIME_SECS_FIELD_NUMBER: _ClassVar[int]
    BRANCH_COUNT_FIELD_NUMBER: _ClassVar[int]
    SPACE_COUNT_FIELD_NUMBER: _ClassVar[int]
    TOTAL_KEYS_FIELD_NUMBER: _ClassVar[int]
    COLLECTION_COUNT_FIELD_NUMBER: _ClassVar[int]
    DISK_BYTES_FIELD_NUMBER: _ClassVar[int]
    CURRENT_VERSION_FIELD_NUMBER: _ClassVar[int]
    MAP_SIZE_FIELD_NUMBER: _ClassVar[int]
    MAP_USED_BYTES_FIELD_NUMBER: _ClassVar[int]
    DURABILITY_FIELD_NUMBER: _ClassVar[int]
    WRITER_COMMITS_FIELD_NUMBER: _ClassVar[int]
    WRITER_REQUESTS_FIELD_NUMBER: _ClassVar[int]
    WRITER_LARGEST_BATCH_FIELD_NUMBER: _ClassVar[int]
    VECTOR_INDEXES_LOADED_FIELD_NUMBER: _ClassVar[int]
    VECTOR_INDEXES_BUILT_FIELD_NUMBER: _ClassVar[int]
    VECTOR_INDEX_COUNT_FIELD_NUMBER: _ClassVar[int]
    VECTOR_INDEX_MEMORY_BYTES_FIELD_NUMBER: _ClassVar[int]
    DURABLE_VERSION_FIELD_NUMBER: _ClassVar[int]
    RETENTION_VERSIONS_FIELD_NUMBER: _ClassVar[int]
    RETENTION_SECONDS_FIELD_NUMBER: _ClassVar[int]
    MAX_MESSAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    version: str
    uptime_secs: int
    branch_count: int
    space_count: int
    total_keys: int
    collection_count: int
    disk_bytes: int
    current_version: int
    map_size: int
    map_used_bytes: int
    durability: str
    writer_commits: int
    writer_requests: int
    writer_largest_batch: int
    vector_indexes_loaded: int
    vector_indexes_built: int
    vector_index_count: int
    vector_index_memory_bytes: int
    durable_version: int
    retention_versions: int
    retention_seconds: int
    max_message_size: int
    def __init__(self, version: _Optional[str] = ..., uptime_secs: _Optional[int] = ..., branch_count: _Optional[int] = ..., space_count: _Optional[int] = ..., total_keys: _Optional[int] = ..., collection_count: _Optional[int] = ..., disk_bytes: _Optional[int] = ..., current_version: _Optional[int] = ..., map_size: _Optional[int] = ..., map_used_bytes: _Optional[int] = ..., durability: _Optional[str] = ..., writer_commits: _Optional[int] = ..., writer_requests: _Optional[int] = ..., writer_largest_batch: _Optional[int] = ..., vector_indexes_loaded: _Optional[int] = ..., vector_indexes_built: _Optional[int] = ..., vector_index_count: _Optional[int] = ..., vector_index_memory_bytes: _Optional[int] = ..., durable_version: _Optional[int] = ..., retention_versions: _Optional[int] = ..., retention_seconds: _Optional[int] = ..., max_message_size: _Optional[int] = ...) -> None: ...

class FlushRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class FlushResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class CompactRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class CompactResponse(_message.Message):
    __slots__ = ("versions_removed", "indexes_rebuilt", "names_removed", "retained_from_version", "retained_from_ts", "retention_versions", "retention_seconds", "records_examined", "commits")
    VERSIONS_REMOVED_FIELD_NUMBER: _ClassVar[int]
    INDEXES_REBUILT_FIELD_NUMBER: _ClassVar[int]
    NAMES_REMOVED_FIELD_NUMBER: _ClassVar[int]
    RETAINED_FROM_VERSION_FIELD_NUMBER: _ClassVar[int]
    RETAINED_FROM_TS_FIELD_NUMBER: _ClassVar[int]
    RETENTION_VERSIONS_FIELD_NUMBER: _ClassVar[int]
    RETENTION_SECONDS_FIELD_NUMBER: _ClassVar[int]
    RECORDS_EXAMINED_FIELD_NUMBER: _ClassVar[int]
    COMMITS_FIELD_NUMBER: _ClassVar[int]
    versions_removed: int
    indexes_rebuilt: int
    names_removed: int
    retained_from_version: int
    retained_from_ts: int
    retention_versions: int
    retention_seconds: int
    records_examined: int
    commits: int
    def __init__(self, versions_removed: _Optional[int] = ..., indexes_rebuilt: _Optional[int] = ..., names_removed: _Optional[int] = ..., retained_from_version: _Optional[int] = ..., retained_from_ts: _Optional[int] = ..., retention_versions: _Optional[int] = ..., retention_seconds: _Optional[int] = ..., records_examined: _Optional[int] = ..., commits: _Optional[int] = ...) -> None: ...

class TimeRangeRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class TimeRangeResponse(_message.Message):
    __slots__ = ("oldest_ts", "latest_ts")
    OLDEST_TS_FIELD_NUMBER: _ClassVar[int]
    LATEST_TS_FIELD_NUMBER: _ClassVar[int]
    oldest_ts: int
    latest_ts: int
    def __init__(self, oldest_ts: _Optional[int] = ..., latest_ts: _Optional[int] = ...) -> None: ...
