"""Safeguarding alerts: an answer that may mean someone is at risk reaches a person at once.

A flow's ``notify: safeguarding`` (the weekly check-in's risk words) becomes an
alert: kept in the database, sent straight away to the group's safeguarding
leads (or, without any, its coordinators) on their own channel, day or night,
saying who, what they wrote, when, and how to reach them. It asks to be
acknowledged (a button, "ACK 12" by text, or ``copro alerts ack 12``); until it
is, it is sent again every ``safeguarding.repeat_after``, to the coordinators
too, at most ``safeguarding.max_repeats`` times. copro never does anything else
about it by itself: people decide what happens next.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from bot.core.clock import utcnow
from bot.core.config import Config
from bot.core.quiet import zone
from bot.core.scheduler import Done, JobOutcome, Scheduler, Skipped
from bot.engine.definition import text_for
from bot.engine.events import Notify
from bot.host.conversations import Conversations, Say
from bot.language import texts, when
from storage import alerts, audit, groups, jobs, messages, participants
from storage.db import Tx
from storage.models import Alert, FlowSession, Job, Participant

log = logging.getLogger(__name__)

REPEAT = "alert-repeat"
TYPED_ACK = re.compile(r"^\s*ack(?:nowledge)?\s*#?\s*(\d{1,9})\s*[.!]?\s*$", re.IGNORECASE)
LEADS = ("safeguarding",)
EVERYONE = ("safeguarding", "coordinator")


class Alerts:
    def __init__(
        self, conversations: Conversations, config: Config,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.conversations = conversations
        self.config = config
        self.clock = clock

    def register(self, scheduler: Scheduler) -> None:
        self.conversations.on_notify("safeguarding", self.raise_alert)
        self.conversations.intercept(self.typed)
        self.conversations.on_action("alert", self.tapped)
        scheduler.handle(REPEAT, self.repeat)

    # --- raising and repeating ----------------------------------------------------------

    async def raise_alert(
        self, s: Tx, person: Participant, row: FlowSession, event: Notify
    ) -> int:
        """Keep and send the alert; how many leads or coordinators it was queued to.

        With none, the host tells the participant honestly and raises the failure
        (an ERROR line, an audit record, the admins told); the alert is still kept,
        and repeats try again, in case someone is given the role meanwhile.
        """
        now = self.clock()
        group_ids = [g.id for g in await groups.groups_of(s, person.id)]
        alert = await alerts.create(
            s, participant_id=person.id, group_id=group_ids[0] if group_ids else None,
            session_id=row.id, flow_id=row.flow_id, step=event.step, reason=event.reason,
            text=event.text, at=now,
        )
        sent = await self._send(s, alert, person, 0, LEADS)
        if not sent:
            sent = await self._send(s, alert, person, 0, EVERYONE)
        await audit.record(s, kind="alert_raised", actor="copro", participant_id=person.id,
                           details={"alert": alert.id, "reason": event.reason, "sent_to": sent},
                           at=now)
        if not sent:
            log.error("safeguarding alert %s has no one to go to (participant %s)",
                      alert.id, person.id)
        if self.config.safeguarding.max_repeats:
            await self._plan_repeat(s, alert, 1, now)
        return len(sent)

    async def repeat(self, s: Tx, job: Job, now: datetime) -> JobOutcome:
        alert = await alerts.get(s, int(job.payload["alert"]))
        if alert is None or alert.acknowledged_at is not None:
            return Skipped("acknowledged")
        person = await participants.get(s, alert.participant_id) if alert.participant_id else None
        count = int(job.payload["repeat"])
        sent = await self._send(s, alert, person, count, EVERYONE)
        if count < self.config.safeguarding.max_repeats:
            await self._plan_repeat(s, alert, count + 1, now)
        return Done(f"sent to {len(sent)}")

    async def _plan_repeat(self, s: Tx, alert: Alert, count: int, now: datetime) -> None:
        await jobs.plan(
            s, kind=REPEAT, key=f"alert:{alert.id}:repeat:{count}", topic=f"alert:{alert.id}",
            due_at=now + self.config.safeguarding.repeat_after,
            payload={"alert": alert.id, "repeat": count}, at=now,
        )

    async def _send(
        self, s: Tx, alert: Alert, person: Participant | None, repeat: int,
        roles: Sequence[str],
    ) -> list[int]:
        """Send ``alert`` to staff with ``roles``; who got it. Urgent: ahead of everything
        queued, never held for contact hours or the hourly SMS cap."""
        staff = await self._staff(s, alert, roles)
        about = await self._about(s, person)
        sent = []
        for member in staff:
            local = alert.created_at.astimezone(zone(member.timezone, self.config.timezone))
            scope = {
                "alert": {"id": alert.id, "text": alert.text, "when": when.spoken(local, member.language)},
                "person": about, "repeat": repeat,
            }
            button = {"label": text_for(texts.ALERT_BUTTON, member.language),
                      "data": f"alert:{alert.id}:ack"}
            if await self.conversations.say_in(
                s, member, texts.ALERT, key=f"alert:{alert.id}:{repeat}:{member.id}", scope=scope,
                quiet=False, topic=f"alert:{alert.id}", display={"buttons": [button]},
                priority=messages.URGENT, staff=True,
            ):
                sent.append(member.id)
        await alerts.count_sending(s, alert)
        return sent

    async def _staff(self, s: Tx, alert: Alert, roles: Sequence[str]) -> list[Participant]:
        group_ids = ([g.id for g in await groups.groups_of(s, alert.participant_id)]
                     if alert.participant_id else [])
        if not group_ids and alert.group_id is not None:
            group_ids = [alert.group_id]
        return [p for p in await groups.people_with_role(s, group_ids, roles)
                if p.id != alert.participant_id]

    async def _about(self, s: Tx, person: Participant | None) -> dict[str, Any]:
        if person is None:
            return {"name": "a participant whose details were erased", "reach": "not known"}
        ways = []
        for address in await participants.addresses_of(s, person.id):
            if address.channel == "sms":
                ways.append(f"{address.address} (phone)")
            elif address.channel == "voice":
                ways.append(f"{address.address} (phone calls: they cannot text)")
            elif address.channel == "telegram":
                ways.append("Telegram, through this bot")
        return {"name": person.full_name or f"participant {person.id}",
                "reach": ", ".join(ways) or "no phone number is stored",
                "id": person.id if person.status == "active" else None}

    # --- acknowledging --------------------------------------------------------------------

    async def typed(self, s: Tx, person: Participant, text: str, say: Say) -> bool:
        """``ACK 12`` from anyone: acknowledged if they may, a polite answer if not."""
        found = TYPED_ACK.match(text)
        if found is None:
            return False
        await self.acknowledge(s, int(found[1]), person, None, say)
        return True

    async def tapped(self, s: Tx, person: Participant, args: list[str], say: Say) -> None:
        if len(args) == 2 and args[0].isdigit() and args[1] == "ack":
            await self.acknowledge(s, int(args[0]), person, None, say)

    async def acknowledge(
        self, s: Tx, alert_id: int, actor: Participant | None, note: str | None,
        say: Say | None = None, *, by: str | None = None,
    ) -> Alert | None:
        """Acknowledge alert ``alert_id`` for ``actor`` (None: from the command line, where
        ``by`` names who is at it: "ann (command line)").

        A person may acknowledge an alert they could have been sent (a safeguarding
        lead or coordinator of the person's group, or an admin). Returns the alert,
        or None if it does not exist or is not theirs to see.
        """
        alert = await alerts.get(s, alert_id)
        if alert is None or (actor is not None and not await self._may_see(s, actor, alert)):
            if say is not None:
                await say(texts.ALERT_UNKNOWN, {"number": alert_id})
            return None
        person = await participants.get(s, alert.participant_id) if alert.participant_id else None
        about = await self._about(s, person)
        now = self.clock()
        if not await alerts.acknowledge(s, alert, by=actor.id if actor else None, note=note, at=now):
            if say is not None:
                taker = await participants.get(s, alert.acknowledged_by) if alert.acknowledged_by else None
                await say(texts.ALERT_TAKEN, {"alert": {"id": alert.id}, "person": about,
                                              "by": _name(taker)})
            return alert
        await jobs.cancel(s, topic=f"alert:{alert.id}", kinds=[REPEAT], at=now,
                          note="acknowledged")
        named = by if actor is None and by else _name(actor)
        await audit.record(s, kind="alert_acknowledged", actor=named,
                           participant_id=alert.participant_id,
                           details={"alert": alert.id, "by": actor.id if actor else None,
                                    "note": note}, at=now)
        if say is not None:
            await say(texts.ALERT_ACKNOWLEDGED, {"alert": {"id": alert.id}, "person": about})
        for member in await self._staff(s, alert, EVERYONE):
            if actor is None or member.id != actor.id:
                await self.conversations.say_in(
                    s, member, texts.ALERT_TAKEN, key=f"alert:{alert.id}:taken:{member.id}",
                    scope={"alert": {"id": alert.id}, "person": about, "by": named},
                    quiet=False, topic=f"alert:{alert.id}", staff=True,
                )
        return alert

    async def _may_see(self, s: Tx, actor: Participant, alert: Alert) -> bool:
        if actor.admin:
            return True
        return any(p.id == actor.id for p in await self._staff(s, alert, EVERYONE))


def _name(person: Participant | None) -> str:
    if person is None:
        return "a coordinator (from the command line)"
    return person.full_name or f"participant {person.id}"
