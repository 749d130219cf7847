"""A real database for every test that asks for one.

By default each test gets its own SQLite file, copied from one migrated once per
session. With ``COPRO_TEST_DATABASE_URL`` set to a PostgreSQL URL, that database
is wiped and migrated once per session (everything in its ``public`` schema is
dropped: never point it at data you want to keep) and emptied before each test.
When the tests run side by side (``make test`` runs ``pytest -n``), each worker has a
database of its own on that server, named after the configured one and the worker
(``test_gw0``, ``test_gw1``...), made if missing and treated the same way.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import threading
from collections.abc import AsyncIterator, Coroutine, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest
from sqlalchemy import make_url, text

from storage.db import Database
from storage.models import Base
from storage.settings import default_sqlite_url

URL_VARIABLE = "COPRO_TEST_DATABASE_URL"
CONNECT_SECONDS = 10

T = TypeVar("T")


def _configured_url() -> str | None:
    return os.environ.get(URL_VARIABLE) or None


def _backend(url: str | None) -> str:
    if url is None or make_url(url).get_backend_name() == "sqlite":
        return "sqlite"
    return "postgresql"


def _safe(url: str) -> str:
    return make_url(url).render_as_string(hide_password=True)


class _Background:
    """An event loop in a thread of its own, for set-up that outlives one test's loop."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()

    def run(self, coro: Coroutine[Any, Any, T]) -> T:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result()

    def close(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join()
        self.loop.close()


def pytest_report_header(config: pytest.Config) -> str:
    url = _configured_url()
    if url is None:
        return f"copro database: sqlite (temporary files; set {URL_VARIABLE} for PostgreSQL)"
    return f"copro database: {_backend(url)} at {_safe(url)}"


# A test that asks for none of these gives the same result on any database.
DATABASE_FIXTURES = frozenset({"database_url", "backend"})


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--database-tests-only", action="store_true",
        help="run only the tests that use the database (those asking for database_url or "
             "backend, directly or through their fixtures): a second database's run, "
             "where the rest would only repeat themselves")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if not config.getoption("--database-tests-only"):
        return
    kept, left = [], []
    for item in items:
        uses = DATABASE_FIXTURES & set(getattr(item, "fixturenames", ()))
        (kept if uses else left).append(item)
    if left:
        config.hook.pytest_deselected(items=left)
        items[:] = kept


def pytest_runtest_setup(item: pytest.Item) -> None:
    if item.get_closest_marker("postgres") and _backend(_configured_url()) != "postgresql":
        pytest.skip(f"needs PostgreSQL: set {URL_VARIABLE}")


@pytest.fixture(scope="session")
def _background() -> Iterator[_Background]:
    background = _Background()
    yield background
    background.close()


@pytest.fixture(scope="session")
def backend() -> str:
    """``sqlite`` or ``postgresql``: what the ``database`` fixture runs on."""
    return _backend(_configured_url())


# --- SQLite: migrate once into a template file, copy it for each test ---------------------


@pytest.fixture(scope="session")
def _sqlite_template(tmp_path_factory: pytest.TempPathFactory, _background: _Background) -> Path:
    directory = tmp_path_factory.mktemp("copro-template")
    _background.run(_migrate_fresh(default_sqlite_url(directory), reset=False))
    return directory / "copro.db"


def _sqlite_copy(template: Path, directory: Path) -> str:
    for suffix in ("", "-wal"):
        source = template.with_name(template.name + suffix)
        if source.exists():
            shutil.copyfile(source, directory / source.name)
            os.chmod(directory / source.name, 0o600)  # as copro makes its own (copro doctor checks)
    return default_sqlite_url(directory)


# --- PostgreSQL: migrate once, truncate before each test ----------------------------------


@pytest.fixture(scope="session")
def _postgres_session(_background: _Background) -> Iterator[Database]:
    """The configured database, migrated afresh; its engine lives on the background loop."""
    url = _configured_url()
    assert url is not None
    problem = _background.run(_unreachable(url))
    if problem is not None:
        message = f"PostgreSQL at {_safe(url)} is not reachable: {problem}"
        if os.environ.get("CI", "").lower() == "true":
            pytest.exit(message, returncode=1)
        pytest.skip(message)
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if worker:  # tests run side by side (make test: pytest -n): each worker has its own database
        url = _background.run(_database_of_its_own(url, worker))
    _background.run(_migrate_fresh(url, reset=True))
    db = Database(url)
    yield db
    _background.run(db.close())


async def _unreachable(url: str) -> str | None:
    db = Database(url)
    try:
        async with asyncio.timeout(CONNECT_SECONDS), db.engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
    except Exception as exc:
        return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
    finally:
        await db.close()
    return None


async def _database_of_its_own(url: str, worker: str) -> str:
    """The URL of the database ``<configured>_<worker>`` on the same server, made if missing."""
    name = f"{make_url(url).database}_{worker}"
    db = Database(url)
    try:
        async with db.engine.connect() as conn:
            conn = await conn.execution_options(isolation_level="AUTOCOMMIT")
            found = await conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :name"),
                                      {"name": name})
            if found is None:
                await conn.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        await db.close()
    return make_url(url).set(database=name).render_as_string(hide_password=False)


async def _migrate_fresh(url: str, *, reset: bool) -> None:
    db = Database(url)
    try:
        if reset:
            async with db.engine.begin() as conn:
                await conn.execute(text("DROP SCHEMA public CASCADE"))
                await conn.execute(text("CREATE SCHEMA public"))
        await db.upgrade()
    finally:
        await db.close()


# Every table emptied and every id counted from 1 again, in one statement: for the few rows a
# test leaves, a DELETE of each is several times quicker than TRUNCATE, which makes new files.
_EMPTY = ("DO $$ DECLARE s record; BEGIN "
          + " ".join(f'DELETE FROM "{table.name}";' for table in reversed(Base.metadata.sorted_tables))
          + " FOR s IN SELECT schemaname, sequencename FROM pg_sequences"
            " WHERE schemaname = current_schema() LOOP"
            " EXECUTE format('ALTER SEQUENCE %I.%I RESTART', s.schemaname, s.sequencename);"
            " END LOOP; END $$")


async def _empty(db: Database) -> None:
    """Empty every table; migrate afresh if a test left the schema broken."""
    try:
        async with db.engine.begin() as conn:
            await conn.execute(text(_EMPTY))
    except Exception:
        await db.engine.dispose()
        await _migrate_fresh(db.url, reset=True)


# --- what tests use -----------------------------------------------------------------------


@pytest.fixture
def database_url(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    backend: str,
    _background: _Background,
) -> str:
    """The URL of a migrated, empty database for this test (give it to subprocesses)."""
    if backend == "sqlite":
        template: Path = request.getfixturevalue("_sqlite_template")
        return _sqlite_copy(template, tmp_path_factory.mktemp("copro-db"))
    db: Database = request.getfixturevalue("_postgres_session")
    _background.run(_empty(db))
    return db.url


@pytest.fixture
async def database(database_url: str) -> AsyncIterator[Database]:
    """A migrated, empty database."""
    db = Database(database_url)
    try:
        yield db
    finally:
        await db.close()
