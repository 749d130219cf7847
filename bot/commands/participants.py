"""``copro participants``: the people copro knows, and their data rights."""

from __future__ import annotations

import json
from pathlib import Path

import click

from bot import rights
from bot.commands._common import State, database, group_named, one_participant, pass_state, run
from storage import groups, participants
from storage.clock import utcnow


@click.group("participants")
def participants_group() -> None:
    """Add, list, export and forget participants."""


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
                click.echo(f"{pid:>5}  {person.name or '-':<20.20}  {person.language}  "
                           f"{person.status:<9}  {'consented' if person.consent_at else 'no consent':<10}  "
                           f"{ways or 'no address'}  {held}{'  ADMIN' if person.admin else ''}")

    run(work())


@participants_group.command("export")
@click.argument("who")
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the JSON here (default: the screen).")
@pass_state
def export(state: State, who: str, output: Path | None) -> None:
    """Everything copro keeps about one person, as JSON (a subject access request).

    WHO is their number (from `copro participants list`), name, phone number or chat id.
    """

    async def work() -> dict[str, object]:
        async with database(state.config) as db, db.transaction() as s:
            person = await one_participant(s, who)
            return await rights.export(s, person, now=utcnow())

    text = json.dumps(run(work()), indent=2, ensure_ascii=False)
    if output is None:
        click.echo(text)
    else:
        output.write_text(text + "\n", encoding="utf-8")
        click.echo(f"Written to {output}.", err=True)


@participants_group.command("forget")
@click.argument("who")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@pass_state
def forget(state: State, who: str, yes: bool) -> None:
    """Erase a person's personal data and messages (a request to be forgotten).

    Their name, addresses, messages, answers and photos go; counts stay right, and
    claims keep their amounts for the accounts. This cannot be undone.
    """

    async def find() -> str:
        async with database(state.config) as db, db.transaction() as s:
            person = await one_participant(s, who)
            return f"{person.name or 'participant'} (number {person.id})"

    described = run(find())
    if not yes:
        click.confirm(f"Erase everything about {described}? This cannot be undone", abort=True)

    async def work() -> dict[str, int]:
        async with database(state.config) as db, db.transaction() as s:
            person = await one_participant(s, who)
            return await rights.forget(s, person, by="command line",
                                       media_dir=state.config.media_dir, now=utcnow())

    counts = run(work())
    click.echo(f"Forgotten: {described}. Erased {counts['messages']} message(s), "
               f"{counts['results']} answer(s), {counts['files']} file(s).")
