"""``copro chat`` end to end: a real process, input piped on stdin, a real database."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from storage import participants
from storage.db import Database
from tests import records

WELCOME_EN = ["1", "yes", "Ann", "4"]
WELCOME_CY = ["2", "ie", "Ann", "4"]


def chat(lines: list[str], cwd: Path, database_url: str, *args: str) -> str:
    """Run ``copro chat`` with ``lines`` piped in; what the terminal shows."""
    env = {**os.environ, "COPRO_DATA_DIR": str(cwd / "data")}
    for name in ("COPRO_CONFIG", "COPRO_DATABASE_URL", "COPRO_CHAT_DATABASE_URL"):
        env.pop(name, None)
    done = subprocess.run(
        [sys.executable, "-m", "bot", "chat", "--database", database_url, *args],
        input="\n".join(lines) + "\n",
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    return done.stdout


async def stored(database: Database, flow: str) -> dict[str, object]:
    async with database.transaction() as s:
        person = await participants.find_by_address(s, "console", "local")
        assert person is not None
        session = await records.last_session(s, person.id, flow)
        assert session is not None
        return {r.key: r.value for r in await records.results_of(s, session.id)}


async def test_welcome_then_a_whole_check_in_in_english(
    database: Database, database_url: str, tmp_path: Path
) -> None:
    out = chat([*WELCOME_EN, "check in", "7", "eight", "6/10", "2", "3", "skip"], tmp_path,
               database_url)
    assert "copro: " in out and "1. English" in out
    assert "satisfied" in out and "How often do you feel lonely?" in out
    answers = await stored(database, "weekly-checkin")
    assert answers == {
        "life_satisfaction": 7, "worthwhile": 8, "happy": 6, "anxious": 2,
        "lonely": "occasionally", "note": None,
    }
    async with database.transaction() as s:
        person = await participants.find_by_address(s, "console", "local")
        assert person is not None and person.called == "Ann" and person.consent_at is not None


async def test_a_whole_check_in_in_welsh(
    database: Database, database_url: str, tmp_path: Path
) -> None:
    out = chat([*WELCOME_CY, "sut ydych", "saith", "8", "6", "dau", "byth", "dim"], tmp_path,
               database_url)
    assert "Diolch" in out and "satisfied" not in out.split("sut ydych")[-1]
    answers = await stored(database, "weekly-checkin")
    assert answers["life_satisfaction"] == 7 and answers["anxious"] == 2
    assert answers["lonely"] == "never"


async def test_an_expense_claim_by_mileage(
    database: Database, database_url: str, tmp_path: Path
) -> None:
    out = chat([*WELCOME_EN, "expense", "2", "20", "yesterday", "Planning meeting",
                "no receipt", "1", "1"], tmp_path, database_url)
    assert "£9.00" in out
    answers = await stored(database, "expense-claim")
    assert answers["category"] == "mileage" and answers["miles"] == 20
    assert answers["amount"] == {"$decimal": "9.00"} and answers["receipt"] is None


async def test_a_reply_that_is_not_understood_is_asked_again_kindly(
    database: Database, database_url: str, tmp_path: Path
) -> None:
    out = chat([*WELCOME_EN, "check in", "purple"], tmp_path, database_url)
    last = out.split("you> purple")[-1]
    assert "Sorry, I did not understand. Overall, how satisfied are you with your life nowadays?" in last
    answers = await stored(database, "weekly-checkin")
    assert answers == {}  # nothing is recorded for a reply that was not understood


async def test_stop_then_start(database: Database, database_url: str, tmp_path: Path) -> None:
    out = chat([*WELCOME_EN, "check in", "STOP", "7", "START"], tmp_path, database_url)
    after_stop = out.split("you> STOP")[-1]
    assert "You will not get any more messages" in after_stop
    assert after_stop.split("you> 7")[-1].split("you> START")[0].strip() == ""
    assert "Welcome back" in out.split("you> START")[-1]


def test_chat_works_from_any_directory_on_the_embedded_default(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("COPRO_")}
    done = subprocess.run(
        [sys.executable, "-m", "bot", "chat"], input="1\n", capture_output=True, text=True,
        cwd=tmp_path, env=env, timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "data" / "chat.db").exists()
    assert "copro: " in done.stdout


async def test_the_chat_keeps_its_own_database_apart_from_the_real_one(
    database: Database, database_url: str, tmp_path: Path
) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("COPRO_")}
    env |= {"COPRO_DATABASE_URL": database_url, "COPRO_DATA_DIR": str(tmp_path / "data")}
    receipt = tmp_path / "Receipt.JPG"
    receipt.write_bytes(b"\xff\xd8\xff a photo")
    lines = [*WELCOME_EN, "expense", "3", "4.20", "yesterday", "Lunch", f"/photo {receipt}",
             "/photo nowhere.jpg"]
    done = _run(["--log-level", "DEBUG", "chat", "--as", "Ann"], lines, tmp_path, env)
    assert done.stderr == ""  # nothing but the chat on the screen: the log goes to a file
    assert (tmp_path / "data" / "chat.log").stat().st_size > 0
    assert "(no photo sent: there is no file at 'nowhere.jpg')" in done.stdout
    async with database.transaction() as s:  # the real database: no one from the chat
        assert await participants.find_by_address(s, "console", "Ann") is None
    trial = Database(f"sqlite+aiosqlite:///{tmp_path / 'data' / 'chat.db'}")
    try:
        async with trial.transaction() as s:
            ann = await participants.find_by_address(s, "console", "Ann")
            assert ann is not None
            session = await records.last_session(s, ann.id, "expense-claim")
            assert session is not None
            results = {r.key: r.value for r in await records.results_of(s, session.id)}
    finally:
        await trial.close()
    [kept] = results["receipt"]
    assert _same_file_in(Path(kept), receipt, tmp_path / "data" / "media" / "console")


def _run(
    args: list[str], lines: list[str], cwd: Path, env: dict[str, str]
) -> subprocess.CompletedProcess[str]:
    done = subprocess.run([sys.executable, "-m", "bot", *args], input="\n".join(lines) + "\n",
                          capture_output=True, text=True, cwd=cwd, env=env, timeout=60)
    assert done.returncode == 0, done.stderr
    return done


def _same_file_in(kept: Path, original: Path, folder: Path) -> bool:
    """Whether ``kept`` is a copy of ``original`` of copro's own, in ``folder``."""
    return (kept.parent == folder and kept.suffix == ".jpg"
            and kept.read_bytes() == original.read_bytes())


@pytest.mark.parametrize("command", [[], ["chat"], ["flows"], ["flows", "check"], ["db", "upgrade"]])
def test_every_command_has_help(command: list[str]) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "bot", *command, "--help"], capture_output=True, text=True, timeout=30
    )
    assert done.returncode == 0 and "Usage:" in done.stdout
