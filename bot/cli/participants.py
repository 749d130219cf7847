"""``copro participants``: the people copro knows, and their data rights."""

from __future__ import annotations

import json
from pathlib import Path

import click
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from bot.channels.telegram.channel import bot_username
from bot.cli._common import (
    State,
    actor,
    database,
    described,
    group_named,
    host,
    one_participant,
    pass_state,
    run,
)
from bot.cli.doctor import warn_about
from bot.core.clock import utcnow
from bot.core.files import write_private
from bot.features import doctor, rights
from bot.features import groups as group_work
from bot.features.people import People, PeopleError, Report, Row, deep_link, read_csv
from storage import groups, participants
from storage.db import Tx
from storage.models import ROLES

PROGRESS_FROM = 200  # rows: a bar for files big enough to take a while


@click.group("participants")
def participants_group() -> None:
    """Add, list, export and forget participants."""


@participants_group.command("add")
@click.option("--name", required=True,
              help="Their full name, for records (the welcome asks what they like to be called).")
@click.option("--phone", help="Their mobile number, for texts (or their phone, with --call).")
@click.option("--call", is_flag=True,
              help="Reach them by phone call at --phone, not by text (see docs/voice.md).")
@click.option("--telegram", help="Their Telegram chat id, if known (else give them an invite).")
@click.option("--whatsapp", help="Their number on WhatsApp (first contact: the opt-in template).")
@click.option("--language", type=click.Choice(["en", "cy"]), help="English or Welsh (default: language).")
@click.option("--group", "group_name", help="A group to put them in.")
@click.option("--role", type=click.Choice(ROLES), default="member", show_default=True)
@click.option("--admin", is_flag=True, help="They run the service: coordinator of every group.")
@click.option("--welcome", is_flag=True,
              help="Send the welcome now (it asks for consent), not when they first write.")
@pass_state
def add(
    state: State, name: str, phone: str | None, call: bool, telegram: str | None,
    whatsapp: str | None, language: str | None, group_name: str | None, role: str, admin: bool,
    welcome: bool,
) -> None:
    """Add someone, by phone number, WhatsApp or Telegram chat id, or none (then invite them)."""
    if call and not phone:
        raise click.UsageError("--call needs --phone: the number to call")
    row = Row(name=name, phone=phone or "", telegram=telegram or "", language=language or "",
              group=group_name or "", role=role, whatsapp=whatsapp or "", call=call)

    async def work() -> tuple[int, bool, bool, dict[str, list[doctor.Problem]]]:
        async with database(state.config) as db:
            conversations = await host(db, state)
            async with db.transaction() as s:
                try:
                    person, new = await People(state.config, utcnow).add(s, row, admin=admin)
                except PeopleError as exc:
                    raise click.ClickException(str(exc)) from None
                welcomed = welcome and await conversations.start_in(
                    s, person, state.config.flows.welcome, key=f"welcome:{person.id}")
                return person.id, new, welcomed, await _lacking(s, [group_name or ""])

    person_id, new, welcomed, lacking = run(work())
    if not new:
        click.echo(f"{name} was already participant {person_id}: added to {group_name} as {role}.")
    else:
        click.echo(f"Added {name} as participant {person_id}.")
        if welcomed:
            click.echo("The welcome is on its way: they will be asked for their consent.")
        elif not (phone or telegram or whatsapp):
            click.echo(f"copro cannot reach them yet: give them an invite with `copro invite {person_id}`.")
    warn_about(lacking)


async def _lacking(s: Tx, names: list[str]) -> dict[str, list[doctor.Problem]]:
    """What the groups called ``names`` lack (names of no group are passed over)."""
    touched = [await groups.get_group_by_name(s, name) for name in dict.fromkeys(names) if name]
    return await doctor.problems_by_group(s, [g.id for g in touched if g is not None])


@participants_group.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--create-groups", is_flag=True, help="Make the groups the file names that do not exist yet.")
@pass_state
def import_people(state: State, path: Path, create_groups: bool) -> None:
    """Add many people from a CSV file with the columns name, phone, telegram, language,
    group and role (a header line first; phone or telegram may be empty).

    Rows that cannot be added are listed with the reason; the others are added.
    Group names match whatever their case and spacing. A file naming a group that
    does not exist is refused, naming it, unless --create-groups. An optional call
    column (yes) reaches that person by phone call at their phone number, not by text.
    """
    try:
        rows = read_csv(path)
    except PeopleError as exc:
        raise click.ClickException(str(exc)) from None

    async def work() -> tuple[Report, dict[str, list[doctor.Problem]]]:
        async with database(state.config) as db, db.transaction() as s:
            with Progress(TextColumn("Adding people"), BarColumn(), MofNCompleteColumn(),
                          TimeRemainingColumn(), transient=True,
                          disable=len(rows) < PROGRESS_FROM) as bar:
                task = bar.add_task("import", total=len(rows))
                try:
                    report = await People(state.config, utcnow).import_rows(
                        s, rows, create_groups=create_groups, progress=lambda: bar.advance(task))
                except PeopleError as exc:
                    raise click.ClickException(str(exc)) from None
            return report, await _lacking(s, [row.group for row in rows])

    report, lacking = run(work())
    click.echo(f"{len(report.added)} added, {len(report.joined)} added to another group, "
               f"{len(report.skipped)} skipped.")
    for name in report.groups_made:
        click.echo(f"Made the group {name!r}.")
    for line, why in report.skipped:
        click.echo(f"  line {line}: {why}")
    if report.added:
        click.echo("They will be asked for their consent when they first write.")
    warn_about(lacking)


@participants_group.command("remove-from")
@click.argument("who")
@click.argument("group_name", metavar="GROUP")
@pass_state
def remove_from(state: State, who: str, group_name: str) -> None:
    """Take someone out of a group (every role they hold in it); they stay in copro.

    WHO is their number (from `copro participants list`), name, phone number or chat id.
    """

    async def work() -> tuple[str, str, list[str], dict[str, list[doctor.Problem]]]:
        async with database(state.config) as db, db.transaction() as s:
            person = await one_participant(s, who, state.config.twilio.default_region)
            group = await group_named(s, group_name)
            try:
                held = await group_work.remove_from(s, person, group, by=await actor(s, state), at=utcnow())
            except group_work.GroupError as exc:
                raise click.ClickException(str(exc)) from None
            return described(person), group.name, held, await doctor.problems_by_group(s, [group.id])

    person, group, held, lacking = run(work())
    click.echo(f"{person} is no longer in {group} (was {', '.join(held)}).")
    warn_about(lacking)


@participants_group.command("role")
@click.argument("who")
@click.argument("group_name", metavar="GROUP")
@click.argument("role", type=click.Choice(ROLES, case_sensitive=False))
@pass_state
def role(state: State, who: str, group_name: str, role: str) -> None:
    """Change the role someone holds in a group (member, coordinator or safeguarding).

    It becomes their one role in that group; someone not in it joins it.
    WHO is their number (from `copro participants list`), name, phone number or chat id.
    """

    async def work() -> tuple[str, str, list[str], dict[str, list[doctor.Problem]]]:
        async with database(state.config) as db, db.transaction() as s:
            person = await one_participant(s, who, state.config.twilio.default_region)
            group = await group_named(s, group_name)
            try:
                held = await group_work.set_role(s, person, group, role.lower(), by=await actor(s, state),
                                                 at=utcnow())
            except group_work.GroupError as exc:
                raise click.ClickException(str(exc)) from None
            return described(person), group.name, held, await doctor.problems_by_group(s, [group.id])

    person, group, held, lacking = run(work())
    was = f" (was {', '.join(held)})" if held else " (new to the group)"
    click.echo(f"{person} is now {role.lower()} of {group}{was}.")
    warn_about(lacking)


@participants_group.command("list")
@click.option("--group", "group_name", help="Only the members of this group.")
@pass_state
def list_people(state: State, group_name: str | None) -> None:
    """Number, name, how they are reached, language, status and roles."""

    async def work() -> None:
        async with database(state.config) as db, db.transaction() as s:
            if group_name:
                ids = await groups.member_ids(s, (await group_named(s, group_name)).id)
            else:
                ids = await participants.all_ids(s)
            if not ids:
                click.echo("No participants.")
            people = await participants.get_many(s, ids)
            names = {g.id: g.name for g in await groups.all_groups(s)}
            for pid in ids:
                person = people[pid]
                ways = ", ".join(f"{a.channel} {a.address}" + ("" if a.status == "ok" else f" ({a.status})")
                                 for a in await participants.addresses_of(s, pid))
                held = ", ".join(f"{role} of {names[g]}" for g, role in await groups.roles_of(s, pid))
                name = person.full_name or "-"
                if person.called and person.name and person.called != person.name:
                    name += f" (called {person.called})"
                click.echo(f"{pid:>5}  {name:<20}  {person.language}  "
                           f"{person.status:<9}  {'consented' if person.consent_at else 'no consent':<10}  "
                           f"{ways or 'no address'}  {held}{'  ADMIN' if person.admin else ''}")

    run(work())


@participants_group.command("change")
@click.argument("who")
@click.option("--name", help="Their full name, for records and for staff.")
@click.option("--called", help="The name they like to be called, in messages to them.")
@click.option("--phone", help="Their mobile number instead of the one copro has.")
@click.option("--telegram", help="Their Telegram chat id instead of the one copro has.")
@click.option("--language", type=click.Choice(["en", "cy"]), help="English or Welsh.")
@click.option("--reach", type=click.Choice(["call", "text"]),
              help="Use their phone number for phone calls or for texts.")
@click.option("--staff-notices", type=click.Choice(["telegram", "sms", "auto"]),
              help="Where their claims, alerts and summaries go (auto: Telegram when linked, else SMS).")
@pass_state
def change(state: State, who: str, name: str | None, called: str | None, phone: str | None,
           telegram: str | None, language: str | None, reach: str | None,
           staff_notices: str | None) -> None:
    """Put right someone's name, preferred name, number, chat id, language, how they are
    reached, or the channel for staff notices.

    WHO is their number (from `copro participants list`), name, phone number or chat id.
    Messages still waiting for them go to the new number or chat.
    """
    if all(v is None for v in (name, called, phone, telegram, language, reach, staff_notices)):
        raise click.UsageError("say what to change: --name, --called, --phone, --telegram, "
                               "--language, --reach or --staff-notices")

    async def work() -> tuple[int, list[str]]:
        async with database(state.config) as db, db.transaction() as s:
            person = await one_participant(s, who, state.config.twilio.default_region)
            try:
                changed = await People(state.config, utcnow).change(
                    s, person, name=name, called=called, phone=phone, telegram=telegram,
                    language=language, reach=reach, staff_notices=staff_notices)
            except PeopleError as exc:
                raise click.ClickException(str(exc)) from None
            return person.id, changed

    person_id, changed = run(work())
    if changed:
        click.echo(f"Changed the {' and '.join(changed)} of participant {person_id}.")
    else:
        click.echo(f"Participant {person_id} already had those details: nothing changed.")


@participants_group.command("export")
@click.argument("who")
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path),
              help="Write a zip archive here: the JSON and the photos they sent.")
@pass_state
def export(state: State, who: str, output: Path | None) -> None:
    """Everything copro keeps about one person, as JSON (a subject access request).

    WHO is their number (from `copro participants list`), name, phone number or chat id.
    With --output NAME.zip, an archive of the JSON and the photos they sent.
    """
    if output is not None and output.suffix.lower() != ".zip":
        raise click.BadParameter("the export is a zip archive (the JSON and their photos): "
                                 "give a name ending .zip", param_hint="--output")

    async def work() -> rights.Export:
        async with database(state.config) as db, db.transaction() as s:
            person = await one_participant(s, who, state.config.twilio.default_region)
            return await rights.gather_export(s, person, now=utcnow(), library=state.library())

    found = run(work())
    if output is None:
        click.echo(json.dumps(found.data, indent=2, ensure_ascii=False))
        if found.files:
            click.echo(f"It names {len(found.files)} photo(s): give --output NAME.zip to have "
                       "them in an archive with it.", err=True)
        return
    write_private(output, found.archive())
    kept = sum(path.is_file() for path in found.files.values())
    click.echo(f"Written to {output}: everything.json and {kept} photo(s) in files/.", err=True)


@participants_group.command("forget")
@click.argument("who")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@pass_state
def forget(state: State, who: str, yes: bool) -> None:
    """Erase a person's personal data and messages (a request to be forgotten).

    Their name, addresses, messages, answers and photos go, and so do the copies
    sent to staff about them; counts stay right, and claims keep their amounts for
    the accounts. This cannot be undone.
    """

    async def find() -> str:
        async with database(state.config) as db, db.transaction() as s:
            person = await one_participant(s, who, state.config.twilio.default_region)
            return f"{person.full_name or 'participant'} (number {person.id})"

    described = run(find())
    if not yes:
        click.confirm(f"Erase everything about {described}? This cannot be undone", abort=True)

    async def work() -> dict[str, int]:
        async with database(state.config) as db, db.transaction() as s:
            person = await one_participant(s, who, state.config.twilio.default_region)
            return await rights.forget(s, person, by=await actor(s, state), library=state.library(),
                                       media_dir=state.config.media_dir,
                                       spool_dir=state.config.spool_dir, now=utcnow())

    counts = run(work())
    click.echo(f"Forgotten: {described}. Erased {counts['messages']} message(s), "
               f"{counts['results']} answer(s), {counts['files']} file(s), and what "
               f"{counts['copies']} message(s) to others said about them.")


@click.command("invite")
@click.argument("who", required=False)
@click.option("--group", "group_name", help="Someone new: the group they join.")
@click.option("--name", help="Someone new: their name.")
@click.option("--role", type=click.Choice(ROLES), default="member", show_default=True)
@click.option("--language", type=click.Choice(["en", "cy"]), help="Someone new: English or Welsh.")
@click.option("--days", type=click.IntRange(1, 90), default=14, show_default=True,
              help="How long the code works.")
@pass_state
def invite(
    state: State, who: str | None, group_name: str | None, name: str | None, role: str,
    language: str | None, days: int,
) -> None:
    """A one-time code (and a Telegram link) that links someone's Telegram to copro.

    Give WHO (someone copro knows) or, for someone new, --group and --name. They
    send the code to the bot, or open the link, and copro knows them from then on.
    """
    if who is None and not (group_name and name):
        raise click.UsageError("give WHO, or --group and --name for someone new")

    async def work() -> tuple[str, str, str]:
        async with database(state.config) as db, db.transaction() as s:
            people = People(state.config, utcnow)
            if who is not None:
                person = await one_participant(s, who, state.config.twilio.default_region)
            else:
                try:
                    person, _ = await people.add(s, Row(name=name or "", group=group_name or "",
                                                        role=role, language=language or ""))
                except PeopleError as exc:
                    raise click.ClickException(str(exc)) from None
            made = await people.invite(s, person, days=days)
            return made.code, person.full_name or f"participant {person.id}", f"{made.expires_at:%d %B %Y}"

    code, described, until = run(work())
    link = deep_link(run(bot_username(state.config)), code)
    click.echo(f"Invite for {described}: {code} (works once, until {until}).")
    if link:
        click.echo(f"Telegram link: {link}")
    else:
        click.echo("They send /start " + code + " to the group's Telegram bot.")
