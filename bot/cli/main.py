"""The ``copro`` command."""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from bot.cli.lazy import LazyGroup
from bot.core.logs import setup as setup_logging

if TYPE_CHECKING:
    from bot.cli._common import State

# Every other command group lives in a module of its own, imported only when it runs.
COMMANDS = {
    "alerts": ("bot.cli.alerts:alerts_group", "See safeguarding alerts and acknowledge them."),
    "broadcast": ("bot.cli.polls:broadcast",
                  "Send one message to everyone in a group, each in their own language."),
    "broadcasts": ("bot.cli.polls:broadcasts_group", "See what became of a broadcast."),
    "claims": ("bot.cli.claims:claims_group", "List, decide, export and mark paid expense claims."),
    "doctor": ("bot.cli.doctor:doctor",
               "Find groups and people whose alerts or requests would reach nobody."),
    "groups": ("bot.cli.groups:groups_group",
               "Add groups, see who is in them, and set their weekly check-in."),
    "invite": ("bot.cli.participants:invite",
               "A one-time code (and a Telegram link) that links someone's Telegram to copro."),
    "meetings": ("bot.cli.meetings:meetings_group",
                 "Meetings: invitations with RSVP, reminders, and moving or cancelling them."),
    "message": ("bot.cli.message:message",
                "Send one participant a message from you, audited, keeping STOP and contact hours."),
    "participants": ("bot.cli.participants:participants_group",
                     "Add, list, export and forget participants."),
    "polls": ("bot.cli.polls:polls_group",
              "Quick polls: ask a group, then see the answers from SMS and Telegram together."),
    "results": ("bot.cli.results:results_group",
                "Export check-in results and follow a person's wellbeing over time."),
}


@click.group(cls=LazyGroup, lazy=COMMANDS, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--config",
    "config_path",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Configuration file (default: $COPRO_CONFIG, else ./copro.toml if present).",
)
@click.option(
    "--log-level", default="WARNING", show_default=True, envvar="COPRO_LOG_LEVEL",
    type=click.Choice(["DEBUG", "INFO", "WARNING", "ERROR"], case_sensitive=False),
    help="How much to log (also $COPRO_LOG_LEVEL).",
)
@click.option(
    "--log-format", default="text", show_default=True, envvar="COPRO_LOG_FORMAT",
    type=click.Choice(["text", "json"]),
    help="text for people, json (one object a line) for log collectors (also $COPRO_LOG_FORMAT).",
)
@click.version_option(package_name="copro")
@click.pass_context
def main(ctx: click.Context, config_path: Path | None, log_level: str, log_format: str) -> None:
    """copro keeps co-production groups in touch between meetings, by Telegram and SMS."""
    from bot.cli._common import State

    setup_logging(log_level, log_format)
    ctx.obj = State(config_path)


# --- chat -------------------------------------------------------------------------


@main.command()
@click.option(
    "--as", "address", default="local", show_default=True,
    help="Who you are in this chat; use a new name to start again as someone new.",
)
@click.pass_obj
def chat(state: State, address: str) -> None:
    """Talk to the bot in this terminal, as a participant would by SMS.

    Type your replies and press Enter. Send a photo with "/photo FILE".
    Input can also be piped in; the chat ends at the end of the input.
    """
    asyncio.run(_chat(state, address))


async def _chat(state: State, address: str) -> None:
    from bot.app.wiring import scheduler_for
    from bot.channels.console import Console
    from bot.cli._common import open_db
    from bot.host.conversations import Conversations

    config = state.config
    library = state.library()
    db = await open_db(config)
    try:
        conversations = Conversations(db, library, config)
        await conversations.register_flows()
        scheduler_for(conversations, config)  # the features' hooks; the chat runs no schedule
        interactive = sys.stdin.isatty()
        if interactive:
            click.echo("Talking to copro. Press Ctrl+D (or Ctrl+Z, Enter on Windows) to leave.\n")
        await Console(conversations, address).run(sys.stdin, interactive)
    finally:
        await db.close()


@main.command()
@click.pass_obj
def run(state: State) -> None:
    """Run the service: Telegram, SMS, the outbox and the HTTP endpoints.

    A channel without credentials is reported and left off; the rest runs.
    Stop with Ctrl+C or SIGTERM: messages being sent get a few seconds to
    finish, and anything not sent stays queued for next time.
    """
    from bot.app.service import Service, ServiceError

    config = state.config
    library = state.library()
    try:
        asyncio.run(Service(config, library).run())
    except ServiceError as exc:
        raise click.ClickException(str(exc)) from None


# --- flows ------------------------------------------------------------------------


@main.group()
def flows() -> None:
    """Check, list and describe flow files."""


@flows.command("check")
@click.argument("paths", nargs=-1, type=click.Path(exists=True, path_type=Path))
@click.pass_obj
def flows_check(state: State, paths: tuple[Path, ...]) -> None:
    """Check flow files (default: the shipped flows and flows.extra_dir).

    Reports every problem with its file, step and field, and exits 1 if any is an error.
    """
    from bot.flowfiles.checker import check_fixed_texts, check_paths, check_sources
    from bot.flowfiles.library import flow_paths, shipped_files

    shipped = list(shipped_files())
    if paths:
        problems = check_paths(flow_paths(paths), known_flows=_flow_ids(shipped))
        count = len(flow_paths(paths))
    else:
        extra = state.config.flows.extra_dir
        extra_files = flow_paths([extra]) if extra else []
        problems = (check_sources(shipped) + check_fixed_texts()
                    + check_paths(extra_files, _flow_ids(shipped)))
        count = len(shipped) + len(extra_files)
    for problem in problems:
        click.echo(str(problem), err=problem.severity == "error")
    errors = sum(p.severity == "error" for p in problems)
    warnings = len(problems) - errors
    click.echo(f"{count} flow file(s) checked: {errors} error(s), {warnings} warning(s).")
    if errors:
        sys.exit(1)


def _flow_ids(sources: list[tuple[str, str]]) -> set[str]:
    import yaml

    ids: set[str] = set()
    for _, source in sources:
        data = yaml.safe_load(source)
        if isinstance(data, dict) and isinstance(data.get("flow"), str):
            ids.add(data["flow"])
    return ids


@flows.command("schema")
def flows_schema() -> None:
    """Print the JSON Schema of flow files."""
    from bot.engine.definition import Flow

    schema = Flow.model_json_schema()
    schema["title"] = "copro flow"
    click.echo(json.dumps(schema, indent=2, ensure_ascii=False))


@flows.command("list")
@click.pass_obj
def flows_list(state: State) -> None:
    """List the flows copro runs, with their versions and keywords."""
    from bot.engine.definition import text_for

    for flow_id, file in sorted(state.library().files.items()):
        flow = file.flow
        words = ", ".join(flow.keywords) or "-"
        click.echo(f"{flow_id:<16} v{flow.version}  {text_for(flow.title, 'en')}  [{words}]")
        click.echo(f"{'':<16} {file.path}")


# --- database ---------------------------------------------------------------------


@main.group()
def db() -> None:
    """Look after the database."""


@db.command("upgrade")
@click.pass_obj
def db_upgrade(state: State) -> None:
    """Create or update the database tables (safe to run at any time)."""
    from storage.db import Database


    async def upgrade() -> str:
        database = Database(state.config.database_url)
        try:
            await database.upgrade()
        finally:
            await database.close()
        return database.safe_url

    try:
        url = asyncio.run(upgrade())
    except Exception as exc:
        raise click.ClickException(f"database upgrade failed: {exc}") from None
    click.echo(f"The database at {url} is up to date.")


if __name__ == "__main__":  # pragma: no cover
    main()
