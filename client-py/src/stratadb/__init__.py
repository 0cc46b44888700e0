"""stratadb: the Python client of the stratad database server.

    from stratadb import Strata
    with Strata.open("127.0.0.1:50051") as db:
        db.kv_put("greeting", "hello")
"""

from ._version import __version__
from .client import Strata
from ._transactions import Transaction
from .tls import TlsConfig
from .errors import (
    AccessDeniedError,
    ConflictError,
    ConstraintError,
    IoError,
    NotFoundError,
    NotSupportedError,
    StateError,
    StrataError,
    UnavailableError,
    ValidationError,
)

__all__ = [
    "Strata",
    "Transaction",
    "TlsConfig",
    "StrataError",
    "NotFoundError",
    "ValidationError",
    "ConflictError",
    "ConstraintError",
    "StateError",
    "AccessDeniedError",
    "UnavailableError",
    "IoError",
    "NotSupportedError",
    "__version__",
]
