"""``copro groups``: groups, who is in them, and when their weekly check-in goes out."""

from __future__ import annotations

from collections.abc import Callable
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import click

from bot.cli._common import State, actor, database, group_named, pass_state, run
from bot.cli.doctor import warn_about
from bot.core.clock import utcnow
from bot.core.config import WEEKDAYS, parse_clock
from bot.features import checkins, doctor
from bot.features import groups as group_work
from bot.features.checkins import schedule_of
from bot.language.when import clock
from storage import groups, participants
from storage.models import Group


@click.group("groups")
def groups_group() -> None:
    """Add groups, see who is in them, and set their weekly check-in."""


def _words_options(command: Callable[..., None]) -> Callable[..., None]:
    """--coordinator, --welsh-name and --welsh-coordinator: what the group's members read."""
    for option in reversed([
        click.option("--coordinator", help='How members reach their coordinator, as copro says it: '
                     '"Sam on 01234 567890" (HELP, STOP, "contact ..."). "" for [group] coordinator.'),
        click.option("--welsh-name", "name_cy", help="The group's name in Welsh messages."),
        click.option("--welsh-coordinator", "coordinator_cy",
                     help='The coordinator in Welsh messages: "Sam ar 01234 567890".'),
    ]):
        command = option(command)
    return command


@groups_group.command("add")
@click.argument("name")
@_words_options
@pass_state
def add(state: State, name: str, coordinator: str | None, name_cy: str | None,
        coordinator_cy: str | None) -> None:
    """Add a group. Its weekly check-in follows [checkins] until `copro groups schedule`;
    its members read its own name and coordinator (else the [group] words)."""
    if not name.strip():
        raise click.BadParameter("give the group a name", param_hint="NAME")

    async def work() -> tuple[str, dict[str, list[doctor.Problem]]]:
        async with database(state.config) as db, db.transaction() as s:
            same = await groups.get_group_by_name(s, name)
            if same is not None:
                raise click.ClickException(f"there is already a group called {same.name!r}")
            group = await groups.create_group(s, name.strip())
            await group_work.set_words(s, group, by=await actor(s, state), at=utcnow(),
                                       coordinator=coordinator, name_cy=name_cy,
                                       coordinator_cy=coordinator_cy)
            schedule = await checkins.begin(s, group, state.config, now=utcnow())
            return _describe(schedule), await doctor.problems_by_group(s, [group.id])

    described, found = run(work())
    click.echo(f"Group {' '.join(name.split())!r} added. Weekly check-in: {described}.")
    warn_about(found)


@groups_group.command("edit")
@click.argument("name")
@_words_options
@pass_state
def edit(state: State, name: str, coordinator: str | None, name_cy: str | None,
         coordinator_cy: str | None) -> None:
    """Change what a group's members read: how to reach its coordinator, its Welsh name.
    An empty value ("") gives back the service's [group] words."""
    if coordinator is None and name_cy is None and coordinator_cy is None:
        raise click.UsageError("say what to change: --coordinator, --welsh-name or --welsh-coordinator")

    async def work() -> tuple[str, list[str]]:
        async with database(state.config) as db, db.transaction() as s:
            group = await group_named(s, name)
            await group_work.set_words(s, group, by=await actor(s, state), at=utcnow(),
                                       coordinator=coordinator, name_cy=name_cy,
                                       coordinator_cy=coordinator_cy)
            return group.name, _words(state, group)

    named, lines = run(work())
    click.echo(f"Group {named!r} changed. Its members read:")
    for line in lines:
        click.echo(f"  {line}")


def _words(state: State, group: Group) -> list[str]:
    """What the group's members read, in English and Welsh, as `groups list` shows it."""
    lines = []
    for language, label in (("en", "English"), ("cy", "Welsh")):
        name, coordinator = state.config.group.words(language, group)
        lines.append(f"{label}: {name}; contact {coordinator}")
    return lines


@groups_group.command("rename")
@click.argument("old")
@click.argument("new")
@pass_state
def rename(state: State, old: str, new: str) -> None:
    """Give a group a new name; its people, meetings and polls stay with it."""

    async def work() -> tuple[str, str]:
        async with database(state.config) as db, db.transaction() as s:
            group = await group_named(s, old)
            try:
                was = await group_work.rename(s, group, new, by=await actor(s, state), at=utcnow())
            except group_work.GroupError as exc:
                raise click.ClickException(str(exc)) from None
            return was, group.name

    was, now = run(work())
    click.echo(f"Group {was!r} is now called {now!r}.")


@groups_group.command("remove")
@click.argument("name")
@click.option("--force", is_flag=True,
              help="Remove it even though it has people, meetings or polls.")
@pass_state
def remove(state: State, name: str, force: bool) -> None:
    """Remove a group. Its people stay in copro; its meetings and polls are deleted.

    A group that still has people, meetings or polls is kept unless --force.
    """

    async def work() -> tuple[str, group_work.Contents]:
        async with database(state.config) as db, db.transaction() as s:
            group = await group_named(s, name)
            try:
                held = await group_work.remove(s, group, force=force, by=await actor(s, state), at=utcnow())
            except group_work.GroupError as exc:
                raise click.ClickException(str(exc)) from None
            return group.name, held

    removed, held = run(work())
    click.echo(f"Group {removed!r} removed, with {held}.")


@groups_group.command("list")
@pass_state
def list_groups(state: State) -> None:
    """Each group, how many people are in it, its weekly check-in, and what it lacks."""

    async def work() -> None:
        async with database(state.config) as db, db.transaction() as s:
            found = await groups.all_groups(s)
            if not found:
                click.echo("No groups yet: add one with `copro groups add NAME`.")
            lacking = await doctor.problems_by_group(s, [g.id for g in found])
            for group in found:
                people = len(await groups.member_ids(s, group.id))
                click.echo(f"{group.name}: {people} people; check-in "
                           f"{_describe(schedule_of(group, state.config))}")
                for problem in lacking.get(group.name, []):
                    click.echo(f"  ! {problem.where}: {problem.what}")
                for line in _words(state, group):
                    click.echo(f"  {line}")
            if lacking:
                click.echo("See how to put each right with `copro doctor`.")

    run(work())


@groups_group.command("members")
@click.argument("name")
@pass_state
def members(state: State, name: str) -> None:
    """Who is in a group, in which role, and how they are reached."""

    async def work() -> None:
        async with database(state.config) as db, db.transaction() as s:
            group = await group_named(s, name)
            ids = await groups.member_ids(s, group.id)
            if not ids:
                click.echo(f"No one is in {group.name} yet.")
            people = await participants.get_many(s, ids)
            for pid in ids:
                person = people[pid]
                held = [role for g, role in await groups.roles_of(s, pid) if g == group.id]
                ways = ", ".join(a.channel for a in await participants.addresses_of(s, pid))
                consent = "" if person.consent_at else ", no consent yet"
                click.echo(f"{pid:>5}  {person.full_name or '-'} ({', '.join(held)}; {ways or 'no address'}; "
                           f"{person.status}{consent})")

    run(work())


@groups_group.command("schedule")
@click.argument("name")
@click.option("--day", type=click.Choice(WEEKDAYS, case_sensitive=False), help="The day of the week.")
@click.option("--time", "at", help="The time of day, 24-hour: 10:00.")
@click.option("--timezone", help="The clock of --day and --time, like Europe/London.")
@click.option("--flow", help="The flow a check-in runs (default weekly-checkin).")
@click.option("--off", "enabled", flag_value=False, default=None, help="No weekly check-in.")
@click.option("--on", "enabled", flag_value=True, help="Weekly check-ins again.")
@pass_state
def schedule(
    state: State, name: str, day: str | None, at: str | None, timezone: str | None,
    flow: str | None, enabled: bool | None,
) -> None:
    """Change when a group's weekly check-in goes out (or turn it off or on)."""
    try:
        when_at = parse_clock(at) if at else None  # the same HH:MM rule as the configuration
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--time") from None
    if timezone:
        try:
            ZoneInfo(timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise click.BadParameter(f"unknown timezone {timezone!r}", param_hint="--timezone") from None
    if flow and flow not in state.library():
        raise click.BadParameter(f"there is no flow {flow!r}", param_hint="--flow")

    async def work() -> str:
        async with database(state.config) as db, db.transaction() as s:
            group = await group_named(s, name)
            changed = await checkins.set_schedule(
                s, group, state.config, now=utcnow(), enabled=enabled,
                weekday=WEEKDAYS.index(day.lower()) if day else None, at=when_at,
                timezone=timezone, flow=flow,
            )
            return _describe(changed)

    click.echo(f"{name}: weekly check-in {run(work())}.")


def _describe(schedule: checkins.Schedule) -> str:
    if not schedule.enabled:
        return "off"
    return (f"{WEEKDAYS[schedule.weekday].capitalize()}s at {clock(schedule.at)} "
            f"({schedule.timezone}), flow {schedule.flow}")
