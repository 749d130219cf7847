"""What became of the messages copro sent about one thing (an alert, a message to one person):
delivered (and read, where the provider says), sent (the provider took it; no report yet),
waiting (until when) or failed (why).

Said the same way wherever copro reports sending, so that "sent" is never said of a message
still waiting for someone's contact hours, or of one that failed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from storage import messages
from storage.db import Tx


@dataclass(frozen=True)
class Fate:
    delivered: int = 0
    sent: int = 0  # the provider has it; no delivery report (yet)
    waiting: int = 0
    until: datetime | None = None  # the last of those waiting is held until then
    failed: dict[str, int] = field(default_factory=dict)  # why: how many
    read: int = 0  # of those delivered, read (where the provider says: WhatsApp)

    @property
    def reached(self) -> int:
        return self.delivered + self.sent

    def words(self) -> str:
        """``1 delivered, 2 waiting (until 2026-12-02 08:00 UTC), 1 failed (opted out)``."""
        said = [f"{self.delivered} delivered" + (f" ({self.read} read)" if self.read else "")]
        if self.sent:
            said.append(f"{self.sent} sent (no delivery report yet)")
        if self.waiting:
            said.append(f"{self.waiting} waiting" + (
                f" (until {self.until.astimezone(UTC):%Y-%m-%d %H:%M} UTC)" if self.until else " to go"))
        if self.failed:
            why = "; ".join(f"{reason}" + (f" x{n}" if n > 1 else "")
                            for reason, n in sorted(self.failed.items()))
            said.append(f"{sum(self.failed.values())} failed ({why})")
        return ", ".join(said)


async def fate(s: Tx, topic: str) -> Fate:
    """What became of the messages about ``topic``."""
    delivered = sent = waiting = 0
    until: datetime | None = None
    failed: dict[str, int] = {}
    for status, error, held_until, n in await messages.fates(s, topic):
        if status == "delivered":
            delivered += n
        elif status == "sent":
            sent += n
        elif status == "failed":
            reason = (error or "no reason given").removeprefix("not sent: ")
            failed[reason] = failed.get(reason, 0) + n
        elif status in messages.WAITING:
            waiting += n
            if status == "held" and held_until is not None:
                until = held_until if until is None else max(until, held_until)
    return Fate(delivered, sent, waiting, until, failed, await messages.read_about(s, topic))
