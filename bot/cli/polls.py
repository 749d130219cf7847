"""``copro polls`` and ``copro broadcast``: asking a group a question, or telling it something."""

from __future__ import annotations

from datetime import datetime

import click

from bot.cli._common import State, actor, database, deciding, group_named, host, local_time, pass_state, run
from bot.core import csvfiles as _csv
from bot.core.clock import utcnow
from bot.core.quiet import zone
from bot.engine.definition import Text, text_for
from bot.features import outreach
from bot.features.broadcasts import BroadcastError, Broadcasts, Preview, topic
from bot.features.outreach import Reach
from bot.features.polls import PollError, Polls, Tally
from bot.language import when
from storage import broadcasts, groups, polls


@click.group("polls")
def polls_group() -> None:
    """Quick polls: ask a group, then see the answers from SMS and Telegram together."""


@polls_group.command("add")
@click.option("--group", "group_name", required=True, help="The group to ask.")
@click.option("--question", required=True, help="The question, in English.")
@click.option("--option", "options", multiple=True, required=True,
              help="An answer to choose from (give 2 to 10, one --option each).")
@click.option("--welsh-question", help="The question in Welsh, for people who chose Welsh.")
@click.option("--welsh-option", "welsh_options", multiple=True,
              help="Each answer in Welsh, in the same order as --option.")
@click.option("--multiple", is_flag=True, help="People may choose more than one answer.")
@click.option("--closes", required=True,
              help='When it closes: "tomorrow 5pm", "Fri 4 Dec 5pm", "2026-12-04 17:00".')
@click.option("--share-results", is_flag=True, help="Send the results to the whole group at the close.")
@pass_state
def add(
    state: State, group_name: str, question: str, options: tuple[str, ...],
    welsh_question: str | None, welsh_options: tuple[str, ...], multiple: bool, closes: str,
    share_results: bool,
) -> None:
    """Ask a group a question; everyone gets it, on their channel and in their language."""
    if welsh_options and len(welsh_options) != len(options):
        raise click.BadParameter("give one --welsh-option for each --option, in the same order",
                                 param_hint="--welsh-option")
    closes_at = local_time(closes, state.config.timezone, option="--closes")
    asked: Text = {"en": question, **({"cy": welsh_question} if welsh_question else {})}
    answers: list[Text] = [
        {"en": english, **({"cy": welsh_options[n]} if welsh_options else {})}
        for n, english in enumerate(options)
    ]

    async def work() -> int:
        async with database(state.config) as db:
            conversations = await host(db, state)
            async with db.transaction() as s:
                group = await group_named(s, group_name)
                by, name = await deciding(s, state)
                try:
                    poll = await Polls(conversations, state.config).create(
                        s, group, question=asked, options=answers, closes_at=closes_at,
                        multiple=multiple, share_results=share_results, by=by,
                        actor=None if by else name,
                    )
                except PollError as exc:
                    raise click.ClickException(str(exc)) from None
                return poll.id

    poll_id = run(work())
    click.echo(f"Poll {poll_id} sent to {group_name}; it closes {when.spoken(closes_at)}.")


@polls_group.command("list")
@pass_state
def list_polls(state: State) -> None:
    """Polls, newest first, with how many have answered."""

    async def work() -> None:
        async with database(state.config) as db, db.transaction() as s:
            found = await polls.listed(s)
            if not found:
                click.echo("No polls.")
            names = {g.id: g.name for g in await groups.all_groups(s)}
            for poll in found:
                votes = len(await polls.votes(s, poll.id))
                click.echo(f"{poll.id:>4}  {names.get(poll.group_id, '?')}: "
                           f"{text_for(poll.question, 'en')}  [{poll.status}, {votes} answered, "
                           f"closes {poll.closes_at:%Y-%m-%d %H:%M} UTC]")

    run(work())


@polls_group.command("results")
@click.argument("poll_id", type=int)
@click.option("--csv", "as_csv", is_flag=True, help="As CSV: option, votes, percent.")
@pass_state
def results(state: State, poll_id: int, as_csv: bool) -> None:
    """A poll's answers so far (or final): votes and percentages for each option."""
    tally = _tally(state, poll_id)
    if as_csv:
        _csv.write(None, ["option", "votes", "percent_of_voters"], [
            [label, votes, round(100 * votes / tally.voters) if tally.voters else 0]
            for label, votes in tally.ranked("en")])
        return
    click.echo(f"{text_for(tally.poll.question, 'en')} ({tally.poll.status})")
    for line in tally.lines("en"):
        click.echo(f"  {line}")
    click.echo(f"{tally.voters} of {tally.members} people answered.")


@polls_group.command("close")
@click.argument("poll_id", type=int)
@pass_state
def close(state: State, poll_id: int) -> None:
    """Close a poll now and send its results, instead of waiting for its closing time."""

    async def work() -> int:
        async with database(state.config) as db:
            conversations = await host(db, state)
            async with db.transaction() as s:
                poll = await polls.get(s, poll_id)
                if poll is None:
                    raise click.ClickException(f"there is no poll {poll_id}")
                if poll.status != "open":
                    raise click.ClickException(f"poll {poll_id} is already {poll.status}")
                return await Polls(conversations, state.config).close(s, poll, by=await actor(s, state))

    sent = run(work())
    click.echo(f"Poll {poll_id} closed; the results went to {sent} people.")


def _tally(state: State, poll_id: int) -> Tally:
    async def work() -> Tally:
        async with database(state.config) as db:
            conversations = await host(db, state)
            async with db.transaction() as s:
                poll = await polls.get(s, poll_id)
                if poll is None:
                    raise click.ClickException(f"there is no poll {poll_id}")
                return await Polls(conversations, state.config).tally(s, poll)

    return run(work())


@click.command("broadcast")
@click.option("--group", "group_name", required=True, help="The group to tell.")
@click.option("--text", required=True, help="The message, in English.")
@click.option("--welsh", help="The message in Welsh, for people who chose Welsh.")
@click.option("--yes", is_flag=True, help="Send it without showing the preview and asking (for scripts).")
@pass_state
def broadcast(state: State, group_name: str, text: str, welsh: str | None, yes: bool) -> None:
    """Send one message to everyone in a group, each in their own language.

    First shows who it reaches now on each channel, how many contact hours hold, and
    the SMS parts and encoding of each language's text; then asks to send it.
    """
    words: Text = {"en": text, **({"cy": welsh} if welsh else {})}

    async def look() -> tuple[str, Preview]:
        async with database(state.config) as db:
            conversations = await host(db, state)
            async with db.transaction() as s:
                group = await group_named(s, group_name)
                try:
                    return group.name, await Broadcasts(conversations, state.config).preview(s, group, words)
                except BroadcastError as exc:
                    raise click.ClickException(str(exc)) from None

    async def send() -> tuple[int, Reach]:
        async with database(state.config) as db:
            conversations = await host(db, state)
            async with db.transaction() as s:
                group = await group_named(s, group_name)
                by, name = await deciding(s, state)
                try:
                    sent, reach = await Broadcasts(conversations, state.config).send(
                        s, group, words, by=by, actor=None if by else name)
                except BroadcastError as exc:
                    raise click.ClickException(str(exc)) from None
                return sent.id, reach

    if not yes:
        name, preview = run(look())
        click.echo("\n".join(_preview_lines(name, preview, state.config.timezone)))
        click.confirm("Send it?", abort=True)
    broadcast_id, reach = run(send())
    click.echo(f"Broadcast {broadcast_id} for {reach.people} people: {reach_words(reach)}. "
               f"See how it went with `copro broadcasts show {broadcast_id}`.")


LANGUAGES = {"en": "English", "cy": "Welsh"}


def _preview_lines(group: str, preview: Preview, timezone: str) -> list[str]:
    def ways(counts: dict[str, int]) -> str:
        return ", ".join(f"{n} by {'SMS' if channel == 'sms' else channel.capitalize()}"
                         for channel, n in sorted(counts.items())) or "nobody"

    total = sum(preview.now.values()) + sum(preview.held.values())
    lines = [f"This broadcast goes to {total} people in {group}:", f"  now: {ways(preview.now)}"]
    if preview.held:
        until = preview.first_held_until
        since = f" (the first goes {when.spoken(until.astimezone(zone(timezone)))})" if until else ""
        lines.append(f"  held by contact hours: {ways(preview.held)}{since}")
    if preview.unreachable:
        lines.append(f"  not sent, no working address: {preview.unreachable}")
    for lang, (parts, encoding) in preview.sms.items():
        lines.append(f"  {LANGUAGES.get(lang, lang)} ({preview.languages.get(lang, 0)} people): "
                     f"{parts} SMS part(s), {encoding}")
    return lines


def reach_words(reach: Reach) -> str:
    """``3 now, 29 waiting for their contact hours (the first from ...)``: what really happens."""
    said = [f"{reach.now} now"]
    if reach.later:
        said.append(f"{reach.later} waiting for their contact hours (the first from "
                    f"{reach.opens:%Y-%m-%d %H:%M} UTC)")
    if reach.unreachable:
        said.append(f"{reach.unreachable} cannot be reached (no address that works)")
    return ", ".join(said)


@click.group("broadcasts")
def broadcasts_group() -> None:
    """See what became of a broadcast."""


@broadcasts_group.command("show")
@click.argument("broadcast_id", type=int)
@pass_state
def show(state: State, broadcast_id: int) -> None:
    """A broadcast's words and its delivery: sent, delivered, read, failed, not sent, waiting."""

    async def work() -> tuple[dict[str, str], dict[str, int], datetime | None]:
        async with database(state.config) as db:
            conversations = await host(db, state)
            async with db.transaction() as s:
                found = await broadcasts.get(s, broadcast_id)
                if found is None:
                    raise click.ClickException(f"there is no broadcast {broadcast_id}")
                counts = await Broadcasts(conversations, state.config).summary(s, found)
                waiting = await broadcasts.waiting_until(s, topic(found), outreach.SAY)
                return found.texts, counts, waiting

    words, counts, waiting = run(work())
    for lang in sorted(words, key=lambda lang: (lang != "en", lang)):  # English first
        click.echo(f"[{lang}] {words[lang]}")
    click.echo(", ".join(f"{counts[k]} {k.replace('_', ' ')}" for k in
                         ("sent", "delivered", "read", "failed", "opted_out", "waiting")
                         if k != "read" or counts[k])  # read: where the provider says (WhatsApp)
               + (f" (for their contact hours, the last until {waiting:%Y-%m-%d %H:%M} UTC)"
                  if counts["waiting"] and waiting else ""))
    click.echo(f"(as of {utcnow():%Y-%m-%d %H:%M} UTC)")
