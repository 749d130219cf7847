"""What the channels need to know of the addresses copro keeps: whether a chat that was
unreachable works again, which chats are coordinators' (for their commands menu), and
whether an update was handled before."""

from __future__ import annotations

from datetime import datetime

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
