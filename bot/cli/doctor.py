"""``copro doctor``: what would leave someone's alert or request with nobody to act on it."""

from __future__ import annotations

import sys

import click

from bot.cli._common import State, database, pass_state, run
from bot.core import files
from bot.features.doctor import Problem, check


def enabled_channels(state: State) -> list[str]:
    """The channels ``copro run`` would send on with this configuration."""
    config = state.config
    voice = config.voice_enabled and bool(config.twilio.public_url)
    return [name for name, on in (("telegram", config.telegram_enabled),
                                  ("sms", config.sms_enabled),
                                  ("whatsapp", config.whatsapp_enabled), ("voice", voice)) if on]


@click.command("doctor")
@pass_state
def doctor(state: State) -> None:
    """Find groups and people whose alerts or requests would reach nobody.

    Lists every problem with the command that fixes it, and exits 1 if there is any.
    """

    async def work() -> list[Problem]:
        async with database(state.config) as db, db.transaction() as s:
            whatsapp = state.config.whatsapp if state.config.whatsapp_enabled else None
            return await check(s, channels=enabled_channels(state), whatsapp=whatsapp,
                               group=state.config.group)

    problems = run(work()) + loose_files(state)
    if not problems:
        click.echo("No problems found.")
        return
    for problem in problems:
        click.echo(f"{problem}\n")
    errors = sum(p.severity == "error" for p in problems)
    click.echo(f"{errors} problem(s) and {len(problems) - errors} warning(s) found.")
    sys.exit(1)


def loose_files(state: State) -> list[Problem]:
    """The files and folders of people's data that others on the machine may read."""
    config = state.config
    loose = files.looser(files.personal_data(config.data_dir, config.database_url))
    if not loose:
        return []
    shown = ", ".join(loose[:3]) + (f" and {len(loose) - 3} more" if len(loose) > 3 else "")
    return [Problem("warning", "Files", f"others on this machine may read {shown}",
                    "They hold people's personal data; copro makes its own files readable by "
                    "its owner only.", files.fix_for(config.data_dir))]


def warn_about(found: dict[str, list[Problem]]) -> None:
    """What a command just did left these groups without: one line each, with the fix."""
    for problems in found.values():
        for problem in problems:
            click.echo(f"{problem.label}: {problem.where}: {problem.what}. To fix: {problem.fix}")
