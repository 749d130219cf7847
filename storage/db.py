"""Connecting to the database, transactions, and migrations."""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from contextlib import AsyncExitStack, asynccontextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import Any, TypeVar

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, event, make_url, text
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine.interfaces import DBAPIConnection
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession, create_async_engine
from sqlalchemy.pool import ConnectionPoolEntry

from storage import sqlite_connection
from storage.settings import POOL_SIZE, Waits

# An open transaction, as every storage function takes it; code outside storage names it so.
Tx = AsyncSession
T = TypeVar("T")

PING_SECONDS = 5.0
MIGRATIONS = Path(__file__).resolve().parent / "migrations"

SQLITE_PRAGMAS = (
    "PRAGMA journal_mode=WAL",
    "PRAGMA foreign_keys=ON",
    "PRAGMA synchronous=NORMAL",
)

# Which statement opens a transaction on SQLite; set per connection (see ``transaction``).
_SQLITE_BEGIN = "copro_sqlite_begin"
# The databases the current task already holds a transaction on.
_holding: ContextVar[frozenset[int]] = ContextVar("copro_holding", default=frozenset())
# Any constant will do: serialises concurrent upgrades of one PostgreSQL database.
_PG_MIGRATION_LOCK = 0x636F70726F


_POOL_KEPT = 5

# PostgreSQL's error codes for "not now": a statement or lock wait cut short, a deadlock,
# the server shutting down or full; and class 08, the connection lost.
_PG_NOT_NOW = {"57014", "55P03", "40P01", "40001", "57P01", "57P02", "57P03", "53300"}


class DatabaseBusy(TimeoutError):
    """The database did not give copro its turn within ``Waits.pool``."""


def unavailable(exc: BaseException) -> bool:
    """Whether ``exc`` means the database could not be used just now (away, locked, too slow),
    rather than a fault in what copro asked of it: worth trying again later."""
    if isinstance(exc, TimeoutError | ConnectionError | sa_exc.TimeoutError
                  | sa_exc.OperationalError | sa_exc.InterfaceError):
        return True
    if isinstance(exc, sa_exc.DBAPIError):
        if exc.connection_invalidated:
            return True
        code = getattr(exc.orig, "sqlstate", None) or getattr(exc.orig, "pgcode", None) or ""
        return code in _PG_NOT_NOW or code.startswith("08")
    return False


def _forget(task: asyncio.Future[Any]) -> None:
    """Take a cancelled task's outcome, so that nothing reports it as never retrieved."""
    if not task.cancelled():
        task.exception()


def alembic_config(url: str | None = None) -> Config:
    """An Alembic configuration for our migrations, without an ini file."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("path_separator", "os")
    if url is not None:
        config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


class Database:
    """One database, by URL: SQLite (``sqlite+aiosqlite``) or PostgreSQL (``+asyncpg``).

    ``pool_size``: the most connections open at once (a SQLite file or PostgreSQL); a task
    that needs one more waits up to ``Waits.pool`` for one to come back."""

    def __init__(self, url: str, waits: Waits | None = None, *, pool_size: int = POOL_SIZE,
                 **engine_options: Any) -> None:
        self.url = url
        self.pool_size = pool_size
        self.waits = waits = waits or Waits()
        parsed = make_url(url)
        self.is_sqlite = parsed.get_backend_name() == "sqlite"
        self.sqlite_file: Path | None = None
        if self.is_sqlite:
            path = parsed.database
            if path and path != ":memory:":
                engine_options.setdefault("pool_timeout", waits.pool)
                engine_options.update(_pool(pool_size))
                if not parsed.query.get("uri"):
                    self.sqlite_file = Path(path).expanduser()
                    folder = self.sqlite_file.parent
                    if not folder.exists():
                        folder.mkdir(parents=True, mode=0o700)  # people's data: the owner's only
                        os.chmod(folder, 0o700)
        else:
            engine_options.setdefault("pool_pre_ping", True)
            engine_options.setdefault("pool_timeout", waits.pool)
            engine_options.update(_pool(pool_size))
            engine_options.setdefault("connect_args", _pg_connect_args(waits))
        # Errors and SQL logs never show the values bound to a statement (numbers, texts).
        engine_options.setdefault("hide_parameters", True)
        if self.is_sqlite:  # a trip to the connection's thread a statement, not four
            engine_options.setdefault("async_creator", self._sqlite_connect)
        self.engine: AsyncEngine = create_async_engine(url, **engine_options)
        # SQLite lets one writer in at a time. Writers of this process queue here,
        # in order, rather than in SQLite's busy handler, which polls with growing
        # sleeps; the busy timeout still covers other processes.
        self._sqlite_writer = asyncio.Lock() if self.is_sqlite else None
        if self.is_sqlite:
            new = self.sqlite_file is not None and not self.sqlite_file.exists()
            _sqlite_hooks(self.engine, self.sqlite_file if new else None,
                          busy_ms=round(waits.busy * 1000))

    async def _sqlite_connect(self) -> sqlite_connection.Connection:
        sync = self.engine.sync_engine
        args, kwargs = sync.dialect.create_connect_args(sync.url)
        return await sqlite_connection.connect(args, kwargs)

    @property
    def safe_url(self) -> str:
        """The URL with any password hidden, for messages and logs."""
        return make_url(self.url).render_as_string(hide_password=True)

    def __repr__(self) -> str:
        return f"Database({self.safe_url!r})"

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """A session in one transaction: committed if the block succeeds, else rolled back.

        On SQLite the outermost transaction of a task takes the write lock at once
        (``BEGIN IMMEDIATE``), so concurrent read-then-write transactions queue up
        instead of failing with "database is locked"; a transaction opened inside
        another (by the same task) is a plain ``BEGIN``, so it can still read.
        """
        holding = _holding.get()
        outermost = id(self) not in holding
        async with AsyncExitStack() as stack:
            if outermost and self._sqlite_writer is not None:
                try:
                    async with asyncio.timeout(self.waits.pool):
                        await stack.enter_async_context(self._sqlite_writer)
                except TimeoutError:
                    raise DatabaseBusy(
                        f"no turn to write within {self.waits.pool:g} s") from None
            conn = await stack.enter_async_context(self._connect(immediate=outermost))
            token = _holding.set(holding | {id(self)})
            try:
                async with AsyncSession(bind=conn, expire_on_commit=False) as s, s.begin():
                    yield s
            finally:
                _holding.reset(token)

    @asynccontextmanager
    async def reading(self) -> AsyncIterator[AsyncSession]:
        """A transaction that only reads: on SQLite it waits for no writer and holds none up
        (in WAL a reader sees the last commit), so it must not write. Elsewhere the same as
        ``transaction``."""
        if not self.is_sqlite or id(self) in _holding.get():
            async with self.transaction() as s:
                yield s
            return
        async with self._connect(immediate=False) as conn, AsyncSession(
            bind=conn, expire_on_commit=False
        ) as s, s.begin():
            yield s

    async def upgrade(self, revision: str = "head") -> None:
        """Run the migrations up to ``revision``; safe to call at every start."""
        await self._migrate(command.upgrade, revision)

    async def downgrade(self, revision: str = "base") -> None:
        """Undo migrations down to ``revision`` (``base``: drop everything)."""
        await self._migrate(command.downgrade, revision)

    async def is_current(self) -> bool:
        """Whether the database has every migration this copro knows."""
        head = ScriptDirectory.from_config(alembic_config()).get_current_head()
        async with self.engine.connect() as conn:
            current = await conn.run_sync(
                lambda sync: MigrationContext.configure(sync).get_current_revision()
            )
        return bool(current == head)

    async def ping(self, seconds: float = PING_SECONDS) -> bool:
        """Whether the database answers within ``seconds`` (on SQLite: lets copro write)."""
        try:
            await self.within(seconds, lambda s: s.execute(text("SELECT 1")))
        except Exception:
            return False
        return True

    async def within(self, seconds: float, read: Callable[[AsyncSession], Awaitable[T]]) -> T:
        """``read(s)`` in a transaction of its own, or ``DatabaseBusy`` after ``seconds``.

        Returns on time even when the database hangs: an unfinished read is cancelled and
        left to end by itself. On SQLite the transaction takes the write lock (writing
        nothing), so a database that another process holds locked does not answer either.
        """

        async def run() -> T:
            async with (self._connect(immediate=True) as conn,
                        AsyncSession(bind=conn, expire_on_commit=False) as s, s.begin()):
                return await read(s)

        task = asyncio.ensure_future(run())
        done, _ = await asyncio.wait({task}, timeout=seconds)
        if task in done:
            return task.result()
        task.cancel()
        task.add_done_callback(_forget)
        raise DatabaseBusy(f"the database did not answer within {seconds:g} s")

    async def close(self) -> None:
        await self.engine.dispose()

    @asynccontextmanager
    async def _connect(self, *, immediate: bool) -> AsyncIterator[AsyncConnection]:
        async with self.engine.connect() as conn:
            if self.is_sqlite:
                begin = sqlite_connection.WRITING if immediate else "BEGIN"
                await conn.execution_options(**{_SQLITE_BEGIN: begin})
            yield conn

    async def _migrate(self, run: Callable[[Config, str], None], revision: str) -> None:
        async with self._connect(immediate=True) as conn:
            if self.is_sqlite:
                # A batch migration rebuilds a table: copy, DROP, rename. With foreign keys
                # on, that DROP would cascade into other tables' rows. SQLite only honours
                # this pragma outside a transaction, so it is set on the driver's connection.
                await conn.run_sync(_sqlite_pragma, "foreign_keys=OFF")
            try:
                async with conn.begin():
                    if not self.is_sqlite:  # a migration may take as long as it needs
                        await conn.execute(text("SET LOCAL statement_timeout = 0"))
                        await conn.execute(text("SET LOCAL lock_timeout = 0"))
                        await conn.execute(
                            text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_MIGRATION_LOCK}
                        )
                    await conn.run_sync(_run_alembic, run, revision)
                    if self.is_sqlite:
                        broken = (await conn.exec_driver_sql("PRAGMA foreign_key_check")).all()
                        if broken:
                            raise RuntimeError(f"migration broke foreign keys: {broken[:5]}")
            finally:
                if self.is_sqlite:
                    await conn.run_sync(_sqlite_pragma, "foreign_keys=ON")


@asynccontextmanager
async def savepoint(s: AsyncSession, *, reload: Iterable[object] = ()) -> AsyncIterator[None]:
    """A part of the transaction that is undone on its own if the block fails.

    The exception still propagates; the rest of the transaction goes on. Rows the
    block may have changed lose those changes; ``reload`` names the rows the caller
    still reads afterwards, read again from the database before the exception leaves.
    """
    try:
        async with s.begin_nested():
            yield
    except Exception:
        for row in reload:
            await s.refresh(row)
        raise


def after_commit(s: Tx, callback: Callable[[], None]) -> None:
    """Call ``callback`` once ``s``'s transaction has committed (never if it rolls back)."""
    event.listen(s.sync_session, "after_commit", lambda _session: callback(), once=True)


async def ensure_schema(db: Database) -> None:
    await db.upgrade()


def _run_alembic(connection: Connection, run: Callable[[Config, str], None], revision: str) -> None:
    config = alembic_config()
    config.attributes["connection"] = connection
    run(config, revision)


def _sqlite_pragma(connection: Connection, pragma: str) -> None:
    """Run a pragma on the driver's connection, outside any transaction."""
    cursor = connection.connection.cursor()
    try:
        cursor.execute(f"PRAGMA {pragma}")
    finally:
        cursor.close()


def _pool(size: int) -> dict[str, int]:
    """At most ``size`` connections: up to five kept open between uses, the rest closed after."""
    if size < 1:
        raise ValueError(f"a pool needs at least one connection, not {size}")
    kept = min(size, _POOL_KEPT)
    return {"pool_size": kept, "max_overflow": size - kept}


def _pg_connect_args(waits: Waits) -> dict[str, Any]:
    """asyncpg's settings that bound each wait: on the server, and in copro for a server that
    stopped answering at all."""
    settings = {"statement_timeout": str(round(waits.statement * 1000)),
                "lock_timeout": str(round(waits.lock * 1000))}
    args: dict[str, Any] = {"timeout": waits.connect, "server_settings": settings}
    if waits.statement:
        args["command_timeout"] = waits.statement + waits.connect
    return args


def _sqlite_hooks(engine: AsyncEngine, new: Path | None, *, busy_ms: int) -> None:
    """Pragmas on every connection, and SQLAlchemy (not the driver) emitting BEGIN.

    The driver's own transaction handling would leave SELECTs, SAVEPOINTs and DDL
    outside the transaction. A ``new`` file (one this process makes) is made its
    owner's only, whatever the umask; SQLite gives its WAL and shared-memory files
    the same permissions. An existing one is left as it is (``copro doctor`` warns).
    """

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: DBAPIConnection, _record: ConnectionPoolEntry) -> None:
        if new is not None:
            for made in (new, new.with_name(f"{new.name}-wal"), new.with_name(f"{new.name}-shm")):
                with contextlib.suppress(OSError):
                    if made.stat().st_mode & 0o077:
                        os.chmod(made, 0o600)
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(f"PRAGMA busy_timeout={busy_ms}")
            for pragma in SQLITE_PRAGMAS:
                cursor.execute(pragma)
        finally:
            cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(conn: Connection) -> None:
        conn.exec_driver_sql(conn.get_execution_options().get(_SQLITE_BEGIN, "BEGIN"))
