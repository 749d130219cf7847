"""Every text read for risk, whatever it answers: an urgent one raises a safeguarding
alert and gets the crisis numbers, while the conversation under way carries on.

A question whose flow acts on risk itself (the weekly check-in's note, whose ``next``
tests ``is risky``) is left to its flow; only if that flow raised nothing for the text
does the host raise the alert, so one text never makes two.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import datetime, timedelta

from bot.answers.risk import assess
from bot.engine.events import Notify
from bot.host.definitions import Definitions
from bot.host.hooks import Hooks
from bot.host.notices import notify_staff
from bot.host.replies import Outbox, ReplyTo
from bot.host.robots import skeleton
from bot.language import texts
from storage import audit, messages
from storage.db import Tx
from storage.models import FlowSession, Participant

log = logging.getLogger(__name__)

REASON = "message-risk"
RISK_TEST = "is risky"  # a branch that tests it: the step's flow acts on risk itself
# What a flow's safeguarding notify leaves behind (with the alerts feature, or without it).
RAISED = ("alert_raised", "notify")
AGAIN = timedelta(hours=1)  # the same words again within this raise no second alert


class Screening:
    def __init__(
        self, hooks: Hooks, outbox: Outbox, definitions: Definitions,
        clock: Callable[[], datetime],
    ) -> None:
        self.hooks = hooks
        self.outbox = outbox
        self.definitions = definitions
        self.clock = clock

    @staticmethod
    def urgent(person: Participant, text: str) -> bool:
        """Whether ``text`` may mean ``person`` is at risk now."""
        return assess(text, person.language).urgent

    async def left_to_flow(self, s: Tx, row: FlowSession | None) -> bool:
        """Whether the question ``row`` waits on is one whose flow acts on risk itself."""
        if row is None or row.step is None:
            return False
        flow = await self.definitions.flow_of(s, row)
        if flow is None:
            return False
        try:
            step = flow.step(row.step)
        except KeyError:
            return False
        branches = step.next if isinstance(step.next, list) else []
        return any(b.when is not None and RISK_TEST in b.when for b in branches)

    async def raised(self, s: Tx, person: Participant) -> int:
        """How many safeguarding notices about ``person`` were ever raised (to tell, after a
        flow ran, whether it raised one)."""
        return await audit.count(s, kinds=RAISED, participant_id=person.id)

    async def respond(
        self, s: Tx, person: Participant, to: ReplyTo, text: str, row: FlowSession | None,
        *, answer: bool = True,
    ) -> None:
        """Raise a safeguarding alert about ``text`` and answer with the crisis numbers
        (``answer`` False: nothing goes back, for someone who opted out).

        The same words again within the hour (a robot's repeats, or someone sending it
        twice) get the crisis numbers again, but raise no second alert."""
        now = self.clock()
        same = hashlib.sha256(skeleton(text).encode()).hexdigest()[:16]  # not the words themselves
        again = any(
            e.details.get("same") == same
            for e in await audit.about_since(s, kind="message_risk", participant_id=person.id,
                                             since=now - AGAIN)
        )
        reached = 0 if again else await self._raise(s, person, to, text, row)
        await audit.record(s, kind="message_risk", actor="copro", participant_id=person.id,
                           details={"reached": reached, "same": same, "again": again,
                                    "answered": answer}, at=now)
        if not answer:
            return
        to.priority = messages.URGENT  # the crisis numbers go ahead of any bulk traffic
        await self.outbox.say(s, person, to, texts.CRISIS_TOLD if reached else texts.CRISIS)

    async def _raise(
        self, s: Tx, person: Participant, to: ReplyTo, text: str, row: FlowSession | None
    ) -> int:
        """Raise the alert; how many people it reached, if the alert path says (else 0)."""
        event = Notify(
            step=(row.step if row is not None else None) or "message", who="safeguarding",
            text=self.outbox.render(person, texts.MESSAGE_RISK_ALERT,
                                    {"text": text, "opted_out": person.status == "opted_out"}),
            reason=REASON,
        )
        # Not part of a flow's session when there is none: the alert keeps no session.
        session = row if row is not None else FlowSession(flow_id="message", step="message")
        hook = self.hooks.notify("safeguarding")
        if hook is None:  # the plain notice; keyed by the message, so a second text is a second one
            await notify_staff(s, person, session, replace(event, step=f"{event.step}:{to.key}"),
                               at=self.clock())
            return 0
        outcome: Awaitable[object] = hook.callback(s, person, session, event)
        told = await outcome
        if isinstance(told, bool):
            return 0
        if isinstance(told, int):
            return told
        if isinstance(told, list | tuple):  # the people it reached
            return len(told)
        return 0
