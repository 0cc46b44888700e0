"""Transactions (spec/api.md §11): `begin`, `commit`, `rollback`,
`in_transaction`, `with db.transaction():`, `Transaction(db)`, and the §15
names `txn_is_active` and `txn_info`.

A transaction belongs to the handle that began it: while it is open, every
data call of that handle carries its id (in `Context.txn_id`) and joins it on
the server. Reads see the snapshot taken at `begin()` plus the transaction's
own writes; writes are staged on the server and applied at `commit()` as one
commit with one version (writes inside return version 0, and event appends
the sequence the event will have). Commit raises `ConflictError` if anything
the transaction read or wrote was committed by someone else after `begin()`;
then nothing is applied. Use one handle per concurrent transaction.
"""

from contextlib import contextmanager
from typing import Any, Dict, Iterator, Optional

from ._proto import transactions_pb2, transactions_pb2_grpc
from .errors import NotFoundError, StateError


def _no_transaction() -> StateError:
    return StateError("no transaction is open on this handle; call begin() first", reason="state")


class TransactionsMixin:
    """The transaction methods of `Strata`."""

    _txn_id: Optional[str] = None

    @property
    def _transactions_stub(self):
        stub = self.__dict__.get("_transactions_stub_")
        if stub is None:
            stub = self.__dict__["_transactions_stub_"] = transactions_pb2_grpc.TransactionsStub(self._channel)
        return stub

    def _refuse_in_transaction(self, what: str) -> None:
        """Branch and space management cannot join a transaction: refuse it
        rather than let it bypass the open one."""
        if self._txn_id is not None:
            raise StateError(
                f"{what} is not allowed inside a transaction ({self._txn_id}); commit or roll back first",
                reason="state",
            )

    def begin(self) -> None:
        """Open a transaction on the current branch.

        Raises StateError if this handle already has one open.
        """
        if self._txn_id is not None:
            raise StateError(
                f"a transaction is already open on this handle ({self._txn_id}); commit or roll back first",
                reason="state",
            )
        request = transactions_pb2.TxnBeginRequest(branch=self._branch)
        self._txn_id = self._call(self._transactions_stub.Begin, request).id

    def commit(self) -> int:
        """Apply the transaction's writes atomically; return the commit
        version (the snapshot version when it wrote nothing).

        Raises ConflictError (nothing applied) when something it read or wrote
        changed since `begin()`, NotFoundError when it expired, StateError when
        no transaction is open. The transaction is over in every case.
        """
        if self._txn_id is None:
            raise _no_transaction()
        txn_id, self._txn_id = self._txn_id, None
        return self._call(self._transactions_stub.Commit, transactions_pb2.TxnRequest(txn_id=txn_id)).version

    def rollback(self) -> None:
        """Discard the transaction's writes. Raises StateError when no
        transaction is open; a transaction the server already expired is
        simply forgotten (its writes were discarded then)."""
        if self._txn_id is None:
            raise _no_transaction()
        txn_id, self._txn_id = self._txn_id, None
        try:
            self._call(self._transactions_stub.Rollback, transactions_pb2.TxnRequest(txn_id=txn_id))
        except NotFoundError:
            pass

    def in_transaction(self) -> bool:
        """True while this handle has a transaction open (begun, not yet
        committed or rolled back)."""
        return self._txn_id is not None

    def txn_is_active(self) -> bool:
        """Alias of `in_transaction()` (§15)."""
        return self.in_transaction()

    def txn_info(self) -> Optional[Dict[str, Any]]:
        """{"id", "status", "started_at", "snapshot_version", "branch",
        "staged_writes"} of the open transaction, or None when there is none
        (or the server expired it). `started_at` is microseconds since the epoch."""
        if self._txn_id is None:
            return None
        try:
            info = self._call(self._transactions_stub.Info, transactions_pb2.TxnRequest(txn_id=self._txn_id))
        except NotFoundError:
            self._txn_id = None
            return None
        return {
            "id": info.id,
            "status": info.status,
            "started_at": info.started_at,
            "snapshot_version": info.snapshot_version,
            "branch": info.branch,
            "staged_writes": info.staged_writes,
        }

    @contextmanager
    def transaction(self) -> Iterator["TransactionsMixin"]:
        """`with db.transaction():` begins, commits when the block ends, and
        rolls back (re-raising) when it raises."""
        self.begin()
        try:
            yield self
        except BaseException:
            if self._txn_id is not None:
                try:
                    self.rollback()
                except Exception:  # the block's own exception is the one to see
                    pass
            raise
        if self._txn_id is not None:
            self.commit()


class Transaction:
    """`with Transaction(db):` is `with db.transaction():` (§15)."""

    def __init__(self, db) -> None:
        self._db = db
        self._context = None

    def __enter__(self):
        self._context = self._db.transaction()
        return self._context.__enter__()

    def __exit__(self, exc_type, exc, tb):
        return self._context.__exit__(exc_type, exc, tb)
