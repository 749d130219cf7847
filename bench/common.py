"""What the benchmarks share: a database wiped for the run, and a server in a process of its own."""

from __future__ import annotations

import contextlib
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping

import httpx
from sqlalchemy import text

from storage.db import Database

PG_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"


async def fresh(url: str) -> Database:
    """The database at ``url``, migrated; on PostgreSQL, everything in it is dropped first."""
    db = Database(url)
    if not db.is_sqlite:
        async with db.engine.begin() as conn:
            await conn.execute(text("DROP SCHEMA public CASCADE"))
            await conn.execute(text("CREATE SCHEMA public"))
    await db.upgrade()
    return db


@contextlib.contextmanager
def serving(args: list[str], probe: str, env: Mapping[str, str] | None = None) -> Iterator[None]:
    """``python ARGS`` running until the block ends, once ``probe`` (a URL) answers at all."""
    process = subprocess.Popen([sys.executable, *args], env=env)
    try:
        deadline = time.monotonic() + 120  # a busy machine starts slowly
        while True:
            try:
                httpx.get(probe, timeout=1)
                break
            except httpx.TransportError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"{' '.join(args)} did not start serving {probe}") from None
                time.sleep(0.1)
        yield
    finally:
        process.terminate()
        process.wait(15)
