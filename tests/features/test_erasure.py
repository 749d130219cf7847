"""Forgetting a person erases every copy of what copro kept about them: their own rows, and the
notices, summaries and records copro wrote to others about them, in every table and column."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import MetaData, String, cast, select

from bot.app.wiring import scheduler_for
from bot.core.config import load_config
from bot.core.scheduler import Scheduler
from bot.delivery.inbox import Inbound, Spool
from bot.features import rights
from bot.features.meetings import Meetings
from bot.features.polls import Polls
from bot.flowfiles.library import Library
from bot.host.conversations import Conversations
from storage import messages, participants
from storage.db import Database
from tests import records
from tests.people import Clock, deliver, group, member

NOW = datetime(2026, 11, 24, 11, 0, tzinfo=UTC)
ZARA, ZARA_CHAT = "+447700900111", "5551239870"
SAM, CHRIS, DEE = "+447700900222", "+447700900333", "+447700900444"
NAME = "Zara Quillfeather"
WORDS = ("I want to end it all", "Quillfeather singing workshop", "a ramp for my wheelchair")


@pytest.fixture
def clock() -> Clock:
    return Clock(NOW)


@pytest.fixture
async def conversations(database: Database, tmp_path: Path, clock: Clock) -> Conversations:
    path = tmp_path / "copro.toml"
    path.write_text("[checkins]\nenabled = false\n")
    config = load_config(path, env={"COPRO_DATA_DIR": str(tmp_path)})
    c = Conversations(database, Library.load(), config, clock=clock)
    await c.register_flows()
    return c


def photograph(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"\xff\xd8 a bus ticket")


async def everything(c: Conversations, scheduler: Scheduler, clock: Clock, receipt: Path) -> None:
    """Zara discloses risk, claims an expense with a receipt, answers a poll and a meeting."""
    db = c.db
    riverside = await group(db)
    zara = await member(db, riverside, ZARA, name=NAME)
    await member(db, riverside, SAM, name="Sam", role="coordinator")
    await member(db, riverside, CHRIS, name="Chris", role="safeguarding")
    await member(db, riverside, DEE, name="Dee")
    async with db.transaction() as s:
        person = await participants.get(s, zara.id)
        assert person is not None
        await participants.add_address(s, person, "telegram", ZARA_CHAT)
    await c.receive("sms", ZARA, "check in")
    for answer in ("2", "3", "2", "9", "often", WORDS[0]):
        await c.receive("sms", ZARA, answer)
    photograph(receipt)
    for answer in ("expense", "1", "3.40", "today", WORDS[1]):
        await c.receive("sms", ZARA, answer)
    await c.receive("sms", ZARA, "", media=(str(receipt),))
    for answer in ("2", "yes"):
        await c.receive("sms", ZARA, answer)

    async with db.transaction() as s:
        sam = await participants.find_by_address(s, "sms", SAM)
        await Polls(c, c.config, clock).create(
            s, riverside, question={"en": "Which day suits you?", "cy": "Pa ddiwrnod?"},
            options=[{"en": "Tuesday", "cy": "Dydd Mawrth"}, {"en": "Friday", "cy": "Dydd Gwener"}],
            closes_at=NOW + timedelta(days=3), by=sam)
        await Meetings(c, c.config, clock).add(
            s, riverside, title="Planning day", starts_at=NOW + timedelta(days=2, hours=3),
            place="the Library")
    await scheduler.tick()
    await c.receive("sms", ZARA, "1")  # Tuesday
    clock.advance(hours=3)  # two days before the meeting: the invitation
    await scheduler.tick()
    for answer in ("yes", "other", WORDS[2]):
        await c.receive("sms", ZARA, answer)
    clock.set(NOW + timedelta(days=1, hours=3, minutes=1))  # the coordinators' meeting summary
    await scheduler.tick()
    for address in (ZARA, SAM, CHRIS, DEE):
        await deliver(db, address, clock.now)


async def staff_copies(db: Database, about: str = NAME) -> list[str]:
    """What copro sent to the coordinator and the safeguarding lead that mentions ``about``."""
    async with db.transaction() as s:
        sent = await records.messages_of_address(s, SAM) + await records.messages_of_address(s, CHRIS)
    return [m.body for m in sent if m.direction == "out" and m.body and about in m.body]


async def every_cell(db: Database) -> list[tuple[str, str, str]]:
    """(table, column, text) for every non-empty cell of every table, read from the schema itself."""
    found = []
    async with db.engine.connect() as conn:
        meta = MetaData()
        await conn.run_sync(meta.reflect)
        for table in meta.sorted_tables:
            for column in table.columns:
                rows = await conn.execute(select(cast(column, String)).where(column.is_not(None)))
                found += [(table.name, column.name, str(v)) for (v,) in rows if v]
    return found


def files_holding(folder: Path, traces: tuple[str, ...]) -> list[Path]:
    """Every file under ``folder`` whose bytes hold one of ``traces`` (any case), or that is a
    photo the person sent (its bytes are the bus ticket's)."""
    found = []
    for path in sorted(p for p in folder.rglob("*") if p.is_file() and p.suffix != ".db"):
        data = path.read_bytes()
        text = data.decode("utf-8", "replace").lower()
        if any(x.lower() in text for x in traces) or data.startswith(b"\xff\xd8 a bus ticket"):
            found.append(path)
    return found


async def test_forgetting_leaves_no_copy_of_the_person_in_any_table_or_column(
    database: Database, conversations: Conversations, clock: Clock, tmp_path: Path
) -> None:
    scheduler = scheduler_for(conversations, conversations.config, clock=clock)
    await everything(conversations, scheduler, clock, tmp_path / "media" / "sms" / "SM9-1.jpg")
    before = await every_cell(database)
    async with database.transaction() as s:
        zara = await participants.find_by_address(s, "sms", ZARA)
        assert zara is not None
        kept = await rights.export(s, zara, now=clock.now)
    assert len(kept["poll_votes"]) == 1 and kept["meeting_replies"][0]["answer"] == "yes"
    traces = (NAME, "Zara", "Quillfeather", ZARA, ZARA_CHAT, *WORDS)
    # What would have been left: the staff's copies do hold Zara's details before erasure.
    elsewhere = {(t, c) for t, c, v in before if any(x.lower() in v.lower() for x in traces)}
    assert ("messages", "body") in elsewhere and ("alerts", "text") in elsewhere
    copies = await staff_copies(database)
    assert len(copies) >= 4  # alerts to Chris and Sam, the claim notice, the meeting summary
    assert any(body.startswith("Planning day") for body in copies)
    assert all(NAME in body for body in copies)

    # Texts kept on disk while the database was away, or set aside: hers, with a photo, and Dee's.
    spool, media = Spool(tmp_path / "spool"), tmp_path / "media"
    later = media / "telegram" / "later.jpg"
    photograph(later)
    spool.put(Inbound("message", "sms", ZARA, f"{WORDS[0]}, from {NAME}"))
    spool.put(Inbound("message", "telegram", ZARA_CHAT, WORDS[1], media=(str(later),)))
    spool.put(Inbound("message", "sms", ZARA, WORDS[2]), failed="the database was locked")
    dee = spool.put(Inbound("message", "sms", DEE, "See you Tuesday"))
    assert [f for f in files_holding(tmp_path, traces) if "spool" in f.parts]  # there before
    async with database.transaction() as s:
        zara = await participants.find_by_address(s, "sms", ZARA)
        assert zara is not None
        counts = await rights.forget(s, zara, by="Sam", media_dir=media, spool_dir=spool.directory,
                                     now=clock.now)

    after = await every_cell(database)
    left = [(t, c, v) for t, c, v in after if any(x.lower() in v.lower() for x in traces)]
    assert left == []
    # No file under the data folder (spool, set aside, media) holds her name, number or words.
    assert files_holding(tmp_path, traces) == []
    assert not later.exists() and not (tmp_path / "media" / "sms" / "SM9-1.jpg").exists()
    assert counts["files"] == 5  # the receipt, three spooled texts and the photo one brought
    assert spool.waiting() == [dee]  # someone else's text still waits its turn
    # The staff's copies are kept, saying only that they were about someone now erased.
    erased = await staff_copies(database, about="a participant (erased)")
    assert len(erased) == len(copies)
    assert len([1 for t, c, _ in after if (t, c) == ("messages", "id")]) == len(
        [1 for t, c, _ in before if (t, c) == ("messages", "id")])  # no row lost: counts stay


async def test_someone_who_wrote_a_great_deal_is_forgotten_too(
    database: Database, tmp_path: Path
) -> None:
    riverside = await group(database)
    zara = await member(database, riverside, ZARA, name=NAME)
    sam = await member(database, riverside, SAM, name="Sam", role="coordinator")
    said = [f"Text number {n} from me" for n in range(450)]
    async with database.transaction() as s:
        for n, text in enumerate(said):
            await messages.record_inbound(s, participant_id=zara.id, channel="sms", address=ZARA,
                                          body=text, media=[], provider_id=f"SM{n}", at=NOW)
        await messages.queue_outbound(
            s, participant_id=sam.id, session_id=None, channel="sms", address=SAM,
            body=f'Zara wrote "{said[333]}" today.', options=[], idempotency_key="note", at=NOW)
        person = await participants.get(s, zara.id)
        assert person is not None
        await rights.forget(s, person, by="Sam", media_dir=tmp_path, spool_dir=tmp_path / "spool", now=NOW)
    [note] = await staff_copies(database, about="today")
    assert note == 'a participant (erased) wrote "(erased)" today.'
