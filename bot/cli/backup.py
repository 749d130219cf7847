"""``copro backup``: a consistent copy of the database, safe to take while copro runs."""

from __future__ import annotations

from pathlib import Path

import click

from bot.cli._common import State, pass_state
from bot.core.clock import utcnow
from storage.backup import BackupError
from storage.backup import backup as copy_database


@click.command("backup")
@click.option("--to", "folder", type=click.Path(path_type=Path, file_okay=False),
              default=Path("backups"), show_default=True,
              help="The folder to write the backup in; made if it does not exist.")
@pass_state
def backup(state: State, folder: Path) -> None:
    """Copy the database into a folder, safely while copro runs (SQLite or PostgreSQL).

    SQLite is copied with its online backup; PostgreSQL with pg_dump (restore
    with pg_restore). Photos are files, not in the database: copy the media
    folder with it.
    """
    config = state.config
    try:
        target = copy_database(config.database_url, folder, at=utcnow())
    except (BackupError, OSError) as exc:
        raise click.ClickException(f"no backup made: {exc}") from None
    click.echo(f"The database is backed up to {target} ({target.stat().st_size:,} bytes).")
    click.echo(f"Copy {config.media_dir} with it: photos are kept there, not in the database.")
