"""A use case's SAVEPOINT, opened only when it first writes.

Inside one update's transaction every use case is a savepoint, so that a use case failing
after it wrote leaves nothing behind while the update still commits (its claim, its answer).
Most use cases only read: for them SAVEPOINT and RELEASE were two statements out of about a
dozen per update, for nothing. Here the unit of work marks the update's connection; the
first statement through it that is not a SELECT (an INSERT, UPDATE or DELETE, whether the
ORM flushes it or a repository executes it, or anything else) opens the savepoint first.
A use case that wrote releases it on commit, or rolls back to it; one that wrote nothing
emits neither.

SQLAlchemy's session does not know of this savepoint, so after rolling back to it the
session forgets every object it holds (`expunge_all`): the repositories map rows to domain
objects and keep no ORM object across use cases, so the next use case loads afresh. A use
case that leaves without commit having written nothing has its unflushed changes, if any,
forgotten the same way. An ORM flush that fails outside a savepoint SQLAlchemy knows of
rolls back the whole update's transaction: then nothing of the update can commit at all
(it fails and is tried again), which keeps the same guarantee.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

KEY = "acsm_lazy_savepoint"
NAME = "acsm_use_case"
OPEN = f"SAVEPOINT {NAME}"


class LazySavepoint:
    """One use case's savepoint on the update's connection, opened on its first write."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self.opened = False
        self.done = False
        self._connection: Connection | None = None

    async def start(self) -> None:
        connection = await self.session.connection()
        self._connection = connection.sync_connection
        assert self._connection is not None
        self._connection.info[KEY] = self

    def _stop(self) -> Connection | None:
        self.done = True
        connection, self._connection = self._connection, None
        if connection is not None and connection.info.get(KEY) is self:
            del connection.info[KEY]
        return connection

    async def release(self) -> None:
        """The use case committed: keep what it wrote (in the update's transaction)."""
        if self.done:
            return
        await self.session.flush()  # its pending changes, inside its savepoint
        connection = self._stop()
        if self.opened and connection is not None:
            self.opened = False
            await self.session.run_sync(
                lambda _: connection.exec_driver_sql(f"RELEASE SAVEPOINT {NAME}")
            )

    async def roll_back(self) -> None:
        """The use case left without committing: undo what it wrote, forget what it changed."""
        if self.done:
            return
        connection = self._stop()
        transaction = self.session.sync_session.get_transaction()
        if transaction is None or not transaction.is_active:
            # A failed flush rolled back the whole update (SQLAlchemy does that outside a
            # savepoint it knows of): nothing of it can commit, the update fails.
            return
        if self.opened and connection is not None:
            self.opened = False

            def undo(session: Any) -> None:
                connection.exec_driver_sql(f"ROLLBACK TO SAVEPOINT {NAME}")
                connection.exec_driver_sql(f"RELEASE SAVEPOINT {NAME}")
                session.expunge_all()

            await self.session.run_sync(undo)
        elif self.session.new or self.session.dirty or self.session.deleted:
            self.session.expunge_all()

    def open_before(self, connection: Connection, statement: Any) -> None:
        if self.opened or getattr(statement, "is_select", False):
            return
        connection.exec_driver_sql(OPEN)
        self.opened = True


def unopened(connection: Connection) -> LazySavepoint | None:
    """The use case's savepoint on this connection, if it must be opened before a write
    (for statements run on the driver's connection: storage/prepared.py)."""
    lazy: LazySavepoint | None = connection.info.get(KEY)
    return lazy if lazy is not None and not lazy.opened else None


def watch(engine: AsyncEngine) -> None:
    """Let units of work joined to an update's transaction open their savepoint lazily."""

    @event.listens_for(engine.sync_engine, "before_execute")
    def before_execute(connection: Connection, statement: Any, *_: Any) -> None:
        lazy = connection.info.get(KEY)
        if lazy is not None:
            lazy.open_before(connection, statement)
