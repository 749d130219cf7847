"""Connecting to the database, transactions, and migrations."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Iterable
from contextlib import AsyncExitStack, asynccontextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, event, make_url, text
from sqlalchemy.engine.interfaces import DBAPIConnection
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession, create_async_engine
from sqlalchemy.pool import ConnectionPoolEntry

# An open transaction, as every storage function takes it; code outside storage names it so.
Tx = AsyncSession

PING_SECONDS = 5.0
MIGRATIONS = Path(__file__).resolve().parent / "migrations"

SQLITE_PRAGMAS = (
    "PRAGMA busy_timeout=5000",
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


def default_sqlite_url(data_dir: Path) -> str:
    return f"sqlite+aiosqlite:///{Path(data_dir) / 'copro.db'}"


def alembic_config(url: str | None = None) -> Config:
    """An Alembic configuration for our migrations, without an ini file."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("path_separator", "os")
    if url is not None:
        config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


class Database:
    """One database, by URL: SQLite (``sqlite+aiosqlite``) or PostgreSQL (``+asyncpg``)."""

    def __init__(self, url: str, **engine_options: Any) -> None:
        self.url = url
        parsed = make_url(url)
        self.is_sqlite = parsed.get_backend_name() == "sqlite"
        if self.is_sqlite:
            path = parsed.database
            if path and path != ":memory:" and not parsed.query.get("uri"):
                Path(path).expanduser().parent.mkdir(parents=True, exist_ok=True)
        else:
            engine_options.setdefault("pool_pre_ping", True)
        self.engine: AsyncEngine = create_async_engine(url, **engine_options)
        # SQLite lets one writer in at a time. Writers of this process queue here,
        # in order, rather than in SQLite's busy handler, which polls with growing
        # sleeps; the busy timeout still covers other processes.
        self._sqlite_writer = asyncio.Lock() if self.is_sqlite else None
        if self.is_sqlite:
            _sqlite_hooks(self.engine)

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
                await stack.enter_async_context(self._sqlite_writer)
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

    async def ping(self) -> bool:
        """Whether the database answers within a few seconds."""
        try:
            async with asyncio.timeout(PING_SECONDS), self.engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
        except Exception:
            return False
        return True

    async def close(self) -> None:
        await self.engine.dispose()

    @asynccontextmanager
    async def _connect(self, *, immediate: bool) -> AsyncIterator[AsyncConnection]:
        async with self.engine.connect() as conn:
            if self.is_sqlite:
                begin = "BEGIN IMMEDIATE" if immediate else "BEGIN"
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
                    if not self.is_sqlite:
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


def _sqlite_hooks(engine: AsyncEngine) -> None:
    """Pragmas on every connection, and SQLAlchemy (not the driver) emitting BEGIN.

    The driver's own transaction handling would leave SELECTs, SAVEPOINTs and DDL
    outside the transaction.
    """

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: DBAPIConnection, _record: ConnectionPoolEntry) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            for pragma in SQLITE_PRAGMAS:
                cursor.execute(pragma)
        finally:
            cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(conn: Connection) -> None:
        conn.exec_driver_sql(conn.get_execution_options().get(_SQLITE_BEGIN, "BEGIN"))
