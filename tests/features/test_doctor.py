"""``doctor.check``: the gaps that would leave someone's alert or request with nobody to act."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.app.wiring import scheduler_for
from bot.core.config import load_config
from bot.features import doctor
from bot.features.doctor import Problem
from bot.flowfiles.library import Library
from bot.host.conversations import Conversations
from storage import groups, participants
from storage.db import Database
from tests import records
from tests.features.test_alerts import check_in
from tests.people import group, member

NOW = datetime(2026, 12, 1, 10, tzinfo=UTC)
ANN, SAM, LEE, BOSS = "+447700900001", "+447700900002", "+447700900003", "+447700900009"


async def problems(db: Database, **options: object) -> list[Problem]:
    async with db.transaction() as s:
        return await doctor.check(s, **options)  # type: ignore[arg-type]


async def an_admin(db: Database) -> None:
    async with db.transaction() as s:
        boss = await participants.create(s, channel="sms", address=BOSS, name="Bea")
        await participants.set_admin(s, boss, True)


def said(found: list[Problem]) -> list[tuple[str, str, str]]:
    return [(p.severity, p.where, p.what) for p in found]


async def test_a_group_with_a_reachable_coordinator_and_lead_has_no_problems(database: Database) -> None:
    riverside = await group(database)
    await member(database, riverside, ANN)
    await member(database, riverside, SAM, name="Sam", role="coordinator")
    await member(database, riverside, LEE, name="Lee", role="safeguarding")
    await an_admin(database)
    assert await problems(database) == []
    assert await problems(database, channels=["sms"]) == []


async def test_a_group_with_no_coordinator_says_its_alerts_and_requests_reach_nobody(
    database: Database,
) -> None:
    typo = await group(database, "Riverside Vocies")
    await member(database, typo, ANN)
    await an_admin(database)
    found = await problems(database)
    assert said(found) == [
        ("error", 'group "Riverside Vocies"', "nobody can receive a safeguarding alert from this group"),
        ("error", 'group "Riverside Vocies"', "no coordinator"),
        ("warning", 'group "Riverside Vocies"', "no safeguarding lead"),
    ]
    assert "request to talk to a person" in found[1].why
    assert found[1].fix.startswith('copro participants add --name NAME --phone NUMBER '
                                   '--group "Riverside Vocies" --role coordinator')
    assert "alerts go to its coordinators instead" in found[2].why


async def test_a_coordinator_who_sent_stop_cannot_be_reached(database: Database) -> None:
    riverside = await group(database)
    await member(database, riverside, ANN)
    sam = await member(database, riverside, SAM, name="Sam", role="coordinator")
    await member(database, riverside, LEE, name="Lee", role="safeguarding")
    await an_admin(database)
    async with database.transaction() as s:
        person = await participants.get(s, sam.id)
        assert person is not None
        await participants.opt_out(s, person, at=NOW)
    found = await problems(database)
    assert said(found) == [
        ("error", 'group "Riverside Voices"', "no coordinator who can be reached"),
        ("warning", f'participant {sam.id} (coordinator of "Riverside Voices")', "cannot be reached"),
    ]
    assert "they sent STOP" in found[1].why and "text START" in found[1].fix


async def test_staff_without_a_working_address_cannot_be_reached(database: Database) -> None:
    riverside = await group(database)
    await member(database, riverside, ANN)
    sam = await member(database, riverside, SAM, name="Sam", role="coordinator")
    async with database.transaction() as s:
        lee = await participants.create_without_address(s, name="Lee", language="en",
                                                        timezone="Europe/London")
        await groups.add_member(s, riverside, lee, "safeguarding")
        await participants.set_address_status(s, "sms", SAM, "unreachable")
    found = await problems(database, only=[riverside.id])
    assert said(found) == [
        ("error", 'group "Riverside Voices"', "nobody can receive a safeguarding alert from this group"),
        ("error", 'group "Riverside Voices"', "no coordinator who can be reached"),
        ("warning", f'participant {sam.id} (coordinator of "Riverside Voices")', "cannot be reached"),
        ("warning", f'participant {lee.id} (safeguarding lead of "Riverside Voices")',
         "cannot be reached"),
    ]
    assert "could not be delivered" in found[2].why
    assert f"copro participants change {sam.id} --phone NUMBER" in found[2].fix
    assert "no phone number or Telegram chat" in found[3].why
    assert f"copro invite {lee.id}" in found[3].fix


async def test_staff_reached_only_on_a_channel_that_is_off_cannot_be_reached(database: Database) -> None:
    riverside = await group(database)
    await member(database, riverside, ANN)
    sam = await member(database, riverside, "5550001", name="Sam", role="coordinator",
                       channel="telegram")
    await member(database, riverside, LEE, name="Lee", role="safeguarding")
    await an_admin(database)
    assert await problems(database, channels=["sms", "telegram"]) == []
    found = await problems(database, channels=["sms"])
    assert said(found) == [
        ("error", 'group "Riverside Voices"', "no coordinator who can be reached"),
        ("warning", f'participant {sam.id} (coordinator of "Riverside Voices")', "cannot be reached"),
    ]
    assert "by Telegram, which is off" in found[1].why and "COPRO_TELEGRAM_TOKEN" in found[1].fix


async def test_people_in_no_group_and_a_service_with_no_admin(database: Database) -> None:
    async with database.transaction() as s:
        ann = await participants.create(s, channel="sms", address=ANN, name="Ann")
        gone = await participants.create(s, channel="sms", address=SAM, name="Sam")
        await participants.opt_out(s, gone, at=NOW)
    found = await problems(database)
    assert said(found) == [("error", f"participant(s) {ann.id}", "in no group"),
                           ("warning", "the service", "no admin")]
    assert "--group" in found[0].fix and "--admin" in found[1].fix
    assert await problems(database, only=[]) == []  # the service-wide checks are left out


async def test_a_problem_names_groups_and_numbers_people_but_holds_no_personal_data(
    database: Database,
) -> None:
    riverside = await group(database)
    await member(database, riverside, ANN, name="Annabel")
    sam = await member(database, riverside, SAM, name="Samira", role="coordinator")
    async with database.transaction() as s:
        person = await participants.get(s, sam.id)
        assert person is not None
        await participants.opt_out(s, person, at=NOW)
    lines = " ".join(p.line() + str(p) for p in await problems(database))
    assert "Riverside Voices" in lines and f"participant {sam.id}" in lines
    for personal in ("Annabel", "Samira", ANN, SAM, "7700"):
        assert personal not in lines


async def test_problems_by_group_gathers_each_groups_own(database: Database) -> None:
    riverside = await group(database)
    hill = await group(database, "Hill Top")
    await member(database, hill, ANN, role="coordinator")
    await member(database, hill, SAM, role="safeguarding")
    async with database.transaction() as s:
        found = await doctor.problems_by_group(s, [riverside.id, hill.id])
    assert list(found) == ["Riverside Voices"]
    assert [p.what for p in found["Riverside Voices"]] == ["no coordinator", "no safeguarding lead"]


@pytest.mark.parametrize("staff", ["reachable", "lead unreachable", "sent STOP", "address failed"])
async def test_doctor_says_nobody_can_receive_exactly_when_a_real_alert_reaches_nobody(
    database: Database, tmp_path: Path, staff: str
) -> None:
    riverside = await group(database)
    await member(database, riverside, ANN)
    sam = await member(database, riverside, SAM, name="Sam", role="coordinator")
    async with database.transaction() as s:
        person = await participants.get(s, sam.id)
        assert person is not None
        if staff == "sent STOP":
            await participants.opt_out(s, person, at=NOW)
        elif staff == "lead unreachable":  # the alert falls back to the coordinator
            lee = await participants.create(s, channel="sms", address=LEE, name="Lee")
            await groups.add_member(s, riverside, lee, "safeguarding")
            await participants.set_address_status(s, "sms", LEE, "unreachable")
        elif staff == "address failed":
            await participants.set_address_status(s, "sms", SAM, "unreachable")
    nobody = "nobody can receive a safeguarding alert from this group"
    said_nobody = nobody in [p.what for p in await problems(database)]

    config = load_config(None, env={"COPRO_DATA_DIR": str(tmp_path)})
    conversations = Conversations(database, Library.load(), config, clock=lambda: NOW)
    await conversations.register_flows()
    scheduler_for(conversations, config, clock=lambda: NOW)
    await check_in(conversations, ANN, "Some days I want to end it all.")
    async with database.transaction() as s:
        alerted = [m for m in await records.messages_of(s, sam.id)
                   if m.direction == "out" and "Safeguarding alert" in (m.body or "")]
    assert said_nobody == (not alerted), f"{staff}: doctor and the alert disagree"
    assert said_nobody == (staff not in ("reachable", "lead unreachable"))


async def test_staff_reached_by_phone_call_while_calls_are_off_cannot_be_reached(
    database: Database,
) -> None:
    riverside = await group(database)
    await member(database, riverside, ANN)
    cath = await member(database, riverside, SAM, name="Cath", role="coordinator", channel="voice")
    await member(database, riverside, LEE, name="Lee", role="safeguarding")
    await an_admin(database)
    assert await problems(database, channels=["sms", "voice"]) == []
    found = await problems(database, channels=["sms"])
    assert said(found)[1] == (
        "warning", f'participant {cath.id} (coordinator of "Riverside Voices")', "cannot be reached")
    assert "by phone call, which is off" in found[1].why and "voice.enabled" in found[1].fix
