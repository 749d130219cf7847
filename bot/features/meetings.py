"""Meetings: invitations with RSVP and access needs, reminders, and the coordinators' summary.

A meeting plans its reminders as jobs when it is added or moved, one for each of
``meetings.reminders`` (by default 2 days and 2 hours before). The first is the
invitation: the ``meeting-rsvp`` flow (can you come? what do you need?) for each
member. Later ones remind, in plain words, everyone who said yes or maybe or has
not answered. ``meetings.summary_before`` the start (the day before, by default)
the group's coordinators get the counts and the access needs. Every message is
one job a person (``bot.features.outreach``), so contact hours hold it and a restart
never sends it twice; none goes once the meeting has started.

Moving or cancelling a meeting withdraws what has not gone yet (the nudge of an
unanswered invitation too), ends invitations still waiting for an answer, and
tells everyone who was already contacted. A moved meeting plans its reminders
afresh (its version goes up, so anything planned for the old time does nothing),
and an answer counts only for the version it was given for: people are asked
again, and the summary says so.

A meeting's time is on its group's clock; a member whose zone differs reads the
zone with it ("2pm UK time", see ``bot.language.when``).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from bot.core.clock import utcnow
from bot.core.config import Config
from bot.core.quiet import zone
from bot.core.scheduler import Done, JobOutcome, Scheduler, Skipped
from bot.features import outreach
from bot.host.conversations import Conversations
from bot.language import texts, when
from storage import audit, groups, jobs, meetings, messages, participants, sessions
from storage.db import Tx
from storage.models import FlowSession, Group, Job, Meeting, Participant

REMINDER = "meeting-reminder"
SUMMARY = "meeting-summary"
FLOW = "meeting-rsvp"
NEEDS = {"transport": "transport", "interpreter": "an interpreter", "large_print": "large print",
         "other": "something else"}


WITHDRAWN = "withdrawn: the meeting changed"


class MeetingError(ValueError):
    """A meeting that cannot be added or changed; ``str()`` says why in plain words."""


class DuplicateMeeting(MeetingError):
    """The group already has a meeting with that title at that time."""


def topic(meeting: Meeting) -> str:
    return f"meeting:{meeting.id}"


class Meetings:
    def __init__(
        self, conversations: Conversations, config: Config, clock: Callable[[], datetime] = utcnow
    ) -> None:
        self.conversations = conversations
        self.config = config
        self.clock = clock

    def register(self, scheduler: Scheduler) -> None:
        self.conversations.on_result(FLOW, self.replied)
        scheduler.handle(REMINDER, self.remind)
        scheduler.handle(SUMMARY, self.summarise)

    def zone_of(self, group: Group | None) -> str:
        """The zone a group's meetings are on: its own (that of its check-ins), or copro's."""
        if group is None:
            return self.config.timezone
        return group.checkin_timezone or self.config.checkins.timezone or self.config.timezone

    def view(self, meeting: Meeting, group: Group | None = None) -> dict[str, Any]:
        """What messages and the RSVP flow may say about ``meeting`` (JSON-able). Its time is
        on the group's clock, stamped with the zone, so a member elsewhere is told which."""
        local = meeting.starts_at.astimezone(zone(self.zone_of(group)))
        return {"id": meeting.id, "version": meeting.version, "title": meeting.title,
                "when": when.stamp(local),
                "where": meeting.place, "online_link": meeting.online_link,
                "access_info": meeting.access_info, "group": group.name if group else None}

    # --- what coordinators do ------------------------------------------------------------

    def _passed(self, starts_at: datetime, group: Group | None) -> str:
        """Why a time is refused, naming the day it was read as: "that time has already
        passed: Thursday 3 December 2026 at 10:30am"."""
        return f"that time has already passed: {when.dated(starts_at.astimezone(zone(self.zone_of(group))))}"

    async def add(
        self, s: Tx, group: Group, *, title: str, starts_at: datetime,
        minutes: int | None = None, place: str | None = None, online_link: str | None = None,
        access_info: str | None = None, by: str = "command line", allow_duplicate: bool = False,
    ) -> Meeting:
        """Add a meeting and plan its invitation and reminders. One just like a meeting the
        group already has (same title, same time) is refused unless ``allow_duplicate``."""
        now = self.clock()
        if not title.strip():
            raise MeetingError("a meeting needs a title")
        if starts_at <= now:
            raise MeetingError(self._passed(starts_at, group))
        same = [m for m in await meetings.listed(s, group_id=group.id, since=starts_at)
                if m.starts_at == starts_at and m.title.casefold() == title.strip().casefold()]
        if same and not allow_duplicate:
            raise DuplicateMeeting(f"{group.name} already has {title.strip()!r} at that time "
                                   f"(meeting {same[0].id})")
        length = minutes or int(self.config.meetings.duration.total_seconds() // 60)
        meeting = await meetings.add(
            s, group_id=group.id, title=title.strip(), starts_at=starts_at, minutes=length,
            place=place, online_link=online_link, access_info=access_info, at=now,
        )
        await audit.record(s, kind="meeting_added", actor=by,
                           details={"meeting": meeting.id, "group": group.id}, at=now)
        await self._plan(s, meeting, now)
        return meeting

    async def move(
        self, s: Tx, meeting: Meeting, starts_at: datetime, *, by: str = "command line"
    ) -> int:
        """Move a meeting; returns how many people were told."""
        now = self.clock()
        if meeting.status != "scheduled":
            raise MeetingError("that meeting is cancelled")
        if starts_at <= now:
            raise MeetingError(self._passed(starts_at, await groups.get_group(s, meeting.group_id)))
        told = await self._withdraw(s, meeting, now)
        await meetings.move(s, meeting, starts_at=starts_at, at=now)
        await self._tell(s, meeting, told, texts.MEETING_MOVED, "moved", now)
        await audit.record(s, kind="meeting_moved", actor=by,
                           details={"meeting": meeting.id, "to": starts_at.isoformat()}, at=now)
        await self._plan(s, meeting, now)
        return len(told)

    async def cancel(self, s: Tx, meeting: Meeting, *, by: str = "command line") -> int:
        """Cancel a meeting; returns how many people were told."""
        now = self.clock()
        if meeting.status != "scheduled":
            raise MeetingError("that meeting is already cancelled")
        told = await self._withdraw(s, meeting, now)
        await meetings.cancel(s, meeting, at=now)
        await self._tell(s, meeting, told, texts.MEETING_CANCELLED, "cancelled", now)
        await audit.record(s, kind="meeting_cancelled", actor=by, details={"meeting": meeting.id},
                           at=now)
        return len(told)

    async def _withdraw(self, s: Tx, meeting: Meeting, now: datetime) -> list[int]:
        """Stop everything planned for the meeting as it was; who had already been contacted.

        Jobs not yet done are cancelled; every message about the meeting not yet sent
        (invitations, reminders, and the nudge of an unanswered invitation, which
        belongs to its conversation) is withdrawn; and an invitation still waiting
        for an answer ends without a further word.
        """
        contacted = await jobs.about(s, topic(meeting), kinds=[outreach.START, outreach.SAY],
                                     statuses=["done"])
        people = sorted({j.participant_id for j in contacted if j.participant_id})
        await jobs.cancel(s, topic=topic(meeting), at=now, note="the meeting changed")
        await messages.withdraw(s, topic=topic(meeting), reason=WITHDRAWN, at=now)
        asked = await sessions.started_about(s, flow_id=FLOW, name="meeting", subject_id=meeting.id,
                                             since=meeting.created_at)
        await messages.withdraw_sessions(s, [row.id for row in asked], reason=WITHDRAWN, at=now)
        for row in asked:
            if row.status in ("active", "aside"):
                was = row.status
                await sessions.save_session(s, row, step=row.step, state=row.state,
                                            status="interrupted", timeout_at=None, now=now)
                person = await participants.get(s, row.participant_id) if was == "active" else None
                if person is not None:  # a conversation it was asked in front of comes back
                    await self.conversations.come_back(s, person, key=f"{topic(meeting)}:withdrawn:{row.id}")
        return people

    async def _tell(
        self, s: Tx, meeting: Meeting, people: list[int], text: dict[str, str],
        what: str, now: datetime,
    ) -> None:
        view = self.view(meeting, await groups.get_group(s, meeting.group_id))
        await jobs.plan_many(s, [
            outreach.say_job(pid, text, key=f"{topic(meeting)}:v{meeting.version}:{what}:{pid}",
                             due_at=now, topic=topic(meeting), scope={"meeting": view},
                             deadline=meeting.starts_at if what == "moved" else None)
            for pid in people
        ], at=now)

    async def _plan(self, s: Tx, meeting: Meeting, now: datetime) -> None:
        for n, offset in enumerate(self.config.meetings.reminders):
            due = meeting.starts_at - offset
            if due < now:
                if n > 0:
                    continue  # too late for this reminder; the invitation goes at once
                due = now
            seconds = int(offset.total_seconds())
            await jobs.plan(s, kind=REMINDER, topic=topic(meeting), due_at=due, at=now,
                            key=f"{topic(meeting)}:v{meeting.version}:reminder:{seconds}",
                            payload={"meeting": meeting.id, "version": meeting.version,
                                     "first": n == 0})
        summary = max(meeting.starts_at - self.config.meetings.summary_before, now)
        await jobs.plan(s, kind=SUMMARY, topic=topic(meeting), due_at=summary, at=now,
                        key=f"{topic(meeting)}:v{meeting.version}:summary",
                        payload={"meeting": meeting.id, "version": meeting.version})

    # --- scheduled work ---------------------------------------------------------------------

    async def _current(self, s: Tx, job: Job, now: datetime) -> Meeting | JobOutcome:
        meeting = await meetings.get(s, int(job.payload["meeting"]))
        if meeting is None or meeting.status != "scheduled":
            return Skipped("the meeting was cancelled")
        if meeting.version != job.payload["version"]:
            return Skipped("the meeting moved")
        if now >= meeting.starts_at:
            return Skipped("the meeting has started")
        return meeting

    async def remind(self, s: Tx, job: Job, now: datetime) -> JobOutcome:
        meeting = await self._current(s, job, now)
        if not isinstance(meeting, Meeting):
            return meeting
        group = await groups.get_group(s, meeting.group_id)
        members = await groups.taking_part(s, meeting.group_id)
        view = self.view(meeting, group)
        prefix = f"{job.key}:"
        if job.payload.get("first"):
            rows = [outreach.start_job(pid, FLOW, key=f"{prefix}{pid}", due_at=now,
                                       topic=topic(meeting), extra={"meeting": view},
                                       deadline=meeting.starts_at, short=True) for pid in members]
        else:
            said_no = {r.participant_id for r in await meetings.replies(
                s, meeting.id, version=meeting.version) if r.answer == "no"}
            rows = [outreach.say_job(pid, texts.MEETING_REMINDER, key=f"{prefix}{pid}", due_at=now,
                                     topic=topic(meeting), scope={"meeting": view},
                                     deadline=meeting.starts_at)
                    for pid in members if pid not in said_no]
        added = await jobs.plan_many(s, rows, at=now)
        return Done(f"{added} people")

    async def summarise(self, s: Tx, job: Job, now: datetime) -> JobOutcome:
        meeting = await self._current(s, job, now)
        if not isinstance(meeting, Meeting):
            return meeting
        counts, needs = await self.answers(s, meeting)
        group = await groups.get_group(s, meeting.group_id)
        scope = {"meeting": self.view(meeting, group), "counts": counts,
                 "needs": [f"{who}: {need}" + (f' ("{detail}")' if detail else "")
                           for who, need, detail in needs],
                 "moved": meeting.version > 1}
        told = 0
        for person in await groups.people_with_role(s, [meeting.group_id], ["coordinator"]):
            told += await self.conversations.say_in(
                s, person, texts.MEETING_SUMMARY, key=f"{job.key}:{person.id}", scope=scope,
                topic=topic(meeting), staff=True,
            )
        return Done(f"queued to {told} coordinator(s)")

    async def answers(
        self, s: Tx, meeting: Meeting
    ) -> tuple[dict[str, int], list[tuple[str, str, str | None]]]:
        """How many said yes, maybe and no to the meeting's present time, how many of the group
        have not answered (``silent``) or answered only for its old time (``stale``); and each
        access need of those coming: (who, the need in words, what they wrote about it)."""
        members = set(await groups.taking_part(s, meeting.group_id))
        every = await meetings.replies(s, meeting.id)
        replies = [r for r in every if r.meeting_version == meeting.version]
        counts = {"yes": 0, "maybe": 0, "no": 0}
        needs = []
        for reply in replies:
            counts[reply.answer] = counts.get(reply.answer, 0) + 1
            if reply.answer != "no" and reply.access and reply.access != "none":
                person = await participants.get(s, reply.participant_id)
                needs.append((_name(person), NEEDS.get(reply.access, reply.access), reply.access_detail))
        counts["silent"] = len(members - {r.participant_id for r in replies})
        # Answers for the time before a move are not counted: those people were asked again.
        counts["stale"] = len(({r.participant_id for r in every} & members)
                              - {r.participant_id for r in replies})
        return counts, needs

    async def replied(
        self, s: Tx, person: Participant, row: FlowSession, key: str, value: Any
    ) -> None:
        """An answer in the RSVP flow: kept as the person's reply to the meeting."""
        meeting_id = sessions.subject_of(row, "meeting")
        meeting = await meetings.get(s, meeting_id) if meeting_id is not None else None
        if meeting is None or meeting.status != "scheduled":
            return
        asked_for = ((row.state or {}).get("extra") or {}).get("meeting", {}).get("version")
        if asked_for is not None and asked_for != meeting.version:
            return  # an answer about the meeting's old time, not the time it has now
        now = self.clock()
        if key == "rsvp" and value in ("yes", "no", "maybe"):
            await meetings.answer(s, meeting, person.id, answer=str(value), at=now)
        elif key == "access" and isinstance(value, str):
            await meetings.answer(s, meeting, person.id, access=value, at=now)
        elif key == "access_detail" and isinstance(value, str):
            await meetings.answer(s, meeting, person.id, access_detail=value, at=now)


def _name(person: Participant | None) -> str:
    if person is None:
        return "someone"
    return person.full_name or f"participant {person.id}"
