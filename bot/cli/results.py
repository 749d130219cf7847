"""``copro results``: what the check-ins add up to, as a spreadsheet or one person's trend."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import click

from bot.cli._common import (
    DAY,
    State,
    database,
    day_range,
    group_named,
    one_participant,
    pass_state,
    run,
)
from bot.core import csvfiles as _csv
from bot.features import reports


@click.group("results")
def results_group() -> None:
    """Export check-in results and follow a person's wellbeing over time."""


@results_group.command("export")
@click.option("--group", "group_name", required=True, help="The group whose members' answers to export.")
@click.option("--flow", "flow_id", default="weekly-checkin", show_default=True)
@click.option("--from", "start", type=DAY, help="First day (YYYY-MM-DD).")
@click.option("--to", "end", type=DAY, help="Last day (YYYY-MM-DD).")
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the CSV here (default: the screen).")
@pass_state
def export(
    state: State, group_name: str, flow_id: str, start: datetime | None, end: datetime | None,
    output: Path | None,
) -> None:
    """One row per completed conversation, one column per answer (CSV)."""
    library = state.library()
    if flow_id not in library:
        raise click.BadParameter(f"there is no flow {flow_id!r}", param_hint="--flow")
    since, until = day_range(start, end, state.config.timezone)

    async def work() -> reports.Table:
        async with database(state.config) as db, db.transaction() as s:
            group = await group_named(s, group_name)
            return await reports.table(s, library, group=group, flow_id=flow_id, since=since,
                                       until=until)

    table = run(work())
    _csv.write(output, table.columns, table.rows)
    click.echo(f"{len(table.rows)} completed {flow_id} conversation(s) exported.", err=True)


@results_group.command("trend")
@click.argument("who")
@click.option("--last", type=click.IntRange(2, 104), default=12, show_default=True,
              help="How many check-ins to look back over.")
@pass_state
def trend(state: State, who: str, last: int) -> None:
    """A person's weekly wellbeing answers over time (0 to 10; for anxiety lower is better)."""

    async def work() -> tuple[str, list[reports.Point]]:
        async with database(state.config) as db, db.transaction() as s:
            person = await one_participant(s, who, state.config.twilio.default_region)
            return person.full_name or f"participant {person.id}", await reports.trend(s, person, last=last)

    name, points = run(work())
    if not points:
        click.echo(f"{name} has no check-in answers yet.")
        return
    click.echo(f"{name}: {len(points)} check-in(s), {points[0].at:%d %b %Y} to {points[-1].at:%d %b %Y}")
    for line in reports.describe(points):
        click.echo(f"  {line}")
