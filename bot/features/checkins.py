"""The weekly check-in: every group's members, each week, at a good hour for them.

A group's schedule (day, time, time zone, flow) is its own where set, else the
``[checkins]`` configuration. Each tick plans the group's next check-in as a job
(and the last one, if it fell due within ``scheduler.grace`` and was never done:
copro was down). When it falls due, it starts the members, a chunk at a time
(``scheduler.fanout_chunk``, each in a transaction of its own), with a ``start-flow``
job only for those who must wait (see ``bot.features.fanout``). Each start is keyed by
person and week, so someone in two groups gets one check-in a week, and a restart
never sends one twice.

A scheduled check-in starts the flow with ``scheduled`` set, so its greeting can say
it is time for it; someone who asks for a check-in (a keyword or the menu) is
thanked for asking. Once they have answered a question of a check-in they asked
for, it stands for that week's scheduled one if that has not reached them yet,
or if it falls due within ``ASKED_COVERS`` (a day): they are not asked twice.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bot.core import collector
from bot.core.config import Config
from bot.core.scheduler import Done, JobOutcome, Progress, Scheduler, Skipped
from bot.features import fanout, outreach
from bot.flowfiles.library import Library
from bot.host.conversations import Conversations
from storage import groups, jobs
from storage.db import Database, Tx
from storage.models import FlowSession, Group, Job, Participant

KIND = "checkin"
WEEK = timedelta(days=7)
ASKED_COVERS = timedelta(days=1)  # a check-in asked for stands for a scheduled one this close


@dataclass(frozen=True)
class Schedule:
    enabled: bool
    weekday: int  # 0 Monday ... 6 Sunday
    at: time
    timezone: str
    flow: str

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


def schedule_of(group: Group, config: Config) -> Schedule:
    """The group's own settings, with the configuration for what it leaves unset."""
    default = config.checkins
    return Schedule(
        enabled=default.enabled and group.checkins_enabled,
        weekday=default.weekday if group.checkin_day is None else group.checkin_day,
        at=group.checkin_time or default.time,
        timezone=group.checkin_timezone or default.timezone or config.timezone,
        flow=group.checkin_flow or default.flow,
    )


def local_occurrence(schedule: Schedule, day: date) -> datetime:
    """The check-in on ``day`` (a local date) as a UTC time; DST keeps the wall-clock time."""
    return datetime.combine(day, schedule.at, tzinfo=schedule.zone).astimezone(UTC)


def around(schedule: Schedule, now: datetime) -> tuple[datetime, datetime]:
    """The last check-in at or before ``now`` and the next one after it, in UTC."""
    today = now.astimezone(schedule.zone).date()
    day = today - timedelta(days=(today.weekday() - schedule.weekday) % 7)
    last = local_occurrence(schedule, day)
    if last > now:
        day -= WEEK
        last = local_occurrence(schedule, day)
    return last, local_occurrence(schedule, day + WEEK)


def _week(occurrence: datetime, schedule: Schedule) -> str:
    year, week, _ = occurrence.astimezone(schedule.zone).isocalendar()
    return f"{year}-W{week:02d}"


def _tally(counts: Mapping[str, int]) -> str:
    """What a check-in did, in the note of its job: ``3 of 4 member(s) started, ...``."""
    parts = [f"{counts.get(fanout.STARTED, 0)} of {sum(counts.values())} member(s) started"]
    for name, words in ((fanout.WAITING, "waiting for their contact hours or another "
                         "conversation to end"), (fanout.UNREACHABLE, "cannot be reached"),
                        (fanout.LATE, "too late"), (fanout.ALREADY, "checked in with already")):
        if counts.get(name):
            parts.append(f"{counts[name]} {words}")
    return ", ".join(parts)


def _person_key(participant_id: int, schedule: Schedule, occurrence: datetime, *,
                week: str | None = None) -> str:
    """The key of one member's start of the check-in at ``occurrence``: one a person a week
    (``week``: ``occurrence``'s, if worked out already)."""
    return f"checkin:{participant_id}:{schedule.flow}:{week or _week(occurrence, schedule)}"


class Checkins:
    def __init__(
        self, db: Database, library: Library, config: Config, conversations: Conversations
    ) -> None:
        self.db = db
        self.library = library
        self.config = config
        self.conversations = conversations
        self.ahead = fanout.ReadAhead(db)

    def register(self, scheduler: Scheduler) -> None:
        scheduler.sweep("planning check-ins", self.plan)
        scheduler.handle(KIND, self.run)
        for flow in self.library.files:  # any flow may be a group's check-in
            self.conversations.on_result(flow, self.answered)

    async def plan(self, now: datetime) -> int:
        """Make sure each group's next check-in (and a just-missed one) is a job."""
        rows = []
        async with self.db.transaction() as s:
            for group in await groups.all_groups(s):
                schedule = schedule_of(group, self.config)
                if not schedule.enabled:
                    continue
                last, upcoming = around(schedule, now)
                due = [last, upcoming] if now - last <= self.config.scheduler.grace else [upcoming]
                rows += [self._row(group, schedule, at) for at in due]
            return await jobs.plan_many(s, rows, at=now)

    @staticmethod
    def _row(group: Group, schedule: Schedule, at: datetime) -> dict[str, Any]:
        local = at.astimezone(schedule.zone)
        return {
            "kind": KIND, "key": f"checkin:{group.id}:{local:%Y-%m-%dT%H:%M}", "due_at": at,
            "topic": f"group:{group.id}",
            "payload": {"group_id": group.id, "flow": schedule.flow, "at": at.isoformat()},
        }

    async def run(self, s: Tx, job: Job, now: datetime) -> JobOutcome:
        """A group's check-in is due: start the next chunk of its members (see
        ``bot.features.fanout``); ``Progress`` until the last chunk is done."""
        group = await groups.get_group(s, int(job.payload["group_id"]))
        if group is None:
            return Skipped("the group is gone")
        schedule = schedule_of(group, self.config)
        at = datetime.fromisoformat(job.payload["at"])
        if not schedule.enabled:
            return Skipped("check-ins are off for this group")
        if job.key != self._row(group, schedule, at)["key"] or schedule.flow != job.payload["flow"]:
            return Skipped("the group's schedule changed")
        if now - at > self.config.scheduler.grace:
            return Skipped(f"missed: due at {at:%Y-%m-%d %H:%M} UTC while copro was not running")
        if schedule.flow not in self.library:
            return Skipped(f"there is no flow {schedule.flow!r}")
        week = _week(at, schedule)
        size, group_id = self.config.scheduler.fanout_chunk, group.id

        async def members(s: Tx, after: int) -> list[Participant]:
            return await groups.next_taking_part(s, group_id, after=after, limit=size)

        def fanout_of(people: list[Participant]) -> fanout.Fanout:
            return fanout.Fanout(
                schedule.flow, {p.id: _person_key(p.id, schedule, at, week=week) for p in people},
                topic=f"checkin:{group_id}:{week}", extra={"scheduled": True},
                deadline=at + WEEK - timedelta(hours=1),
            )

        async def plan(s: Tx, chunk: fanout.Chunk) -> fanout.Plan:
            return await fanout.plan_chunk(self.conversations, s, fanout_of(chunk.people),
                                           chunk.people, chunk.addresses, now=now)

        counts = Counter(job.payload.get("counts") or {})
        with collector.paused():  # see bot.core.collector: a chunk is a burst of objects
            chunk = await self.ahead.chunk(s, job.id, members, int(job.payload.get("after") or 0),
                                           now=now)
            people = chunk.people
            if len(people) == size:  # read and work out the next chunk while this one is written
                self.ahead.read(job.id, members, people[-1].id, now=now, plan=plan)
            counts += await fanout.start_chunk(self.conversations, s, fanout_of(people), chunk,
                                               now=now)
        if len(people) == size:
            return Progress({**job.payload, "after": people[-1].id, "counts": dict(counts)},
                            f"under way: {_tally(counts)}")
        return Done(_tally(counts))

    async def answered(
        self, s: Tx, person: Participant, row: FlowSession, key: str, value: Any
    ) -> None:
        """An answer in a check-in the person asked for: it stands for the scheduled one."""
        if ((row.state or {}).get("extra") or {}).get("scheduled"):
            return
        now = self.conversations.clock()
        for group in await groups.groups_of(s, person.id):
            schedule = schedule_of(group, self.config)
            if not schedule.enabled or schedule.flow != row.flow_id:
                continue
            last, upcoming = around(schedule, now)
            await jobs.cancel_key(s, _person_key(person.id, schedule, last), at=now,
                                  note="they asked for a check-in themselves")
            for at in (last, upcoming):
                if abs(at - now) > ASKED_COVERS:
                    continue
                week = _week(at, schedule)
                key = _person_key(person.id, schedule, at)
                if await fanout.used(s, [key]):
                    continue  # the scheduled one reached them, or has a job already
                taken = await jobs.plan(
                    s, kind=outreach.START, key=key, due_at=at,
                    topic=f"checkin:{group.id}:{week}", participant_id=person.id, at=now,
                    payload={"flow": schedule.flow, "extra": {"scheduled": True}, "deadline": None},
                )
                if taken is not None:
                    await jobs.finish(s, taken, status="skipped", at=now,
                                      note="they asked for a check-in themselves")


async def set_schedule(
    s: Tx,
    group: Group,
    config: Config,
    *,
    now: datetime,
    enabled: bool | None = None,
    weekday: int | None = None,
    at: time | None = None,
    timezone: str | None = None,
    flow: str | None = None,
) -> Schedule:
    """Change a group's check-in schedule (None leaves a setting as it is); returns the new one.

    Check-ins planned for the old schedule are dropped; the next tick plans anew.
    """
    await groups.set_checkin_schedule(s, group, enabled=enabled, weekday=weekday, time_of_day=at,
                                      timezone=timezone, flow=flow)
    await jobs.cancel(s, topic=f"group:{group.id}", kinds=[KIND], at=now,
                      note="the group's schedule changed")
    return await begin(s, group, config, now=now)


async def begin(s: Tx, group: Group, config: Config, *, now: datetime) -> Schedule:
    """Start a group's check-ins from now: one whose time has just passed is not sent.

    Called when a group is made and when its schedule changes; without it, the
    planner would take a check-in due an hour ago for one missed while copro was down.
    """
    schedule = schedule_of(group, config)
    last, _ = around(schedule, now)
    row = Checkins._row(group, schedule, last)
    added = await jobs.plan(s, at=now, **row)
    if added is not None:
        await jobs.finish(s, added, status="skipped", note="before the schedule began", at=now)
    return schedule
