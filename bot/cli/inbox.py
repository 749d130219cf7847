"""``copro inbox``: the texts kept on disk because the database could not take them, and those
copro could not handle at all (set aside), with a way to put them back in line."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import click

from bot.cli._common import State, database, host, pass_state, run
from bot.core.logs import mask
from bot.delivery.inbox import Inbox, Spool


@click.group("inbox")
def inbox_group() -> None:
    """See texts kept on disk while the database could not take them, and replay them."""


@inbox_group.command("list")
@pass_state
def inbox_list(state: State) -> None:
    """List the texts waiting on disk and those set aside, oldest first, with why.

    No words of a text are shown; a number is masked.
    """
    spool = Spool(state.config.spool_dir)
    waiting, aside = spool.waiting(), spool.set_aside()
    for path in waiting:
        click.echo(f"{_line(spool, path)}  waiting for the database")
    for path in aside:
        click.echo(f"{_line(spool, path)}  set aside: {spool.error(path) or 'no reason kept'}")
    click.echo(f"{len(waiting)} waiting, {len(aside)} set aside (in {spool.directory}).")
    if aside:
        click.echo("Fix the cause, then put them back in line: copro inbox replay --all")


@inbox_group.command("replay")
@click.argument("ids", nargs=-1)
@click.option("--all", "everything", is_flag=True, help="Every text set aside.")
@click.option("--now", is_flag=True,
              help="Handle the waiting texts in this command (only while copro run is stopped).")
@pass_state
def inbox_replay(state: State, ids: tuple[str, ...], everything: bool, now: bool) -> None:
    """Put texts set aside (by ID, or --all) back in line to be handled again.

    A running copro handles the line within seconds; with copro stopped, it is
    handled when copro next starts, or at once with --now.
    """
    spool = Spool(state.config.spool_dir)
    if not (ids or everything or now):
        raise click.UsageError("name the texts to replay (IDs from copro inbox list), or --all")
    known = {path.stem: path for path in spool.set_aside()}
    missing = [name for name in ids if name.removesuffix(".json") not in known]
    if missing:
        raise click.ClickException(f"no text set aside with ID {', '.join(missing)}: see "
                                   "copro inbox list")
    chosen = list(known.values()) if everything else [known[n.removesuffix(".json")] for n in ids]
    for path in chosen:
        spool.put_back(path)
    if chosen:
        click.echo(f"{len(chosen)} text(s) put back in line.")
    if not now:
        click.echo("copro run handles them within seconds (or when it next starts).")
        return

    async def replay() -> tuple[int, bool]:
        async with database(state.config) as db:
            inbox = Inbox(await host(db, state), spool)
            done = await inbox.replay()
            return done, inbox.stalled

    done, stalled = run(replay())
    left, aside = len(spool.waiting()), len(spool.set_aside())
    click.echo(f"{done} text(s) handled; {left} still waiting, {aside} set aside.")
    if stalled:
        raise click.ClickException("the database could not take the rest: try again later")


def _line(spool: Spool, path: Path) -> str:
    item = spool.read(path)
    at = datetime.fromtimestamp(spool.arrived(path), UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    return f"{path.stem}  {at}  {item.channel:<8} {item.kind:<7} from {mask(item.address)}"
