"""When WhatsApp cannot take a message, sending it by SMS instead, and saying why.

A message goes by SMS instead only to someone who agreed to messages from copro
and has a number that takes texts (an SMS address that works). The WhatsApp
message is failed with the reason, and the reason says where it went instead, so
a coordinator looking at it knows what the person got.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from storage import messages, participants, windows
from storage.db import Tx
from storage.models import Message

SMS = "sms"


async def by_sms(s: Tx, row: Message, why: str, *, at: datetime) -> bool:
    """Fail WhatsApp message ``row`` because ``why``, and send what it carried by SMS if the
    person can take texts. A template that opened a conversation carried the messages waiting
    behind it: they go by SMS instead. True if anything was queued by SMS."""
    carried = await windows.waiting(s, row.channel, row.address) if _opener(row) else [row]
    texts_to = await number(s, row.participant_id)
    rows: list[dict[str, Any]] = []
    for message in carried:
        if texts_to is None:
            error = f"not sent: {why}, and they have no number for texts to send it to instead"
        else:
            error = f"sent by SMS instead: {why}"
            rows.append(_copy(message, texts_to))
        await messages.mark_failed(s, message, error=error, at=at)
    if _opener(row):
        await messages.mark_failed(s, row, error=f"not sent: {why}", at=at)
    return bool(rows) and await messages.queue_many(s, rows, at=at) > 0


def _opener(row: Message) -> bool:
    return row.topic == windows.OPENER_TOPIC


async def number(s: Tx, participant_id: int | None) -> str | None:
    """The person's number for texts, if they agreed to messages and it works."""
    person = await participants.get(s, participant_id) if participant_id else None
    if person is None or person.status != "active" or person.consent_at is None:
        return None
    found = [a for a in await participants.addresses_of(s, person.id)
             if a.channel == SMS and a.status == "ok"]
    return found[0].address if found else None


def _copy(row: Message, number: str) -> dict[str, Any]:
    return {
        "participant_id": row.participant_id, "session_id": row.session_id, "channel": SMS,
        "address": number, "body": row.body, "options": list(row.options or ()),
        "media": list(row.media or ()), "kind": row.kind, "display": dict(row.display or {}),
        "idempotency_key": f"{row.idempotency_key or f'message:{row.id}'}:sms",
        "quiet": row.quiet, "topic": row.topic, "priority": row.priority,
    }
