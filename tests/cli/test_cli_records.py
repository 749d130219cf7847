"""The command line for claims, alerts, results and people's data, on a real database."""

from __future__ import annotations

import asyncio
import csv
import getpass
import io
import json
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TypeVar

import pytest
from click.testing import CliRunner, Result
from sqlalchemy.ext.asyncio import AsyncSession

from bot.app.wiring import scheduler_for
from bot.cli.main import main
from bot.core.clock import utcnow
from bot.core.config import load_config
from bot.flowfiles.library import Library
from bot.host.conversations import Conversations
from storage import alerts, claims, participants, results, sessions
from storage.db import Database
from tests import records
from tests.people import group, member

T = TypeVar("T")
ANN, BEN, SAM = "+447700900001", "+447700900002", "+447700900003"


@pytest.fixture
def env(tmp_path: Path, database_url: str) -> dict[str, str]:
    return {"COPRO_DATA_DIR": str(tmp_path / "data"), "COPRO_DATABASE_URL": database_url,
            "COPRO_CONFIG": ""}


def copro(env: dict[str, str], *args: str, input: str | None = None) -> Result:
    result = CliRunner().invoke(main, list(args), env=env, input=input, catch_exceptions=False)
    assert "Traceback" not in result.output
    return result


async def _a_busy_group(url: str, data: Path) -> None:
    """Ann claims mileage and writes something worrying; Ben claims lunch but wants no money."""
    db = Database(url)
    try:
        config = load_config(None, env={"COPRO_DATA_DIR": str(data)})
        c = Conversations(db, Library.load(), config)
        await c.register_flows()
        scheduler_for(c, config)
        riverside = await group(db)
        await member(db, riverside, ANN, name="Ann")
        await member(db, riverside, BEN, name="Ben")
        await member(db, riverside, SAM, name="Sam", role="safeguarding")
        for text in ("expense", "2", "23", "2026-11-20", "Planning meeting", "no receipt", "1", "1"):
            await c.receive("sms", ANN, text)
        for text in ("expense", "3", "4.20", "2026-11-21", "Lunch", "no receipt", "4", "1"):
            await c.receive("sms", BEN, text)
        for text in ("check in", "6", "5", "4", "7", "often", "I want to end it all"):
            await c.receive("sms", ANN, text)
    finally:
        await db.close()


def a_busy_group(env: dict[str, str]) -> None:
    asyncio.run(_a_busy_group(env["COPRO_DATABASE_URL"], Path(env["COPRO_DATA_DIR"])))


def look(env: dict[str, str], query: Callable[[AsyncSession], Awaitable[T]]) -> T:
    """What ``query`` finds in the database, from a test that is not itself async."""

    async def work() -> T:
        db = Database(env["COPRO_DATABASE_URL"])
        try:
            async with db.transaction() as s:
                return await query(s)
        finally:
            await db.close()

    return asyncio.run(work())


def test_claims_are_listed_decided_exported_and_paid(env: dict[str, str], tmp_path: Path) -> None:
    a_busy_group(env)
    listed = copro(env, "claims", "list").output
    assert "Ann" in listed and "£   10.35" in listed and "submitted" in listed
    assert "(does not want paying)" in listed

    assert copro(env, "claims", "mark-paid", "1").exit_code == 1  # not approved yet
    approved = copro(env, "claims", "approve", "1")
    assert approved.exit_code == 0 and "Claim 1 is approved" in approved.output
    again = copro(env, "claims", "reject", "1", "--reason", "No")
    assert again.exit_code == 1 and "claim 1 is already approved" in again.output
    assert copro(env, "claims", "reject", "2", "--reason", "  ").exit_code == 2

    out = tmp_path / "claims.csv"
    exported = copro(env, "claims", "export", "--from", "2026-01-01", "--to", "2030-12-31",
                     "--output", str(out))
    assert "1 claim(s) exported; 1 that did not want paying left out." in exported.output
    [row] = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8-sig"))))
    assert (row["claimant"], row["amount"], row["miles"], row["rate"], row["category"]) == (
        "Ann", "10.35", "23", "0.45", "mileage")
    assert (row["meeting"], row["spent_on"], row["payment_preference"], row["decision"],
            row["decided_by"]) == ("Planning meeting", "2026-11-20", "bank transfer", "approved",
                                   f"{getpass.getuser()} (command line)")

    paid = copro(env, "claims", "mark-paid", "1")
    assert paid.exit_code == 0 and "Marked 1 claim(s) paid." in paid.output
    kept = look(env, lambda s: claims.get(s, 1))
    assert kept is not None and kept.status == "paid"
    told = look(env, lambda s: records.messages_of_address(s, ANN))
    assert any("has been paid" in (m.body or "") for m in told)
    missing = copro(env, "claims", "approve", "99")
    assert missing.exit_code == 1 and "there is no claim 99" in missing.output


async def _the_lead_cannot_be_reached(s: AsyncSession) -> None:
    for m in await records.messages_of_address(s, SAM):
        if m.direction == "out" and m.topic == "alert:1":
            m.status, m.error = "failed", "not sent: the address is opted out"


def test_alerts_are_listed_and_acknowledged_with_a_note(env: dict[str, str]) -> None:
    a_busy_group(env)
    listed = copro(env, "alerts", "list", "--open").output
    # What really happened to the notices, never "sent" of a message that has not gone.
    assert "Ann  NOT ACKNOWLEDGED (notices: 0 delivered, 1 waiting to go)" in listed
    assert "end it all" in listed
    look(env, _the_lead_cannot_be_reached)
    listed = copro(env, "alerts", "list", "--open").output
    assert ("Ann  NOT ACKNOWLEDGED (notices: 0 delivered, 1 failed (the address is opted out))"
            in listed)
    done = copro(env, "alerts", "ack", "1", "--note", "Called Ann, she is safe")
    assert done.exit_code == 0
    assert copro(env, "alerts", "list", "--open").output.strip() == "No open alerts."
    alert = look(env, lambda s: alerts.get(s, 1))
    assert alert is not None and alert.acknowledged_note == "Called Ann, she is safe"
    assert copro(env, "alerts", "ack", "1").exit_code == 1


def test_results_export_and_a_trend(env: dict[str, str]) -> None:
    a_busy_group(env)
    exported = copro(env, "results", "export", "--group", "Riverside Voices")
    [row] = list(csv.DictReader(io.StringIO(exported.stdout_bytes.decode("utf-8-sig"))))
    assert (row["name"], row["life_satisfaction"], row["lonely"], row["note"]) == (
        "Ann", "6", "often", "I want to end it all")
    unknown = copro(env, "results", "export", "--group", "Nobody")
    assert unknown.exit_code == 1 and "there is no group called 'Nobody'" in unknown.output
    trend = copro(env, "results", "trend", "Ann").output
    assert "Ann: 1 check-in(s)" in trend and "life satisfaction: 6  one answer so far" in trend


def test_a_person_is_exported_then_forgotten(env: dict[str, str], tmp_path: Path) -> None:
    a_busy_group(env)
    listed = copro(env, "participants", "list").output
    assert "Ann" in listed and "safeguarding of Riverside Voices" in listed
    data = json.loads(copro(env, "participants", "export", ANN).stdout)
    assert data["participant"]["name"] == "Ann" and len(data["expense_claims"]) == 1
    ambiguous = copro(env, "participants", "export", "Nobody")
    assert ambiguous.exit_code == 1 and "no participant matches 'Nobody'" in ambiguous.output

    kept = copro(env, "participants", "forget", "Ann", input="n\n")
    assert kept.exit_code == 1  # they said no
    gone = copro(env, "participants", "forget", "Ann", "--yes")
    assert gone.exit_code == 0 and "Forgotten: Ann (number 1)." in gone.output
    assert "and what 3 message(s) to others said about them." in gone.output  # to Sam
    to_sam = look(env, lambda s: records.messages_of_address(s, SAM))
    assert to_sam and not [m for m in to_sam if "end it all" in (m.body or "")]
    person = look(env, lambda s: participants.get(s, 1))
    assert person is not None and person.status == "erased" and person.name is None
    kept_claim = look(env, lambda s: claims.get(s, 1))
    assert kept_claim is not None and kept_claim.spent_on == date(2026, 11, 20)


def test_records_use_the_full_name_not_the_one_a_person_likes(env: dict[str, str], tmp_path: Path) -> None:
    a_busy_group(env)

    async def rename(s: AsyncSession) -> None:
        ann = await participants.find_by_address(s, "sms", ANN)
        assert ann is not None
        await participants.set_fields(s, ann, name="Ann Jones", called="Annie", at=datetime.now(UTC))

    look(env, rename)
    out = tmp_path / "claims.csv"
    copro(env, "claims", "approve", "1")
    copro(env, "claims", "export", "--from", "2026-01-01", "--to", "2030-12-31", "--output", str(out))
    [row] = list(csv.DictReader(io.StringIO(out.read_text())))
    assert row["claimant"] == "Ann Jones"
    [result] = list(csv.DictReader(io.StringIO(
        copro(env, "results", "export", "--group", "Riverside Voices").stdout)))
    assert result["name"] == "Ann Jones"
    for who in ("Ann Jones", "ann jones", "Annie"):
        assert copro(env, "results", "trend", who).output.startswith("Ann Jones: 1 check-in(s)")
    assert "Ann Jones  NOT ACKNOWLEDGED" in copro(env, "alerts", "list").output
    assert "Ann Jones (called Annie)" in copro(env, "participants", "list").output
    changed = copro(env, "participants", "change", "Ann Jones", "--called", "Nan")
    assert changed.output == "Changed the preferred name of participant 1.\n"


def test_a_message_left_by_phone_is_flagged_as_a_safeguarding_alert(env: dict[str, str]) -> None:
    a_busy_group(env)
    [checkin] = [row for row in look(env, lambda s: records.sessions_of(s, 1))
                 if row.flow_id == "weekly-checkin"]
    none_left = copro(env, "alerts", "flag-message", str(checkin.id), "--note", "worried")
    assert none_left.exit_code == 1
    assert f"no message was left by phone in session {checkin.id}" in none_left.output
    config = load_config(None, env={"COPRO_DATA_DIR": env["COPRO_DATA_DIR"]})
    left = str(config.media_dir / "voice" / "CA1-RE1.wav")

    async def leave(s: AsyncSession) -> None:
        row = await sessions.get(s, checkin.id)
        assert row is not None
        await results.add_result(s, session=row, step="note", key="spoken", value=[left],
                                 raw="", status="answered", at=utcnow())

    look(env, leave)
    flagged = copro(env, "alerts", "flag-message", str(checkin.id), "--note",
                    "She said she does not feel safe at home")
    assert flagged.output == "Raised safeguarding alert 2; it went to 1 lead(s) or coordinator(s).\n"
    alert = look(env, lambda s: alerts.get(s, 2))
    assert alert is not None and alert.reason == "voice-message-flagged"
    assert "does not feel safe at home" in alert.text and left in alert.text
