"""Subject access (everything kept about a person) and erasure (forgetting them)."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.app.wiring import scheduler_for
from bot.core.config import load_config
from bot.features import rights
from bot.flowfiles.library import Library
from bot.host.conversations import Conversations
from storage import claims, participants
from storage.db import Database
from tests import records
from tests.people import Clock, deliver, group, member, outbox

NOW = datetime(2026, 11, 24, 11, 0, tzinfo=UTC)
ANN, BEN, CHRIS = "+447700900001", "+447700900002", "+447700900003"


@pytest.fixture
async def conversations(database: Database, tmp_path: Path) -> Conversations:
    config = load_config(None, env={"COPRO_DATA_DIR": str(tmp_path)})
    clock = Clock(NOW)
    c = Conversations(database, Library.load(), config, clock=clock)
    await c.register_flows()
    scheduler_for(c, config, clock=clock)
    riverside = await group(database)
    await member(database, riverside, ANN, name="Ann")
    await member(database, riverside, BEN, name="Ben")
    await member(database, riverside, CHRIS, name="Chris", role="safeguarding")
    return c


def photograph(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"\xff\xd8 a photo of a bus ticket")


def photos(path: Path) -> list[str]:
    return sorted(p.name for p in path.rglob("*.jpg"))


async def busy_week(c: Conversations, address: str, receipt: Path) -> None:
    """A check-in with a worrying note, and an expense claim with a receipt photo."""
    await c.receive("sms", address, "check in")
    for answer in ("6", "7", "5", "3", "never", "I feel scared at home"):
        await c.receive("sms", address, answer)
    photograph(receipt)
    for answer in ("expense", "1", "3.40", "today", "Planning meeting"):
        await c.receive("sms", address, answer)
    await c.receive("sms", address, "", media=(str(receipt),))
    await c.receive("sms", address, "2")
    await c.receive("sms", address, "yes")
    await deliver(c.db, address, NOW)


async def test_export_holds_everything_about_the_person_and_nothing_about_others(
    database: Database, conversations: Conversations, tmp_path: Path
) -> None:
    await busy_week(conversations, ANN, tmp_path / "media" / "sms" / "SM1-1.jpg")
    await busy_week(conversations, BEN, tmp_path / "media" / "sms" / "SM2-1.jpg")
    async with database.transaction() as s:
        ann = await participants.find_by_address(s, "sms", ANN)
        assert ann is not None
        data = await rights.export(s, ann, now=NOW)
    text = json.dumps(data)  # everything is JSON-able
    assert data["participant"]["name"] == "Ann" and data["addresses"][0]["address"] == ANN
    assert data["groups"] == [{"group": "Riverside Voices", "role": "member",
                               "since": data["groups"][0]["since"]}]
    checkin = next(c for c in data["conversations"] if c["flow"] == "weekly-checkin")
    assert {a["key"]: a["value"] for a in checkin["answers"]} == {
        "life_satisfaction": 6, "worthwhile": 7, "happy": 5, "anxious": 3, "lonely": "never",
        "note": "I feel scared at home"}
    assert [c["amount"] for c in data["expense_claims"]] == ["£3.40"]
    assert [a["reason"] for a in data["safeguarding_alerts"]] == ["checkin-risk"]
    assert "I feel scared at home" in text and "Ben" not in text and BEN not in text


async def test_forgetting_erases_personal_data_and_files_but_keeps_counts(
    database: Database, conversations: Conversations, tmp_path: Path
) -> None:
    receipt = tmp_path / "media" / "sms" / "SM1-1.jpg"
    await busy_week(conversations, ANN, receipt)
    await busy_week(conversations, BEN, tmp_path / "media" / "sms" / "SM2-1.jpg")
    outside = tmp_path / "not-media.jpg"
    photograph(outside)
    async with database.transaction() as s:
        ann = await participants.find_by_address(s, "sms", ANN)
        assert ann is not None
        before = await rights.export(s, ann, now=NOW)
        counts = await rights.forget(s, ann, by="command line", media_dir=tmp_path / "media",
                                     spool_dir=tmp_path / "spool", now=NOW)
    assert counts["files"] == 1
    assert photos(tmp_path) == ["SM2-1.jpg", "not-media.jpg"]
    assert counts["messages"] == len(before["messages"]) and counts["addresses"] == 1
    async with database.transaction() as s:
        erased = await participants.get(s, ann.id)
        assert erased is not None
        after = await rights.export(s, erased, now=NOW)
        kept_claims = await claims.listed(s)
        events = await records.audit_events(s, kind="participant_forgotten")
        still = await records.sessions_of(s, ann.id)
    text = json.dumps(after)
    assert after["participant"]["name"] is None and after["participant"]["status"] == "erased"
    assert after["addresses"] == [] and after["groups"] == []
    assert all(m["text"] is None and m["photos"] == [] for m in after["messages"])
    assert all(c["answers"] == [] for c in after["conversations"])
    assert len(after["messages"]) == len(before["messages"]) and len(still) == 2  # counts stay
    assert "scared" not in text and "Planning meeting" not in text and ANN not in text
    assert after["safeguarding_alerts"][0]["text"] == "(erased)"
    assert [(c.participant_id, c.amount_pence, c.receipt) for c in kept_claims] == [
        (ann.id, 340, None), (kept_claims[1].participant_id, 340, kept_claims[1].receipt)]
    assert kept_claims[1].receipt is not None  # Ben's receipt is untouched
    [event] = events
    assert event.actor == "command line" and event.details["erased"]["files"] == 1
    assert ANN not in json.dumps(event.details)

    # A text from the same number is someone new: the welcome starts again.
    await conversations.receive("sms", ANN, "hello")
    [welcome] = [m.body for m in await outbox(database, ANN)]
    assert welcome is not None and "Which language would you like?" in welcome


async def test_the_export_reads_as_a_person_would_with_photos_in_an_archive(
    database: Database, tmp_path: Path
) -> None:
    from tests.features import test_erasure as busy

    clock = Clock(busy.NOW)
    path = tmp_path / "copro.toml"
    path.write_text("[checkins]\nenabled = false\n")
    config = load_config(path, env={"COPRO_DATA_DIR": str(tmp_path)})
    c = Conversations(database, Library.load(), config, clock=clock)
    await c.register_flows()
    scheduler = scheduler_for(c, config, clock=clock)
    await busy.everything(c, scheduler, clock, tmp_path / "media" / "sms" / "SM9-1.jpg")
    async with database.transaction() as s:
        zara = await participants.find_by_address(s, "sms", busy.ZARA)
        assert zara is not None
        found = await rights.gather_export(s, zara, now=clock.now, library=c.library)
    data = found.data
    text = json.dumps(data, ensure_ascii=False)
    assert "$decimal" not in text and "amount_pence" not in text
    [claim] = data["expense_claims"]
    assert (claim["amount"], claim["receipt"]) == ("£3.40", "files/claim-1.jpg")
    expense = next(x for x in data["conversations"] if x["flow"] == "expense-claim")
    kept = {a["key"]: a["value"] for a in expense["answers"]}
    assert kept["amount"] == "£3.40" and kept["receipt"] == ["files/claim-1.jpg"]
    assert [(v["question"], v["answers"]) for v in data["poll_votes"]] == [
        ("Which day suits you?", ["Tuesday"])]
    assert [(r["meeting"], r["answer"]) for r in data["meeting_replies"]] == [("Planning day", "yes")]
    assert str(tmp_path) not in text  # no server paths
    with zipfile.ZipFile(io.BytesIO(found.archive())) as archive:
        assert sorted(archive.namelist()) == ["everything.json", "files/claim-1.jpg"]
        assert archive.read("files/claim-1.jpg") == b"\xff\xd8 a bus ticket"
        assert json.loads(archive.read("everything.json")) == data
