"""Every text read for risk: an urgent one, whatever it answers, reaches the safeguarding
lead and gets the crisis numbers, and the conversation under way carries on."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.app.wiring import scheduler_for
from bot.core.config import load_config
from bot.core.scheduler import Scheduler
from bot.features.polls import Polls
from bot.flowfiles.library import Library
from bot.host.conversations import Conversations
from storage import alerts, participants, polls, sessions
from storage.db import Database
from storage.models import Group
from tests.people import Clock, deliver, group, member

NOW = datetime(2026, 11, 24, 11, 0, tzinfo=UTC)  # a Tuesday morning: no one's quiet hours
ANN, SAM, CHRIS, BRYN = "+447700900001", "+447700900002", "+447700900003", "+447700900004"
PROMISE = "will contact you"


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


@pytest.fixture
def scheduler(conversations: Conversations, clock: Clock) -> Scheduler:
    return scheduler_for(conversations, conversations.config, clock=clock)  # alerts and polls


async def riverside(database: Database) -> Group:
    voices = await group(database)
    await member(database, voices, ANN, name="Ann")
    await member(database, voices, SAM, name="Sam", role="safeguarding")
    await member(database, voices, CHRIS, name="Chris", role="coordinator", channel="telegram")
    await member(database, voices, BRYN, name="Bryn", language="cy")
    return voices


async def test_a_disclosure_in_reply_to_a_poll_reaches_the_lead_and_keeps_the_poll(
    database: Database, conversations: Conversations, scheduler: Scheduler, clock: Clock
) -> None:
    voices = await riverside(database)
    async with database.transaction() as s:
        chris = await participants.find_by_address(s, "telegram", CHRIS)
        poll = await Polls(conversations, conversations.config, clock).create(
            s, voices, question={"en": "Which day suits you?"},
            options=[{"en": "Tuesday"}, {"en": "Wednesday"}, {"en": "Thursday"}],
            closes_at=NOW + timedelta(days=3), by=chris)
    await scheduler.tick()
    [question] = await deliver(database, ANN, clock.now)
    assert question.startswith("Which day suits you?")
    await deliver(database, SAM, clock.now)

    await conversations.receive("sms", ANN, "I want to end it all")
    said = await deliver(database, ANN, clock.now)
    # Ann reads the crisis numbers, told truly that someone will contact her (the alert
    # reached Sam, her lead), and not "Sorry, I did not understand": her poll is still open.
    assert "Samaritans free on 116 123" in said[0] and "NHS 111" in said[0] and "999" in said[0]
    assert PROMISE in said[0]
    assert len(said) == 1
    [alert] = await deliver(database, SAM, clock.now)
    assert "Ann" in alert and "I want to end it all" in alert  # Sam, the lead, is told at once
    async with database.transaction() as s:
        [raised] = await alerts.listed(s)
        assert raised.reason == "message-risk" and raised.flow_id == "poll"

    await conversations.receive("sms", ANN, "2")  # and her answer still counts
    async with database.transaction() as s:
        [vote] = await polls.votes(s, poll.id)
        assert vote.choices == [2]


async def test_a_disclosure_out_of_the_blue_is_heard_and_the_menu_still_comes(
    database: Database, conversations: Conversations, scheduler: Scheduler, clock: Clock
) -> None:
    await riverside(database)
    await conversations.receive("sms", BRYN, "Dw i eisiau lladd fy hun")
    said = await deliver(database, BRYN, clock.now)
    # Bryn reads the crisis numbers in Welsh, then the menu, as for any text to nothing.
    assert "Samariaid" in said[0] and "116 123" in said[0] and "0808 164 0123" in said[0]
    assert len(said) == 2
    [alert] = await deliver(database, SAM, clock.now)
    assert "Bryn" in alert
    async with database.transaction() as s:
        [raised] = await alerts.listed(s)
        assert raised.reason == "message-risk" and raised.session_id is None


async def test_stop_stops_messages_not_safeguarding(
    database: Database, conversations: Conversations, scheduler: Scheduler, clock: Clock
) -> None:
    await riverside(database)
    await conversations.receive("sms", ANN, "STOP")
    await deliver(database, ANN, clock.now)
    await conversations.receive("sms", ANN, "I want to end it all")
    # Nothing goes back to Ann (she opted out, and SMS rules allow no more texts), but her
    # lead is told at once, and told that copro did not answer her, so that Sam phones her.
    assert await deliver(database, ANN, clock.now) == []
    [alert] = await deliver(database, SAM, clock.now)
    assert "I want to end it all" in alert and "so copro did not answer them: please phone them" in alert
    await conversations.receive("sms", ANN, "hello")  # an ordinary text is still ignored
    assert await deliver(database, ANN, clock.now) == []
    async with database.transaction() as s:
        [raised] = await alerts.listed(s)
        assert raised.reason == "message-risk"


async def test_an_ordinary_text_raises_nothing(
    database: Database, conversations: Conversations, scheduler: Scheduler, clock: Clock
) -> None:
    await riverside(database)
    await conversations.receive("sms", ANN, "what time is the meeting on Thursday?")
    said = await deliver(database, ANN, clock.now)
    assert said and not any("116 123" in text for text in said)  # Ann gets the menu only
    assert await deliver(database, SAM, clock.now) == []
    async with database.transaction() as s:
        assert await alerts.listed(s) == []


async def test_the_check_in_note_raises_one_alert_not_two(
    database: Database, conversations: Conversations, scheduler: Scheduler, clock: Clock
) -> None:
    await riverside(database)
    await conversations.receive("sms", ANN, "check in")
    for answer in ("8", "8", "8", "2", "never"):
        await conversations.receive("sms", ANN, answer)
    await deliver(database, ANN, clock.now)
    await conversations.receive("sms", ANN, "Some days I want to end it all.")
    said = await deliver(database, ANN, clock.now)
    # Ann reads the check-in's own answer and its crisis numbers once, not the host's as well.
    assert sum("116 123" in text for text in said) == 1
    assert len(await deliver(database, SAM, clock.now)) == 1  # Sam is told once
    async with database.transaction() as s:
        [raised] = await alerts.listed(s)
        assert raised.reason == "checkin-risk"


async def test_a_check_in_note_in_other_words_is_raised_once_by_its_flow(
    database: Database, conversations: Conversations, scheduler: Scheduler, clock: Clock
) -> None:
    await riverside(database)
    await conversations.receive("sms", ANN, "check in")
    for answer in ("8", "8", "8", "2", "never"):
        await conversations.receive("sms", ANN, answer)
    await deliver(database, ANN, clock.now)
    note = "I have been thinking about taking all my tablets at once"
    await conversations.receive("sms", ANN, note)
    said = await deliver(database, ANN, clock.now)
    # Ann gets the crisis numbers, and her lead one alert: the check-in's own, not a second.
    assert any("Samaritans free on 116 123" in text for text in said)
    assert len(await deliver(database, SAM, clock.now)) == 1
    async with database.transaction() as s:
        [raised] = await alerts.listed(s)
        assert raised.reason == "checkin-risk" and raised.flow_id == "weekly-checkin"
        person = await participants.find_by_address(s, "sms", ANN)
        assert person is not None and await sessions.active_session(s, person.id) is None


@pytest.mark.parametrize(("reached", "promised"), [(1, True), (0, False), (None, False)])
async def test_a_call_is_promised_only_when_the_alert_reached_someone(
    database: Database, conversations: Conversations, clock: Clock,
    reached: int | None, promised: bool,
) -> None:
    await riverside(database)
    raised = []

    async def alert(s, person, row, event):  # type: ignore[no-untyped-def]
        raised.append(event.reason)
        return reached  # how many people the alert reached, as the alert path tells it

    conversations.on_notify("safeguarding", alert)
    await conversations.receive("sms", ANN, "I want to end it all")
    said = await deliver(database, ANN, clock.now)
    # Ann is told someone will contact her only when the alert reached someone.
    assert "116 123" in said[0] and (PROMISE in said[0]) is promised
    assert raised == ["message-risk"]
