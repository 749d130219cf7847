"""What every command needs: the configuration, the database, and friendly errors."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Coroutine
from contextlib import asynccontextmanager
from datetime import datetime, time, timedelta
from pathlib import Path
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

import click

from bot.app.service import ServiceError, open_database
from bot.core.clock import utcnow
from bot.core.config import Config, ConfigError, load_config
from bot.features import groups as group_work
from bot.features import people
from bot.flowfiles.library import FlowError, Library
from bot.host.conversations import Conversations
from bot.language import when
from storage.db import Database, Tx
from storage.models import Group, Participant

T = TypeVar("T")


class State:
    """The options given to ``copro`` itself; the configuration is read when first needed."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self._config: Config | None = None

    @property
    def config(self) -> Config:
        if self._config is None:
            try:
                self._config = load_config(self.path)
            except ConfigError as exc:
                raise click.ClickException(str(exc)) from None
        return self._config

    def library(self) -> Library:
        try:
            return Library.load(self.config.flows.extra_dir)
        except FlowError as exc:
            raise click.ClickException(str(exc)) from None


pass_state = click.make_pass_decorator(State)


def run(coro: Coroutine[Any, Any, T]) -> T:
    """Run a command's work; a ``ServiceError`` becomes a clear message, not a traceback."""
    try:
        return asyncio.run(coro)
    except ServiceError as exc:
        raise click.ClickException(str(exc)) from None


async def open_db(config: Config) -> Database:
    try:
        return await open_database(config)
    except ServiceError as exc:
        raise click.ClickException(str(exc)) from None


@asynccontextmanager
async def database(config: Config) -> AsyncIterator[Database]:
    """The configured database, ready (the embedded default sets itself up), closed after."""
    db = await open_db(config)
    try:
        yield db
    finally:
        await db.close()


async def group_named(s: Tx, name: str) -> Group:
    """The group called ``name``, in any case and spacing; else the nearest name is suggested."""
    try:
        return await group_work.find(s, name)
    except group_work.GroupError as exc:
        raise click.ClickException(str(exc)) from None


async def one_participant(s: Tx, who: str, region: str = "GB") -> Participant:
    """The one participant ``who`` names (``people.find``); when several match, they are
    listed and none is picked."""
    found = await people.find(s, who, region)
    if not found and who.strip().startswith("@"):
        raise click.ClickException(
            f"copro does not keep Telegram usernames, so {who.strip()!r} finds no one: give their "
            "number (copro participants list), name, phone number or Telegram chat id")
    if not found:
        raise click.ClickException(
            f"no participant matches {who!r}: give their number (copro participants list), "
            "name, phone number or Telegram chat id")
    if len(found) > 1:
        listed = "\n".join(f"  {line}" for line in await people.describe_each(s, found))
        raise click.ClickException(
            f"{len(found)} participants match {who!r}; give the number of the one you mean:\n{listed}")
    return found[0]


def described(person: Participant) -> str:
    """``Ann Jones (participant 3)``."""
    return f"{person.full_name or 'participant'} (participant {person.id})"


def local_time(text: str, timezone: str, *, option: str = "--at") -> datetime:
    """A day and time as every command reads one (``when.read``: "Thu 3 Dec 2pm",
    "tomorrow 5pm", "2026-12-03 14:00"...), on the clock of ``timezone``."""
    try:
        return when.read(text, timezone, now=utcnow())
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint=option) from None


async def host(db: Database, state: State) -> Conversations:
    """The conversation host with every feature's hooks, for commands that message people."""
    from bot.app.wiring import scheduler_for

    conversations = Conversations(db, state.library(), state.config)
    await conversations.register_flows()
    scheduler_for(conversations, state.config)
    return conversations


def day_range(start: datetime | None, end: datetime | None, timezone: str) -> tuple[datetime, datetime]:
    """``--from`` and ``--to`` days (both included) as a range of aware times."""
    zone = ZoneInfo(timezone)
    low = datetime.combine((start or datetime(2000, 1, 1)).date(), time(0), tzinfo=zone)
    high = datetime.combine((end or datetime(2100, 1, 1)).date(), time(0), tzinfo=zone)
    return low, high + timedelta(days=1)


DAY = click.DateTime(formats=["%Y-%m-%d"])
