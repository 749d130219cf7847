"""People's data on disk is its owner's only, whatever the umask: the database and its WAL, the
spool, photos and exports are made 0600 in folders made 0700, and `copro run` and `copro doctor`
warn about any that others on the machine may read."""

from __future__ import annotations

import logging
import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from bot.app.service import report_loose_files
from bot.core.config import load_config
from bot.delivery.inbox import Inbound, Spool
from storage.db import Database
from storage.settings import default_sqlite_url
from tests.cli.test_cli_records import a_busy_group, copro, env  # noqa: F401 (the fixture)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def umask_022() -> Iterator[None]:
    """The usual umask, under which files are made readable by everyone."""
    kept = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(kept)


async def test_the_database_and_spool_are_made_private_under_umask_022(
    tmp_path: Path, umask_022: None
) -> None:
    data = tmp_path / "new" / "data"
    db = Database(default_sqlite_url(data))
    try:
        await db.upgrade()
        async with db.transaction() as s:  # a write, so the WAL exists
            await s.execute(text("INSERT INTO groups (name, key) VALUES ('Riverside', 'riverside')"))
        made = [data / "copro.db", data / "copro.db-wal", data / "copro.db-shm"]
        assert made[1].exists()
        assert {p.name: mode(p) for p in made if p.exists()} == {p.name: 0o600 for p in made
                                                                 if p.exists()}
        assert mode(data) == 0o700
    finally:
        await db.close()
    spool = Spool(tmp_path / "spool")
    kept = spool.put(Inbound("message", "sms", "+447700900001", "I feel scared"))
    assert (mode(kept), mode(kept.parent)) == (0o600, 0o700)


def test_exports_are_private_and_loose_files_are_warned_about(
    env: dict[str, str], tmp_path: Path, umask_022: None, caplog: pytest.LogCaptureFixture  # noqa: F811
) -> None:
    a_busy_group(env)  # made by the library under umask 022, not by the command line
    data = Path(env["COPRO_DATA_DIR"])
    claims, person = tmp_path / "claims.csv", tmp_path / "ann.zip"
    copro(env, "claims", "export", "--output", str(claims))
    copro(env, "participants", "export", "+447700900001", "--output", str(person))
    assert (mode(claims), mode(person)) == (0o600, 0o600)

    photo = data / "media" / "sms" / "SM1-0.jpg"
    photo.parent.mkdir(parents=True, exist_ok=True)
    photo.write_bytes(b"\xff\xd8 a photo")
    os.chmod(photo, 0o644)  # as an older copro, or a copy by hand, left it
    checked = copro(env, "doctor")
    assert f"others on this machine may read {photo} (0644)" in checked.output.replace("\n  ", " ")
    assert f"To fix: chmod -R go-rwx {data}" in checked.output and checked.exit_code == 1
    service_log = logging.getLogger("bot.app.service")
    service_log.addHandler(caplog.handler)  # the command line set up logging of its own
    try:
        report_loose_files(load_config(None, env={"COPRO_DATA_DIR": str(data),
                                                  "COPRO_DATABASE_URL": env["COPRO_DATABASE_URL"]}))
    finally:
        service_log.removeHandler(caplog.handler)
    assert f"files: {photo} (0644) can be read by others" in caplog.text
