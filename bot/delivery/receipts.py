"""Delivery reports: what a provider says later about a message it accepted.

A channel turns its provider's report into a ``Receipt`` in copro's words (the
outbox's statuses ``sent``, ``delivered`` or ``failed``, and whether the address
itself can no longer be used), and ``record`` keeps it on the outbox message. A
report for a message copro does not know changes nothing. A report that the
message did not reach the person yet (a phone call busy or not answered) carries
``again_at``: the messages go back in the queue until they have been sent
``tries`` times.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.core.clock import utcnow
from bot.delivery import fallback
from bot.delivery.channel import AddressStatus
from storage import messages, participants
from storage.db import Database


@dataclass(frozen=True)
class Receipt:
    """``status`` of the message the provider knows as ``provider_id``; ``error`` why it failed;
    ``address_status`` set when the address cannot be used again (STOP at the carrier);
    ``fall_back`` when the failed message may reach the person by SMS instead."""

    channel: str
    provider_id: str
    status: str
    error: str | None = None
    address_status: AddressStatus | None = None
    fall_back: bool = False
    again_at: datetime | None = None
    tries: int = 1


async def record(db: Database, receipt: Receipt) -> bool:
    """Keep ``receipt`` on its message; False if no message of copro's has that provider id.

    Raises if the database cannot be reached: the provider should send the report again.
    """
    async with db.transaction() as s:
        if receipt.again_at is not None:
            return bool(await messages.not_reached(
                s, receipt.channel, receipt.provider_id, retry_at=receipt.again_at,
                tries=receipt.tries, error=receipt.error or receipt.status, at=utcnow()))
        found = await messages.set_delivery(s, receipt.channel, receipt.provider_id, receipt.status,
                                            error=receipt.error, at=utcnow())
        if found is not None and receipt.address_status is not None:
            await participants.set_address_status(s, receipt.channel, found.address,
                                                  receipt.address_status)
        if found is not None and receipt.fall_back:
            await fallback.by_sms(s, found, receipt.error or "WhatsApp could not deliver it",
                                  at=utcnow())
    return found is not None
