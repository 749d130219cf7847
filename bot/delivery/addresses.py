"""What the channels need to know of the addresses copro keeps: whether a chat that was
unreachable works again, which chats are coordinators' (for their commands menu), and
whether an update was handled before."""

from __future__ import annotations

from datetime import datetime

from bot.core.config import GroupConfig
from storage import groups, participants, updates
from storage.db import Database


async def reachable_again(db: Database, channel: str, address: str) -> bool:
    """Someone marked unreachable (they had blocked the bot) writes again: their address works
    again. True if it was marked unreachable."""
    async with db.reading() as s:  # nearly always "no": no need to wait for the writer
        if await participants.address_status(s, channel, address) != "unreachable":
            return False
    async with db.transaction() as s:
        return await participants.reachable_again(s, channel, address)


async def staff(db: Database, channel: str) -> list[str]:
    """The ``channel`` addresses of everyone who coordinates a group, or is an admin."""
    async with db.reading() as s:
        return await groups.staff_addresses(s, channel)


async def first_time(db: Database, channel: str, update_id: int, *, at: datetime) -> bool:
    """Whether update ``update_id`` is new (it is noted as handled); False if it came before."""
    async with db.transaction() as s:
        return await updates.first_time(s, channel, update_id, at=at)


async def known_as(db: Database, channel: str, address: str, username: str | None) -> bool:
    """Keep the username ``address`` goes by on ``channel`` (Telegram's @name, without the @);
    False if no one has that address yet."""
    async with db.transaction() as s:
        return await participants.set_username(s, channel, address, username)


async def with_menu(db: Database, channel: str) -> set[str]:
    """The ``channel`` addresses recorded as having the coordinators' menu."""
    async with db.reading() as s:
        return await participants.with_menu(s, channel)


async def menu_given(db: Database, channel: str, address: str, given: bool) -> None:
    """Record that ``address`` was given the coordinators' menu, or had it taken away."""
    async with db.transaction() as s:
        await participants.set_menu(s, channel, address, given)


async def group_name(db: Database, words: GroupConfig, channel: str, address: str, language: str) -> str:
    """The name of the group of whoever ``address`` is, in ``language`` (their first group's,
    else the service's [group] name)."""
    async with db.reading() as s:
        person = await participants.find_by_address(s, channel, address)
        theirs = await groups.speaking_for(s, [person.id]) if person is not None else {}
    return words.words(language, theirs.get(person.id) if person is not None else None)[0]
