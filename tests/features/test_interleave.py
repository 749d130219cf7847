"""Short items (a meeting's invitation, a poll) do not wait behind a conversation open.

On Telegram they go at once, beside the check-in, and a tap is recorded by the button's own
question; by text, a check-in the person has left alone is set aside, the short item asked,
and then the check-in's question asked again; someone answering now gets the short item the
moment their check-in ends. The Telegram Bot API is the loopback double: python-telegram-bot
runs unmodified.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.core.scheduler import Scheduler
from bot.delivery.outbox import Sender
from bot.features.meetings import Meetings
from bot.features.polls import Polls
from bot.host.conversations import Conversations
from storage import alerts, jobs, meetings, polls
from storage.db import Database
from storage.models import FlowSession, Group, Job
from tests import records
from tests.doubles.bot_api import BotApiDouble, Call
from tests.people import Clock, Member, deliver, member
from tests.telegram_copro import telegram_copro

NOW = datetime(2026, 11, 24, 11, 0, tzinfo=UTC)  # a Tuesday, inside everyone's contact hours
CHECKIN = "weekly-checkin"
SATISFIED = "Overall, how satisfied are you with your life nowadays?"
WORTHWHILE = "Overall, to what extent do you feel the things you do in your life are worthwhile?"
WORTHWHILE_CY = "Yn gyffredinol, i ba raddau ydych chi'n teimlo bod y pethau"
INVITE = "We would like to invite you to a meeting."
BACK = "Now, back to your weekly check-in.\n"
BACK_CY = "Nawr, i barhau gyda'r sgwrs: Holi sut rydych chi bob wythnos.\n"
SORRY_YOU_CANNOT = "We are sorry you cannot come."
FIRST_CHAT = 2001


def until_true(seconds: float = 10) -> Callable[[Callable[[], Awaitable[bool]]], Awaitable[None]]:
    async def wait(check: Callable[[], Awaitable[bool]]) -> None:
        deadline = time.monotonic() + seconds
        while not await check():
            assert time.monotonic() < deadline, "timed out"
            await asyncio.sleep(0.02)
    return wait


@dataclass
class Rig:
    api: BotApiDouble
    db: Database
    conversations: Conversations
    scheduler: Scheduler
    sender: Sender
    clock: Clock
    riverside: Group

    async def checkins(self, *people: Member) -> None:
        """A weekly check-in for each, started now (its first question goes out)."""
        for person in people:
            assert await self.conversations.start_flow(
                person.id, CHECKIN, key=f"checkin:{person.id}", extra={"scheduled": True})
        await self.sender.drain()

    async def text(self, person: Member, words: str) -> list[str]:
        """``person`` texts ``words`` (by SMS); what copro sends back."""
        await self.conversations.receive("sms", person.address, words)
        return await deliver(self.db, person.address, self.clock.now)

    async def inbound(self, chat: int) -> int:
        async with self.db.transaction() as s:
            return sum(m.direction == "in" for m in await records.messages_of_address(s, str(chat)))

    async def tap(self, chat: int, label: str) -> list[str]:
        """``chat`` taps the button ``label`` under copro's latest message with buttons; what
        copro sends back."""
        question = [c for c in self.api.sent(chat) if c.params.get("reply_markup")][-1]
        [data] = [b["callback_data"] for row in question.params["reply_markup"]["inline_keyboard"]
                  for b in row if b["text"] == label]
        before, heard = len(self.api.texts(chat)), await self.inbound(chat)
        self.api.queue(self.api.tap(chat, data, question))

        async def handled() -> bool:
            return await self.inbound(chat) > heard

        await until_true()(handled)
        await self.sender.drain()
        return self.api.texts(chat)[before:]

    async def vote(self, chat: int, on: Call, *choices: int) -> None:
        """``chat`` votes in Telegram's own poll; waits until copro has taken it in."""
        before = len([c for c in self.api.calls if c.method == "getUpdates"])
        self.api.queue(self.api.vote(chat, on, *choices))

        async def fetched() -> bool:
            return len([c for c in self.api.calls if c.method == "getUpdates"]) >= before + 2

        await until_true()(fetched)
        await self.sender.drain()

    async def open_sessions(self, person: Member) -> dict[str, str]:
        """The person's sessions still under way: flow -> status (active, parked, aside)."""
        async with self.db.transaction() as s:
            return {row.flow_id: row.status for row in await records.sessions_of(s, person.id)
                    if row.status in ("active", "parked", "aside")}

    async def checkin(self, person: Member) -> FlowSession:
        async with self.db.transaction() as s:
            row = await records.last_session(s, person.id, CHECKIN)
        assert row is not None
        return row

    async def answers(self, person: Member) -> dict[str, object]:
        """What the person's check-in has kept: question -> answer."""
        row = await self.checkin(person)
        async with self.db.transaction() as s:
            return {r.key: r.value for r in await records.results_of(s, row.id)}

    async def jobs_of(self, person: Member, topic: str) -> list[Job]:
        async with self.db.transaction() as s:
            return [j for j in await jobs.about(s, topic) if j.participant_id == person.id]

    async def meeting(self, starts: timedelta = timedelta(days=1)) -> int:
        """A meeting tomorrow: its invitation is due at once, and this tick sends it."""
        async with self.db.transaction() as s:
            meeting = await Meetings(self.conversations, self.conversations.config, self.clock).add(
                s, self.riverside, title="Planning day", starts_at=self.clock.now + starts,
                place="the Library")
        await self.tick()
        return meeting.id

    async def poll(self) -> int:
        async with self.db.transaction() as s:
            poll = await Polls(self.conversations, self.conversations.config, self.clock).create(
                s, self.riverside, question={"en": "Which day suits you?"},
                options=[{"en": "Tuesday"}, {"en": "Wednesday"}, {"en": "Thursday"}],
                closes_at=self.clock.now + timedelta(days=3))
        await self.tick()
        return poll.id

    async def tick(self) -> None:
        await self.scheduler.tick()
        await self.sender.drain()

    async def rsvps(self, meeting_id: int) -> dict[int, tuple[str, str | None]]:
        async with self.db.transaction() as s:
            return {r.participant_id: (r.answer, r.access)
                    for r in await meetings.replies(s, meeting_id)}

    async def votes(self, poll_id: int) -> dict[int, list[int]]:
        async with self.db.transaction() as s:
            return {v.participant_id: v.choices for v in await polls.votes(s, poll_id)}


@pytest.fixture
async def rig(database: Database, tmp_path: Path) -> AsyncIterator[Rig]:
    clock = Clock(NOW)
    async with telegram_copro(database, tmp_path, clock, '[scheduler]\nidle_after = "15m"\n') as c:
        yield Rig(c.api, database, c.conversations, c.scheduler, c.sender, clock, c.riverside)


async def people(rig: Rig, telegram: int, idle: int, busy: int) -> tuple[list[Member], ...]:
    """People in the middle of a check-in: on Telegram, by SMS and quiet for 20 minutes, and by
    SMS answering now. Each answered its first question when it started, 20 minutes ago."""
    on_telegram = [await member(rig.db, rig.riverside, str(FIRST_CHAT + n), name=f"T{n}",
                                channel="telegram") for n in range(telegram)]
    quiet = [await member(rig.db, rig.riverside, f"+4477009001{n:02d}", name=f"Q{n}")
             for n in range(idle)]
    answering = [await member(rig.db, rig.riverside, f"+4477009002{n:02d}", name=f"A{n}")
                 for n in range(busy)]
    await rig.checkins(*on_telegram, *quiet, *answering)
    for person in [*on_telegram, *quiet, *answering]:
        await rig.conversations.receive(person.channel, person.address, "7")
        await deliver(rig.db, person.address, rig.clock.now)
    await rig.sender.drain()
    rig.clock.advance(minutes=20)
    for person in answering:  # these answer the next question now
        assert (await rig.text(person, "SKIP"))[0].startswith("Overall, how happy did you feel")
    return on_telegram, quiet, answering


async def test_thirty_people_mid_checkin_get_a_meeting_invitation_each_the_right_way(rig: Rig) -> None:
    telegram, quiet, answering = await people(rig, telegram=10, idle=10, busy=10)
    meeting_id = await rig.meeting()

    # Telegram: the invitation at once, with its buttons, beside the check-in.
    for person in telegram:
        [invite] = [c for c in rig.api.sent(int(person.address)) if INVITE in c.params["text"]]
        labels = [b["text"] for row in invite.params["reply_markup"]["inline_keyboard"] for b in row]
        assert labels == ["Yes, I can come", "No, I cannot come", "Maybe, I am not sure yet"]
        assert await rig.open_sessions(person) == {CHECKIN: "active", "meeting-rsvp": "aside"}
    first = telegram[0]
    said = await rig.tap(int(first.address), "No, I cannot come")
    assert len(said) == 1 and SORRY_YOU_CANNOT in said[0]  # no word of the check-in: it waits
    assert (await rig.rsvps(meeting_id))[first.id] == ("no", None)
    assert await rig.open_sessions(first) == {CHECKIN: "active"}
    assert (await rig.checkin(first)).step == "worthwhile"  # where it was
    # A typed answer still goes to the check-in, not to the invitation.
    await rig.conversations.receive("telegram", first.address, "6")
    assert (await rig.answers(first))["worthwhile"] == 6
    # Yes, then the access question's buttons: both taps go to the invitation.
    second = telegram[1]
    said = await rig.tap(int(second.address), "Yes, I can come")
    assert said == ["Thank you. Do you need anything to help you take part? Reply with a number."]
    await rig.tap(int(second.address), "Help getting there (transport)")
    assert (await rig.rsvps(meeting_id))[second.id] == ("yes", "transport")
    assert await rig.open_sessions(second) == {CHECKIN: "active"}
    assert "worthwhile" not in await rig.answers(second)

    # By SMS, quiet for 20 minutes: the check-in is set aside and the invitation asked.
    for person in quiet:
        [invite] = await deliver(rig.db, person.address, rig.clock.now)
        assert INVITE in invite
        assert await rig.open_sessions(person) == {CHECKIN: "parked", "meeting-rsvp": "active"}
    said = await rig.text(quiet[0], "2")
    assert SORRY_YOU_CANNOT in said[0]
    assert said[-1].startswith(BACK + WORTHWHILE)  # the check-in's question again
    assert (await rig.rsvps(meeting_id))[quiet[0].id] == ("no", None)
    assert "worthwhile" not in await rig.answers(quiet[0])  # "2" was the RSVP, not the check-in
    assert await rig.open_sessions(quiet[0]) == {CHECKIN: "active"}
    await rig.text(quiet[0], "9")
    assert (await rig.answers(quiet[0]))["worthwhile"] == 9

    # What the coordinators' records say of each invitation is what happened.
    notes = {}
    for person in [*telegram, *quiet, *answering]:
        [job] = [j for j in await rig.jobs_of(person, f"meeting:{meeting_id}") if j.kind == "start-flow"]
        notes[job.note] = notes.get(job.note, 0) + 1
    assert notes == {f"sent beside {CHECKIN}": 10, f"asked before {CHECKIN}, which waits": 10,
                     f"waiting: in the middle of {CHECKIN}": 10}

    # By SMS, answering now: not interrupted; the invitation waits for the check-in to end.
    person = answering[0]
    assert await deliver(rig.db, person.address, rig.clock.now) == []
    [waiting] = [j for j in await rig.jobs_of(person, f"meeting:{meeting_id}") if j.kind == "start-flow"]
    assert waiting.status == "pending" and waiting.note == f"waiting: in the middle of {CHECKIN}"
    while (await rig.checkin(person)).status == "active":
        await rig.text(person, "SKIP")
    rig.clock.advance(seconds=1)
    await rig.tick()  # the next tick, not 30 minutes on
    [invite] = await deliver(rig.db, person.address, rig.clock.now)
    assert INVITE in invite
    assert await rig.open_sessions(person) == {"meeting-rsvp": "active"}


async def test_a_poll_goes_beside_on_telegram_in_front_by_text_and_after_one_answering(
    rig: Rig,
) -> None:
    [on_telegram], [quiet], [answering] = await people(rig, telegram=1, idle=1, busy=1)
    poll_id = await rig.poll()

    [asked] = rig.api.sent(int(on_telegram.address), "sendPoll")  # at once, Telegram's own poll
    assert await rig.open_sessions(on_telegram) == {CHECKIN: "active", "poll": "aside"}
    await rig.vote(int(on_telegram.address), asked, 2)  # Thursday
    assert (await rig.votes(poll_id))[on_telegram.id] == [3]
    assert await rig.open_sessions(on_telegram) == {CHECKIN: "active"}
    assert (await rig.checkin(on_telegram)).step == "worthwhile"

    [question] = await deliver(rig.db, quiet.address, rig.clock.now)
    assert question.startswith("Which day suits you? Please reply with a number.")
    said = await rig.text(quiet, "2")
    assert said[0].startswith("Thank you, your answer is counted.")
    assert said[-1].startswith(BACK + WORTHWHILE)
    assert (await rig.votes(poll_id))[quiet.id] == [2]
    assert "worthwhile" not in await rig.answers(quiet)

    assert await deliver(rig.db, answering.address, rig.clock.now) == []
    while (await rig.checkin(answering)).status == "active":
        await rig.text(answering, "SKIP")
    rig.clock.advance(seconds=1)
    await rig.tick()
    [question] = await deliver(rig.db, answering.address, rig.clock.now)
    assert question.startswith("Which day suits you?")


async def test_the_checkin_comes_back_in_welsh(rig: Rig) -> None:
    bryn = await member(rig.db, rig.riverside, "+447700900301", name="Bryn", language="cy")
    await rig.checkins(bryn)
    await rig.text(bryn, "7")
    rig.clock.advance(minutes=20)
    meeting_id = await rig.meeting()
    [invite] = await deliver(rig.db, bryn.address, rig.clock.now)
    assert "Hoffem eich gwahodd chi i gyfarfod." in invite
    said = await rig.text(bryn, "na")
    assert said[-1].startswith(BACK_CY + WORTHWHILE_CY)
    assert (await rig.rsvps(meeting_id))[bryn.id] == ("no", None)


async def test_a_crisis_message_while_the_checkin_is_parked_still_raises_the_alert(rig: Rig) -> None:
    [], [quiet], [] = await people(rig, telegram=0, idle=1, busy=0)
    meeting_id = await rig.meeting()
    await deliver(rig.db, quiet.address, rig.clock.now)
    said = await rig.text(quiet, "I want to end my life")
    async with rig.db.transaction() as s:
        raised = [a for a in await alerts.listed(s) if a.participant_id == quiet.id]
    assert len(raised) == 1  # the alert, whatever conversation was in front
    assert any("Samaritans" in words or "999" in words for words in said)  # the crisis numbers
    assert not any(words.startswith("Sorry") for words in said)
    # The invitation's question is still open, the check-in still set aside.
    assert await rig.open_sessions(quiet) == {CHECKIN: "parked", "meeting-rsvp": "active"}
    assert await rig.rsvps(meeting_id) == {}
    said = await rig.text(quiet, "STOP")  # STOP works in every state, and ends everything
    assert await rig.open_sessions(quiet) == {}


async def test_a_parked_checkin_expires_on_time_and_does_not_come_back(rig: Rig) -> None:
    [], [quiet], [] = await people(rig, telegram=0, idle=1, busy=0)
    meeting_id = await rig.meeting(starts=timedelta(hours=47))  # invited now, meets after 48h
    await deliver(rig.db, quiet.address, rig.clock.now)
    started = (await rig.checkin(quiet)).started_at
    rig.clock.set(started + timedelta(hours=48, minutes=1))  # the check-in's 48 hours are up
    await rig.tick()
    assert (await rig.checkin(quiet)).status == "expired"
    assert await rig.open_sessions(quiet) == {"meeting-rsvp": "active"}
    sent = await deliver(rig.db, quiet.address, rig.clock.now)
    assert sent == ["Hello again. Can you come to Planning day? Please reply with a number."]
    said = await rig.text(quiet, "1")
    said += await rig.text(quiet, "5")  # nothing needed
    assert not any(BACK in words for words in said)  # nothing to come back to
    assert (await rig.rsvps(meeting_id))[quiet.id] == ("yes", "none")


async def test_a_closed_poll_in_front_brings_the_checkin_back(rig: Rig) -> None:
    [], [quiet], [] = await people(rig, telegram=0, idle=1, busy=0)
    poll_id = await rig.poll()
    await deliver(rig.db, quiet.address, rig.clock.now)
    async with rig.db.transaction() as s:
        poll = await polls.get(s, poll_id)
        assert poll is not None
        await Polls(rig.conversations, rig.conversations.config, rig.clock).close(s, poll)
    [back] = await deliver(rig.db, quiet.address, rig.clock.now)
    assert back.startswith(BACK + WORTHWHILE)
    assert await rig.open_sessions(quiet) == {CHECKIN: "active"}


async def test_an_invitation_beside_that_asks_for_typed_words_comes_in_front(rig: Rig) -> None:
    """Telegram: "Something else" asks what is needed in the person's own words; typed words
    must answer that, so the check-in is set aside until it is answered, then comes back."""
    [ann], [], [] = await people(rig, telegram=1, idle=0, busy=0)
    meeting_id = await rig.meeting()
    chat = int(ann.address)
    await rig.tap(chat, "Yes, I can come")
    said = await rig.tap(chat, "Something else, or more than one thing")
    assert said == ["What do you need? Tell us in your own words."]
    assert await rig.open_sessions(ann) == {CHECKIN: "parked", "meeting-rsvp": "active"}
    await rig.conversations.receive("telegram", ann.address, "a space for my wheelchair")
    await rig.sender.drain()
    async with rig.db.transaction() as s:
        [reply] = await meetings.replies(s, meeting_id)
    assert (reply.answer, reply.access, reply.access_detail) == ("yes", "other",
                                                                 "a space for my wheelchair")
    assert rig.api.texts(chat)[-1].startswith(BACK + WORTHWHILE)
    assert "worthwhile" not in await rig.answers(ann)
    assert await rig.open_sessions(ann) == {CHECKIN: "active"}


async def test_vote_asking_the_poll_again_in_front_keeps_the_checkin_to_come_back_to(rig: Rig) -> None:
    [], [quiet], [] = await people(rig, telegram=0, idle=1, busy=0)
    poll_id = await rig.poll()
    await deliver(rig.db, quiet.address, rig.clock.now)
    [again] = await rig.text(quiet, "VOTE")
    assert again.startswith("Which day suits you?")
    said = await rig.text(quiet, "3")
    assert said[-1].startswith(BACK + WORTHWHILE)
    assert (await rig.votes(poll_id))[quiet.id] == [3]
    assert await rig.open_sessions(quiet) == {CHECKIN: "active"}


async def test_a_typed_reply_beside_a_checkin_goes_where_it_can_only_mean_one_thing(rig: Rig) -> None:
    """Telegram, an invitation beside a check-in that waits for a number from 0 to 10: "yes"
    can only be the RSVP; "2" could be either, so copro asks, and "2" sent again is the
    check-in's; once the check-in ends, typed words answer the invitation."""
    [ann, bob], [], [] = await people(rig, telegram=2, idle=0, busy=0)
    meeting_id = await rig.meeting()
    await rig.conversations.receive("telegram", ann.address, "yes")
    await rig.sender.drain()
    assert rig.api.texts(int(ann.address))[-1] == (
        "Thank you. Do you need anything to help you take part? Reply with a number.")
    assert (await rig.rsvps(meeting_id))[ann.id] == ("yes", None)
    assert (await rig.checkin(ann)).step == "worthwhile"  # untouched

    await rig.conversations.receive("telegram", bob.address, "2")
    await rig.sender.drain()
    assert rig.api.texts(int(bob.address))[-1].startswith(
        "Thank you. Is that your answer to the question with buttons?")
    assert await rig.rsvps(meeting_id) == {ann.id: ("yes", None)} and "worthwhile" not in (
        await rig.answers(bob))  # nothing recorded on a guess
    await rig.conversations.receive("telegram", bob.address, "2")
    assert (await rig.answers(bob))["worthwhile"] == 2  # sent again: the check-in's
    assert bob.id not in await rig.rsvps(meeting_id)

    while (await rig.checkin(bob)).status == "active":
        await rig.conversations.receive("telegram", bob.address, "SKIP")
    assert await rig.open_sessions(bob) == {"meeting-rsvp": "active"}
    await rig.conversations.receive("telegram", bob.address, "maybe")
    assert (await rig.rsvps(meeting_id))[bob.id] == ("maybe", None)
