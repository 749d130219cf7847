"""Every message in and out; the outbox is the ``queued`` rows."""

from __future__ import annotations

import functools
from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import Integer, String, Table, Text, bindparam, case, exists, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from storage.insert import insert_many, insert_new, insert_rows, keys_in
from storage.models import Message

URGENT, NORMAL, BULK = "urgent", "normal", "bulk"  # the priorities, first to last
_MESSAGES: Table = Message.__table__  # type: ignore[assignment]


async def record_inbound(
    s: AsyncSession,
    *,
    participant_id: int | None,
    channel: str,
    address: str,
    body: str | None,
    media: Sequence[Any],
    provider_id: str | None = None,
    at: datetime,
) -> int | None:
    """Keep a message that came in; its id, or None if the provider already delivered this one.

    A provider's id (Twilio's MessageSid, a Telegram update) makes a message
    unique, so a webhook delivered twice is handled once.
    """
    row = {
        "participant_id": participant_id,
        "direction": "in",
        "channel": channel,
        "address": address,
        "body": body,
        "media": list(media),
        "options": [],
        "provider_id": provider_id,
        "status": "received",
        # No key (no provider's id) is never taken: NULLs are all different to an index.
        "idempotency_key": f"in:{channel}:{provider_id}" if provider_id else None,
        "created_at": at,
        "updated_at": at,
    }
    kept = await insert_rows(s, _MESSAGES, [row], unique_on=("idempotency_key",),
                             returning=(_MESSAGES.c.id,))
    return int(kept[0][0]) if kept else None


async def queue_outbound(
    s: AsyncSession,
    *,
    participant_id: int | None,
    session_id: int | None,
    channel: str,
    address: str,
    body: str | None,
    options: Sequence[str],
    idempotency_key: str | None,
    at: datetime,
    quiet: bool = False,
    topic: str | None = None,
    not_before: datetime | None = None,
    kind: str = "text",
    media: Sequence[str] = (),
    display: dict[str, Any] | None = None,
    priority: str = "normal",
) -> Message | None:
    """Put a message in the outbox; None (and nothing added) if ``idempotency_key`` is taken.

    ``quiet`` messages (sent on copro's own initiative) wait while the person's
    contact hours are shut; ``not_before`` holds a message until then. ``priority``
    says what goes first: ``urgent`` (safeguarding) ahead of everything and never
    held, ``bulk`` (broadcasts, polls, scheduled check-ins) after everything else.
    """
    now = at
    values: dict[str, Any] = {
        "participant_id": participant_id,
        "session_id": session_id,
        "direction": "out",
        "channel": channel,
        "address": address,
        "body": body,
        "options": list(options),
        "media": list(media),
        "kind": kind,
        "display": display or {},
        "status": "held" if not_before is not None else "queued",
        "next_attempt_at": not_before,
        "idempotency_key": idempotency_key,
        "quiet": quiet,
        "topic": topic,
        "priority": priority,
        "created_at": now,
        "updated_at": now,
    }
    if idempotency_key is None:
        message = Message(**values)
        s.add(message)
        await s.flush()
        return message
    return await insert_new(s, Message, unique_on=("idempotency_key",), **values)


async def queue_many(s: AsyncSession, rows: Sequence[dict[str, Any]], *, at: datetime) -> int:
    """Put many messages in the outbox at once (each a dict of ``queue_outbound``'s fields);
    those whose idempotency key is taken are left out. Returns how many went in.

    Many at once is a fan-out (a broadcast, a scheduled check-in for a whole group): ``bulk``
    unless a row says otherwise, so that it goes after everyone's replies."""
    defaults: dict[str, Any] = {
        "direction": "out", "media": [], "options": [], "kind": "text", "display": {},
        "status": "queued", "quiet": False, "topic": None, "session_id": None, "priority": BULK,
        "created_at": at, "updated_at": at,
    }
    return await insert_many(s, Message, [{**defaults, **row} for row in rows],
                             unique_on=("idempotency_key",))


async def used_keys(s: AsyncSession, keys: Sequence[str]) -> set[str]:
    """Which of ``keys`` a message was ever queued or kept with."""
    return {key for key in await keys_in(s, Message.idempotency_key, keys) if key is not None}


async def queued_for(
    s: AsyncSession, channel: str, *, limit: int = 100, now: datetime
) -> list[Message]:
    """Messages to send on ``channel`` now, oldest first."""
    rows = await s.scalars(
        select(Message)
        .where(
            Message.status == "queued",
            Message.channel == channel,
            or_(Message.next_attempt_at.is_(None), Message.next_attempt_at <= now),
        )
        .order_by(Message.created_at, Message.id)
        .limit(limit)
    )
    return list(rows)


async def mark_sent(
    s: AsyncSession, message: Message, *, provider_id: str | None = None, at: datetime,
    provider_ref: str | None = None, status: str = "sent", note: str | None = None,
) -> None:
    """The provider took the message; ``status`` ``delivered`` if it says so at once; ``note``
    what of it did not go, and why (kept as its ``error``)."""
    s.add(message)
    message.status = status
    message.provider_id = provider_id or message.provider_id
    message.provider_ref = provider_ref or message.provider_ref
    message.sent_at = at
    message.updated_at = at
    message.attempts += 1
    message.error = note
    message.next_attempt_at = None
    await s.flush()


async def record_sent(
    s: AsyncSession, message_id: int, *, provider_id: str | None = None, at: datetime,
    provider_ref: str | None = None, status: str = "sent", note: str | None = None,
) -> None:
    """``mark_sent`` by the message's id, in one statement without loading it (the sender's
    record of a send)."""
    await s.execute(_RECORD_SENT, {"message_id": message_id, "new_status": status,
                                   "new_provider_id": provider_id, "new_provider_ref": provider_ref,
                                   "at": at, "note": note})


_columns = _MESSAGES.c
_RECORD_SENT = (
    update(_MESSAGES)
    .where(_columns.id == bindparam("message_id"))
    .values(
        status=bindparam("new_status"),
        provider_id=func.coalesce(bindparam("new_provider_id", type_=String), _columns.provider_id),
        provider_ref=func.coalesce(bindparam("new_provider_ref", type_=String), _columns.provider_ref),
        sent_at=bindparam("at"),
        updated_at=bindparam("at"),
        attempts=_columns.attempts + 1,
        error=bindparam("note", type_=Text),
        next_attempt_at=None,
    )
)


async def mark_failed(
    s: AsyncSession,
    message: Message,
    *,
    error: str,
    retry_at: datetime | None = None,
    at: datetime,
) -> None:
    """A send failed: ``failed`` for good, or back in the queue from ``retry_at``."""
    s.add(message)
    message.attempts += 1
    message.error = error
    message.status = "queued" if retry_at is not None else "failed"
    message.next_attempt_at = retry_at
    message.updated_at = at
    await s.flush()


async def latest_in_session(s: AsyncSession, session_id: int) -> Message | None:
    """The newest message a flow session sent."""
    return await s.scalar(
        select(Message)
        .where(Message.direction == "out", Message.session_id == session_id)
        .order_by(Message.id.desc())
        .limit(1)
    )


async def sent_as(s: AsyncSession, channel: str, provider_id: str) -> Message | None:
    """The message copro sent on ``channel`` that the provider knows as ``provider_id``."""
    return await s.scalar(
        select(Message)
        .where(Message.direction == "out", Message.channel == channel,
               Message.provider_id == provider_id)
        .limit(1)
    )


async def latest_question_to(s: AsyncSession, channel: str, address: str) -> Message | None:
    """The newest message with choices a flow sent to ``address`` on ``channel``."""
    rows = await s.scalars(
        select(Message)
        .where(Message.direction == "out", Message.channel == channel, Message.address == address,
               Message.session_id.is_not(None), Message.status.in_(("sent", "delivered")))
        .order_by(Message.id.desc())
        .limit(5)
    )
    return next((m for m in rows if m.options), None)


async def readdress(s: AsyncSession, participant_id: int, channel: str, address: str) -> int:
    """Send ``participant_id``'s messages still waiting on ``channel`` to ``address``."""
    result = await s.execute(
        update(Message)
        .where(Message.participant_id == participant_id, Message.channel == channel,
               Message.direction == "out", Message.status.in_(("queued", "held")))
        .values(address=address)
    )
    return int(getattr(result, "rowcount", 0) or 0)


async def rechannel(s: AsyncSession, participant_id: int, channel: str, to_channel: str) -> int:
    """Send ``participant_id``'s messages still waiting on ``channel`` by ``to_channel``."""
    result = await s.execute(
        update(Message)
        .where(Message.participant_id == participant_id, Message.channel == channel,
               Message.direction == "out", Message.status.in_(("queued", "held")))
        .values(channel=to_channel)
    )
    return int(getattr(result, "rowcount", 0) or 0)


# --- the outbox sender ----------------------------------------------------------------

PENDING = ("queued", "sending")  # still to be sent
# The topic of the one message that may go to an address after it opted out: the answer to its STOP.
OPT_OUT_TOPIC = "opt-out"
WAITING = (*PENDING, "held")  # not sent, and not given up on
# The order the sender takes messages in: urgent first, bulk last.
_ORDER = {URGENT: 0, BULK: 2}


def _rank(m: Any) -> Any:
    return case((m.priority == URGENT, 0), (m.priority == BULK, 2), else_=1)


async def claim(
    s: AsyncSession,
    channel: str,
    *,
    now: datetime,
    lease_until: datetime,
    limit: int,
    urgent_only: bool = False,
    busy: Collection[int] = (),
) -> list[Message]:
    """Take messages that are due on ``channel`` for sending, marking them ``sending``.

    Due means queued with no wait left, held until a time now past (contact
    hours), or ``sending`` whose lease ran out (the process sending it died).
    Only the oldest pending message for each address is due, so each person gets
    their messages in order, even with several senders; a message held for
    contact hours does not hold up the ones behind it. Urgent messages come
    first, then normal ones, then bulk, each oldest first; an urgent message
    waits only for earlier urgent ones to the same address, not for a broadcast
    queued before it. On PostgreSQL, rows another sender holds are skipped, not
    waited for. ``urgent_only``: only urgent messages. ``busy``: messages the caller is
    still sending or recording, never taken again by it (one sent and put back for a retry
    a moment ago may be due before its sender has let go of it).
    """
    take = _claim_statement(s.get_bind().dialect.name == "postgresql", urgent_only)
    rows = list(await s.scalars(take, {"on_channel": channel, "at": now, "until": lease_until,
                                       "most": limit, "busy": list(busy)}))
    return sorted(rows, key=lambda m: (_ORDER.get(m.priority, 1), m.id))


@functools.cache
def _claim_statement(postgresql: bool, urgent_only: bool) -> Any:
    """The claim as one statement, built once: the due rows taken and marked ``sending``
    together (``UPDATE ... RETURNING``, which gives them in no particular order)."""
    candidate, earlier = aliased(Message), aliased(Message)
    blocked = exists().where(
        earlier.direction == "out",
        earlier.channel == candidate.channel,
        earlier.address == candidate.address,
        earlier.status.in_(PENDING),
        earlier.id < candidate.id,
        or_(candidate.priority != URGENT, earlier.priority == URGENT),
    )
    due = (
        select(candidate.id)
        .where(
            candidate.direction == "out",
            candidate.channel == bindparam("on_channel"),
            candidate.status.in_(WAITING),
            or_(candidate.next_attempt_at.is_(None), candidate.next_attempt_at <= bindparam("at")),
            candidate.id.not_in(bindparam("busy", expanding=True)),
            ~blocked,
            *([candidate.priority == URGENT] if urgent_only else []),
        )
        .order_by(_rank(candidate), candidate.id)
        .limit(bindparam("most", type_=Integer))
    )
    if postgresql:
        due = due.with_for_update(skip_locked=True, of=candidate)
    take = (
        update(_MESSAGES)
        .where(_MESSAGES.c.id.in_(due.scalar_subquery()))
        .values(status="sending", next_attempt_at=bindparam("until"),
                updated_at=bindparam("at"))
        .returning(*_MESSAGES.c)
    )
    return select(Message).from_statement(take).execution_options(populate_existing=True)


async def get(s: AsyncSession, message_id: int) -> Message | None:
    return await s.get(Message, message_id)


async def release(s: AsyncSession, message_ids: Sequence[int], *, at: datetime) -> int:
    """Put messages that were being sent back in the queue, untouched (at shutdown)."""
    if not message_ids:
        return 0
    result = await s.execute(
        update(Message)
        .where(Message.id.in_(message_ids), Message.status == "sending")
        .values(status="queued", next_attempt_at=None, updated_at=at)
    )
    return int(getattr(result, "rowcount", 0) or 0)


async def retry_later(
    s: AsyncSession, message: Message, *, error: str, retry_at: datetime, at: datetime,
    count_attempt: bool = True,
) -> None:
    """Back in the queue from ``retry_at``; a rate limit does not count as an attempt."""
    message.status = "queued"
    message.error = error
    message.next_attempt_at = retry_at
    message.updated_at = at
    if count_attempt:
        message.attempts += 1
    await s.flush()


async def hold(s: AsyncSession, message: Message, *, until: datetime, reason: str, at: datetime) -> None:
    """Keep a message back until ``until`` (contact hours), without counting an attempt."""
    message.status = "held"
    message.error = reason
    message.next_attempt_at = until
    message.updated_at = at
    await s.flush()


async def reword(s: AsyncSession, message: Message, body: str, *, at: datetime) -> None:
    """Give a message that has not gone yet its words as they are now (a summary rebuilt)."""
    message.body = body
    message.updated_at = at
    await s.flush()


async def withdraw(s: AsyncSession, *, topic: str, reason: str, at: datetime) -> int:
    """Fail every message about ``topic`` that has not gone yet (a meeting moved, say)."""
    result = await s.execute(
        update(Message)
        .where(Message.topic == topic, Message.direction == "out", Message.status.in_(("queued", "held")))
        .values(status="failed", error=reason, next_attempt_at=None, updated_at=at)
    )
    return int(getattr(result, "rowcount", 0) or 0)


async def set_delivery(
    s: AsyncSession, channel: str, provider_id: str, status: str, *, error: str | None, at: datetime
) -> Message | None:
    """A provider's delivery report for a message it accepted earlier: ``sent``, ``delivered``,
    ``failed``, or ``read`` (delivered, and read at ``at``)."""
    message = (
        await s.scalars(
            select(Message).where(
                Message.direction == "out",
                Message.channel == channel,
                Message.provider_id == provider_id,
            )
        )
    ).first()
    if message is None:
        return None
    if status == "read":  # read is delivered, and when: kept however late it comes
        message.read_at = message.read_at or at
        status = "delivered" if message.status != "failed" else "failed"
    # Reports can arrive out of order: "sent" after "delivered" changes nothing.
    if not (message.status in ("delivered", "failed") and status == "sent"):
        message.status = status
        message.error = error or message.error
        message.updated_at = at
        await s.flush()
    return message


async def not_reached(
    s: AsyncSession, channel: str, provider_id: str, *, retry_at: datetime, tries: int,
    error: str, at: datetime,
) -> int:
    """Every message the provider took as ``provider_id`` that did not reach the person (a call
    busy or not answered): back in the queue from ``retry_at``, or failed once it has been sent
    ``tries`` times. Returns how many."""
    found = (
        await s.scalars(
            select(Message).where(
                Message.direction == "out", Message.channel == channel,
                Message.provider_id == provider_id, Message.status.in_(("sending", "sent")),
            ).order_by(Message.id)
        )
    ).all()
    for message in found:
        message.error = error
        message.updated_at = at
        if message.attempts >= tries:
            message.status = "failed"
            message.next_attempt_at = None
        else:
            message.status = "queued"
            message.next_attempt_at = retry_at
            message.provider_id = None
    await s.flush()
    return len(found)


async def cancel_pending(s: AsyncSession, participant_id: int, *, reason: str, at: datetime) -> int:
    """Fail every message still waiting to go to a participant (they sent STOP)."""
    result = await s.execute(
        update(Message)
        .where(
            Message.participant_id == participant_id,
            Message.direction == "out",
            Message.status.in_(WAITING),
        )
        .values(status="failed", error=reason, next_attempt_at=None, updated_at=at)
    )
    return int(getattr(result, "rowcount", 0) or 0)


async def received_since(s: AsyncSession, *, channel: str, address: str, since: datetime) -> int:
    """Messages from one address since a time (robot detection)."""
    stmt = select(func.count()).select_from(Message).where(
        Message.direction == "in",
        Message.channel == channel,
        Message.address == address,
        Message.created_at >= since,
    )
    return int(await s.scalar(stmt) or 0)


class Exchanged(NamedTuple):
    """A message to or from an address, as robot detection reads it."""

    direction: str
    body: str | None
    created_at: datetime


_EXCHANGE = (
    select(Message.direction, Message.body, Message.created_at)
    .where(Message.channel == bindparam("channel"), Message.address == bindparam("address"),
           Message.created_at >= bindparam("since"))
    .order_by(Message.id)
)


async def exchange_since(
    s: AsyncSession, *, channel: str, address: str, since: datetime
) -> list[Exchanged]:
    """Messages to and from one address since a time, in order (robot detection)."""
    rows = await s.execute(_EXCHANGE, {"channel": channel, "address": address, "since": since})
    return [Exchanged(*row) for row in rows]


async def sent_since(
    s: AsyncSession, channel: str, addresses: Sequence[str], since: datetime
) -> dict[str, int]:
    """How many messages went to each of ``addresses`` since a time (the hourly SMS cap)."""
    found: dict[str, int] = {}
    for start in range(0, len(addresses), 500):
        rows = await s.execute(
            select(Message.address, func.count())
            .where(Message.direction == "out", Message.channel == channel,
                   Message.address.in_(addresses[start : start + 500]), Message.sent_at >= since,
                   Message.status.in_(("sent", "delivered")))
            .group_by(Message.address)
        )
        found.update({str(a): int(n) for a, n in rows})
    return found


async def outbox_depth(s: AsyncSession) -> dict[tuple[str, str], int]:
    """Outbound messages not sent yet (queued, sending, held) by (channel, status)."""
    rows = await s.execute(
        select(Message.channel, Message.status, func.count())
        .where(Message.direction == "out", Message.status.in_(WAITING))
        .group_by(Message.channel, Message.status)
    )
    return {(channel, status): int(n) for channel, status, n in rows}


async def oldest_waiting(s: AsyncSession) -> datetime | None:
    """When the oldest message not sent yet (queued, sending or held) was queued."""
    return await s.scalar(
        select(func.min(Message.created_at)).where(
            Message.direction == "out", Message.status.in_(WAITING)
        )
    )


async def withdraw_sessions(
    s: AsyncSession, session_ids: Sequence[int], *, reason: str, at: datetime
) -> int:
    """Fail every message of these flow sessions that has not gone yet (a nudge of an
    invitation to a meeting since cancelled, say); returns how many."""
    if not session_ids:
        return 0
    result = await s.execute(
        update(Message)
        .where(Message.session_id.in_(list(session_ids)), Message.direction == "out",
               Message.status.in_(("queued", "held")))
        .values(status="failed", error=reason, next_attempt_at=None, updated_at=at)
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)


async def troubled(
    s: AsyncSession, *, participant_ids: Sequence[int] | None = None, limit: int = 50
) -> list[Message]:
    """Messages to people that failed for good or are held back, newest first."""
    stmt = (select(Message).where(Message.direction == "out", Message.status.in_(("failed", "held")))
            .order_by(Message.id.desc()).limit(limit))
    if participant_ids is not None:
        stmt = stmt.where(Message.participant_id.in_(participant_ids))
    return list(await s.scalars(stmt))


async def requeue(s: AsyncSession, message: Message, *, at: datetime) -> bool:
    """Send a failed message again, from now, as if new; False if it had not failed."""
    if message.status != "failed":
        return False
    message.status = "queued"
    message.attempts = 0
    message.error = None
    message.next_attempt_at = None
    message.updated_at = at
    await s.flush()
    return True


async def about_topic(s: AsyncSession, topic: str) -> list[Message]:
    """Every message sent out about ``topic`` (an alert, a claim), oldest first."""
    return list(await s.scalars(
        select(Message).where(Message.topic == topic, Message.direction == "out").order_by(Message.id)
    ))


async def read_about(s: AsyncSession, topic: str) -> int:
    """How many of the messages about ``topic`` the provider said were read."""
    return int(await s.scalar(
        select(func.count()).select_from(Message)
        .where(Message.topic == topic, Message.direction == "out", Message.read_at.is_not(None))
    ) or 0)


async def fates(s: AsyncSession, topic: str) -> list[tuple[str, str | None, datetime | None, int]]:
    """What became of the messages about ``topic``: (status, why, the last held-until, how many)."""
    rows = await s.execute(
        select(Message.status, Message.error, func.max(Message.next_attempt_at), func.count())
        .where(Message.topic == topic, Message.direction == "out")
        .group_by(Message.status, Message.error)
    )
    return [(str(status), error, until, int(n)) for status, error, until, n in rows]


async def wrote_since(s: AsyncSession, participant_ids: Sequence[int], since: datetime) -> set[int]:
    """Which of the people sent copro anything since ``since``."""
    wrote: set[int] = set()
    for start in range(0, len(participant_ids), 1000):
        rows = await s.scalars(
            select(Message.participant_id).distinct().where(
                Message.direction == "in",
                Message.participant_id.in_(participant_ids[start : start + 1000]),
                Message.created_at >= since,
            )
        )
        wrote.update(int(pid) for pid in rows if pid is not None)
    return wrote


async def last_topic_to(s: AsyncSession, participant_id: int) -> str | None:
    """The topic of the newest message copro queued for the person (None: none, or no topic)."""
    return await s.scalar(
        select(Message.topic).where(Message.participant_id == participant_id,
                                    Message.direction == "out")
        .order_by(Message.id.desc()).limit(1)
    )
