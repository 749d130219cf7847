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

from bot.answers import risk
from bot.app.http import create_app
from bot.app.wiring import scheduler_for
from bot.core import files
from bot.core.config import Config
from bot.core.metrics import Metrics
from bot.delivery.channel import Channel
from bot.delivery.inbox import Inbox, Spool
from bot.delivery.outbox import Sender
from bot.features import doctor
from bot.flowfiles.library import Library
from bot.host.conversations import Conversations
from storage.db import Database
from storage.settings import default_sqlite_url

log = logging.getLogger(__name__)
LOOSE_SHOWN = 10  # files named one by one in the warning at start


class ServiceError(Exception):
    """copro cannot run; the message says why and what to do."""


class RunningChannel(Channel, Protocol):
    async def start(self) -> None: ...
    async def stop(self) -> None: ...
    def routes(self) -> list[BaseRoute]: ...


async def open_database(config: Config) -> Database:
    """The configured database, ready: the embedded default sets itself up."""
    db = Database(config.database_url, config.database.waits, echo=config.database.echo,
                  pool_size=config.database.pool_size)
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
        log.info("Telegram: on (%s)", mode)
    else:
        log.info("Telegram: off — set COPRO_TELEGRAM_TOKEN (or telegram.token) to turn it on")
    if config.sms_enabled:
        from bot.channels.sms.twilio import SmsChannel

        found["sms"] = SmsChannel(config, inbox, metrics)
        log.info("SMS: on (from %s)", config.twilio.from_number)
        if not config.twilio.public_url:
            log.warning("SMS: twilio.public_url is not set, so Twilio sends no delivery reports "
                        "and texts show as sent, never delivered; set it to copro's public "
                        "https address")
    else:
        log.info(
            "SMS: off — set COPRO_TWILIO_ACCOUNT_SID, COPRO_TWILIO_AUTH_TOKEN and "
            "COPRO_TWILIO_FROM (or the [twilio] keys) to turn it on"
        )
    if config.whatsapp_enabled:
        from bot.channels.whatsapp.channel import WhatsAppChannel

        found["whatsapp"] = WhatsAppChannel(config, inbox, metrics)
        log.info("WhatsApp: on (from %s)", config.whatsapp.from_number)
        missing = config.whatsapp.missing({config.language})
        if missing:
            log.warning("WhatsApp: no template for %s, so those messages go by SMS instead "
                        "when the 24-hour window is shut; see docs/whatsapp.md",
                        ", ".join(f"'{p}' in {lang}" for p, lang in missing))
    else:
        log.info("WhatsApp: off — set COPRO_WHATSAPP_FROM (or whatsapp.from_number) and the "
                    "Twilio account to turn it on")
    if config.voice_enabled and config.twilio.public_url:
        from bot.channels.voice.channel import VoiceChannel

        found["voice"] = VoiceChannel(config, inbox, metrics)
        log.info("Voice: on (calls from %s)", config.caller_number)
    elif config.voice.enabled:
        log.warning("Voice: off — it needs the [twilio] account, a number (voice.from_number or "
                    "twilio.from_number) and twilio.public_url, the address Twilio fetches "
                    "each call's words from")
    return found


def listen(host: str, port: int, setting: str = "http.port or COPRO_HTTP_PORT") -> socket.socket:
    """The listening socket, bound here so a taken port is a clear error, not a crash."""
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise ServiceError(
            f"cannot listen on {host}:{port}: {exc.strerror or exc}. Is another copro (or "
            f"another program) using it? Set {setting}."
        ) from None
    sock.set_inheritable(True)
    return sock


def report_loose_files(config: Config) -> None:
    """A warning for each file or folder of people's data that others on the machine may read."""
    loose = files.looser(files.personal_data(config.data_dir, config.database_url))
    for line in loose[:LOOSE_SHOWN]:
        log.warning("files: %s can be read by others on this machine, and holds people's data",
                    line)
    if loose:
        log.warning("files: %d file(s) and folder(s) others may read; to fix: %s", len(loose),
                    files.fix_for(config.data_dir))


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

    async def _desk(
        self, db: Database, conversations: Conversations, channels: list[str]
    ) -> tuple[_Server, socket.socket, Database]:
        """The desk's server on its own port, with its simulator on a scratch database."""
        from bot.web.app import create_desk

        config = self.config
        listening = listen(config.desk.host, config.desk.port, "desk.port or COPRO_DESK_PORT")
        practice = Database(default_sqlite_url(config.data_dir / "simulator"))
        await practice.upgrade()
        rehearsal = Conversations(practice, self.library, config)
        scheduler_for(rehearsal, config)  # the features' hooks; the simulator runs no schedule
        app = create_desk(db, conversations, config, channels=channels, simulator=rehearsal)
        server = _Server(uvicorn.Config(app, host=config.desk.host, port=config.desk.port,
                                        log_level="warning", lifespan="off", access_log=False))
        return server, listening, practice

    async def _run(self, db: Database) -> None:
        config = self.config
        metrics = Metrics()
        conversations = Conversations(db, self.library, config)
        await conversations.register_flows()
        inbox = Inbox(conversations, Spool(config.spool_dir))
        channels = channels_for(config, inbox, metrics)
        await report_problems(db, list(channels))
        report_loose_files(config)
        risk.shipped_rules()  # read now, so that the first note to come in is not kept waiting
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
        desk = await self._desk(db, conversations, list(channels)) if config.desk.enabled else None
        serving = asyncio.create_task(server.serve(sockets=[listening]), name="http")
        desk_serving = (asyncio.create_task(desk[0].serve(sockets=[desk[1]]), name="desk")
                        if desk is not None else None)
        started: list[RunningChannel] = []
        try:
            for channel in channels.values():
                await channel.start()
                started.append(channel)
            inbox.start()  # first, what came in while the database was away last time
            scheduler.start()
            sender.start()
            log.info(
                "copro is running on http://%s:%d with %s; stop with Ctrl+C",
                config.http.host, config.http.port, ", ".join(channels) or "no channels",
            )
            if desk is not None:
                log.info("the desk is on %s: sign in with a code sent to your phone or "
                            "Telegram, or a link from `copro desk login`", config.desk.address)
            stop = asyncio.create_task(self.stopping.wait())
            await asyncio.wait([stop, serving, *([desk_serving] if desk_serving else [])],
                               return_when=asyncio.FIRST_COMPLETED)
            stop.cancel()
        finally:
            log.info("copro is stopping")
            server.should_exit = True
            if desk is not None:
                desk[0].should_exit = True
            # Side by side, so that together they take no longer than the longest: sends under
            # way and a scheduler batch under way each get http.shutdown_seconds to finish.
            stopped = await asyncio.gather(
                sender.stop(), inbox.stop(), scheduler.stop(grace=config.http.shutdown_seconds),
                return_exceptions=True)
            for part, outcome in zip(("the outbox", "the inbox", "the scheduler"), stopped,
                                     strict=True):
                if isinstance(outcome, BaseException):
                    log.error("%s did not stop cleanly", part, exc_info=outcome)
            for channel in started:
                try:
                    await channel.stop()
                except Exception:
                    log.exception("%s did not stop cleanly", channel.name)
            with contextlib.suppress(BaseException):
                await asyncio.wait_for(serving, timeout=2)
            if desk is not None and desk_serving is not None:
                with contextlib.suppress(BaseException):
                    await asyncio.wait_for(desk_serving, timeout=2)
                await desk[2].close()
            for sig in (signal.SIGTERM, signal.SIGINT):
                loop.remove_signal_handler(sig)
        log.info("copro stopped")
