"""Nothing lost: duplicate storms, a database that goes away under load, a kill in the middle of
inbound traffic, and logs that keep people's details out."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import time
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import make_url

from bot.app.http import create_app
from bot.app.wiring import scheduler_for
from bot.channels.sms.twilio import SmsChannel
from bot.core.config import Config
from bot.core.logs import quiet_libraries
from bot.core.metrics import Metrics
from bot.delivery.inbox import Inbox, Spool
from bot.delivery.outbox import Sender
from bot.flowfiles.library import Library
from bot.host.conversations import Conversations
from storage import participants
from storage.db import Database
from tests import records
from tests.channels.test_sms import settings
from tests.doubles.twilio_api import ACCOUNT, TOKEN, TwilioDouble
from tests.servers import free_port, run_env, serve_asgi, start_copro, wait_healthy

PHONES = [f"+4477009{n:05d}" for n in range(1, 41)]


async def copro_sms(db: Database, tmp_path: Path, twilio_url: str) -> tuple[Config, Inbox, SmsChannel]:
    config = settings(tmp_path, twilio_url)
    conversations = Conversations(db, Library.load(), config)
    await conversations.register_flows()
    scheduler_for(conversations, config)
    inbox = Inbox(conversations, Spool(tmp_path / "spool"))
    channel = SmsChannel(config, inbox, Metrics())
    await channel.start()
    return config, inbox, channel


async def inbound(db: Database, phone: str) -> list[str]:
    async with db.transaction() as s:
        return [m.provider_id or "" for m in await records.messages_of_address(s, phone)
                if m.direction == "in"]


async def test_every_webhook_twice_at_once_is_handled_once(database: Database, tmp_path: Path) -> None:
    twilio = TwilioDouble()
    async with serve_asgi(twilio.app) as twilio_url:
        _, _, channel = await copro_sms(database, tmp_path, twilio_url)
        app = create_app(database, Metrics(), channel.routes())
        try:
            async with serve_asgi(app) as url, httpx.AsyncClient(timeout=30) as client:
                hook = f"{url}/webhooks/twilio/sms"
                sends = []
                for n, phone in enumerate(PHONES[:20]):
                    sid = f"SM{n:032d}"
                    sends += [twilio.text_copro(client, hook, phone, "hello", sid=sid)] * 2
                answers = await asyncio.gather(*sends)
        finally:
            await channel.stop()
    assert {a.status_code for a in answers} == {200}
    for n, phone in enumerate(PHONES[:20]):
        assert await inbound(database, phone) == [f"SM{n:032d}"]
        async with database.transaction() as s:
            replies = [m for m in await records.messages_of_address(s, phone) if m.direction == "out"]
        assert len(replies) == 1  # one welcome, not two


async def test_logs_keep_phone_numbers_and_words_out(
    database: Database, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    quiet_libraries()  # as copro run sets its logging up
    twilio = TwilioDouble()
    async with serve_asgi(twilio.app) as twilio_url:
        config, _, channel = await copro_sms(database, tmp_path, twilio_url)
        sender = Sender(database, {"sms": channel}, config)
        app = create_app(database, Metrics(), channel.routes())
        try:
            async with serve_asgi(app) as url, httpx.AsyncClient() as client:
                hook = f"{url}/webhooks/twilio/sms"
                for text in ["hello", "1", "yes", "Zebedee Quartermaine", "4", "check in", "3",
                             "I feel secretly unhappy", "STOP"]:
                    await twilio.text_copro(client, hook, PHONES[0], text)
                    await sender.drain()
                await twilio.text_copro(client, hook, "not a number", "hello")
        finally:
            await channel.stop()
    logged = caplog.text
    assert "sms" in logged  # something was logged...
    for secret in (PHONES[0], PHONES[0][3:], "Zebedee", "secretly unhappy", TOKEN, ACCOUNT[2:]):
        assert secret not in logged  # ...but no number, name, words or credentials


class Proxy:
    """A TCP proxy in front of PostgreSQL that can be unplugged and plugged back in."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        self.port = free_port()
        self.server: asyncio.Server | None = None
        self.pipes: set[asyncio.Task[None]] = set()

    async def plug(self) -> None:
        self.server = await asyncio.start_server(self._connect, "127.0.0.1", self.port)

    async def unplug(self) -> None:
        if self.server is not None:
            self.server.close()
            await self.server.wait_closed()
            self.server = None
        for pipe in list(self.pipes):
            pipe.cancel()
        await asyncio.gather(*self.pipes, return_exceptions=True)

    async def _connect(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            upstream_reader, upstream_writer = await asyncio.open_connection(*self.target)
        except OSError:
            writer.close()
            return
        for source, sink in ((reader, upstream_writer), (upstream_reader, writer)):
            task = asyncio.create_task(self._pipe(source, sink))
            self.pipes.add(task)
            task.add_done_callback(self.pipes.discard)

    @staticmethod
    async def _pipe(source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
        try:
            while data := await source.read(65536):
                sink.write(data)
                await sink.drain()
        except (OSError, asyncio.CancelledError):
            pass
        finally:
            sink.close()


@contextlib.asynccontextmanager
async def through_a_proxy(database_url: str) -> AsyncIterator[tuple[Proxy, str]]:
    url = make_url(database_url)
    proxy = Proxy((url.host or "127.0.0.1", url.port or 5432))
    await proxy.plug()
    try:
        yield proxy, url.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
    finally:
        await proxy.unplug()


@pytest.mark.postgres
async def test_texts_while_the_database_is_away_are_kept_and_handled_when_it_is_back(
    database_url: str, tmp_path: Path
) -> None:
    twilio = TwilioDouble()
    async with through_a_proxy(database_url) as (proxy, proxied_url), serve_asgi(twilio.app) as twilio_url:
        db = Database(proxied_url, pool_timeout=2, connect_args={"timeout": 2})
        _, inbox, channel = await copro_sms(db, tmp_path, twilio_url)
        inbox.start()
        app = create_app(db, Metrics(), channel.routes())
        accepted: list[tuple[str, str]] = []
        try:
            async with serve_asgi(app) as url, httpx.AsyncClient(timeout=30) as client:
                hook = f"{url}/webhooks/twilio/sms"

                async def load(start: int, count: int) -> None:
                    for n in range(start, start + count):
                        phone, sid = PHONES[n % len(PHONES)], f"SM{n:032d}"
                        answer = await twilio.text_copro(client, hook, phone, "hello", sid=sid)
                        if answer.status_code == 200:
                            accepted.append((phone, sid))

                await load(0, 20)
                await proxy.unplug()  # the database goes away under load
                await load(20, 20)
                assert len(inbox.spool.waiting()) > 0  # kept on disk, not dropped
                health = await client.get(f"{url}/healthz")
                assert health.status_code == 503
                await proxy.plug()  # ...and comes back
                deadline = time.monotonic() + 30
                while inbox.spool.waiting():
                    assert time.monotonic() < deadline, "the spool was not replayed"
                    await asyncio.sleep(0.1)
                await load(40, 10)
                assert (await client.get(f"{url}/healthz")).status_code == 200
        finally:
            await inbox.stop()
            await channel.stop()
        assert len(accepted) == 50  # every text was acknowledged...
        for phone, sid in accepted:  # ...and every one acknowledged was handled, once
            assert (await inbound(db, phone)).count(sid) == 1
        await db.close()


async def test_a_kill_during_inbound_load_loses_no_accepted_text(
    tmp_path: Path, database_url: str
) -> None:
    twilio = TwilioDouble()
    log = tmp_path / "copro.log"
    async with serve_asgi(twilio.app) as twilio_url:
        (tmp_path / "copro.toml").write_text(
            f'[twilio]\naccount_sid = "{ACCOUNT}"\nauth_token = "{TOKEN}"\n'
            f'from_number = "+447700900000"\napi_base_url = "{twilio_url}"\n'
            "max_inbound_per_minute = 1000\nsegments_per_second = 1000\n"
            "[outbox]\nlease_seconds = 1\nidle_seconds = 0.05\n")
        accepted: list[tuple[str, str]] = []
        enough = asyncio.Event()  # set once 60 texts are in: time to kill

        async def flood(port: int, process: object, until: float) -> None:
            hook = f"http://127.0.0.1:{port}/webhooks/twilio/sms"
            async with httpx.AsyncClient(timeout=5) as client:
                n = len(accepted) + 1000 * int(until)
                while time.monotonic() < until:
                    n += 1
                    phone, sid = PHONES[n % len(PHONES)], f"SM{n:032d}"
                    try:
                        answer = await twilio.text_copro(client, hook, phone, "hello", sid=sid)
                    except httpx.TransportError:
                        return  # copro is gone: this text was never acknowledged
                    if answer.status_code == 200:
                        accepted.append((phone, sid))
                        if len(accepted) >= 60:
                            enough.set()

        port = free_port()
        first = start_copro(tmp_path, run_env(tmp_path, database_url, port), log=log)
        await wait_healthy(port, first)
        flooding = asyncio.create_task(flood(port, first, time.monotonic() + 30))
        await asyncio.wait_for(enough.wait(), 30)
        first.send_signal(signal.SIGKILL)
        await asyncio.to_thread(first.wait, 10)
        await flooding
        port = free_port()
        second = start_copro(tmp_path, run_env(tmp_path, database_url, port), log=log)
        await wait_healthy(port, second)
        await flood(port, second, time.monotonic() + 1)
        second.send_signal(signal.SIGTERM)
        await asyncio.to_thread(second.wait, 15)
        assert second.returncode == 0, log.read_text()
    db = Database(database_url)
    try:
        for phone, sid in accepted:
            assert (await inbound(db, phone)).count(sid) == 1
        async with db.transaction() as s:
            person = await participants.find_by_address(s, "sms", accepted[0][0])
            assert person is not None
    finally:
        await db.close()
