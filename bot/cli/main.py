"""The ``copro`` command."""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path

import click

from bot.app.service import Service, ServiceError
from bot.app.wiring import scheduler_for
from bot.channels.console import Console
from bot.cli._common import State, open_db
from bot.cli.alerts import alerts_group
from bot.cli.claims import claims_group
from bot.cli.groups import groups_group
from bot.cli.meetings import meetings_group
from bot.cli.participants import invite, participants_group
from bot.cli.polls import broadcast, broadcasts_group, polls_group
from bot.cli.results import results_group
from bot.core.logs import setup as setup_logging
from bot.engine.definition import Flow, text_for
from bot.flowfiles.checker import check_fixed_texts, check_paths, check_sources
from bot.flowfiles.library import flow_paths, shipped_files
from bot.host.conversations import Conversations
from storage.db import Database


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
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
    schema = Flow.model_json_schema()
    schema["title"] = "copro flow"
    click.echo(json.dumps(schema, indent=2, ensure_ascii=False))


@flows.command("list")
@click.pass_obj
def flows_list(state: State) -> None:
    """List the flows copro runs, with their versions and keywords."""
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


main.add_command(groups_group)
main.add_command(participants_group)
main.add_command(invite)
main.add_command(meetings_group)
main.add_command(polls_group)
main.add_command(broadcast)
main.add_command(broadcasts_group)
main.add_command(claims_group)
main.add_command(alerts_group)
main.add_command(results_group)

if __name__ == "__main__":  # pragma: no cover
    main()
