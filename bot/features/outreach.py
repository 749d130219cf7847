"""Reaching out to one person on copro's own initiative, at a good time for them.

Scheduled work for a whole group (a check-in, a meeting reminder) becomes one job
a person: ``start-flow`` starts a conversation, ``say`` sends one message. Each
waits for the person's contact hours to open, and a ``start-flow`` also waits
while the person is in the middle of another conversation, rather than
interrupting it. Both give up once their ``deadline`` has passed, and work that
fell due more than ``scheduler.grace`` ago (copro was not running) is skipped.

A ``short`` start (a poll, a meeting's RSVP: a question or two) need not wait behind
a conversation open: ``ways_in`` decides whether it goes beside it (Telegram, where a
tap says what it answers), in front of it (the person has left it alone for
``scheduler.idle_after``), or after it, the moment it ends (``bot.host.interleave``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from bot.core import quiet
from bot.core.config import Config
from bot.core.scheduler import Done, JobOutcome, Later, Scheduler, Skipped
from bot.engine.definition import Text
from bot.host.conversations import Conversations
from bot.host.interleave import BUSY
from bot.host.starts import Start, start_many, start_short
from bot.language import when
from storage import messages, participants, sessions
from storage.db import Tx
from storage.models import Job, Participant

START = "start-flow"
SAY = "say"


def start_job(
    participant_id: int, flow: str, *, key: str, due_at: datetime, topic: str | None = None,
    extra: Mapping[str, Any] | None = None, deadline: datetime | None = None, short: bool = False,
) -> dict[str, Any]:
    """The row of a job that starts ``flow`` for one person (see ``storage.jobs.plan_many``);
    ``short``: a question or two, which need not wait behind another conversation."""
    payload: dict[str, Any] = {"flow": flow, "extra": dict(extra or {}),
                               "deadline": deadline.isoformat() if deadline else None}
    if short:
        payload["short"] = True
    return {
        "kind": START, "key": key, "due_at": due_at, "topic": topic,
        "participant_id": participant_id, "payload": payload,
    }


# Channels whose answers say what they answer: a tapped button names its question.
ANSWERS_NAME_THEIR_QUESTION = ("telegram",)
BY_CALL = "voice"
Way = Literal["beside", "front"]


def say_job(
    participant_id: int, text: Text, *, key: str, due_at: datetime, topic: str | None = None,
    scope: Mapping[str, Any] | None = None, deadline: datetime | None = None,
) -> dict[str, Any]:
    """The row of a job that sends one message (a template) to one person."""
    return {
        "kind": SAY, "key": key, "due_at": due_at, "topic": topic,
        "participant_id": participant_id,
        "payload": {"text": text, "scope": dict(scope or {}),
                    "deadline": deadline.isoformat() if deadline else None},
    }


@dataclass(frozen=True)
class Reach:
    """Whom a message to many reaches: ``now``, ``later`` (they wait for their contact hours,
    the first of them from ``opens``), or not at all (``unreachable``: no address that works)."""

    now: int = 0
    later: int = 0
    opens: datetime | None = None
    unreachable: int = 0

    @property
    def people(self) -> int:
        return self.now + self.later + self.unreachable


async def reach(s: Tx, ids: Sequence[int], now: datetime, config: Config) -> Reach:
    """How a message sent to ``ids`` at ``now`` reaches them (see ``Reach``)."""
    people = await participants.get_many(s, list(ids))
    addresses = await participants.preferred_addresses(s, list(people))
    counts = {"now": 0, "later": 0, "unreachable": 0}
    first: datetime | None = None
    for pid, person in people.items():
        if pid not in addresses:
            counts["unreachable"] += 1
            continue
        opens = quiet.opens_at(now, person.contact_start, person.contact_end,
                               quiet.zone(person.timezone, config.timezone))
        if opens is None:
            counts["now"] += 1
        else:
            counts["later"] += 1
            first = opens if first is None else min(first, opens)
    return Reach(opens=first, **counts)


def spoken_for(at: datetime, reader: Participant, config: Config, after: str = "") -> str:
    """``at`` on the reader's clock, in their words: ``Tuesday 1 December at 8am`` (``after``:
    the Welsh word before it, which may mutate it: ``ar ddydd Mawrth``)."""
    local = at.astimezone(quiet.zone(reader.timezone, config.timezone))
    return when.spoken(local, reader.language, after)


class Outreach:
    def __init__(self, conversations: Conversations, config: Config) -> None:
        self.conversations = conversations
        self.config = config

    def register(self, scheduler: Scheduler) -> None:
        scheduler.handle(START, self.start)
        scheduler.handle_many(START, self.start_many)
        scheduler.handle(SAY, self.say)
        scheduler.handle_many(SAY, self.say_many)

    async def start(self, s: Tx, job: Job, now: datetime) -> JobOutcome:
        ready = await self._ready(s, job, now)
        if not isinstance(ready, Participant):
            return ready
        if await sessions.active_session(s, ready.id) is not None:
            return (await self._busy(s, [(job, ready)], now))[job.id]
        flow = str(job.payload["flow"])
        started = await self.conversations.start_in(
            s, ready, flow, key=job.key, extra=job.payload.get("extra") or {}, topic=job.topic,
        )
        return Done() if started else Skipped("cannot be reached")

    async def start_many(
        self, s: Tx, batch: list[Job], now: datetime
    ) -> dict[int, JobOutcome]:
        """``start`` for many jobs at once (a check-in for a whole group): see ``bot.host.starts``."""
        people = await participants.get_many(s, [j.participant_id for j in batch if j.participant_id])
        outcomes: dict[int, JobOutcome] = {}
        flows: dict[str, list[tuple[Job, Start]]] = {}
        for job in batch:
            ready = self._ready_now(job, people.get(job.participant_id or 0), now)
            if not isinstance(ready, Participant):
                outcomes[job.id] = ready
                continue
            start = Start(ready, job.key, job.payload.get("extra") or {}, job.topic)
            flows.setdefault(str(job.payload["flow"]), []).append((job, start))
        busy: list[tuple[Job, Participant]] = []
        for flow_id, some in flows.items():
            done = await start_many(self.conversations, s, flow_id, [start for _, start in some])
            for job, start in some:
                result = done.get(start.person.id, "unreachable")
                if result == "busy":
                    busy.append((job, start.person))
                else:
                    outcomes[job.id] = Done() if result == "started" else Skipped("cannot be reached")
        if busy:
            outcomes.update(await self._busy(s, busy, now))
        return outcomes

    async def ways_in(
        self, s: Tx, waiting: list[tuple[Job, Participant]], now: datetime
    ) -> dict[int, Way | None]:
        """How each start gets past the conversation its person is in, by job id: ``beside``
        it, in ``front`` of it, or not at all (None: it waits until that conversation ends)."""
        ids = [person.id for job, person in waiting if job.payload.get("short")]
        addresses = await participants.preferred_addresses(s, ids) if ids else {}
        wrote = await messages.wrote_since(s, ids, now - self.config.scheduler.idle_after) if ids else set()
        ways: dict[int, Way | None] = {}
        for job, person in waiting:
            channel = addresses[person.id][0] if person.id in addresses else None
            if not job.payload.get("short"):
                ways[job.id] = None
            elif channel in ANSWERS_NAME_THEIR_QUESTION:
                ways[job.id] = "beside"
            elif channel == BY_CALL:
                ways[job.id] = None  # a call asks one conversation at a time: it waits
            else:
                ways[job.id] = None if person.id in wrote else "front"
        return ways

    async def _busy(
        self, s: Tx, waiting: list[tuple[Job, Participant]], now: datetime
    ) -> dict[int, JobOutcome]:
        """Starts for people in the middle of another conversation: beside it or in front of
        it where ``ways_in`` allows, the rest later (and sooner: the moment it ends)."""
        open_flows = await sessions.active_flows(s, [person.id for _, person in waiting])
        ways = await self.ways_in(s, waiting, now)
        outcomes: dict[int, JobOutcome] = {}
        for way in ("beside", "front"):
            by_flow: dict[str, list[tuple[Job, Participant]]] = {}
            for job, person in waiting:
                if ways[job.id] == way:
                    by_flow.setdefault(str(job.payload["flow"]), []).append((job, person))
            for flow_id, some in by_flow.items():
                started = await start_short(self.conversations, s, flow_id, [
                    Start(person, job.key, job.payload.get("extra") or {}, job.topic)
                    for job, person in some], aside=way == "beside")
                for job, person in some:
                    if person.id in started:
                        open_flow = open_flows.get(person.id, "another conversation")
                        outcomes[job.id] = Done(f"sent beside {open_flow}" if way == "beside"
                                                else f"asked before {open_flow}, which waits")
        for job, person in waiting:
            if job.id not in outcomes:
                open_flow = open_flows.get(person.id, "another conversation")
                outcomes[job.id] = self._later(job, now + self.config.scheduler.busy_retry,
                                               f"{BUSY} {open_flow}")
        return outcomes

    async def say(self, s: Tx, job: Job, now: datetime) -> JobOutcome:
        ready = await self._ready(s, job, now)
        if not isinstance(ready, Participant):
            return ready
        queued = await self.conversations.say_in(
            s, ready, job.payload["text"], key=job.key, scope=job.payload.get("scope") or {},
            topic=job.topic,
        )
        return Done() if queued else Skipped("cannot be reached")

    async def say_many(
        self, s: Tx, batch: list[Job], now: datetime
    ) -> dict[int, JobOutcome]:
        """``say`` for many jobs at once (a broadcast to a whole group): one insert for all."""
        people = await participants.get_many(s, [j.participant_id for j in batch if j.participant_id])
        addresses = await participants.preferred_addresses(s, list(people))
        outcomes: dict[int, JobOutcome] = {}
        rows = []
        words = {topic: await self.conversations.settings_for(s, list(people.values()), topic)
                 for topic in {job.topic for job in batch}}
        for job in batch:
            ready = self._ready_now(job, people.get(job.participant_id or 0), now)
            if not isinstance(ready, Participant):
                outcomes[job.id] = ready
                continue
            address = addresses.get(ready.id)
            if address is None:
                outcomes[job.id] = Skipped("cannot be reached")
                continue
            body = self.conversations.render(ready, job.payload["text"], job.payload.get("scope"),
                                             words[job.topic][ready.id])
            rows.append({"participant_id": ready.id, "channel": address[0], "address": address[1],
                         "body": body, "idempotency_key": f"{job.key}:1", "quiet": True,
                         "topic": job.topic})
            outcomes[job.id] = Done()
        if await messages.queue_many(s, rows, at=now):
            self.conversations.wake_after(s)
        return outcomes

    async def _ready(self, s: Tx, job: Job, now: datetime) -> Participant | JobOutcome:
        """The person, if now is a good time; otherwise what to do with the job."""
        person = await participants.get(s, job.participant_id) if job.participant_id else None
        return self._ready_now(job, person, now)

    def _ready_now(self, job: Job, person: Participant | None, now: datetime) -> Participant | JobOutcome:
        deadline = _deadline(job)
        if deadline is not None and now >= deadline:
            return Skipped("too late")
        if now - job.due_at > self.config.scheduler.grace:
            return Skipped(f"missed: due at {job.due_at:%Y-%m-%d %H:%M} UTC while copro was not running")
        if person is None or person.status != "active" or person.consent_at is None:
            return Skipped("not taking part")
        opens = quiet.opens_at(now, person.contact_start, person.contact_end,
                               quiet.zone(person.timezone, self.config.timezone))
        if opens is not None:
            return self._later(job, opens, "waiting: outside their contact hours")
        return person

    @staticmethod
    def _later(job: Job, until: datetime, note: str) -> JobOutcome:
        deadline = _deadline(job)
        if deadline is not None and until >= deadline:
            return Skipped(f"too late: {note.removeprefix('waiting: ')} until the deadline")
        return Later(until, note)


def _deadline(job: Job) -> datetime | None:
    value = job.payload.get("deadline")
    return datetime.fromisoformat(value) if value else None
