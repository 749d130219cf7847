"""``copro alerts``: safeguarding alerts, and acknowledging them from the command line."""

from __future__ import annotations

import click

from bot.cli._common import State, database, deciding, host, pass_state, run
from bot.features import fates
from bot.features.alerts import Alerts
from bot.features.recordings import RecordingError, Recordings
from storage import alerts, participants


@click.group("alerts")
def alerts_group() -> None:
    """See safeguarding alerts and acknowledge them."""


@alerts_group.command("list")
@click.option("--open", "open_only", is_flag=True, help="Only alerts no one has acknowledged.")
@pass_state
def list_alerts(state: State, open_only: bool) -> None:
    """Alerts, newest first: number, when, who, and who is looking after it."""

    async def work() -> None:
        async with database(state.config) as db, db.transaction() as s:
            found = await alerts.listed(s, open_only=open_only)
            if not found:
                click.echo("No open alerts." if open_only else "No alerts.")
            for alert in found:
                person = await participants.get(s, alert.participant_id) if alert.participant_id else None
                if alert.acknowledged_at is None:
                    fate = await fates.fate(s, f"alert:{alert.id}")
                    taken = f"NOT ACKNOWLEDGED (notices: {fate.words()})"
                else:
                    by = (await participants.get(s, alert.acknowledged_by)
                          if alert.acknowledged_by else None)
                    taken = (f"acknowledged {alert.acknowledged_at:%Y-%m-%d %H:%M} by "
                             f"{by.full_name if by and by.full_name else 'the command line'}")
                name = (person.full_name if person and person.full_name
                        else f"participant {alert.participant_id}")
                click.echo(f"{alert.id:>4}  {alert.created_at:%Y-%m-%d %H:%M}  {name}  {taken}")
                click.echo(f"      {alert.text}")

    run(work())


@alerts_group.command("ack")
@click.argument("alert_id", type=int)
@click.option("--note", help="What is being done, kept with the alert (for example who called them).")
@pass_state
def ack(state: State, alert_id: int, note: str | None) -> None:
    """Acknowledge an alert: repeats stop, and the other leads are told someone has it."""

    async def work() -> None:
        async with database(state.config) as db:
            conversations = await host(db, state)
            async with db.transaction() as s:
                found = await alerts.get(s, alert_id)
                if found is None:
                    raise click.ClickException(f"there is no alert {alert_id}")
                if found.acknowledged_at is not None:
                    raise click.ClickException(f"alert {alert_id} was already acknowledged at "
                                               f"{found.acknowledged_at:%Y-%m-%d %H:%M}")
                person, name = await deciding(s, state)
                if await Alerts(conversations, state.config).acknowledge(
                        s, alert_id, person, note, by=name) is None:
                    raise click.ClickException(
                        f"{name} is not a lead for the person of alert {alert_id}; it was not acknowledged")
        click.echo(f"Alert {alert_id} is acknowledged by {name}; the other leads have been told.")

    run(work())


@alerts_group.command("flag-message")
@click.argument("session_id", type=int)
@click.option("--note", required=True, help="What you heard that worries you, for the leads.")
@pass_state
def flag_message(state: State, session_id: int, note: str) -> None:
    """Raise a safeguarding alert about a message someone left by phone.

    SESSION_ID is the number in the notice that told you of the message.
    """

    async def work() -> tuple[int, int]:
        async with database(state.config) as db:
            conversations = await host(db, state)
            async with db.transaction() as s:
                try:
                    return await Recordings(conversations, state.config).flag(s, session_id, note)
                except RecordingError as exc:
                    raise click.ClickException(str(exc)) from None

    alert_id, sent = run(work())
    if sent:
        click.echo(f"Raised safeguarding alert {alert_id}; it went to {sent} lead(s) or "
                   "coordinator(s).")
    else:
        click.echo(f"Raised safeguarding alert {alert_id}, but no safeguarding lead or "
                   "coordinator could be reached: contact them yourself.")
