"""``copro desk login``: a one-time link that signs the first admin (or anyone named) in."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner, Result

from bot.cli.main import main
from bot.core.config import load_config
from bot.flowfiles.library import Library
from bot.host.conversations import Conversations
from bot.web.access import SESSION_COOKIE
from bot.web.app import create_desk
from storage.db import Database
from tests import records
from tests.cli.test_cli_records import look


@pytest.fixture
def env(tmp_path: Path, database_url: str) -> dict[str, str]:
    return {"COPRO_DATA_DIR": str(tmp_path / "data"), "COPRO_DATABASE_URL": database_url,
            "COPRO_CONFIG": "", "COPRO_DESK_ENABLED": "true"}


def copro(env: dict[str, str], *args: str) -> Result:
    result = CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)
    assert "Traceback" not in result.output
    return result


async def follow(env: dict[str, str], link: str) -> tuple[int, int, str]:
    """Open the link and press its one button, as a person would; (first, second, page)."""
    config = load_config(None, env=env)
    db = Database(env["COPRO_DATABASE_URL"])
    try:
        app = create_desk(db, Conversations(db, Library.load(), config), config)
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                     base_url="http://127.0.0.1:8081") as client:
            opened = await client.get(link.removeprefix("http://127.0.0.1:8081"))
            form = {"csrf": re.findall(r'name="csrf" value="([^"]+)"', opened.text)[0],
                    "token": link.rsplit("/", 1)[1]}
            first = await client.post("/signin/link", data=form, follow_redirects=True)
            client.cookies.delete(SESSION_COOKIE)
            second = await client.post("/signin/link", data=form)
            return first.status_code, second.status_code, first.text
    finally:
        await db.close()


def test_the_first_login_makes_an_admin_and_the_link_works_once(env: dict[str, str]) -> None:
    made = copro(env, "desk", "login")
    assert made.exit_code == 0, made.output
    assert "Made Admin, an admin of every group, to sign in as." in made.output
    link = re.findall(r"http://127\.0\.0\.1:8081/signin/link/\S+", made.output)[0]
    first, second, page = asyncio.run(follow(env, link))
    assert first == 200 and "Signed in as Admin" in page and "Try a conversation" in page
    assert second == 400  # used: the same link signs no one in again
    again = copro(env, "desk", "login")
    assert "Made" not in again.output and "as Admin" in again.output  # the same admin, a new link


def test_login_for_someone_unknown_says_so(env: dict[str, str]) -> None:
    result = copro(env, "desk", "login", "Nobody")
    assert result.exit_code == 1 and "no participant matches 'Nobody'" in result.output


def test_the_audit_trail_says_who_made_the_admin_and_asked_for_the_link(env: dict[str, str]) -> None:
    pat = {**env, "LOGNAME": "pat", "USER": "pat"}
    assert copro(pat, "desk", "login").exit_code == 0
    assert copro({**env, "COPRO_BY": "Admin"}, "desk", "login").exit_code == 0
    events = [(e.kind, e.actor) for e in look(env, records.audit_events)]
    assert ("participant_added", "pat (command line)") in events
    assert [actor for kind, actor in events if kind == "desk_link_made"] == [
        "pat (command line)", "participant:1"]
