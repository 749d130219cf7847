"""``copro run``: one process with the HTTP app, the channels, the outbox sender and the scheduler.

Start-up reports each channel once ("SMS: off — set …") and runs what it can.
SIGTERM or SIGINT stops taking work (no new webhooks, no more polling), gives
sends under way ``http.shutdown_seconds`` to finish, puts the rest back in the
queue, and exits 0.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import socket
from collections.abc import Iterator
from typing import Protocol

import uvicorn
from starlette.routing import BaseRoute

from bot.app.http import create_app
from bot.app.wiring import scheduler_for
from bot.core.config import Config
from bot.core.metrics import Metrics
from bot.delivery.channel import Channel
from bot.delivery.inbox import Inbox, Spool
from bot.delivery.outbox import Sender
from bot.features import doctor
from bot.flowfiles.library import Library
from bot.host.conversations import Conversations
from storage.db import Database

log = logging.getLogger(__name__)


class ServiceError(Exception):
    """copro cannot run; the message says why and what to do."""


class RunningChannel(Channel, Protocol):
    async def start(self) -> None: ...
    async def stop(self) -> None: ...
    def routes(self) -> list[BaseRoute]: ...


async def open_database(config: Config) -> Database:
    """The configured database, ready: the embedded default sets itself up."""
    db = Database(config.database_url, echo=config.database.echo)
    try:
        if db.is_sqlite:
            await db.upgrade()
        elif not await db.ping():
            raise ServiceError(f"cannot reach the database at {db.safe_url}")
        elif not await db.is_current():
            raise ServiceError(
                f"the database at {db.safe_url} needs updating: run `copro db upgrade`"
            )
    except ServiceError:
        await db.close()
        raise
    except Exception as exc:
        await db.close()
        raise ServiceError(f"cannot open the database at {db.safe_url}: {exc}") from None
    return db


def channels_for(config: Config, inbox: Inbox, metrics: Metrics) -> dict[str, RunningChannel]:
    """The channels with credentials; each one without is reported once."""
    found: dict[str, RunningChannel] = {}
    if config.telegram_enabled:
        from bot.channels.telegram.channel import TelegramChannel

        found["telegram"] = TelegramChannel(config, inbox, metrics)
        mode = "webhook" if config.telegram.webhook_url else "long polling"
        log.warning("Telegram: on (%s)", mode)
    else:
        log.warning("Telegram: off — set COPRO_TELEGRAM_TOKEN (or telegram.token) to turn it on")
    if config.sms_enabled:
        from bot.channels.sms.twilio import SmsChannel

        found["sms"] = SmsChannel(config, inbox, metrics)
        log.warning("SMS: on (from %s)", config.twilio.from_number)
        if not config.twilio.public_url:
            log.warning("SMS: twilio.public_url is not set, so Twilio sends no delivery reports "
                        "and texts show as sent, never delivered; set it to copro's public "
                        "https address")
    else:
        log.warning(
            "SMS: off — set COPRO_TWILIO_ACCOUNT_SID, COPRO_TWILIO_AUTH_TOKEN and "
            "COPRO_TWILIO_FROM (or the [twilio] keys) to turn it on"
        )
    return found


def listen(host: str, port: int) -> socket.socket:
    """The listening socket, bound here so a taken port is a clear error, not a crash."""
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise ServiceError(
            f"cannot listen on {host}:{port}: {exc.strerror or exc}. Is another copro (or "
            "another program) using it? Set http.port or COPRO_HTTP_PORT."
        ) from None
    sock.set_inheritable(True)
    return sock


async def report_problems(db: Database, channels: list[str]) -> None:
    """One warning for each group or person whose alerts or requests would reach nobody."""
    try:
        async with db.transaction() as s:
            problems = await doctor.check(s, channels=channels)
    except Exception:
        log.exception("could not check the groups for problems; run `copro doctor`")
        return
    for problem in problems:
        log.warning("%s: %s", problem.label, problem.line())
    if problems:
        log.warning("%d problem(s) and warning(s): see `copro doctor` for each, with how to fix it",
                    len(problems))


class _Server(uvicorn.Server):
    """uvicorn without its own signal handling: the service handles signals."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


class Service:
    def __init__(self, config: Config, library: Library) -> None:
        self.config = config
        self.library = library
        self.stopping = asyncio.Event()

    async def run(self) -> None:
        config = self.config
        db = await open_database(config)
        try:
            await self._run(db)
        finally:
            await db.close()

    async def _run(self, db: Database) -> None:
        config = self.config
        metrics = Metrics()
        conversations = Conversations(db, self.library, config)
        await conversations.register_flows()
        inbox = Inbox(conversations, Spool(config.data_dir / "spool"))
        channels = channels_for(config, inbox, metrics)
        await report_problems(db, list(channels))
        sender = Sender(db, channels, config, metrics, hooks=conversations.hooks)
        conversations.on_queued = sender.wake
        scheduler = scheduler_for(conversations, config, metrics=metrics)
        routes = [route for channel in channels.values() for route in channel.routes()]
        app = create_app(db, metrics, routes, list(channels))
        server = _Server(
            uvicorn.Config(app, host=config.http.host, port=config.http.port,
                           log_level="warning", lifespan="off", access_log=False)
        )
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, self.stopping.set)

        listening = listen(config.http.host, config.http.port)
        serving = asyncio.create_task(server.serve(sockets=[listening]), name="http")
        started: list[RunningChannel] = []
        try:
            for channel in channels.values():
                await channel.start()
                started.append(channel)
            inbox.start()  # first, what came in while the database was away last time
            scheduler.start()
            sender.start()
            log.warning(
                "copro is running on http://%s:%d with %s; stop with Ctrl+C",
                config.http.host, config.http.port, ", ".join(channels) or "no channels",
            )
            stop = asyncio.create_task(self.stopping.wait())
            await asyncio.wait([stop, serving], return_when=asyncio.FIRST_COMPLETED)
            stop.cancel()
        finally:
            log.warning("copro is stopping")
            server.should_exit = True
            await sender.stop()
            await inbox.stop()
            await scheduler.stop()
            for channel in started:
                try:
                    await channel.stop()
                except Exception:
                    log.exception("%s did not stop cleanly", channel.name)
            with contextlib.suppress(BaseException):
                await asyncio.wait_for(serving, timeout=2)
            for sig in (signal.SIGTERM, signal.SIGINT):
                loop.remove_signal_handler(sig)
        log.warning("copro stopped")
