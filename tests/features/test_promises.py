"""copro tells a person someone will contact them only if a notice really reached
someone able to act; otherwise it says so honestly, and the failure is raised."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from bot.app.http import create_app
from bot.app.wiring import scheduler_for
from bot.core.clock import utcnow
from bot.core.config import load_config
from bot.core.metrics import Metrics
from bot.core.scheduler import Scheduler
from bot.flowfiles.library import Library
from bot.host.conversations import Conversations
from storage import participants
from storage.db import Database
from tests import records
from tests.people import Clock, deliver, group, member, outbox
from tests.servers import serve_asgi

DAY = datetime(2026, 11, 24, 11, 0, tzinfo=UTC)
ANN, SAM, CHRIS, ALEX = "+447700900001", "+447700900002", "+447700900003", "+447700900009"
PROMISES = ("asked someone", "to contact you", "get in touch with you", "let the group's coordinator know")


@pytest.fixture
async def conversations(database: Database, tmp_path: Path) -> Conversations:
    config = load_config(None, env={"COPRO_DATA_DIR": str(tmp_path)})
    c = Conversations(database, Library.load(), config, clock=Clock(DAY))
    await c.register_flows()
    return c


@pytest.fixture
def scheduler(conversations: Conversations) -> Scheduler:
    return scheduler_for(conversations, conversations.config, clock=conversations.clock)


async def a_group(db: Database, *roles: tuple[str, str, str]) -> None:
    """Ann's group with (address, name, role) staff, and Alex, an admin elsewhere."""
    riverside = await group(db)
    await member(db, riverside, ANN, name="Ann")
    for address, name, role in roles:
        await member(db, riverside, address, name=name, role=role)
    office = await group(db, "Office")
    alex = await member(db, office, ALEX, name="Alex")
    async with db.transaction() as s:
        found = await participants.get(s, alex.id)
        assert found is not None
        await participants.set_admin(s, found, True)


async def check_in(c: Conversations, answers: tuple[str, ...], note: str) -> list[str]:
    """A whole weekly check-in by text, ending with ``note``; what copro said last."""
    await c.receive("sms", ANN, "check in")
    for answer in answers:
        await c.receive("sms", ANN, answer)
    await deliver(c.db, ANN, c.clock())
    await c.receive("sms", ANN, note)
    return await deliver(c.db, ANN, c.clock())


async def kinds(db: Database, kind: str) -> list[dict[str, object]]:
    async with db.transaction() as s:
        return [dict(e.details or {}) for e in await records.audit_events(s, kind=kind)]


def promised(said: list[str]) -> bool:
    return any(words in text for text in said for words in PROMISES)


async def test_a_risk_note_with_no_one_to_tell_gets_honest_words_and_the_admin_is_told(
    database: Database, conversations: Conversations, scheduler: Scheduler,
    caplog: pytest.LogCaptureFixture,
) -> None:
    await a_group(database)  # a typo left the group with no lead and no coordinator
    with caplog.at_level(logging.ERROR):
        said = await check_in(conversations, ("8", "8", "8", "2", "never"),
                              "some days I want to end it all")
    # Ann sees no promise: she is told no one could be reached, then the crisis numbers.
    assert not promised(said)
    thanks, honest, support = said
    assert thanks.startswith("Thank you for telling us. What you wrote matters")
    assert "we could not reach anyone from the group just now" in honest
    assert "Samaritans free on 116 123" in support and "999" in support
    unheard = [r for r in caplog.records if "reached no one able to act" in r.getMessage()]
    assert [r.levelno for r in unheard] == [logging.ERROR]
    assert "end it all" not in unheard[0].getMessage() and "Ann" not in unheard[0].getMessage()
    [record] = await kinds(database, "notify_unheard")
    assert record["who"] == "safeguarding" and record["reason"] == "checkin-risk"
    [notice] = await outbox(database, ALEX)  # the admin hears at once, to act and to fix it
    assert notice.quiet is False
    assert notice.body is not None and "could not pass on a safeguarding notice" in notice.body
    assert "end it all" in notice.body


async def test_a_lead_who_opted_out_does_not_count(
    database: Database, conversations: Conversations, scheduler: Scheduler,
) -> None:
    await a_group(database, (SAM, "Sam", "safeguarding"))
    async with database.transaction() as s:
        sam = await participants.find_by_address(s, "sms", SAM)
        assert sam is not None
        await participants.opt_out(s, sam, at=utcnow())
    said = await check_in(conversations, ("8", "8", "8", "2", "never"), "I want to die")
    # Ann is not told someone will contact her: Sam will never see the alert.
    assert not promised(said)
    assert any("please do not wait to hear from us" in t for t in said)
    assert await outbox(database, SAM) == []
    assert len(await outbox(database, ALEX)) == 1
    assert len(await kinds(database, "notify_unheard")) == 1


async def test_with_a_lead_the_promise_is_said_and_no_admin_is_bothered(
    database: Database, conversations: Conversations, scheduler: Scheduler,
) -> None:
    await a_group(database, (SAM, "Sam", "safeguarding"))
    said = await check_in(conversations, ("8", "8", "8", "2", "never"), "I want to end it all")
    # Ann hears that someone from the group will contact her soon, and it is true.
    assert any("we have asked someone from the group to contact you soon" in t for t in said)
    assert not any("could not" in t for t in said)
    assert len(await outbox(database, SAM)) == 1
    assert await outbox(database, ALEX) == []
    assert await kinds(database, "notify_unheard") == []


async def test_a_low_check_in_with_no_coordinator_does_not_say_the_coordinator_knows(
    database: Database, conversations: Conversations, scheduler: Scheduler,
) -> None:
    await a_group(database)
    said = await check_in(conversations, ("2", "8", "8", "2", "never"), "skip")
    # Ann is told the coordinator could not be told, so she does not wait for a call.
    assert not promised(said)
    assert any("We could not pass this on to a coordinator just now" in t for t in said)
    [notice] = await outbox(database, ALEX)
    assert notice.quiet is True  # not urgent: it waits for the admin's contact hours
    [record] = await kinds(database, "notify_unheard")
    assert record["reason"] == "checkin-low"


async def test_a_low_check_in_with_a_coordinator_says_they_know(
    database: Database, conversations: Conversations, scheduler: Scheduler,
) -> None:
    await a_group(database, (CHRIS, "Chris", "coordinator"))
    said = await check_in(conversations, ("2", "8", "8", "2", "never"), "skip")
    assert any("We have let the group's coordinator know" in t for t in said)
    assert len(await outbox(database, CHRIS)) == 1
    assert await outbox(database, ALEX) == []


async def talk_to_a_person(c: Conversations) -> list[str]:
    await c.receive("sms", ANN, "what is this")
    await deliver(c.db, ANN, c.clock())
    await c.receive("sms", ANN, "3")
    return await deliver(c.db, ANN, c.clock())


async def test_talk_to_a_person_with_no_coordinator_is_honest(
    database: Database, conversations: Conversations, caplog: pytest.LogCaptureFixture,
) -> None:
    await a_group(database, (SAM, "Sam", "member"))
    with caplog.at_level(logging.ERROR):
        said = await talk_to_a_person(conversations)
    # Ann is told her message could not be passed on, how to reach the group herself,
    # and where to turn now; she is not told a coordinator will get in touch.
    assert not promised(said)
    [words] = said
    assert words.startswith("Sorry, we could not pass your message on to a coordinator just now.")
    assert "116 123" in words and "NHS 111" in words and "999" in words
    assert any(r.levelno == logging.ERROR and "reached no one" in r.getMessage()
               for r in caplog.records)
    [notice] = await outbox(database, ALEX)
    assert notice.body is not None and "would like to talk to someone" in notice.body
    [record] = await kinds(database, "notify_unheard")
    assert record["reason"] == "asked-for-person"


async def test_talk_to_a_person_with_a_coordinator_promises_contact(
    database: Database, conversations: Conversations,
) -> None:
    await a_group(database, (CHRIS, "Chris", "coordinator"))
    said = await talk_to_a_person(conversations)
    # Ann hears that a coordinator will get in touch, and Chris has the notice.
    assert said[0].startswith("We have asked a coordinator to get in touch with you.")
    [notice] = await outbox(database, CHRIS)
    assert notice.body is not None and "Ann would like to talk to someone" in notice.body
    assert await outbox(database, ALEX) == []


async def test_the_metrics_show_each_notice_that_reached_no_one(
    database: Database, conversations: Conversations,
) -> None:
    await a_group(database)
    app = create_app(database, Metrics(), channels=["sms"])
    async with serve_asgi(app) as base, httpx.AsyncClient(base_url=base) as client:
        assert "copro_notices_unheard 0.0" in (await client.get("/metrics")).text
        await talk_to_a_person(conversations)  # Ann asks for a person; no one can be told
        assert "copro_notices_unheard 1.0" in (await client.get("/metrics")).text


@pytest.mark.parametrize("coordinator", [True, False])
async def test_an_access_need_at_a_meeting_is_promised_to_the_organisers_only_when_they_are_told(
    database: Database, conversations: Conversations, coordinator: bool,
) -> None:
    riverside = await group(database)
    ann = await member(database, riverside, ANN, name="Ann")
    await member(database, riverside, CHRIS, name="Chris", role="coordinator" if coordinator else "member")
    meeting = {"title": "Planning day", "when": datetime(2026, 11, 26, 14, 0), "where": "The library"}
    assert await conversations.start_flow(ann.id, "meeting-rsvp", key="rsvp:1:1",
                                          extra={"meeting": meeting})
    await deliver(database, ANN, DAY)
    await conversations.receive("sms", ANN, "yes")
    await deliver(database, ANN, DAY)
    await conversations.receive("sms", ANN, "transport")
    said = await deliver(database, ANN, DAY)
    if coordinator:
        # Ann sees: "We have told the organisers what you need." then "Thank you, Ann. ..."
        assert said[0] == "We have told the organisers what you need."
        [notice] = await outbox(database, CHRIS)
        assert notice.body is not None and "needs: help getting there (transport)" in notice.body
    else:
        # No one could be told, so Ann is asked to tell someone herself, not promised it.
        assert not any("told the organisers" in text or "let the organisers know" in text
                       for text in said)
        assert said[0].startswith("Please tell ") and said[0].endswith(
            "what you need, so the organisers know.")
    assert said[-1].startswith("Thank you, Ann.")
