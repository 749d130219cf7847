"""``copro messages``: messages that did not reach their person, why in plain words, and
sending one again once the cause is fixed; and what became of any one message."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import click

from bot.cli._common import State, database, pass_state, run
from bot.core.clock import utcnow
from bot.core.logs import mask
from bot.delivery.reasons import plain
from storage import failed, messages
from storage import participants as people
from storage.models import Message, Participant


@click.group("messages")
def messages_group() -> None:
    """See failed messages with why and send them again, or what became of any one."""


@messages_group.command("failed")
@click.option("--days", default=7, show_default=True, type=click.IntRange(1, 3650),
              help="How far back to look.")
@click.option("--resend", "resend", type=int, metavar="ID", multiple=True,
              help="Put failed message ID back in the outbox instead (may be given more than once).")
@pass_state
def messages_failed(state: State, days: int, resend: tuple[int, ...]) -> None:
    """List the messages that failed in the last days, latest first, with why in plain words.

    With --resend ID, that message goes back in the outbox and copro run sends it
    (unless the person still cannot be reached, or asked for no more messages).
    """
    config = state.config
    now = utcnow()

    async def work() -> tuple[list[tuple[Message, Participant | None]], list[int]]:
        async with database(config) as db, db.transaction() as s:
            if not resend:
                return await failed.since(s, now - timedelta(days=days)), []
            missing = [mid for mid in resend if await failed.send_again(s, mid, at=now) is None]
            if missing:
                raise click.ClickException(
                    f"no failed message with ID {', '.join(map(str, missing))}: see "
                    "copro messages failed (nothing was sent again)")
            return [], list(resend)

    found, again = run(work())
    if again:
        click.echo(f"{len(again)} message(s) back in the outbox: copro run sends them within "
                   "seconds, if the person can still be reached.")
        return
    zone = ZoneInfo(config.timezone)
    for message, person in found:
        when = (message.updated_at if message.updated_at.tzinfo else
                message.updated_at.replace(tzinfo=UTC)).astimezone(zone)
        who = f"{person.name or 'participant'} " if person else ""
        click.echo(f"{message.id:>6}  {when:%Y-%m-%d %H:%M}  {message.channel} to "
                   f"{who}({mask(message.address)})")
        click.echo(f"        {plain(message.error)}")
        click.echo(f"        recorded: {message.error or '-'}")
    click.echo(f"{len(found)} message(s) failed in the last {days} day(s).")
    if found:
        click.echo("Fix the cause, then: copro messages failed --resend ID")


@messages_group.command("show")
@click.argument("message_id", type=int)
@pass_state
def messages_show(state: State, message_id: int) -> None:
    """What became of one message copro sent: sent when, delivered, read when (where the
    provider says, as WhatsApp does), or why it failed, in plain words."""
    config = state.config

    async def work() -> tuple[Message, Participant | None] | None:
        async with database(config) as db, db.transaction() as s:
            message = await messages.get(s, message_id)
            if message is None or message.direction != "out":
                return None
            person = await people.get(s, message.participant_id) if message.participant_id else None
            return message, person

    found = run(work())
    if found is None:
        raise click.ClickException(f"copro sent no message with ID {message_id}")
    message, person = found
    zone = ZoneInfo(config.timezone)

    def at(when: datetime | None) -> str:
        return "" if when is None else (
            when if when.tzinfo else when.replace(tzinfo=UTC)).astimezone(zone).strftime(
            "%Y-%m-%d %H:%M")

    who = f"{person.name or 'participant'} " if person else ""
    click.echo(f"{message.id:>6}  {message.channel} to {who}({mask(message.address)})")
    said = {"sent": f"sent {at(message.sent_at)}, no delivery report yet",
            "delivered": f"sent {at(message.sent_at)}, delivered"
                         + (f", read {at(message.read_at)}" if message.read_at else ""),
            "failed": f"failed: {plain(message.error)}"}.get(
        message.status, f"{message.status}, not sent yet")
    click.echo(f"        {said}")
    if message.status != "failed" and message.error:
        click.echo(f"        note: {message.error}")
