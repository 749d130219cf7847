"""Alembic's entry point.

Used two ways: by ``Database.upgrade()``, which hands over an open connection in
``config.attributes["connection"]``, and by developers running ``alembic`` with a
config naming ``sqlalchemy.url`` (or with ``COPRO_DATABASE_URL`` set)::

    COPRO_DATABASE_URL=sqlite+aiosqlite:///dev.db \\
        alembic -c storage/migrations/alembic.ini revision --autogenerate -m "what changed"
"""

from __future__ import annotations

import asyncio
import os
from logging.config import fileConfig
from typing import Any, Literal

from alembic import context
from alembic.autogenerate.api import AutogenContext
from sqlalchemy import JSON, Connection

from storage.db import Database
from storage.models import Base
from storage.types import DecimalText, UTCDateTime

config = context.config
target_metadata = Base.metadata


def render_item(kind: str, obj: Any, autogen: AutogenContext) -> str | Literal[False]:
    """Spell our column types so that a new migration needs nothing from ``storage``."""
    if kind != "type":
        return False
    if isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    if isinstance(obj, DecimalText):
        return "sa.String(length=40)"
    if isinstance(obj, JSON) and "postgresql" in obj._variant_mapping:
        autogen.imports.add("from sqlalchemy.dialects import postgresql")
        arg = f"none_as_null={obj.none_as_null}"
        return f'sa.JSON({arg}).with_variant(postgresql.JSONB({arg}), "postgresql")'
    return False


OPTIONS: dict[str, Any] = {
    "target_metadata": target_metadata,
    "render_as_batch": True,  # SQLite can only ALTER a table by copying it
    "compare_type": True,
    "render_item": render_item,
}


def database_url() -> str:
    url = config.get_main_option("sqlalchemy.url") or os.environ.get("COPRO_DATABASE_URL")
    if not url:
        raise RuntimeError("set sqlalchemy.url in the Alembic config, or COPRO_DATABASE_URL")
    return url


def run_on(connection: Connection) -> None:
    context.configure(connection=connection, **OPTIONS)
    with context.begin_transaction():
        context.run_migrations()


async def run_with_new_connection(url: str) -> None:
    db = Database(url)
    try:
        async with db.engine.begin() as conn:
            await conn.run_sync(run_on)
    finally:
        await db.close()


def main() -> None:
    if context.is_offline_mode():
        context.configure(url=database_url(), literal_binds=True, **OPTIONS)
        with context.begin_transaction():
            context.run_migrations()
        return
    connection = config.attributes.get("connection")
    if connection is not None:
        run_on(connection)
        return
    if config.config_file_name is not None:
        fileConfig(config.config_file_name, disable_existing_loggers=False)
    asyncio.run(run_with_new_connection(database_url()))


main()
