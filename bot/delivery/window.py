"""WhatsApp's 24-hour window: what may go free-form, and what must wait for a template.

WhatsApp lets copro write freely only within 24 hours of the person's last
message (copro keeps a little margin). A message due outside it waits, and an
approved template for its purpose, in the person's language, goes first to
open the conversation ("Hello Ann, it's time for your weekly check-in. Reply
to start"). When the person answers, what waited follows free-form (see
``Conversations.receive``). Someone who has never agreed to messages is first
sent the opt-in template. With no template for the purpose in their language,
the message goes by SMS instead if it can (``bot.delivery.fallback``), and fails
saying why if not; so does a safeguarding message, which never waits. What
waits longer than a week for an answer is failed, saying so.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from bot.core.config import Config
from bot.core.whatsapp import WINDOW, Template
from bot.delivery import fallback
from storage import groups, messages, participants, windows
from storage.db import Tx
from storage.models import Group, Message, Participant

CHANNEL = "whatsapp"
MARGIN = timedelta(minutes=10)  # a message in the window's last minutes may arrive after it
WAIT = timedelta(days=7)  # how long messages wait for an answer to the opening template
LANGUAGE_NAMES = {"en": "English", "cy": "Welsh"}
TOPICS = {"checkin": "checkin", "meeting": "meeting", "poll": "poll", "broadcast": "broadcast"}
SOMEONE = {"en": "there", "cy": "chi"}  # "Hello there" for someone whose name copro lacks


def is_open(last_inbound: datetime | None, now: datetime) -> bool:
    return last_inbound is not None and now < last_inbound + WINDOW - MARGIN


def purpose_of(row: Message, person: Participant | None) -> str:
    """Why copro writes: what the template that opens the conversation is for."""
    if person is None or person.consent_at is None:
        return "optin"
    if (row.idempotency_key or "").startswith("timer:"):
        return "nudge"
    return TOPICS.get((row.topic or "").split(":")[0], "message")


async def screen(s: Tx, config: Config, rows: list[Message], now: datetime) -> list[Message]:
    """The WhatsApp messages in ``rows`` that may go now; the others wait or fall back."""
    if not rows:
        return rows
    last = await windows.last_inbound(s, CHANNEL, sorted({r.address for r in rows}))
    people = await participants.get_many(s, sorted({r.participant_id for r in rows
                                                    if r.participant_id}))
    going = []
    for row in rows:
        if is_open(last.get(row.address), now) or row.topic == windows.OPENER_TOPIC:
            going.append(row)
            continue
        person = people.get(row.participant_id or 0)
        purpose = purpose_of(row, person)
        language = person.language if person else config.language
        template = config.whatsapp.template(purpose, language)
        if template is None or row.priority == messages.URGENT:
            why = ("WhatsApp's 24-hour window is shut and a safeguarding message cannot wait"
                   if template is not None else
                   f"WhatsApp's 24-hour window is shut and there is no '{purpose}' template in "
                   f"{LANGUAGE_NAMES.get(language, language)}")
            if template is None or await fallback.number(s, row.participant_id) is not None:
                await fallback.by_sms(s, row, why, at=now)
                continue
            # A safeguarding message to someone with no number for texts: open the conversation.
        if now >= row.created_at + WAIT:
            await messages.mark_failed(s, row, at=now, error=(
                "not sent: they did not answer the WhatsApp template that opened the "
                "conversation within a week"))
            continue
        since = max(last.get(row.address, now - WAIT), now - WAIT)
        if not await windows.opened_since(s, CHANNEL, row.address, since):
            theirs = await groups.speaking_for(s, [person.id] if person else [],
                                               await groups.group_of_topic(s, row.topic))
            await messages.queue_many(s, [opener(config, row, person, purpose, template,
                                                 theirs.get(row.participant_id or 0))], at=now)
        await messages.hold(s, row, until=row.created_at + WAIT, reason=windows.WAITING_FOR_ANSWER,
                            at=now)
    return going


def opener(config: Config, row: Message, person: Participant | None, purpose: str,
           template: Template, group: Group | None = None) -> dict[str, Any]:
    """The outbox row of the template that opens a conversation for ``row``, in the words of
    the person's ``group`` (``groups.speaking_for``)."""
    language = person.language if person else config.language
    group_name, coordinator = config.group.words(language, group)
    values = {"name": (person.known_as if person else None) or SOMEONE.get(language, "there"),
              "group": group_name, "coordinator": coordinator}
    variables = {n: values[what] for n, what in sorted(template.variables.items())}
    return {
        "participant_id": row.participant_id, "channel": CHANNEL, "address": row.address,
        "body": f"WhatsApp template '{purpose}' ({language}): {template.content_sid}",
        "display": {"template": {"content_sid": template.content_sid, "variables": variables,
                                 "purpose": purpose}},
        "idempotency_key": f"whatsapp:open:{row.id}", "quiet": row.quiet,
        "topic": windows.OPENER_TOPIC, "priority": row.priority,
    }
