"""``copro inbox``: what waits on disk or was set aside is listed without anyone's words, and a
text set aside can be put back in line and handled."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from bot.cli.main import main
from bot.delivery.inbox import Inbound, Spool
from storage.db import Database
from tests import records

ANN = "+447700900001"


@pytest.fixture
def env(tmp_path: Path, database_url: str) -> dict[str, str]:
    return {"COPRO_DATA_DIR": str(tmp_path / "data"), "COPRO_DATABASE_URL": database_url,
            "COPRO_CONFIG": ""}


def copro(env: dict[str, str], *args: str) -> Result:
    result = CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)
    assert "Traceback" not in result.output
    return result


async def said_by(database_url: str, phone: str) -> list[str]:
    db = Database(database_url)
    try:
        async with db.transaction() as s:
            return [m.body for m in await records.messages_of_address(s, phone)
                    if m.direction == "in"]
    finally:
        await db.close()


def test_a_text_set_aside_is_listed_then_replayed_and_handled(
    env: dict[str, str], tmp_path: Path, database_url: str
) -> None:
    spool = Spool(tmp_path / "data" / "spool")
    kept = spool.put(Inbound("message", "sms", ANN, "hello my secret", provider_id="SM1"),
                     failed="RuntimeError: a fault since fixed")
    spool.put(Inbound("message", "sms", ANN, "1", provider_id="SM2"))

    listed = copro(env, "inbox", "list")
    assert listed.exit_code == 0
    assert f"{kept.stem}  " in listed.output
    assert "set aside: RuntimeError: a fault since fixed" in listed.output
    assert "+44*******001" in listed.output and "waiting for the database" in listed.output
    assert ANN not in listed.output and "secret" not in listed.output  # no one's words or number
    assert "1 waiting, 1 set aside" in listed.output

    replayed = copro(env, "inbox", "replay", kept.stem, "--now")
    assert replayed.exit_code == 0, replayed.output
    assert "1 text(s) put back in line." in replayed.output
    assert "2 text(s) handled; 0 still waiting, 0 set aside." in replayed.output
    # Put back where its arrival time puts it: before the text that came after it.
    assert asyncio.run(said_by(database_url, ANN)) == ["hello my secret", "1"]


def test_replay_says_what_is_wrong_with_what_it_was_asked(env: dict[str, str]) -> None:
    nothing = copro(env, "inbox", "replay")
    assert nothing.exit_code == 2 and "name the texts to replay" in nothing.output
    unknown = copro(env, "inbox", "replay", "0001-abc")
    assert unknown.exit_code == 1
    assert "no text set aside with ID 0001-abc: see copro inbox list" in unknown.output
    empty = copro(env, "inbox", "list")
    assert empty.exit_code == 0 and "0 waiting, 0 set aside" in empty.output
