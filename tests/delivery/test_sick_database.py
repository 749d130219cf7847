"""A database that is there but will not answer (locked by another program, a lock held by
another session): webhooks are still answered within seconds, the texts wait on disk and are
handled once it answers again, and ``/healthz`` says 503 within its own two seconds, then 200."""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import asyncpg
import httpx
from sqlalchemy import make_url

from bot.app.http import HEALTH_SECONDS, create_app
from bot.app.wiring import scheduler_for
from bot.channels.sms.twilio import SmsChannel
from bot.core.config import load_config
from bot.core.metrics import Metrics
from bot.delivery.inbox import Inbox, Spool
from bot.flowfiles.library import Library
from bot.host.conversations import Conversations
from storage.db import Database
from storage.settings import Waits
from tests import records
from tests.channels.test_sms import settings
from tests.doubles.twilio_api import TwilioDouble
from tests.servers import serve_asgi

ANN = "+447700900001"
ANSWER_SECONDS = 1.0


@asynccontextmanager
async def held_locked(database_url: str) -> AsyncIterator[None]:
    """Another program holding the database: SQLite's write lock, or on PostgreSQL a lock on
    the messages table that lets no one read or write it."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        other = sqlite3.connect(str(url.database), isolation_level=None)
        other.execute("BEGIN IMMEDIATE")
        try:
            yield
        finally:
            other.execute("ROLLBACK")
            other.close()
        return
    session = await asyncpg.connect(url.set(drivername="postgresql").render_as_string(
        hide_password=False))
    try:
        async with session.transaction():
            await session.execute("LOCK TABLE messages IN ACCESS EXCLUSIVE MODE")
            yield
    finally:
        await session.close()


async def texts_from(db: Database, phone: str) -> list[str]:
    async with db.transaction() as s:
        return [m.provider_id or "" for m in await records.messages_of_address(s, phone)
                if m.direction == "in"]


async def test_a_locked_database_gets_texts_answered_fast_kept_then_handled(
    database_url: str, tmp_path: Path
) -> None:
    db = Database(database_url, Waits(pool=2, busy=0.5, lock=0.5, statement=3))
    settings(tmp_path, "http://127.0.0.1:1")  # writes copro.toml
    toml = tmp_path / "copro.toml"
    twilio = TwilioDouble()
    async with serve_asgi(twilio.app) as twilio_url:
        toml.write_text(toml.read_text().replace("http://127.0.0.1:1", twilio_url)
                        + f"[inbox]\nanswer_seconds = {ANSWER_SECONDS}\nmax_retry_seconds = 2\n")
        config = load_config(toml, env={"COPRO_DATA_DIR": str(tmp_path)})
        conversations = Conversations(db, Library.load(), config)
        await conversations.register_flows()
        scheduler_for(conversations, config)
        spool = Spool(tmp_path / "spool")
        inbox = Inbox(conversations, spool)
        channel = SmsChannel(config, inbox, Metrics())
        await channel.start()
        app = create_app(db, Metrics(), channel.routes())
        try:
            async with serve_asgi(app) as url, httpx.AsyncClient(timeout=30) as client:
                hook, health = f"{url}/webhooks/twilio/sms", f"{url}/healthz"
                assert (await client.get(health)).status_code == 200
                async with held_locked(database_url):
                    started = time.monotonic()
                    first = await twilio.text_copro(client, hook, ANN, "hello", sid="SM1")
                    took = time.monotonic() - started
                    # Twilio was told "got it" well inside its 15 s, and the text is on disk.
                    assert first.status_code == 200 and took < ANSWER_SECONDS + 3
                    second = await twilio.text_copro(client, hook, ANN, "1", sid="SM2")
                    assert second.status_code == 200
                    assert len(spool.waiting()) == 2 and spool.set_aside() == []
                    started = time.monotonic()
                    sick = await client.get(health)
                    assert sick.status_code == 503  # ...answered at all, within its own bound
                    assert sick.json() == {"status": "error", "database": "unreachable"}
                    assert time.monotonic() - started < HEALTH_SECONDS + 1
                    inbox.start()  # retrying while still locked loses nothing
                    await asyncio.sleep(ANSWER_SECONDS)
                    assert len(spool.waiting()) == 2 and inbox.stalled
                deadline = time.monotonic() + 30
                while spool.waiting():
                    assert time.monotonic() < deadline, "the kept texts were not handled"
                    await asyncio.sleep(0.1)
                assert (await client.get(health)).status_code == 200
        finally:
            await inbox.stop()
            await channel.stop()
    assert spool.set_aside() == []
    assert await texts_from(db, ANN) == ["SM1", "SM2"]  # each handled once, in order
    await db.close()
