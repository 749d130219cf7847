"""``copro desk``: the coordinators' web desk."""

from __future__ import annotations

import click

from bot.cli._common import State, actor, database, one_participant, pass_state, run
from bot.core.clock import utcnow
from storage import audit, participants


@click.group("desk")
def desk_group() -> None:
    """The coordinators' web desk: sign-in links."""


@desk_group.command("login")
@click.argument("who", required=False)
@pass_state
def login(state: State, who: str | None) -> None:
    """Print a one-time link that signs WHO in to the desk (it works once, for 10 minutes).

    WHO is their number (from `copro participants list`), name, phone number or
    chat id. Without WHO, the link is for the first admin; if there is no admin
    yet, one called "Admin" is made.
    """
    from bot.web.app import keys_for
    from bot.web.signin import login_link

    config = state.config

    async def work() -> tuple[str, str, bool]:
        async with database(config) as db, db.transaction() as s:
            made = False
            by = await actor(s, state)
            if who is not None:
                person = await one_participant(s, who)
            else:
                admins = await participants.admins(s)
                if admins:
                    person = admins[0]
                else:
                    person = await participants.create_without_address(
                        s, name="Admin", language=config.language, timezone=config.timezone)
                    await participants.set_admin(s, person, True)
                    await audit.record(s, kind="participant_added", actor=by,
                                       participant_id=person.id, details={"admin": True},
                                       at=utcnow())
                    made = True
            if person.status != "active":
                raise click.ClickException(f"participant {person.id} cannot sign in: they are "
                                           f"{person.status.replace('_', ' ')}")
            link = await login_link(s, keys_for(config), config, person, by=by, now=utcnow())
            return link, person.name or f"participant {person.id}", made

    link, described, made = run(work())
    if made:
        click.echo(f"Made {described}, an admin of every group, to sign in as.")
    click.echo(f"Sign in to the desk as {described} (works once, for 10 minutes):\n{link}")
    if not config.desk.enabled:
        click.echo("The desk is off: start copro with COPRO_DESK_ENABLED=true (or desk.enabled) "
                   "to open it.")
