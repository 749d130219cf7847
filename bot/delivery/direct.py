"""The outbox of a channel that shows its messages itself, in the same process, as soon as they
are queued (the console): no provider, no rate limits, no retries."""

from __future__ import annotations

from collections.abc import Callable

from bot.core.clock import utcnow
from bot.delivery.channel import Outgoing
from bot.delivery.outgoing import as_outgoing
from bot.host.conversations import Conversations
from storage import messages

LIMIT = 1000  # messages looked at in one go


class Direct:
    """Hands each queued ``channel`` message for one address to ``show``, and marks it sent."""

    def __init__(self, conversations: Conversations, channel: str) -> None:
        self.conversations = conversations
        self.channel = channel

    async def hand_out(self, address: str, show: Callable[[Outgoing], None]) -> int:
        """Show every queued message for ``address``, oldest first; returns how many."""
        async with self.conversations.db.transaction() as s:
            queued = [m for m in await messages.queued_for(s, self.channel, limit=LIMIT)
                      if m.address == address]
            for row in queued:
                show(as_outgoing(row))
                await messages.mark_sent(s, row, provider_id=None, at=utcnow())
        return len(queued)
