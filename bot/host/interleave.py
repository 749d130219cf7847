"""Short items and the conversation open: beside it, in front of it, or straight after it.

A person's messages answer one conversation, their ``active`` session. A short item
(a poll, a meeting's RSVP) need not wait behind it. Which way it goes is decided in
``bot.features.outreach``, and ``bot.host.starts.start_short`` starts it:

- **beside**: where an answer carries what it answers (Telegram's buttons and its own
  polls name their message), the item starts ``aside``: it is sent at once, and a tap is
  taken to its session (``answer_aside``), never to the conversation open. Should it come
  to a question that must be typed, it moves in front (``status_after``), and once the
  conversation ends it is the one open. A typed reply that only the item takes as an
  answer ("yes" while a check-in waits for a number) answers the item; one both would
  take is not guessed: the person is asked which (``typed_for``).
- **in front**: where answers are typed (SMS), a conversation the person has left alone
  for ``scheduler.idle_after`` is ``parked`` (without its nudge) and the item asked. When
  the item ends, the parked conversation comes back (``come_back``): its question asked
  again after "Now, back to your weekly check-in.", its nudge and end as before.
- **after**: someone answering now is not interrupted. The item waits (its job's note
  starts ``BUSY``) and is brought forward the moment their conversation ends. So is a
  long item (a check-in) that waited. A phone call asks one thing at a time: by call,
  a short item waits too.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import datetime
from typing import Literal

from bot.engine.definition import Flow, text_for
from bot.engine.events import Expired, Resume, Returned, SendText, Waiting
from bot.engine.runner import Outcome
from bot.host.replies import ReplyTo
from bot.language import texts
from storage import jobs, messages, sessions
from storage.db import Tx
from storage.models import FlowSession, Participant

# The note of a job put off because its person is in the middle of a conversation.
BUSY = "waiting: in the middle of"
# The topic of the message asking which question a typed reply answers.
WHICH = "which-question"

Resumer = Callable[[Tx, Participant, FlowSession, Resume, ReplyTo], Awaitable[None]]


def typed(outcome: Outcome) -> bool:
    """Whether ``outcome`` waits at a question answered by typing (one without choices)."""
    waits = any(isinstance(e, Waiting) for e in outcome.events)
    asked = [e for e in outcome.events if isinstance(e, SendText) and e.kind == "ask"]
    return waits and bool(asked) and not asked[-1].options


def status_after(was: str, outcome: Outcome) -> str:
    """The status a session has after ``outcome``: one aside stays aside while its questions
    have choices to tap; one that comes to a typed question is ``active`` (in front)."""
    if was == "aside" and outcome.session.status == "active" and not typed(outcome):
        return "aside"
    return outcome.session.status


async def to_front(s: Tx, person_id: int, now: datetime) -> FlowSession | None:
    """Make room in front for a short item: the conversation open, if any, is parked (and
    returned)."""
    current = await sessions.active_session(s, person_id)
    if current is not None:
        await sessions.park(s, current, now=now)
    return current


async def answer_aside(
    s: Tx, person: Participant, message_id: int, resume: Callable[[FlowSession], Awaitable[None]]
) -> bool:
    """A tap under outbox message ``message_id``: if that message belongs to a short item of
    the person's set aside, it answers that item (``resume``); False otherwise."""
    tapped = await messages.get(s, message_id)
    if tapped is None or tapped.participant_id != person.id or tapped.session_id is None:
        return False
    row = await sessions.get(s, tapped.session_id)
    if row is None or row.status != "aside":
        return False
    await resume(row)
    return True


async def typed_for(
    s: Tx, person: Participant, active: FlowSession,
    accepts: Callable[[FlowSession], Awaitable[bool]],
) -> FlowSession | Literal["ask"] | None:
    """Where a typed reply goes while a short item is beside the conversation ``active``: the
    item, if only it takes the reply as an answer ("yes" while a check-in waits for a
    number); ``ask``, if both would (which one is meant is asked, not guessed), unless the
    person was asked that already and sent it again; None: the conversation open, as ever."""
    aside = await sessions.aside_session(s, person.id)
    if aside is None or not await accepts(aside):
        return None
    if not await accepts(active):
        return aside
    if await messages.last_topic_to(s, person.id) == WHICH:
        return None  # sent again after being asked: for the conversation open
    return "ask"


async def come_back(
    s: Tx, person: Participant, to: ReplyTo, ended: int, flow_of: Callable[[FlowSession],
    Awaitable[Flow | None]], resume: Resumer, render: Callable[..., str], now: datetime,
) -> None:
    """The conversation in front (session ``ended``) is over: short items waiting for it are
    due now, and a conversation parked for it is asked again, in the person's language."""
    await jobs.bring_forward(s, participant_id=person.id, note_prefix=BUSY, at=now)
    if await sessions.active_session(s, person.id) is not None:
        return
    parked = await sessions.parked_session(s, person.id)
    if parked is None:
        aside = await sessions.aside_session(s, person.id)
        if aside is not None:  # the item beside is all that is open: typed replies answer it
            await sessions.bring_to_front(s, aside, now=now)
        return
    back = replace(to, key=f"back:{parked.id}:{ended}")
    if parked.expires_at is not None and parked.expires_at <= now:
        await resume(s, person, parked, Expired(), back)  # its time ran out while set aside
        return
    flow = await flow_of(parked)
    title = text_for(flow.title, person.language) if flow is not None else ""
    if person.language != "cy":
        title = title[:1].lower() + title[1:]
    lead = render(person, texts.BACK_TO, {"title": title}) if title else ""
    await resume(s, person, parked, Returned(lead), back)
