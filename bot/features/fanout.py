"""Starting one flow for a whole group at once, a chunk of members at a time.

A group's weekly check-in does not plan a job for every member. Those who can be
started now are started there and then (``bot.host.starts``: a few statements for a
whole chunk); a ``start-flow`` job (``bot.features.outreach``) is planned only for
someone who must wait: their contact hours are shut (it falls due when they open), or
they are in the middle of another conversation (it falls due ``scheduler.busy_retry``
later). Someone who cannot be reached gets a job marked skipped, with that reason,
as the job of their own they once had was.

Each member's start has a key (for a check-in, one a person a week), and a key is
used once: by a job planned with it, or by the first message of a start keyed by it.
A member whose key is used is left out, so a chunk started again (after a crash, or
for someone in two groups) starts no one twice.

While one chunk is written and committed, the next one's members and their addresses are
read on a second connection (``ReadAhead``), and what its start would be for each of them
is worked out (``plan_chunk``: their groups' words, the engine's start, their sessions'
rows), so that copro works on the one while PostgreSQL writes the other. Nothing is written
ahead: each chunk's keys are looked up, and its members started, in its own transaction,
after the one before it committed; a member whose key was used in the meantime is left
out of what was worked out for them, and a read ahead that is not used (a crash, the chunk
run again later) is dropped.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import Counter
from collections.abc import Awaitable, Callable, Collection, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bot.core import quiet
from bot.features import outreach
from bot.host import starts
from bot.host.conversations import Conversations
from bot.host.replies import message_key
from bot.host.starts import Start
from storage import jobs, messages, participants
from storage.db import Database, Tx
from storage.models import Participant

# What became of each member of a chunk, as counted in ``start_chunk``'s answer.
STARTED, WAITING, UNREACHABLE, LATE, ALREADY = "started", "waiting", "unreachable", "late", "already"
OUT_OF_HOURS = "waiting: outside their contact hours"
BUSY = "waiting: in the middle of another conversation"
UNREACHABLE_NOTE = "cannot be reached"


@dataclass(frozen=True)
class Fanout:
    """One flow started for many: ``keys`` gives each member's key, by participant id."""

    flow: str
    keys: Mapping[int, str]
    topic: str | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)
    deadline: datetime | None = None


@dataclass(frozen=True)
class Plan:
    """What a chunk would do, worked out before it is written (``plan_chunk``): the jobs of
    those who must wait, and the starts of the rest."""

    waiting: list[dict[str, Any]]
    starts: starts.Plan

    def without(self, keys: Collection[str]) -> Plan:
        """The same, but for the members whose key is one of ``keys``."""
        return Plan([row for row in self.waiting if row["key"] not in keys],
                    self.starts.without(keys))


@dataclass(frozen=True)
class Chunk:
    """The members of one chunk, where each can be reached (``preferred_addresses``), and,
    if it was read ahead, what it would do (``plan``) for every one of them."""

    people: list[Participant]
    addresses: dict[int, tuple[str, str]]
    plan: Plan | None = None


ReadChunk = Callable[[Tx, int], Awaitable[list[Participant]]]  # the members after an id
PlanChunk = Callable[[Tx, Chunk], Awaitable[Plan]]  # what a chunk read ahead would do


async def read_chunk(s: Tx, members: ReadChunk, after: int) -> Chunk:
    people = await members(s, after)
    return Chunk(people, await participants.preferred_addresses(s, [p.id for p in people]))


class ReadAhead:
    """The next chunk of a fan-out, read on a connection of its own while this one is written.

    One read ahead at a time, for one job: with the scheduler's connection, a fan-out holds
    two at most. ``chunk`` gives the read ahead for the job's chunk after ``after`` if it was
    made in the same tick (``now``), else reads the chunk in ``s``: a chunk run again later (its
    job failed, copro started again) reads who is in it afresh.
    """

    def __init__(self, db: Database) -> None:
        self.db = db
        self._ahead: tuple[tuple[int, int, datetime], asyncio.Task[Chunk]] | None = None

    async def chunk(self, s: Tx, job_id: int, members: ReadChunk, after: int, *,
                    now: datetime) -> Chunk:
        if self._ahead is not None and self._ahead[0] == (job_id, after, now):
            task = self._ahead[1]
            self._ahead = None
            with contextlib.suppress(Exception):  # read again here, where a failure is the job's
                return await task
        return await read_chunk(s, members, after)

    def read(self, job_id: int, members: ReadChunk, after: int, *, now: datetime,
             plan: PlanChunk | None = None) -> None:
        """Start reading the chunk after ``after``, and working out what it would do with
        ``plan``, unless another job's read is under way."""
        if self._ahead is not None:
            task = self._ahead[1]
            if not task.done():
                return
            if not task.cancelled():
                task.exception()  # looked at: a read ahead that failed is just not used
        self._ahead = ((job_id, after, now),
                       asyncio.create_task(self._read(members, after, plan)))

    async def _read(self, members: ReadChunk, after: int, plan: PlanChunk | None) -> Chunk:
        async with self.db.reading() as s:
            chunk = await read_chunk(s, members, after)
            return Chunk(chunk.people, chunk.addresses, await plan(s, chunk)) if plan else chunk


async def used(s: Tx, keys: Collection[str]) -> set[str]:
    """Which of ``keys`` (of starts) were used: by a job, or by a start's first message."""
    planned = await jobs.planned(s, keys)
    first = {message_key(key, 1): key for key in keys if key not in planned}
    return planned | {first[found] for found in await messages.used_keys(s, list(first))}


async def plan_chunk(
    c: Conversations, s: Tx, fanout: Fanout, people: list[Participant],
    addresses: Mapping[int, tuple[str, str]], *, now: datetime,
) -> Plan:
    """What starting ``fanout.flow`` for ``people`` would do, worked out without writing:
    a job for each who must wait for their contact hours, a start for the rest. Whether
    a member's key is used is not looked at here: ``start_chunk`` does that."""
    waiting: list[dict[str, Any]] = []
    ready: list[Start] = []
    for person in people:
        opens = quiet.opens_at(now, person.contact_start, person.contact_end,
                               quiet.zone(person.timezone, c.config.timezone))
        if opens is None:
            ready.append(Start(person, fanout.keys[person.id], fanout.extra, fanout.topic))
        else:
            waiting.append(_waiting(fanout, person.id, opens, OUT_OF_HOURS, now))
    return Plan(waiting, await starts.plan_many(c, s, fanout.flow, ready, addresses=addresses))


async def start_chunk(
    c: Conversations, s: Tx, fanout: Fanout, chunk: Chunk, *, now: datetime
) -> Counter[str]:
    """Start ``fanout.flow`` for each of ``chunk``'s people who can start now, and plan a job
    for each who must wait; returns how many were ``started``, ``waiting``, ``unreachable``,
    ``late`` (they would wait past the deadline) and ``already`` (their key was used before).

    The keys are looked up here, in the chunk's own transaction, even when what the chunk
    would do was worked out ahead (``chunk.plan``): a member whose key was used since is
    left out of it."""
    counts: Counter[str] = Counter()
    keys = [fanout.keys[person.id] for person in chunk.people]
    taken = await used(s, keys)  # a few of keys, if any
    counts[ALREADY] += len(taken)
    if chunk.plan is not None:
        plan = chunk.plan.without(taken)
    else:
        left = [person for person, key in zip(chunk.people, keys, strict=True) if key not in taken]
        plan = await plan_chunk(c, s, fanout, left, chunk.addresses, now=now)
    rows = list(plan.waiting)
    done = await starts.write_many(c, s, plan.starts)
    tried = [*((start.person.id, start.key) for start in plan.starts.unreachable),
             *((begin.person.id, begin.to.key) for begin in plan.starts.ready.begins)]
    busy = [key for person_id, key in tried if done[person_id] == "busy"]
    # A start that waited for another transaction to commit (another copro starting the same
    # person for another group, on PostgreSQL) shows as busy; what that one used shows now.
    taken = await used(s, busy) if busy else set()
    for person_id, key in tried:
        result = done[person_id]
        if result == "started":
            counts[STARTED] += 1
        elif key in taken:
            counts[ALREADY] += 1
        elif result == "busy":
            rows.append(_waiting(fanout, person_id, now + c.config.scheduler.busy_retry, BUSY, now))
        else:
            rows.append(_row(fanout, person_id, now, status="skipped", note=UNREACHABLE_NOTE,
                             now=now))
    for row in rows:
        counts[WAITING if row["status"] == "pending"
               else UNREACHABLE if row["note"] == UNREACHABLE_NOTE else LATE] += 1
    await jobs.plan_many(s, rows, at=now)
    return counts


def _waiting(fanout: Fanout, participant_id: int, until: datetime, note: str,
             now: datetime) -> dict[str, Any]:
    """The job of someone who must wait until ``until``: skipped if that is too late."""
    if fanout.deadline is not None and until >= fanout.deadline:
        return _row(fanout, participant_id, until, status="skipped", now=now,
                    note=f"too late: {note.removeprefix('waiting: ')} until the deadline")
    return _row(fanout, participant_id, until, status="pending", note=note, now=now)


def _row(fanout: Fanout, participant_id: int, due_at: datetime, *, status: str, note: str,
         now: datetime) -> dict[str, Any]:
    row = outreach.start_job(participant_id, fanout.flow, key=fanout.keys[participant_id],
                             due_at=due_at, topic=fanout.topic, extra=fanout.extra,
                             deadline=fanout.deadline)
    return {**row, "status": status, "note": note,
            "done_at": None if status == "pending" else now}
