"""Meetings, and who said they can come and what they need."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Meeting, Rsvp


async def add(
    s: AsyncSession,
    *,
    group_id: int,
    title: str,
    starts_at: datetime,
    minutes: int,
    place: str | None,
    online_link: str | None,
    access_info: str | None,
    at: datetime,
) -> Meeting:
    meeting = Meeting(group_id=group_id, title=title, starts_at=starts_at, minutes=minutes,
                      place=place, online_link=online_link, access_info=access_info,
                      status="scheduled", version=1, created_at=at, updated_at=at)
    s.add(meeting)
    await s.flush()
    return meeting


async def get(s: AsyncSession, meeting_id: int) -> Meeting | None:
    return await s.get(Meeting, meeting_id)


async def listed(
    s: AsyncSession, *, group_id: int | None = None, since: datetime | None = None,
    include_cancelled: bool = False,
) -> list[Meeting]:
    """Meetings, soonest first; from ``since`` on, if given."""
    stmt = select(Meeting).order_by(Meeting.starts_at, Meeting.id)
    if group_id is not None:
        stmt = stmt.where(Meeting.group_id == group_id)
    if since is not None:
        stmt = stmt.where(Meeting.starts_at >= since)
    if not include_cancelled:
        stmt = stmt.where(Meeting.status == "scheduled")
    return list(await s.scalars(stmt))


async def cancel(s: AsyncSession, meeting: Meeting, *, at: datetime) -> None:
    meeting.status = "cancelled"
    meeting.updated_at = at
    await s.flush()


async def move(s: AsyncSession, meeting: Meeting, *, starts_at: datetime, at: datetime) -> None:
    """A new time: the meeting's version goes up, so reminders for the old time do nothing."""
    meeting.starts_at = starts_at
    meeting.version += 1
    meeting.updated_at = at
    await s.flush()


async def answer(
    s: AsyncSession, meeting: Meeting, participant_id: int, *, at: datetime, **fields: str | None
) -> Rsvp:
    """Keep (part of) someone's reply to the meeting at its present time: ``answer``,
    ``access``, ``access_detail``. A reply kept for an earlier time is replaced whole."""
    rsvp = await s.scalar(
        select(Rsvp).where(Rsvp.meeting_id == meeting.id, Rsvp.participant_id == participant_id)
    )
    if rsvp is None:
        rsvp = Rsvp(meeting_id=meeting.id, participant_id=participant_id,
                    answer=fields.get("answer") or "maybe", meeting_version=meeting.version)
        s.add(rsvp)
    elif rsvp.meeting_version != meeting.version:
        rsvp.answer, rsvp.access, rsvp.access_detail = fields.get("answer") or "maybe", None, None
        rsvp.meeting_version = meeting.version
    for name, value in fields.items():
        setattr(rsvp, name, value)
    rsvp.updated_at = at
    await s.flush()
    return rsvp


async def replies(s: AsyncSession, meeting_id: int, *, version: int | None = None) -> list[Rsvp]:
    """Replies to the meeting; with ``version``, only those given for that version (time)."""
    stmt = select(Rsvp).where(Rsvp.meeting_id == meeting_id).order_by(Rsvp.id)
    if version is not None:
        stmt = stmt.where(Rsvp.meeting_version == version)
    return list(await s.scalars(stmt))


async def counts(s: AsyncSession, meeting_id: int) -> dict[str, int]:
    """How many said yes, no and maybe to the meeting at its present time."""
    rows = await s.execute(
        select(Rsvp.answer, func.count())
        .join(Meeting, Meeting.id == Rsvp.meeting_id)
        .where(Rsvp.meeting_id == meeting_id, Rsvp.meeting_version == Meeting.version)
        .group_by(Rsvp.answer)
    )
    return {str(answer): int(n) for answer, n in rows}

