"""Groups of people who already said yes, a clock that moves only when told, and their inboxes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta

from storage import groups, messages, participants
from storage.db import Database
from storage.models import Group, Message
from tests import records


class Clock:
    """Now, as the test says; ``advance`` and ``set`` move it."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def set(self, now: datetime) -> datetime:
        self.now = now
        return now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now


@dataclass(frozen=True)
class Member:
    id: int
    channel: str
    address: str


async def group(db: Database, name: str = "Riverside Voices") -> Group:
    async with db.transaction() as s:
        return await groups.create_group(s, name)


# Contact hours that hold at any time of day: for tests that run copro on the real clock and
# expect a message to go at once, whatever the hour they run.
ANY_HOUR = (time(0, 0), time(23, 59))


async def member(
    db: Database,
    group: Group,
    address: str,
    *,
    name: str = "Ann",
    language: str = "en",
    role: str = "member",
    channel: str = "sms",
    hours: tuple[time, time] = (time(8), time(21)),
    timezone: str = "Europe/London",
    consented: bool = True,
) -> Member:
    """Someone who went through the welcome (or not: ``consented=False``) and joined ``group``."""
    async with db.transaction() as s:
        person = await participants.create(
            s, channel=channel, address=address, language=language, name=name,
            timezone=timezone, contact_start=hours[0], contact_end=hours[1],
        )
        if consented:
            await participants.record_consent(s, person, datetime(2026, 1, 1, tzinfo=UTC))
        await groups.add_member(s, group, person, role)
        return Member(person.id, channel, address)


async def outbox(db: Database, address: str, *, statuses: tuple[str, ...] = ("queued",)) -> list[Message]:
    """What is waiting to go to ``address`` (or in ``statuses``), oldest first."""
    async with db.transaction() as s:
        return [
            m for m in await records.messages_of_address(s, address)
            if m.direction == "out" and m.status in statuses
        ]


async def deliver(db: Database, address: str, at: datetime) -> list[str]:
    """Mark what is queued for ``address`` as sent, as a phone would receive it; returns the bodies."""
    async with db.transaction() as s:
        sent = []
        for m in await records.messages_of_address(s, address):
            if m.direction == "out" and m.status == "queued":
                await messages.mark_sent(s, m, provider_id=None, at=at)
                sent.append(m.body or "")
        return sent
