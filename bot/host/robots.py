"""Telling a robot from a person: another system's auto-replies, answered by copro's,
would go back and forth for ever."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from bot.core.logs import mask
from storage import audit, messages
from storage.db import Tx
from storage.models import Participant

log = logging.getLogger(__name__)

FLOOD_WINDOW = timedelta(minutes=1)
FLOOD_QUIET = timedelta(hours=1)


async def flooding(
    s: Tx, person: Participant, channel: str, address: str, *, limit: int | None, now: datetime
) -> bool:
    """Whether ``address`` sends more than ``limit`` messages a minute, as another robot's
    auto-replies do: its messages are kept, but not answered, for an hour."""
    if limit is None:
        return False
    # Someone noticed within the hour sent more than the limit within the hour and a minute:
    # one look at that settles it for everyone else (nearly everyone).
    lately = await messages.received_since(s, channel=channel, address=address,
                                           since=now - FLOOD_QUIET - FLOOD_WINDOW)
    if lately <= limit:
        return False
    recent = await messages.received_since(s, channel=channel, address=address,
                                           since=now - FLOOD_WINDOW)
    noticed = await audit.last_at(s, kind="robot_suspected", participant_id=person.id)
    if recent <= limit:
        return noticed is not None and now - noticed <= FLOOD_QUIET
    if noticed is None or now - noticed > FLOOD_QUIET:
        await audit.record(s, kind="robot_suspected", actor="copro", participant_id=person.id,
                           details={"in_a_minute": recent}, at=now)
        log.warning("%s: %s sent %d messages in a minute, like an automatic reply; copro keeps "
                    "them but stops answering for an hour", channel, mask(address), recent)
    return True
