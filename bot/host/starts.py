"""Starting one flow for many people at once (a weekly check-in for a big group).

The same as ``Conversations.start_in`` for each person, with a handful of
statements for the whole batch instead of a dozen a person: their addresses and
whether they are busy are read together, the engine runs for each (it is pure
and quick), and the new sessions and their first messages are written together.
A start whose first steps do more than send and wait (save an answer, notify,
start another flow...) goes through ``start_in`` as usual.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from bot.engine.events import SendText, Waiting
from bot.engine.values import to_json
from bot.host.conversations import Conversations
from storage import messages, participants, sessions
from storage.db import Tx
from storage.models import Participant

SIMPLE = (SendText, Waiting)


@dataclass(frozen=True)
class Start:
    person: Participant
    key: str  # messages are keyed f"{key}:1", f"{key}:2"... as start_in keys them
    extra: Mapping[str, Any] = field(default_factory=dict)
    topic: str | None = None


async def start_many(
    c: Conversations, s: Tx, flow_id: str, starts: list[Start]
) -> dict[int, str]:
    """Start ``flow_id`` for each person; returns what happened by participant id:
    ``started``, ``busy`` (in another conversation: not started) or ``unreachable``.

    A person with a conversation under way is not interrupted: the database's
    one-active-session index leaves them out of the insert.
    """
    flow = c.library[flow_id].flow
    definition = await c.definition_for(s, flow_id)
    ids = [start.person.id for start in starts]
    addresses = await participants.preferred_addresses(s, ids)
    now = c.clock()
    done: dict[int, str] = {}
    session_rows: list[dict[str, Any]] = []
    pending: list[tuple[Start, tuple[str, str], list[SendText]]] = []
    for start in starts:
        pid = start.person.id
        address = addresses.get(pid)
        if start.person.status != "active" or address is None:
            done[pid] = "unreachable"
            continue
        outcome = c.engine.start(flow, c.context_for(start.person, start.extra))
        if not all(isinstance(e, SIMPLE) for e in outcome.events):
            started = await c.start_in(s, start.person, flow_id, key=start.key, extra=start.extra,
                                       topic=start.topic)
            done[pid] = "started" if started else "unreachable"
            continue
        waits = [e.timeout for e in outcome.events if isinstance(e, Waiting)]
        session_rows.append({
            "participant_id": pid, "definition_id": definition.id, "flow_id": flow.flow,
            "flow_version": flow.version, "step": outcome.session.step,
            "state": {**outcome.session.state(), "extra": to_json(dict(start.extra))},
            "status": outcome.session.status, "started_at": now, "updated_at": now,
            "expires_at": now + flow.expires_after if flow.expires_after else None,
            "timeout_at": now + waits[-1] if waits and waits[-1] else None,
        })
        pending.append((start, address, [e for e in outcome.events if isinstance(e, SendText)]))
    new_sessions = await sessions.start_many(s, session_rows)
    message_rows = [
        {"participant_id": start.person.id, "session_id": new_sessions[start.person.id],
         "channel": address[0], "address": address[1], "body": send.text,
         "options": list(send.options), "idempotency_key": f"{start.key}:{n}", "quiet": True,
         "topic": start.topic}
        for start, address, sends in pending if start.person.id in new_sessions
        for n, send in enumerate(sends, start=1)
    ]
    queued = await messages.queue_many(s, message_rows, at=now)
    done.update({start.person.id: "started" if start.person.id in new_sessions else "busy"
                 for start, _, _ in pending})
    if queued:
        c.wake_after(s)
    return done
