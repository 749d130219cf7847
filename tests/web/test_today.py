"""The Today page: alerts, claims with receipts, failed messages and groups nobody can act for."""

from __future__ import annotations

from pathlib import Path

import httpx

from bot.core.config import Config
from bot.host.conversations import Conversations
from storage import alerts, audit, claims, messages, participants
from storage.db import Database
from tests.people import outbox
from tests.web.conftest import ANN, HAL, LEE, SAM, Place, at_risk, claim, csrf, sign_in


async def test_a_lead_sees_an_alert_with_who_was_told_and_acknowledges_it_with_a_note(
    client: httpx.AsyncClient, database: Database, conversations: Conversations, place: Place
) -> None:
    await at_risk(conversations, ANN)
    page = await sign_in(client, database, LEE)
    assert "Alert 1: Ann" in page and "some days I want to end it all" in page
    assert "Who was told" in page and "Lee" in page
    done = await client.post("/alerts/1/acknowledge", data={
        "note": "Called Ann; she is with her sister.", "csrf": csrf(page)}, follow_redirects=True)
    assert "marked as looked after by you" in done.text and "Alert 1:" not in done.text
    async with database.transaction() as s:
        alert = await alerts.get(s, 1)
        assert alert is not None and alert.acknowledged_note == "Called Ann; she is with her sister."
        assert await audit.count(s, kinds=("alert_acknowledged",)) == 1


async def test_another_groups_coordinator_neither_sees_nor_acknowledges_the_alert(
    client: httpx.AsyncClient, database: Database, conversations: Conversations, place: Place
) -> None:
    await at_risk(conversations, ANN)
    page = await sign_in(client, database, HAL)
    assert "Alert 1" not in page and "No alerts are waiting." in page
    refused = await client.post("/alerts/1/acknowledge", data={"note": "", "csrf": csrf(page)})
    assert refused.status_code == 403 and "a group you do not look after" in refused.text
    async with database.transaction() as s:
        alert = await alerts.get(s, 1)
        assert alert is not None and alert.acknowledged_at is None


async def test_a_coordinator_sees_the_receipt_and_approves_the_claim(
    client: httpx.AsyncClient, database: Database, conversations: Conversations, place: Place,
    config: Config,
) -> None:
    photo = config.media_dir / "sms" / "receipt.jpg"
    photo.parent.mkdir(parents=True)
    photo.write_bytes(b"\xff\xd8\xff\xe0 a receipt")
    await claim(conversations, ANN, str(photo))
    page = await sign_in(client, database, SAM)
    assert "Claim 1: Ann" in page and 'src="/claims/1/receipt"' in page
    receipt = await client.get("/claims/1/receipt")
    assert receipt.status_code == 200 and receipt.content == photo.read_bytes()
    done = await client.post("/claims/1/approve", data={"csrf": csrf(page)}, follow_redirects=True)
    assert "Claim approved. The person has been told." in done.text
    told = [m.body or "" for m in await outbox(database, ANN)]
    assert any("approved" in t for t in told)
    again = await client.post("/claims/1/reject", data={"reason": "x", "csrf": csrf(page)})
    assert again.status_code == 409 and "decided already" in again.text


async def test_turning_a_claim_down_needs_a_reason_the_person_reads(
    client: httpx.AsyncClient, database: Database, conversations: Conversations, place: Place
) -> None:
    await claim(conversations, ANN, None)
    page = await sign_in(client, database, SAM)
    empty = await client.post("/claims/1/reject", data={"reason": " ", "csrf": csrf(page)})
    assert empty.status_code == 400 and "Please write a reason" in empty.text
    done = await client.post("/claims/1/reject", data={"reason": "That trip was paid for already.",
                                                       "csrf": csrf(page)}, follow_redirects=True)
    assert "turned down" in done.text
    assert any("That trip was paid for already." in (m.body or "") for m in await outbox(database, ANN))


async def test_another_groups_coordinator_cannot_see_a_receipt_or_decide(
    client: httpx.AsyncClient, database: Database, conversations: Conversations, place: Place,
    config: Config, tmp_path: Path,
) -> None:
    photo = config.media_dir / "receipt.jpg"
    photo.parent.mkdir(parents=True)
    photo.write_bytes(b"\xff\xd8\xff a receipt")
    await claim(conversations, ANN, str(photo))
    page = await sign_in(client, database, HAL)
    assert "Claim 1" not in page
    assert (await client.get("/claims/1/receipt")).status_code == 403
    assert (await client.post("/claims/1/approve", data={"csrf": csrf(page)})).status_code == 403
    async with database.transaction() as s:
        found = await claims.get(s, 1)
        assert found is not None and found.status == "submitted"


async def test_a_failed_message_is_explained_and_sent_again_but_never_after_stop(
    client: httpx.AsyncClient, database: Database, conversations: Conversations, place: Place
) -> None:
    await conversations.receive("sms", ANN, "HELP")
    async with database.transaction() as s:
        [row] = await messages.queued_for(s, "sms", limit=10, now=conversations.clock())
        await messages.mark_failed(s, row, error="Twilio 21211: invalid 'To' phone number",
                                   at=conversations.clock())
    page = await sign_in(client, database, SAM)
    assert "The phone number is not a real number." in page
    resent = await client.post(f"/messages/{row.id}/resend", data={"csrf": csrf(page)},
                               follow_redirects=True)
    assert "will be sent again now" in resent.text
    async with database.transaction() as s:
        again = await messages.get(s, row.id)
        assert again is not None and again.status == "queued"
        await messages.mark_failed(s, again, error="21610 unsubscribed", at=conversations.clock())
        ann = await participants.get(s, place.ann.id)
        assert ann is not None
        await participants.opt_out(s, ann, at=conversations.clock())
    refused = await client.post(f"/messages/{row.id}/resend", data={"csrf": csrf(page)})
    assert refused.status_code == 409 and "said STOP" in refused.text


async def test_groups_with_no_one_to_act_are_shown_with_the_fix(
    client: httpx.AsyncClient, database: Database, place: Place
) -> None:
    page = await sign_in(client, database, HAL)  # Hillside has no safeguarding lead
    assert "Groups where nobody can act" in page and "Hillside Carers" in page
    assert "To fix" in page and "copro " in page


async def test_someone_who_asked_to_talk_to_a_person_is_on_their_coordinators_today(
    client: httpx.AsyncClient, database: Database, conversations: Conversations, place: Place
) -> None:
    for text in ("menu", "3"):  # Talk to a person
        await conversations.receive("sms", ANN, text)
    page = await sign_in(client, database, SAM)
    assert "People who asked to talk to someone" in page and "Ann, " in page
    other = await client.get("/")
    assert "no coordinator could be told" not in other.text
    client.cookies.clear()
    hal = await sign_in(client, database, HAL)
    assert "People who asked to talk to someone" not in hal
