"""``copro meetings``: add, list, move and cancel meetings."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import click

from bot.cli._common import State, actor, database, group_named, host, local_time, pass_state, run
from bot.core.clock import utcnow
from bot.core.quiet import zone
from bot.engine.definition import parse_duration
from bot.features.meetings import DuplicateMeeting, MeetingError, Meetings
from bot.language import when
from storage import groups, meetings
from storage.db import Tx
from storage.models import Meeting


@click.group("meetings")
def meetings_group() -> None:
    """Meetings: invitations with RSVP, reminders, and moving or cancelling them."""


@meetings_group.command("add")
@click.option("--group", "group_name", required=True, help="The group the meeting is for.")
@click.option("--title", required=True, help='What it is, as members will read it: "Planning day".')
@click.option("--at", "at", required=True,
              help='When it starts, on the service\'s clock: "Thu 3 Dec 2pm", "tomorrow 5pm", '
                   '"2026-12-03 14:00".')
@click.option("--duration", help='How long, like "90m" or "2h" (default: meetings.duration).')
@click.option("--where", "place", help='Where, as it reads after "at": "the Library, Room 2".')
@click.option("--online-link", help="A link to join online.")
@click.option("--access-info", help="What helps people take part: step-free access, a hearing loop...")
@click.option("--allow-duplicate", is_flag=True,
              help="Add it even though the group has a meeting with this title at this time.")
@pass_state
def add(
    state: State, group_name: str, title: str, at: str, duration: str | None, place: str | None,
    online_link: str | None, access_info: str | None, allow_duplicate: bool,
) -> None:
    """Add a meeting; its invitation and reminders go out on their own.

    The invitation (can you come? what do you need?) goes meetings.reminders[0]
    before (2 days by default), or at once if that time has passed.
    """
    starts = local_time(at, state.config.timezone)
    minutes = None
    if duration:
        try:
            minutes = int(parse_duration(duration).total_seconds() // 60)
        except ValueError as exc:
            raise click.BadParameter(str(exc), param_hint="--duration") from None

    async def work() -> int:
        async with database(state.config) as db:
            conversations = await host(db, state)
            async with db.transaction() as s:
                group = await group_named(s, group_name)
                try:
                    meeting = await Meetings(conversations, state.config).add(
                        s, group, title=title, starts_at=starts, minutes=minutes, place=place,
                        online_link=online_link, access_info=access_info,
                        allow_duplicate=allow_duplicate, by=await actor(s, state),
                    )
                except DuplicateMeeting as exc:
                    raise click.ClickException(f"{exc}; give --allow-duplicate to add another") from None
                except MeetingError as exc:
                    raise click.ClickException(str(exc)) from None
                return meeting.id

    meeting_id = run(work())
    click.echo(f"Meeting {meeting_id} added: {title}, {when.spoken(starts)}.")


@meetings_group.command("list")
@click.option("--group", "group_name", help="Only this group's meetings.")
@click.option("--all", "everything", is_flag=True, help="Past and cancelled meetings too.")
@pass_state
def list_meetings(state: State, group_name: str | None, everything: bool) -> None:
    """Meetings, soonest first: number, group, title, time, place, replies so far."""

    async def work() -> None:
        async with database(state.config) as db, db.transaction() as s:
            group_id = (await group_named(s, group_name)).id if group_name else None
            found = await meetings.listed(s, group_id=group_id, include_cancelled=everything,
                                          since=None if everything else utcnow())
            if not found:
                click.echo("No meetings.")
            names = {g.id: g.name for g in await groups.all_groups(s)}
            clock = state.config.timezone
            for m in found:
                counts = await meetings.counts(s, m.id)
                replies = ", ".join(f"{counts.get(a, 0)} {a}" for a in ("yes", "maybe", "no"))
                where = f", at {m.place}" if m.place else ""
                status = "" if m.status == "scheduled" else f"  [{m.status.upper()}]"
                click.echo(f"{m.id:>4}  {names.get(m.group_id, '?')}: {m.title}, "
                           f"{when.spoken(m.starts_at.astimezone(zone(clock)))}{where}  "
                           f"({replies}){status}")

    run(work())


@meetings_group.command("move")
@click.argument("meeting_id", type=int)
@click.option("--at", "at", required=True, help='The new time: "2026-12-08 14:00".')
@pass_state
def move(state: State, meeting_id: int, at: str) -> None:
    """Move a meeting: everyone already invited is told, and asked again who can come."""
    starts = local_time(at, state.config.timezone)
    told = _change(state, meeting_id, lambda handler, s, m, by: handler.move(s, m, starts, by=by))
    click.echo(f"Meeting {meeting_id} moved to {when.spoken(starts)}; {told} people will be told.")


@meetings_group.command("cancel")
@click.argument("meeting_id", type=int)
@pass_state
def cancel(state: State, meeting_id: int) -> None:
    """Cancel a meeting: everyone already invited is told, and nothing more is sent."""
    told = _change(state, meeting_id, lambda handler, s, m, by: handler.cancel(s, m, by=by))
    click.echo(f"Meeting {meeting_id} cancelled; {told} people will be told.")


Change = Callable[[Meetings, Tx, Meeting, str], Awaitable[int]]  # (..., who is deciding)


def _change(state: State, meeting_id: int, change: Change) -> int:
    async def work() -> int:
        async with database(state.config) as db:
            conversations = await host(db, state)
            async with db.transaction() as s:
                meeting = await meetings.get(s, meeting_id)
                if meeting is None:
                    raise click.ClickException(f"there is no meeting {meeting_id}")
                try:
                    return await change(Meetings(conversations, state.config), s, meeting,
                                        await actor(s, state))
                except MeetingError as exc:
                    raise click.ClickException(str(exc)) from None

    return run(work())

