"""Expense claims: a finished claim reaches the coordinators, whose decision reaches the claimant."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from bot.app.wiring import scheduler_for
from bot.core.config import load_config
from bot.features.claims import Claims
from bot.flowfiles.library import Library
from bot.host.conversations import Conversations
from storage import claims
from storage.db import Database
from tests import records
from tests.people import Clock, deliver, group, member, outbox

NOW = datetime(2026, 11, 24, 11, 0, tzinfo=UTC)
ANN, CHRIS, DEE = "+447700900001", "+447700900003", "+447700900004"


@pytest.fixture
def clock() -> Clock:
    return Clock(NOW)


@pytest.fixture
async def conversations(database: Database, tmp_path: Path, clock: Clock) -> Conversations:
    config = load_config(None, env={"COPRO_DATA_DIR": str(tmp_path)})
    c = Conversations(database, Library.load(), config, clock=clock)
    await c.register_flows()
    scheduler_for(c, config, clock=clock)
    riverside = await group(database)
    await member(database, riverside, ANN, name="Ann")
    await member(database, riverside, CHRIS, name="Chris", role="coordinator", channel="telegram")
    await member(database, riverside, DEE, name="Dee")
    return c


async def claim_mileage(c: Conversations, receipt: str | None = None, payment: str = "1") -> None:
    for text in ("expense", "2", "23", "yesterday", "Planning meeting"):
        await c.receive("sms", ANN, text)
    if receipt:
        await c.receive("sms", ANN, "", media=(receipt,))
    else:
        await c.receive("sms", ANN, "no receipt")
    await c.receive("sms", ANN, payment)
    await c.receive("sms", ANN, "1")  # yes, send it
    await deliver(c.db, ANN, c.clock())


async def test_a_confirmed_claim_goes_to_the_coordinator_with_its_receipt_and_buttons(
    database: Database, conversations: Conversations, tmp_path: Path
) -> None:
    receipt = str(tmp_path / "media" / "sms" / "SM1-1.jpg")
    await claim_mileage(conversations, receipt)
    async with database.transaction() as s:
        [kept] = await claims.listed(s)
    assert (kept.category, kept.amount_pence, kept.miles, kept.rate) == (
        "mileage", 1035, Decimal("23"), Decimal("0.45"))
    assert (kept.spent_on, kept.activity, kept.receipt, kept.payment, kept.status) == (
        date(2026, 11, 23), "Planning meeting", receipt, "bank", "submitted")
    [offer] = await outbox(database, CHRIS)
    assert offer.kind == "photo" and offer.media == [receipt]
    assert offer.body == (
        'Expense claim 1 from Ann: mileage, £10.35 (23 miles at £0.45 a mile), spent Monday 23 '
        'November, for "Planning meeting". Receipt: yes (a photo). Payment: bank transfer. '
        "Reply APPROVE 1 or REJECT 1."
    )
    assert offer.display == {"buttons": [
        {"label": "Approve", "data": "claim:1:approve"},
        {"label": "Turn down", "data": "claim:1:reject"},
    ], "language": "en"}  # where the receipt cannot be shown, a channel says so in English


async def test_approving_by_button_tells_the_claimant(
    database: Database, conversations: Conversations, clock: Clock
) -> None:
    await claim_mileage(conversations)
    await deliver(database, CHRIS, clock.now)
    assert await conversations.act("telegram", CHRIS, "claim:1:approve")
    assert await deliver(database, CHRIS, clock.now) == ["Claim 1 is approved. Ann has been told."]
    assert await deliver(database, ANN, clock.now) == [
        "Good news, Ann. Your claim for £10.35 (mileage, Monday 23 November) has been approved. "
        "We will pay you soon."]
    assert await conversations.act("telegram", CHRIS, "claim:1:reject")
    assert await deliver(database, CHRIS, clock.now) == ["Claim 1 was already approved by Chris."]
    async with database.transaction() as s:
        [kept] = await claims.listed(s)
        assert kept.status == "approved" and kept.decided_at == clock.now
        assert [e.kind for e in await records.audit_events(s) if e.kind.startswith("claim")] == [
            "claim_submitted", "claim_approved"]


async def test_turning_down_asks_the_coordinator_for_a_reason_in_plain_words(
    database: Database, conversations: Conversations, clock: Clock
) -> None:
    await claim_mileage(conversations)
    await deliver(database, CHRIS, clock.now)
    await conversations.receive("telegram", CHRIS, "reject 1")
    [question] = await deliver(database, CHRIS, clock.now)
    assert question.startswith("Why are you turning down claim 1? Your words will be sent to Ann")
    await conversations.receive("telegram", CHRIS, "We already paid this trip last week.")
    assert await deliver(database, CHRIS, clock.now) == ["Claim 1 is turned down. Ann has been told."]
    [told] = await deliver(database, ANN, clock.now)
    assert told == ("Sorry, Ann. Your claim for £10.35 (mileage, Monday 23 November) was not "
                    "approved. The reason: We already paid this trip last week. If you have "
                    "questions, please contact your coordinator.")
    async with database.transaction() as s:
        [kept] = await claims.listed(s)
    assert (kept.status, kept.reason) == ("rejected", "We already paid this trip last week.")


async def test_back_leaves_a_claim_undecided(
    database: Database, conversations: Conversations, clock: Clock
) -> None:
    await claim_mileage(conversations)
    await conversations.act("telegram", CHRIS, "claim:1:reject")
    await deliver(database, CHRIS, clock.now)
    await conversations.receive("telegram", CHRIS, "back")
    assert await deliver(database, CHRIS, clock.now) == [
        "OK. Claim 1 is still waiting for a decision."]
    async with database.transaction() as s:
        [kept] = await claims.listed(s)
    assert kept.status == "submitted"


async def test_a_member_cannot_decide_a_claim(
    database: Database, conversations: Conversations, clock: Clock
) -> None:
    await claim_mileage(conversations)
    await conversations.receive("sms", DEE, "APPROVE 1")
    assert await deliver(database, DEE, clock.now) == [
        "Sorry, I cannot find claim 1 for you. Please check the number."]
    assert await conversations.act("sms", DEE, "claim:1:approve")
    async with database.transaction() as s:
        [kept] = await claims.listed(s)
    assert kept.status == "submitted"


async def test_a_claim_not_sent_is_not_kept(
    database: Database, conversations: Conversations, clock: Clock
) -> None:
    for text in ("expense", "3", "4.20", "today", "Lunch at the meeting", "no receipt", "2", "3"):
        await conversations.receive("sms", ANN, text)
    said = await deliver(database, ANN, clock.now)
    assert said[-1].startswith("Your claim has not been sent.")
    async with database.transaction() as s:
        assert await claims.listed(s) == []
    assert await outbox(database, CHRIS) == []


async def test_paying_an_approved_claim_tells_the_claimant(
    database: Database, conversations: Conversations, clock: Clock
) -> None:
    await claim_mileage(conversations, payment="2")  # cash
    handler = Claims(conversations, conversations.config, clock)
    async with database.transaction() as s:
        decided = await handler.decide(s, 1, None, "approved", None)
        assert decided is not None
        await handler.mark_paid(s, decided)
    told = await deliver(database, ANN, clock.now)
    assert told[-1] == ("Your claim for £10.35 (mileage, Monday 23 November) has been paid. "
                        "Thank you for taking part.")
    async with database.transaction() as s:
        [kept] = await claims.listed(s)
        assert (kept.status, kept.paid_at, kept.decided_by) == ("paid", clock.now, None)
