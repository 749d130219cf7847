"""The plain notice of a flow's ``notify``: a message to the group's coordinators
(or its safeguarding leads), when no feature handles that target itself."""

from __future__ import annotations

import logging
from datetime import datetime

from bot.engine.events import Notify
from bot.host.replies import preferred_address
from storage import audit, groups, messages
from storage.db import Tx
from storage.models import FlowSession, Participant

log = logging.getLogger(__name__)


async def notify_staff(
    s: Tx, person: Participant, row: FlowSession, event: Notify, *, at: datetime
) -> None:
    """Tell the staff of the person's groups, and keep a record of who was told."""
    group_ids = [g.id for g in await groups.groups_of(s, person.id)]
    roles = ["safeguarding", "coordinator"] if event.who == "safeguarding" else ["coordinator"]
    staff = await groups.people_with_role(s, group_ids, roles[:1])
    if not staff and len(roles) > 1:
        staff = await groups.people_with_role(s, group_ids, roles[1:])
    await audit.record(
        s, kind="notify", actor="copro", participant_id=person.id,
        details={"who": event.who, "reason": event.reason, "flow": row.flow_id,
                 "step": event.step, "text": event.text,
                 "recipients": [p.id for p in staff]},
        at=at,
    )
    for member in staff:
        if member.id == person.id:
            continue
        address = await preferred_address(s, member.id)
        if address is None:
            continue
        await messages.queue_outbound(
            s, participant_id=member.id, session_id=None, channel=address[0],
            address=address[1], body=event.text, options=[],
            idempotency_key=f"notify:{row.id}:{event.step}:{event.reason}:{member.id}",
            at=at, quiet=True,  # not urgent: safeguarding alerts have their own way
        )
    if not staff:
        log.warning("no one to notify for participant %s (%s)", person.id, event.reason)
