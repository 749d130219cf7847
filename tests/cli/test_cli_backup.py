"""``copro backup``: a whole copy of the database in a folder it makes, on SQLite and PostgreSQL,
and a clear answer when it cannot make one."""

from __future__ import annotations

import asyncio
import sqlite3
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from sqlalchemy import make_url

from bot.cli.main import main
from storage import groups
from storage.db import Database
from tests import needs

PG_CLIENT = "apt-get install -y postgresql-client"


def copro(env: dict[str, str], *args: str) -> Result:
    result = CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)
    assert "Traceback" not in result.output
    return result


async def group_names(url: str) -> list[str]:
    db = Database(url)
    try:
        async with db.transaction() as s:
            return [g.name for g in await groups.all_groups(s)]
    finally:
        await db.close()


def test_a_backup_is_a_whole_copy_in_a_folder_it_makes(tmp_path: Path, database_url: str) -> None:
    env = {"COPRO_DATA_DIR": str(tmp_path / "data"), "COPRO_DATABASE_URL": database_url,
           "COPRO_CONFIG": ""}
    assert copro(env, "groups", "add", "Riverside Voices").exit_code == 0
    folder = tmp_path / "not" / "there" / "yet"
    url = make_url(database_url)
    writer = None
    if url.get_backend_name() != "sqlite":
        needs.tool("pg_dump", PG_CLIENT)
    if url.get_backend_name() == "sqlite":  # copro is in the middle of writing
        writer = sqlite3.connect(str(url.database), isolation_level=None)
        writer.execute("BEGIN IMMEDIATE")
        writer.execute("DELETE FROM groups")
    try:
        made = copro(env, "backup", "--to", str(folder))
    finally:
        if writer is not None:
            writer.execute("ROLLBACK")
            writer.close()
    assert made.exit_code == 0, made.output
    [file] = [p for p in folder.iterdir() if not p.name.startswith(".")]
    assert f"The database is backed up to {file} (" in made.output
    assert "photos are kept there, not in the database" in made.output
    if writer is not None:
        assert file.suffix == ".db"
        assert asyncio.run(group_names(f"sqlite+aiosqlite:///{file}")) == ["Riverside Voices"]
    else:
        assert file.suffix == ".dump"
        listing = subprocess.run(["pg_restore", "--list", str(file)], capture_output=True,
                                 text=True, check=True).stdout
        assert "TABLE DATA public groups" in listing


def test_without_pg_dump_the_backup_says_what_to_install(tmp_path: Path) -> None:
    env = {"COPRO_DATA_DIR": str(tmp_path), "COPRO_CONFIG": "", "PATH": str(tmp_path),
           "COPRO_DATABASE_URL": "postgresql+asyncpg://copro:secret@127.0.0.1:1/copro"}
    result = copro(env, "backup", "--to", str(tmp_path / "b"))
    assert result.exit_code == 1
    assert "no backup made: pg_dump is not installed here" in result.output
    assert "postgresql-client" in result.output and "secret" not in result.output


def test_a_sqlite_database_not_made_yet_is_not_backed_up(tmp_path: Path) -> None:
    env = {"COPRO_DATA_DIR": str(tmp_path / "empty"), "COPRO_CONFIG": ""}
    result = copro(env, "backup", "--to", str(tmp_path / "b"))
    assert result.exit_code == 1 and "no backup made: there is no SQLite database file" in result.output


@pytest.mark.postgres
def test_a_postgresql_backup_that_fails_says_why(tmp_path: Path) -> None:
    needs.tool("pg_dump", PG_CLIENT)
    env = {"COPRO_DATA_DIR": str(tmp_path), "COPRO_CONFIG": "",
           "COPRO_DATABASE_URL": "postgresql+asyncpg://copro:secret@127.0.0.1:1/copro"}
    result = copro(env, "backup", "--to", str(tmp_path / "b"))
    assert result.exit_code == 1 and "no backup made: pg_dump failed:" in result.output
    assert "secret" not in result.output and list((tmp_path / "b").iterdir()) == []
