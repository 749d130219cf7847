"""What every command needs: the configuration, the database, and friendly errors."""

from __future__ import annotations

import asyncio
import getpass
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
from storage import groups
from storage.db import Database, Tx
from storage.models import Group, Participant

T = TypeVar("T")

# The roles whose holders decide things from the command line (with admins).
STAFF = ("coordinator", "safeguarding")


class State:
    """The options given to ``copro`` itself; the configuration is read when first needed."""

    def __init__(self, path: Path | None, by: str | None = None) -> None:
        self.path = path
        self.by = by  # --by WHO: who is deciding, for the audit and the finance export
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
            f"no one on Telegram goes by {who.strip()!r} (copro learns a username when that person "
            "writes to the bot): give their number (copro participants list), name, phone number "
            "or Telegram chat id")
    if not found:
        raise click.ClickException(
            f"no participant matches {who!r}: give their number (copro participants list), "
            "name, phone number or Telegram chat id")
    if len(found) > 1:
        listed = "\n".join(f"  {line}" for line in await people.describe_each(s, found))
        raise click.ClickException(
            f"{len(found)} participants match {who!r}; give the number of the one you mean:\n{listed}")
    return found[0]


async def deciding(s: Tx, state: State) -> tuple[Participant | None, str]:
    """Who is at the command line, for the audit trail and the finance export: the person
    ``--by WHO`` names, else the one coordinator or admin whose name is the login name, else
    no one, written as "LOGIN (command line)". With the name to record."""
    if state.by is not None:
        person = await one_participant(s, state.by, state.config.twilio.default_region)
        return person, person.full_name or f"participant {person.id}"
    login = login_name()
    staff = {pid for _, pid, role in await groups.all_memberships(s) if role in STAFF}
    found = [p for p in await people.find(s, login) if p.admin or p.id in staff] if login else []
    if len(found) == 1:
        return found[0], found[0].full_name or f"participant {found[0].id}"
    return None, f"{login or 'someone'} (command line)"


async def actor(s: Tx, state: State) -> str:
    """``deciding`` as the audit trail writes an actor: "participant:3", or "ann (command line)"."""
    person, name = await deciding(s, state)
    return f"participant:{person.id}" if person is not None else name


def login_name() -> str:
    """The operating system's name for whoever runs the command; "" if it has none."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return ""


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
