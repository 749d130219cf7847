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
    from bot.core.config import Config
    from bot.flowfiles.library import Library
    from bot.flowfiles.problems import Problem

# Every other command group lives in a module of its own, imported only when it runs.
COMMANDS = {
    "alerts": ("bot.cli.alerts:alerts_group", "See safeguarding alerts and acknowledge them."),
    "backup": ("bot.cli.backup:backup",
               "Copy the database into a folder, safely while copro runs (SQLite or PostgreSQL)."),
    "broadcast": ("bot.cli.polls:broadcast",
                  "Send one message to everyone in a group, each in their own language."),
    "broadcasts": ("bot.cli.polls:broadcasts_group", "See what became of a broadcast."),
    "claims": ("bot.cli.claims:claims_group", "List, decide, export and mark paid expense claims."),
    "desk": ("bot.cli.desk:desk_group", "The coordinators' web desk: sign-in links."),
    "doctor": ("bot.cli.doctor:doctor",
               "Find groups and people whose alerts or requests would reach nobody."),
    "groups": ("bot.cli.groups:groups_group",
               "Add groups, see who is in them, and set their weekly check-in."),
    "inbox": ("bot.cli.inbox:inbox_group",
              "See texts kept on disk while the database could not take them, and replay them."),
    "invite": ("bot.cli.participants:invite",
               "A one-time code (and a Telegram link) that links someone's Telegram to copro."),
    "meetings": ("bot.cli.meetings:meetings_group",
                 "Meetings: invitations with RSVP, reminders, and moving or cancelling them."),
    "message": ("bot.cli.message:message",
                "Send one participant a message from you, audited, keeping STOP and contact hours."),
    "messages": ("bot.cli.messages:messages_group",
                 "See failed messages with why and send them again, or what became of any one."),
    "participants": ("bot.cli.participants:participants_group",
                     "Add, list, export and forget participants."),
    "polls": ("bot.cli.polls:polls_group",
              "Quick polls: ask a group, then see the answers from SMS and Telegram together."),
    "results": ("bot.cli.results:results_group",
                "Export check-in results and follow a person's wellbeing over time."),
}


@click.group(cls=LazyGroup, lazy=COMMANDS, anywhere=("--config", "--log-level", "--log-format", "--by"),
             context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--config",
    "config_path",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Configuration file (default: $COPRO_CONFIG, else ./copro.toml if present).",
)
@click.option(
    "--log-level", default=None, envvar="COPRO_LOG_LEVEL",
    type=click.Choice(["DEBUG", "INFO", "WARNING", "ERROR"], case_sensitive=False),
    help="How much to log (also $COPRO_LOG_LEVEL)  [default: INFO for run, WARNING for the rest]",
)
@click.option(
    "--log-format", default="text", show_default=True, envvar="COPRO_LOG_FORMAT",
    type=click.Choice(["text", "json"]),
    help="text for people, json (one object a line) for log collectors (also $COPRO_LOG_FORMAT).",
)
@click.option(
    "--by", "by", metavar="WHO", envvar="COPRO_BY",
    help="Who is deciding, for the audit trail and the finance export (also $COPRO_BY); "
         "default: the coordinator or admin named as your login name, else your login name.",
)
@click.version_option(package_name="copro")
@click.pass_context
def main(ctx: click.Context, config_path: Path | None, log_level: str | None,
         log_format: str, by: str | None) -> None:
    """copro keeps co-production groups in touch between meetings, by Telegram and SMS."""
    from bot.cli._common import State
    from bot.core.files import keep_private

    keep_private()  # whatever copro makes (the database, photos, exports) is its owner's only
    # The service says what it does; other commands print their own answers.
    setup_logging(log_level or ("INFO" if ctx.invoked_subcommand == "run" else "WARNING"),
                  log_format)
    ctx.obj = State(config_path, by)


# --- chat -------------------------------------------------------------------------


@main.command()
@click.option(
    "--as", "address", default="local", show_default=True,
    help="Who you are in this chat; use a new name to start again as someone new.",
)
@click.option(
    "--database", "database_url", metavar="URL",
    help="The database to chat in (default: chat.database_url, else data/chat.db, "
         "apart from the real participants).",
)
@click.pass_obj
def chat(state: State, address: str, database_url: str | None) -> None:
    """Talk to the bot in this terminal, as a participant would by SMS.

    Type your replies and press Enter. Send a photo with "/photo FILE".
    Input can also be piped in; the chat ends at the end of the input.
    The chat is a trial: it keeps its own database (data/chat.db), and its log
    goes to data/chat.log rather than the screen.
    """
    from bot.core.config import DatabaseConfig
    from bot.core.logs import to_file

    try:
        own = DatabaseConfig(url=database_url or state.config.chat_database_url,
                             echo=state.config.database.echo)
    except ValueError as exc:
        raise click.BadParameter(str(exc).splitlines()[-1], param_hint="--database") from None
    config = state.config.model_copy(update={"database": own})
    to_file(config.data_dir / "chat.log")
    asyncio.run(_chat(config, state.library(), address))


async def _chat(config: Config, library: Library, address: str) -> None:
    from bot.app.wiring import scheduler_for
    from bot.channels.console import Console
    from bot.cli._common import open_db
    from bot.host.conversations import Conversations

    db = await open_db(config)
    try:
        conversations = Conversations(db, library, config)
        await conversations.register_flows()
        scheduler_for(conversations, config)  # the features' hooks; the chat runs no schedule
        interactive = sys.stdin.isatty()
        if interactive:
            click.echo("Talking to copro. Press Ctrl+D (or Ctrl+Z, Enter on Windows) to leave.\n")
        await Console(conversations, address, media_dir=config.media_dir).run(sys.stdin, interactive)
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
@click.option("--sms", "sms_table", is_flag=True,
              help="Also list every message in each language: characters, encoding, SMS parts.")
@click.pass_obj
def flows_check(state: State, paths: tuple[Path, ...], sms_table: bool) -> None:
    """Check flow files (default: the shipped flows and flows.extra_dir).

    Reports every problem with its file, step and field, and exits 1 if any is an error.
    With --sms, also lists how every message goes as SMS, with everyday values, a name
    with an accent and long values (the fixed texts too, when no files are given).
    """
    from bot.flowfiles.checker import check_fixed_texts, check_paths, check_sources
    from bot.flowfiles.library import flow_paths, shipped_files

    shipped = list(shipped_files())
    if paths:
        files = flow_paths(paths)
        problems = check_paths(files, known_flows=_flow_ids(shipped))
        count = len(files)
    else:
        extra = state.config.flows.extra_dir
        files = flow_paths([extra]) if extra else []
        problems = (check_sources(shipped) + check_fixed_texts()
                    + check_paths(files, _flow_ids(shipped)) + _templates(state))
        count = len(shipped) + len(files)
    if sms_table:
        sources = [] if paths else list(shipped)
        sources += [(str(f), f.read_text(encoding="utf-8")) for f in files]
        _sms_table(sources, fixed=not paths)
    for problem in problems:
        click.echo(str(problem), err=problem.severity == "error")
    errors = sum(p.severity == "error" for p in problems)
    warnings = len(problems) - errors
    click.echo(f"{count} flow file(s) checked: {errors} error(s), {warnings} warning(s).")
    if errors:
        sys.exit(1)


def _sms_table(sources: list[tuple[str, str]], fixed: bool) -> None:
    from bot.flowfiles import sms
    from bot.flowfiles.checker import sms_lengths

    for line in sms.table(sms_lengths(sources, fixed)):
        click.echo(line)


def _templates(state: State) -> list[Problem]:
    """A warning for each WhatsApp template the flows' languages lack, when WhatsApp is on."""
    from bot.engine.definition import LANGUAGES
    from bot.features.doctor import template_problems
    from bot.flowfiles.problems import Problem

    if not state.config.whatsapp.from_number:
        return []
    return [Problem("configuration [whatsapp.templates]", f"{p.what}: {p.why} To fix: {p.fix}",
                    severity="warning")
            for p in template_problems(state.config.whatsapp, LANGUAGES)]


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
        database = Database(state.config.database_url, state.config.database.waits,
                            pool_size=state.config.database.pool_size)
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
