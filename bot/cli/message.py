"""``copro message``: one message to one participant."""

from __future__ import annotations

from datetime import datetime

import click

from bot.cli._common import State, database, host, one_participant, pass_state, run
from bot.features.direct import Direct, DirectError


@click.command("message")
@click.argument("who")
@click.argument("text")
@click.option("--from", "by_name", help="Whose message it is, as the person will read it "
              "(default: your group coordinator).")
@click.option("--urgent", is_flag=True,
              help="Send at once, even outside their contact hours (for safeguarding only).")
@pass_state
def message(state: State, who: str, text: str, by_name: str | None, urgent: bool) -> None:
    """Send one participant a message from you, audited, keeping STOP and contact hours.

    WHO is their number (from `copro participants list`), name, phone number or chat id.
    """

    async def work() -> tuple[str, str, datetime | None]:
        async with database(state.config) as db:
            conversations = await host(db, state)
            async with db.transaction() as s:
                person = await one_participant(s, who)
                try:
                    sending = await Direct(conversations, state.config).send(
                        s, person, text, by=None, urgent=urgent, signed=by_name)
                except DirectError as exc:
                    raise click.ClickException(str(exc)) from None
                return person.name or f"participant {person.id}", sending.channel, sending.opens

    name, channel, opens = run(work())
    if opens is None:
        click.echo(f"Message for {name} is going now by {channel}"
                   + (" (urgent: sent outside contact hours if need be; audited)." if urgent else "."))
    else:
        click.echo(f"Message for {name} waits for their contact hours: it goes by {channel} at "
                   f"{opens:%Y-%m-%d %H:%M} UTC. Use --urgent only for safeguarding.")
