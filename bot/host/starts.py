"""Starting one flow for many people at once (a weekly check-in for a big group).

The same as ``Conversations.start_in`` for each person, through the same code
(``Runner.start_many``), with a handful of statements for the whole batch instead
of a dozen a person: their addresses are read together, the engine runs for each
(it is pure and quick), and the new sessions and their first messages are written
together. Unlike ``start_in`` it interrupts no one: a person in the middle of
another conversation is left out. ``start_short`` is the way past it for a short
item (``bot.host.interleave``): beside that conversation, or in front of it.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from typing import Any

from bot.host.conversations import Conversations
from bot.host.replies import ReplyTo
from bot.host.running import Begin, Planned
from storage import messages, participants, sessions
from storage.db import Tx
from storage.models import Participant


@dataclass(frozen=True)
class Start:
    person: Participant
    key: str  # what its messages are keyed by, as start_in keys them
    extra: Mapping[str, Any] = field(default_factory=dict)
    topic: str | None = None


@dataclass(frozen=True)
class Plan:
    """Starts worked out and not yet written (``plan_many``): those who cannot be reached,
    and the rest, each with the engine's start and its session's row."""

    unreachable: list[Start]
    ready: Planned

    def without(self, keys: Collection[str]) -> Plan:
        """The same, but for the starts keyed by one of ``keys``."""
        return Plan([start for start in self.unreachable if start.key not in keys],
                     self.ready.without(keys))


async def start_many(
    c: Conversations, s: Tx, flow_id: str, starts: list[Start],
    *, addresses: Mapping[int, tuple[str, str]] | None = None,
) -> dict[int, str]:
    """Start ``flow_id`` for each person; returns what happened by participant id:
    ``started``, ``busy`` (in another conversation: not started) or ``unreachable``.
    ``addresses``: where each is reached, if read already (``preferred_addresses``).

    A person with a conversation under way is not interrupted: the database's
    one-active-session index leaves them out of the insert.
    """
    return await write_many(c, s, await plan_many(c, s, flow_id, starts, addresses=addresses))


async def plan_many(
    c: Conversations, s: Tx, flow_id: str, starts: list[Start],
    *, addresses: Mapping[int, tuple[str, str]] | None = None,
) -> Plan:
    """``start_many``'s first half, which only reads; ``write_many`` writes what it gives,
    in ``s`` or in a later transaction."""
    if flow_id not in c.library:
        raise KeyError(f"no flow {flow_id!r} to start for {len(starts)} people")
    if addresses is None:
        addresses = await participants.preferred_addresses(s, [start.person.id for start in starts])
    unreachable: list[Start] = []
    begins: list[Begin] = []
    for start in starts:
        address = addresses.get(start.person.id)
        if start.person.status != "active" or address is None:
            unreachable.append(start)
            continue
        to = ReplyTo(address[0], address[1], start.key, quiet=True, topic=start.topic,
                     priority=messages.BULK)
        begins.append(Begin(start.person, to, start.extra))
    return Plan(unreachable, await c.runner.plan_many(s, flow_id, begins))


async def write_many(c: Conversations, s: Tx, plan: Plan) -> dict[int, str]:
    """Write the starts of ``plan``; returns what happened by participant id, as
    ``start_many`` does."""
    done = {start.person.id: "unreachable" for start in plan.unreachable}
    started = await c.runner.write_many(s, plan.ready)
    done.update({b.person.id: "started" if b.person.id in started else "busy"
                 for b in plan.ready.begins})
    return done


async def start_short(
    c: Conversations, s: Tx, flow_id: str, starts: list[Start], *, aside: bool
) -> set[int]:
    """Start a short item for people in another conversation: ``aside`` it (answered by its
    own buttons), or in front, each one's conversation parked until it ends. Returns who it
    started for; not for someone whose first question must be typed (``aside``) or who
    cannot be reached, whose conversation stays as it was."""
    ids = [start.person.id for start in starts]
    addresses = await participants.preferred_addresses(s, ids)
    now = c.clock()
    parked = {} if aside else await sessions.park_many(s, ids, now=now)
    begins = [Begin(start.person, ReplyTo(*addresses[start.person.id], start.key, quiet=True,
                                          topic=start.topic, priority=messages.BULK), start.extra)
              for start in starts if start.person.id in addresses]
    started = await c.runner.start_many(s, flow_id, begins, interrupt=False, aside=aside)
    await sessions.unpark_many(s, [sid for pid, sid in parked.items() if pid not in started],
                               now=now)
    return started
