"""The coordinators' commands: guided, previewed, confirmed, and refused to members."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from pathlib import Path

import pytest

from bot.app.wiring import scheduler_for
from bot.core.config import load_config
from bot.core.scheduler import Scheduler
from bot.features.polls import Polls
from bot.flowfiles.library import Library
from bot.host.conversations import Conversations
from storage import broadcasts, groups, meetings, participants, polls
from storage.db import Database
from storage.models import Group
from tests.people import Clock, Member, deliver, group, member, outbox

NOW = datetime(2026, 11, 24, 11, 0, tzinfo=UTC)
SAM = "900"  # a coordinator's Telegram chat


@pytest.fixture
def clock() -> Clock:
    return Clock(NOW)


@pytest.fixture
async def conversations(database: Database, tmp_path: Path, clock: Clock) -> Conversations:
    path = tmp_path / "copro.toml"
    path.write_text("[checkins]\nenabled = false\n")
    c = Conversations(database, Library.load(), load_config(path, env={"COPRO_DATA_DIR": str(tmp_path)}),
                      clock=clock)
    await c.register_flows()
    return c


@pytest.fixture
def scheduler(conversations: Conversations, clock: Clock) -> Scheduler:
    return scheduler_for(conversations, conversations.config, clock=clock)


@pytest.fixture
async def two_groups(database: Database) -> tuple[Group, Group, dict[str, Member]]:
    riverside, hillside = await group(database), await group(database, "Hillside Carers")
    who = {
        "sam": await member(database, riverside, SAM, name="Sam", role="coordinator", channel="telegram"),
        "ann": await member(database, riverside, "+447700900001", name="Ann"),
        "bryn": await member(database, riverside, "+447700900002", name="Bryn", language="cy"),
        "hal": await member(database, hillside, "+447700900003", name="Hal"),
    }
    async with database.transaction() as s:
        sam = await participants.get(s, who["sam"].id)
        assert sam is not None
        await groups.add_member(s, hillside, sam, "coordinator")
    return riverside, hillside, who


async def talk(c: Conversations, text: str, address: str = SAM, channel: str = "telegram") -> list[str]:
    await c.receive(channel, address, text)
    return await deliver(c.db, address, c.clock())


async def test_a_broadcast_is_guided_previewed_and_confirmed(
    database: Database, conversations: Conversations, scheduler: Scheduler, clock: Clock,
    two_groups: tuple[Group, Group, dict[str, Member]],
) -> None:
    riverside, _, who = two_groups
    assert await talk(conversations, "/broadcast") == ["Which group? Reply with a number."]
    [asked] = await outbox(database, SAM, statuses=("sent",))
    assert asked.display["buttons"] == [
        {"label": "1. Hillside Carers", "data": "desk:group:1"},
        {"label": "2. Riverside Voices", "data": "desk:group:2"}]
    await conversations.act("telegram", SAM, "desk:group:2")  # the button
    assert await deliver(database, SAM, clock.now) == [
        "What should the message to Riverside Voices say? Write it in English."]
    await talk(conversations, "The hall is closed on Friday.")
    [preview] = await talk(conversations, "Mae'r neuadd ar gau ddydd Gwener.")
    assert preview == ("This will go to 3 people in Riverside Voices:\n\nThe hall is closed on Friday."
                       "\n\nMae'r neuadd ar gau ddydd Gwener.\n\nSend it? Reply YES, or BACK to stop.")
    assert await talk(conversations, "maybe") == [
        "Sorry, please reply YES to send it, or BACK to stop. Please try again, or reply BACK to stop.",
        preview]
    assert await talk(conversations, "yes") == [
        "Sending now to 3 people. You will get a delivery summary once it has gone."]
    await scheduler.tick()
    assert await deliver(database, who["ann"].address, clock.now) == ["The hall is closed on Friday."]
    assert await deliver(database, who["bryn"].address, clock.now) == [
        "Mae'r neuadd ar gau ddydd Gwener."]
    assert await deliver(database, who["hal"].address, clock.now) == []  # another group
    async with database.transaction() as s:
        sent = await broadcasts.get(s, 1)
    assert sent is not None and sent.group_id == riverside.id and sent.created_by == who["sam"].id


async def test_a_broadcast_says_who_waits_for_contact_hours_rather_than_sent(
    database: Database, conversations: Conversations, scheduler: Scheduler,
    two_groups: tuple[Group, Group, dict[str, Member]],
) -> None:
    riverside, _, _ = two_groups
    await member(database, riverside, "+447700900009", name="Owl", hours=(time(20), time(22)))
    await talk(conversations, "/broadcast")
    await conversations.act("telegram", SAM, "desk:group:2")
    for text in ("The hall is closed on Friday.", "SKIP"):
        await talk(conversations, text)
    assert await talk(conversations, "yes") == [
        "Sending now to 3 people. 1 wait for their contact hours (the first from Tuesday 24 "
        "November at 8pm). You will get a delivery summary once it has gone."]


async def test_a_poll_from_a_phone_then_its_results(
    database: Database, conversations: Conversations, scheduler: Scheduler, clock: Clock,
    two_groups: tuple[Group, Group, dict[str, Member]],
) -> None:
    _, _, who = two_groups
    await talk(conversations, "/poll")
    await talk(conversations, "Riverside Voices")
    await talk(conversations, "Which day suits you?")
    assert await talk(conversations, "Tuesday") == [
        "Sorry, I found 1 answer(s); a poll needs 2 to 10, one on each line. Please try again, or "
        "reply BACK to stop.",
        "What are the answers to choose from? Send 2 to 10, one on each line."]
    assert await talk(conversations, "Tuesday\n- Wednesday\nThursday") == [
        "Now the same poll in Welsh, for people who chose Welsh: the question on the first line, "
        "then the answers, one on each line, in the same order. Or reply SKIP."]
    assert (await talk(conversations, "Pa ddiwrnod sy'n gyfleus?\nDydd Mawrth"))[0].startswith(
        "Sorry, I need the question on the first line, then 3 answers")
    await talk(conversations, "Pa ddiwrnod sy'n gyfleus?\nDydd Mawrth\nDydd Mercher\nDydd Iau")
    await talk(conversations, "no")
    assert await talk(conversations, "next friday") == [
        "Sorry, 'next friday' is not a day and time: write it like \"tomorrow 5pm\", \"3 Dec 2pm\" "
        "or \"2026-12-03 14:00\". Please try again, or reply BACK to stop.",
        "When should the poll close? For example 2026-12-01 2pm."]
    await talk(conversations, "tomorrow 5pm")
    [preview] = await talk(conversations, "yes")
    assert preview == ("This poll will go to 3 people in Riverside Voices:\n\nWhich day suits you?\n"
                       "1. Tuesday\n2. Wednesday\n3. Thursday\n\nPa ddiwrnod sy'n gyfleus?\n"
                       "1. Dydd Mawrth\n2. Dydd Mercher\n3. Dydd Iau\n\nCloses Wednesday 25 "
                       "November at 5pm. Results go to everyone.\n\nSend it? Reply YES, or BACK to stop.")
    assert await talk(conversations, "yes") == [
        "Poll 1 is on its way. Send /results 1 to see the answers so far."]
    await scheduler.tick()
    [question] = await deliver(database, who["ann"].address, clock.now)
    assert question.startswith("Which day suits you? Please reply with a number.")
    [welsh] = await outbox(database, who["bryn"].address)  # Bryn chose Welsh
    assert (welsh.body or "").startswith("Pa ddiwrnod sy'n gyfleus? Atebwch gyda rhif.")
    assert welsh.options == ["Dydd Mawrth", "Dydd Mercher", "Dydd Iau"]
    await conversations.receive("sms", who["ann"].address, "wednesday")
    await deliver(database, SAM, clock.now)
    async with database.transaction() as s:  # a second poll, for the other group
        hillside = await groups.get_group_by_name(s, "Hillside Carers")
        sam = await participants.find_by_address(s, "telegram", SAM)
        assert hillside is not None and sam is not None
        await Polls(conversations, conversations.config, clock).create(
            s, hillside, question="Tea or coffee?", options=["Tea", "Coffee"],
            closes_at=clock.now + timedelta(days=1), by=sam)
    await talk(conversations, "/results")
    listed = [m for m in await outbox(database, SAM, statuses=("sent",))][-1]
    assert sorted(b["label"] for b in listed.display["buttons"]) == [
        "1. Which day suits you?", "2. Tea or coffee?"]  # each under its own number
    [tea] = await talk(conversations, "2")
    assert tea.startswith("Poll results: Tea or coffee?")
    await talk(conversations, "/results")
    await conversations.act("telegram", SAM, "desk:poll:1")
    [results] = [m for m in await outbox(database, SAM) if m.kind == "photo"]
    assert results.body is not None and results.body.startswith(
        "Poll results: Which day suits you?\nWednesday: 1 (100%)")
    async with database.transaction() as s:
        made = await polls.get(s, 1)
    assert made is not None and made.share_results and not made.multiple


async def test_a_meeting_from_a_phone(
    database: Database, conversations: Conversations, scheduler: Scheduler,
    two_groups: tuple[Group, Group, dict[str, Member]],
) -> None:
    await talk(conversations, "/meeting")
    await talk(conversations, "1")
    await talk(conversations, "Carers' coffee morning")
    await talk(conversations, "2026-12-03 10:30")
    [preview] = await talk(conversations, "the Community Centre")
    assert preview == ("Carers' coffee morning, Thursday 3 December at 10:30am, at the Community "
                       "Centre, for Hillside Carers. Everyone will be invited and reminded. Add it? "
                       "Reply YES, or BACK to stop.")
    assert await talk(conversations, "ydw") == [  # Welsh for yes works too
        "Meeting 1 is added. Invitations go Tuesday 1 December at 10:30am."]
    async with database.transaction() as s:
        made = await meetings.get(s, 1)
    assert made is not None and made.place == "the Community Centre"


async def test_back_stops_a_command_and_nothing_is_sent(
    database: Database, conversations: Conversations, scheduler: Scheduler,
    two_groups: tuple[Group, Group, dict[str, Member]],
) -> None:
    await talk(conversations, "/broadcast")
    await talk(conversations, "2")
    assert await talk(conversations, "back") == ["OK, stopped. Nothing was sent."]
    assert await talk(conversations, "hello") != ["OK, stopped. Nothing was sent."]  # the draft is gone
    async with database.transaction() as s:
        assert await broadcasts.get(s, 1) is None


async def test_a_member_cannot_use_coordinators_commands(
    database: Database, conversations: Conversations, scheduler: Scheduler,
    two_groups: tuple[Group, Group, dict[str, Member]],
) -> None:
    _, _, who = two_groups
    for command in ("/broadcast", "/poll", "/results", "/meeting", "/claims"):
        assert await talk(conversations, command, who["ann"].address, "sms") == [
            "Sorry, only a group's coordinators can do that. Text HELP to see what you can do."]
    member_help = await talk(conversations, "HELP", who["ann"].address, "sms")
    coordinator_help = await talk(conversations, "/help")
    assert len(member_help) == 1 and len(coordinator_help) == 2
    assert coordinator_help[1].startswith("As a coordinator you can also use: /broadcast")


async def test_claims_waiting_are_shown_again_with_their_buttons(
    database: Database, conversations: Conversations, scheduler: Scheduler,
    two_groups: tuple[Group, Group, dict[str, Member]],
) -> None:
    _, _, who = two_groups
    assert await talk(conversations, "/claims") == ["No expense claims are waiting for a decision."]
    for text in ("expense", "1", "3.40", "today", "Meeting", "no receipt", "2", "yes"):
        await conversations.receive("sms", who["ann"].address, text)
    made, asked = await talk(conversations, "/claims")  # offered when made, and now again
    assert made.startswith("Expense claim 1 from Ann") and asked == made
    [again] = await talk(conversations, "/claims")
    assert again == made


async def test_a_group_named_in_any_case_is_found_and_a_near_miss_is_answered(
    conversations: Conversations, scheduler: Scheduler,
    two_groups: tuple[Group, Group, dict[str, Member]],
) -> None:
    assert await talk(conversations, "/meeting") == ["Which group? Reply with a number."]
    assert await talk(conversations, "Riverside Vioces") == [
        "Sorry, I could not tell which group you meant: did you mean Riverside Voices? Reply with "
        "its number or name. Please try again, or reply BACK to stop.",
        "Which group? Reply with a number."]
    assert await talk(conversations, "riverside   VOICES") == [
        "What is the meeting called, as people will read it? For example: Planning day."]
    await talk(conversations, "Planning day")
    assert await talk(conversations, "3 Dec") == [
        "Sorry, '3 Dec' has a day but no time: add one, like \"tomorrow 5pm\", \"3 Dec 2pm\" or "
        "\"2026-12-03 14:00\". Please try again, or reply BACK to stop.",
        "When does it start? For example 2026-12-01 2pm."]
    [where] = await talk(conversations, "tomorrow 5pm")
    assert where.startswith("Where is it"), where
