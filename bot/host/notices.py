"""A flow's ``notify``: the plain notice to the group's coordinators (or its
safeguarding leads) when no feature handles that target itself, and what copro
does when a notice reached no one able to act.

Whoever handles a notice says how many people able to act it reached (the
notice queued to them): the host tells the participant a person will be in
touch only then. Otherwise the failure is raised loudly to whoever can fix it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from bot.engine.events import Notify
from bot.engine.model import Text
from bot.host.replies import staff_address
from bot.language import texts
from storage import audit, groups, messages, participants
from storage.db import Tx
from storage.models import FlowSession, Participant

log = logging.getLogger(__name__)

Render = Callable[[Participant, Text, dict[str, object]], str]


def roles_for(who: str) -> list[str]:
    """The roles a ``notify: who`` goes to, first choice first."""
    return ["safeguarding", "coordinator"] if who == "safeguarding" else ["coordinator"]


async def notify_staff(
    s: Tx, person: Participant, row: FlowSession, event: Notify, *, at: datetime
) -> int:
    """Tell the staff of the person's groups; how many the notice was queued to."""
    group_ids = [g.id for g in await groups.groups_of(s, person.id)]
    roles = roles_for(event.who)
    staff = await groups.people_with_role(s, group_ids, roles[:1])
    if not staff and len(roles) > 1:
        staff = await groups.people_with_role(s, group_ids, roles[1:])
    reached = []
    for member in staff:
        if member.id == person.id:
            continue
        address = await staff_address(s, member)
        if address is None:
            continue
        await messages.queue_outbound(
            s, participant_id=member.id, session_id=None, channel=address[0],
            address=address[1], body=event.text, options=[],
            idempotency_key=f"notify:{row.id}:{event.step}:{event.reason}:{member.id}",
            at=at, quiet=True,  # not urgent: safeguarding alerts have their own way
        )
        reached.append(member.id)
    await audit.record(
        s, kind="notify", actor="copro", participant_id=person.id,
        details={"who": event.who, "reason": event.reason, "flow": row.flow_id,
                 "step": event.step, "text": event.text,
                 "recipients": [p.id for p in staff], "reached": reached},
        at=at,
    )
    return len(reached)


async def unheard(
    s: Tx, person: Participant, row: FlowSession, event: Notify, render: Render,
    *, at: datetime,
) -> list[int]:
    """A notice reached no one able to act: say so loudly; the admins told.

    An ERROR line (ids only), an audit record, and a message to every admin who
    can be reached (at once for a safeguarding notice, else in contact hours).
    """
    log.error("a %s notice reached no one able to act: participant %s, flow %s, step %s, "
              "reason %s", event.who, person.id, row.flow_id, event.step, event.reason)
    notice = {"who": event.who, "participant": person.id, "flow": row.flow_id,
              "step": event.step, "roles": " or ".join(roles_for(event.who)),
              "text": event.text}
    told = []
    for admin in await participants.admins(s):
        if admin.id == person.id:
            continue
        address = await staff_address(s, admin)
        if address is None:
            continue
        await messages.queue_outbound(
            s, participant_id=admin.id, session_id=None, channel=address[0],
            address=address[1], body=render(admin, texts.NOTICE_UNHEARD, {"notice": notice}),
            options=[], idempotency_key=f"unheard:{row.id}:{event.step}:{event.reason}:{admin.id}",
            at=at, quiet=event.who != "safeguarding",
        )
        told.append(admin.id)
    await audit.record(
        s, kind="notify_unheard", actor="copro", participant_id=person.id,
        details={"who": event.who, "reason": event.reason, "flow": row.flow_id,
                 "step": event.step, "admins_told": told},
        at=at,
    )
    if not told:
        log.error("no admin can be reached either: participant %s, flow %s", person.id,
                  row.flow_id)
    return told
