"""The desk over a real database, driven in the test's own event loop through httpx."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from bot.app.wiring import scheduler_for
from bot.core.config import Config, load_config
from bot.core.phones import normalise
from bot.core.scheduler import Scheduler
from bot.flowfiles.library import Library
from bot.host.conversations import Conversations
from bot.web.app import create_desk
from storage import participants
from storage.db import Database
from storage.models import Group
from storage.settings import default_sqlite_url
from tests.people import Clock, Member, group, member, outbox

NOW = datetime(2026, 11, 24, 11, 0, tzinfo=UTC)
SAM = "+447700900100"  # coordinator of Riverside
HAL = "+447700900200"  # coordinator of Hillside
LEE = "+447700900300"  # safeguarding lead of Riverside
ANN = "+447700900001"  # a member of Riverside


@dataclass
class Place:
    riverside: Group
    hillside: Group
    sam: Member
    hal: Member
    lee: Member
    ann: Member


@pytest.fixture
def clock() -> Clock:
    return Clock(NOW)


@pytest.fixture
def config(tmp_path: Path) -> Config:
    path = tmp_path / "copro.toml"
    path.write_text("[checkins]\nenabled = false\n[desk]\nenabled = true\nsecret = \"test-key\"\n")
    return load_config(path, env={"COPRO_DATA_DIR": str(tmp_path / "data")})


@pytest.fixture
async def wired(database: Database, config: Config, clock: Clock) -> tuple[Conversations, Scheduler]:
    c = Conversations(database, Library.load(), config, clock=clock)
    await c.register_flows()
    return c, scheduler_for(c, config, clock=clock)


@pytest.fixture
def conversations(wired: tuple[Conversations, Scheduler]) -> Conversations:
    return wired[0]


@pytest.fixture
def scheduler(wired: tuple[Conversations, Scheduler]) -> Scheduler:
    """The scheduler of the desk's service: ``tick()`` does the work that is due."""
    return wired[1]


@pytest.fixture
async def practice(tmp_path: Path, config: Config) -> AsyncIterator[Conversations]:
    db = Database(default_sqlite_url(tmp_path / "practice"))
    await db.upgrade()
    c = Conversations(db, Library.load(), config)
    scheduler_for(c, config)
    yield c
    await db.close()


@pytest.fixture
async def client(
    database: Database, conversations: Conversations, practice: Conversations, config: Config,
    clock: Clock,
) -> AsyncIterator[httpx.AsyncClient]:
    app = create_desk(database, conversations, config, clock=clock, simulator=practice,
                      channels=["sms", "telegram"])
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                 base_url="http://desk.test") as c:
        yield c


@pytest.fixture
async def place(database: Database) -> Place:
    riverside, hillside = await group(database), await group(database, "Hillside Carers")
    found = Place(
        riverside, hillside,
        sam=await member(database, riverside, SAM, name="Sam", role="coordinator"),
        hal=await member(database, hillside, HAL, name="Hal", role="coordinator"),
        lee=await member(database, riverside, LEE, name="Lee", role="safeguarding"),
        ann=await member(database, riverside, ANN, name="Ann"),
    )
    return found


def csrf(page: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', page)
    assert found, "the page has a form with a CSRF token"
    return found[1]


async def sign_in(client: httpx.AsyncClient, database: Database, phone: str) -> str:
    """Sign in as a person would: ask for a code, read it off their phone, type it in.
    Returns the Today (or My information) page."""
    start = await client.get("/signin")
    asked = await client.post("/signin", data={"phone": phone, "csrf": csrf(start.text)})
    assert asked.status_code == 200, asked.text
    texts = [m.body or "" for m in await outbox(database, normalise(phone))]
    code = re.search(r"\b(\d{6})\b", texts[-1])
    assert code, texts
    done = await client.post("/signin/code", data={"phone": normalise(phone), "code": code[1],
                                                   "csrf": csrf(asked.text)}, follow_redirects=True)
    assert done.status_code == 200, done.text
    return done.text


async def make_admin(database: Database, address: str) -> None:
    async with database.transaction() as s:
        person = await participants.find_by_address(s, "sms", address)
        assert person is not None
        await participants.set_admin(s, person, True)




async def at_risk(c: Conversations, address: str) -> None:
    """A whole weekly check-in by text whose last answer raises a safeguarding alert."""
    for answer in ("check in", "8", "8", "8", "2", "never", "some days I want to end it all"):
        await c.receive("sms", address, answer)


async def claim(c: Conversations, address: str, receipt: str | None) -> None:
    """A mileage claim by text, with a receipt photo or none, confirmed."""
    for text in ("expense", "2", "23", "yesterday", "Planning meeting"):
        await c.receive("sms", address, text)
    await c.receive("sms", address, "", media=(receipt,) if receipt else ())
    if not receipt:
        await c.receive("sms", address, "no receipt")
    await c.receive("sms", address, "1")
    await c.receive("sms", address, "1")  # yes, send it
