"""Meetings: invitation with RSVP, reminders in plain words, the coordinators' summary, moves,
cancellations and downtime, with a clock that moves only when the test says."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

import pytest

from bot.app.wiring import scheduler_for
from bot.core.config import Config, load_config
from bot.core.scheduler import Scheduler
from bot.features.meetings import MeetingError, Meetings
from bot.flowfiles.library import Library
from bot.host.conversations import Conversations
from storage import meetings
from storage.db import Database
from storage.models import Group, Meeting
from tests import records
from tests.people import Clock, Member, deliver, group, member, outbox

SUNDAY = datetime(2026, 11, 29, 10, 0, tzinfo=UTC)
TUESDAY_2PM = datetime(2026, 12, 1, 14, 0, tzinfo=UTC)  # 2pm in London (GMT)
INVITE = "We would like to invite you to a meeting."


def no_checkins(tmp_path: Path) -> Config:
    """Weekly check-ins off, so that only meetings talk to people in these tests."""
    path = tmp_path / "copro.toml"
    path.write_text("[checkins]\nenabled = false\n")
    return load_config(path, env={"COPRO_DATA_DIR": str(tmp_path)})


@pytest.fixture
def clock() -> Clock:
    return Clock(SUNDAY)


@pytest.fixture
async def conversations(database: Database, tmp_path: Path, clock: Clock) -> Conversations:
    config = no_checkins(tmp_path)
    c = Conversations(database, Library.load(), config, clock=clock)
    await c.register_flows()
    return c


@pytest.fixture
def scheduler(conversations: Conversations, clock: Clock) -> Scheduler:
    return scheduler_for(conversations, conversations.config, clock=clock)


@pytest.fixture
async def people(database: Database) -> tuple[Group, dict[str, Member]]:
    riverside = await group(database)
    return riverside, {
        "ann": await member(database, riverside, "+447700900001", name="Ann"),
        "bryn": await member(database, riverside, "+447700900002", name="Bryn", language="cy"),
        "cai": await member(database, riverside, "+447700900003", name="Cai", language="cy"),
        "sam": await member(database, riverside, "+447700900004", name="Sam", role="coordinator"),
    }


async def add(c: Conversations, riverside: Group, starts: datetime = TUESDAY_2PM, **more: str) -> Meeting:
    async with c.db.transaction() as s:
        return await Meetings(c, c.config, c.clock).add(
            s, riverside, title="Planning day", starts_at=starts, place="the Library, Room 2",
            **more)  # type: ignore[arg-type]


async def tick_at(scheduler: Scheduler, clock: Clock, when: datetime) -> None:
    clock.set(when)
    await scheduler.tick()


async def test_invitation_replies_summary_and_a_reminder_in_plain_words(
    database: Database, conversations: Conversations, scheduler: Scheduler, clock: Clock,
    people: tuple[Group, dict[str, Member]],
) -> None:
    riverside, who = people
    await add(conversations, riverside)
    await tick_at(scheduler, clock, SUNDAY + timedelta(hours=3, minutes=59))
    assert await outbox(database, who["ann"].address) == []  # not yet 2 days before
    await tick_at(scheduler, clock, TUESDAY_2PM - timedelta(days=2))
    [invite] = await deliver(database, who["ann"].address, clock.now)
    assert invite.startswith(f"Hello. {INVITE}\nWhat: Planning day\n"
                             "When: Tuesday 1 December at 2pm\nWhere: the Library, Room 2")
    [welsh] = await deliver(database, who["bryn"].address, clock.now)
    assert "Pryd: dydd Mawrth 1 Rhagfyr am 2yp" in welsh
    assert await outbox(database, who["sam"].address) == []  # a coordinator is not invited

    await conversations.receive("sms", who["ann"].address, "yes")
    await conversations.receive("sms", who["ann"].address, "transport")
    await conversations.receive("sms", who["bryn"].address, "na")  # Welsh for no
    for person in who.values():
        await deliver(database, person.address, clock.now)

    await tick_at(scheduler, clock, TUESDAY_2PM - timedelta(days=1))
    [summary] = await deliver(database, who["sam"].address, clock.now)
    assert summary == ("Planning day, Tuesday 1 December at 2pm: 1 coming, 0 maybe, 1 cannot come, "
                       "1 not answered. Needs: Ann: transport.")
    assert await deliver(database, who["cai"].address, clock.now) == [  # one nudge after a day
        "Helo eto. Allwch chi ddod i Planning day? Atebwch gyda rhif."]

    await tick_at(scheduler, clock, TUESDAY_2PM - timedelta(hours=2))
    assert await deliver(database, who["ann"].address, clock.now) == [
        "Reminder: Planning day is on Tuesday 1 December at 2pm, at the Library, Room 2. "
        "If you cannot come, please tell your coordinator."]
    assert await deliver(database, who["cai"].address, clock.now) == [
        "Nodyn atgoffa: mae Planning day ar ddydd Mawrth 1 Rhagfyr am 2yp, yn the Library, Room 2. "
        "Os na allwch chi ddod, dwedwch wrth eich cydlynydd."]  # not the English default
    assert await deliver(database, who["bryn"].address, clock.now) == []  # said no
    async with database.transaction() as s:
        replies = {r.participant_id: (r.answer, r.access) for r in await meetings.replies(s, 1)}
    assert replies == {who["ann"].id: ("yes", "transport"), who["bryn"].id: ("no", None)}


async def test_a_reminder_due_while_down_goes_once_and_none_after_the_start(
    database: Database, conversations: Conversations, scheduler: Scheduler, clock: Clock,
    people: tuple[Group, dict[str, Member]],
) -> None:
    riverside, who = people
    first = await add(conversations, riverside)
    later = await add(conversations, riverside, TUESDAY_2PM + timedelta(days=7))
    await tick_at(scheduler, clock, TUESDAY_2PM - timedelta(days=2))
    await deliver(database, who["ann"].address, clock.now)
    # copro is down from Monday to an hour before the meeting: the 2-hour reminder is late.
    await tick_at(scheduler, clock, TUESDAY_2PM - timedelta(hours=1))
    await scheduler.tick()
    reminders = [b for b in await deliver(database, who["ann"].address, clock.now)
                 if b.startswith("Reminder")]
    assert len(reminders) == 1
    # Down again until after the next meeting has started: nothing is sent for it at all.
    await tick_at(scheduler, clock, later.starts_at + timedelta(minutes=5))
    assert await deliver(database, who["ann"].address, clock.now) == []
    assert first.id != later.id


async def test_two_schedulers_send_each_invitation_once(
    database_url: str, tmp_path: Path, clock: Clock
) -> None:
    config = no_checkins(tmp_path)
    dbs = [Database(database_url), Database(database_url)]
    try:
        riverside = await group(dbs[0])
        crowd = [await member(dbs[0], riverside, f"+4477009{i:05d}") for i in range(30)]
        schedulers, hosts = [], []
        for db in dbs:
            c = Conversations(db, Library.load(), config, clock=clock)
            await c.register_flows()
            hosts.append(c)
            schedulers.append(scheduler_for(c, config, clock=clock))
        await add(hosts[0], riverside)
        clock.set(TUESDAY_2PM - timedelta(days=2))
        await asyncio.gather(*(s.tick() for s in schedulers for _ in range(3)))
        for person in crowd:
            invites = [m for m in await outbox(dbs[0], person.address) if INVITE in (m.body or "")]
            assert len(invites) == 1
    finally:
        for db in dbs:
            await db.close()


async def test_a_moved_meeting_withdraws_what_was_waiting_and_tells_who_was_invited(
    database: Database, conversations: Conversations, scheduler: Scheduler, clock: Clock,
    people: tuple[Group, dict[str, Member]],
) -> None:
    riverside, who = people
    meeting = await add(conversations, riverside)
    await tick_at(scheduler, clock, TUESDAY_2PM - timedelta(days=2))  # invitations queued
    assert len(await outbox(database, who["cai"].address)) == 1  # Cai's not sent yet
    await deliver(database, who["ann"].address, clock.now)
    async with database.transaction() as s:
        found = await meetings.get(s, meeting.id)
        assert found is not None
        told = await Meetings(conversations, conversations.config, clock).move(
            s, found, TUESDAY_2PM + timedelta(days=7))
    assert told == 3
    async with database.transaction() as s:
        cai = [m for m in await records.messages_of_address(s, who["cai"].address)]
    assert [(m.status, m.error) for m in cai] == [("failed", "withdrawn: the meeting changed")]
    await scheduler.tick()
    [moved] = await deliver(database, who["ann"].address, clock.now)
    assert moved == ("Please note: Planning day has moved. It is now on Tuesday 8 December at 2pm, "
                     "at the Library, Room 2. We will ask again who can come.")
    await conversations.receive("sms", who["ann"].address, "yes")  # to the old invitation
    assert "invite you" not in " ".join(await deliver(database, who["ann"].address, clock.now))
    await tick_at(scheduler, clock, TUESDAY_2PM + timedelta(days=5))
    [again] = await deliver(database, who["ann"].address, clock.now)
    assert INVITE in again and "When: Tuesday 8 December at 2pm" in again
    assert "Its time has changed, so we are asking everyone again." in again
    await tick_at(scheduler, clock, TUESDAY_2PM - timedelta(hours=2))  # the old time: nothing
    assert await deliver(database, who["ann"].address, clock.now) == []


async def test_a_cancelled_meeting_tells_people_and_sends_nothing_more(
    database: Database, conversations: Conversations, scheduler: Scheduler, clock: Clock,
    people: tuple[Group, dict[str, Member]],
) -> None:
    riverside, who = people
    meeting = await add(conversations, riverside)
    await tick_at(scheduler, clock, TUESDAY_2PM - timedelta(days=2))
    for person in who.values():
        await deliver(database, person.address, clock.now)
    handler = Meetings(conversations, conversations.config, clock)
    async with database.transaction() as s:
        found = await meetings.get(s, meeting.id)
        assert found is not None
        assert await handler.cancel(s, found) == 3
        with pytest.raises(MeetingError, match="already cancelled"):
            await handler.cancel(s, found)
    await scheduler.tick()
    [cancelled] = await deliver(database, who["ann"].address, clock.now)
    for person in ("bryn", "cai"):
        [notice] = await deliver(database, who[person].address, clock.now)
        assert "wedi'i ganslo" in notice
    assert cancelled == ("Sorry, Planning day on Tuesday 1 December at 2pm is cancelled. "
                         "Your coordinator will let you know what happens next.")
    for when in (timedelta(days=1), timedelta(hours=2)):
        await tick_at(scheduler, clock, TUESDAY_2PM - when)
    for person in who.values():
        assert await deliver(database, person.address, clock.now) == []


async def test_a_reminder_waits_for_contact_hours_but_not_past_the_start(
    database: Database, conversations: Conversations, scheduler: Scheduler, clock: Clock,
) -> None:
    riverside = await group(database)
    evening = await member(database, riverside, "+447700900005", name="Eve", hours=(time(18), time(21)))
    early = await member(database, riverside, "+447700900006", name="Dai", hours=(time(15), time(21)))
    await add(conversations, riverside, datetime(2026, 12, 1, 16, 0, tzinfo=UTC))  # Tuesday 4pm
    await tick_at(scheduler, clock, datetime(2026, 11, 29, 16, 0, tzinfo=UTC))  # 2 days before
    assert len(await deliver(database, early.address, clock.now)) == 1
    assert await outbox(database, evening.address) == []  # her hours open at 6pm
    await tick_at(scheduler, clock, datetime(2026, 11, 29, 18, 0, tzinfo=UTC))
    [invite] = await deliver(database, evening.address, clock.now)
    assert INVITE in invite
    await conversations.receive("sms", evening.address, "yes")
    await conversations.receive("sms", evening.address, "none")
    await conversations.receive("sms", early.address, "maybe")
    await conversations.receive("sms", early.address, "none")
    await tick_at(scheduler, clock, datetime(2026, 12, 1, 14, 0, tzinfo=UTC))  # 2 hours before
    await deliver(database, evening.address, clock.now)
    await deliver(database, early.address, clock.now)
    await tick_at(scheduler, clock, datetime(2026, 12, 1, 15, 0, tzinfo=UTC))
    [reminder] = await deliver(database, early.address, clock.now)
    assert reminder.startswith("Reminder: Planning day is on Tuesday 1 December at 4pm")
    await tick_at(scheduler, clock, datetime(2026, 12, 1, 18, 0, tzinfo=UTC))
    assert await deliver(database, evening.address, clock.now) == []  # 6pm: the meeting has begun


async def test_a_meeting_added_late_invites_at_once(
    database: Database, conversations: Conversations, scheduler: Scheduler, clock: Clock,
    people: tuple[Group, dict[str, Member]],
) -> None:
    riverside, who = people
    clock.set(TUESDAY_2PM - timedelta(hours=20))
    await add(conversations, riverside)
    await scheduler.tick()
    [invite] = await deliver(database, who["ann"].address, clock.now)
    assert INVITE in invite
    with pytest.raises(MeetingError, match="already passed"):
        await add(conversations, riverside, clock.now - timedelta(minutes=1))


async def test_a_cancelled_meeting_withdraws_the_nudge_waiting_to_go_and_ends_the_question(
    database: Database, conversations: Conversations, scheduler: Scheduler, clock: Clock,
    people: tuple[Group, dict[str, Member]],
) -> None:
    """Cai never answered: the day after the invitation his nudge is queued. The meeting is
    cancelled before it goes: he gets only the cancellation, and "yes" is not taken as an answer."""
    riverside, who = people
    meeting = await add(conversations, riverside)
    await tick_at(scheduler, clock, TUESDAY_2PM - timedelta(days=2))
    for person in who.values():
        await deliver(database, person.address, clock.now)
    await tick_at(scheduler, clock, TUESDAY_2PM - timedelta(days=1))
    [nudge] = await outbox(database, who["cai"].address)
    assert nudge.body is not None and nudge.body.startswith("Helo eto.")
    async with database.transaction() as s:
        found = await meetings.get(s, meeting.id)
        assert found is not None
        await Meetings(conversations, conversations.config, clock).cancel(s, found)
    await scheduler.tick()
    [notice] = await deliver(database, who["cai"].address, clock.now)
    assert "wedi'i ganslo" in notice
    async with database.transaction() as s:
        withdrawn = await s.get(type(nudge), nudge.id)
        assert withdrawn is not None
        assert (withdrawn.status, withdrawn.error) == ("failed", "withdrawn: the meeting changed")
    await conversations.receive("sms", who["cai"].address, "ie")  # too late: nothing to answer
    async with database.transaction() as s:
        assert await meetings.replies(s, meeting.id) == []
    assert "Diolch" not in " ".join(await deliver(database, who["cai"].address, clock.now))


async def test_a_moved_meeting_counts_only_answers_for_its_new_time_and_says_so(
    database: Database, conversations: Conversations, scheduler: Scheduler, clock: Clock,
    people: tuple[Group, dict[str, Member]],
) -> None:
    """Ann and Bryn answered for Tuesday; the meeting moves a week on and everyone is asked
    again. Sam's summary counts only Ann's new answer, and says why Bryn's "no" is not in it."""
    riverside, who = people
    meeting = await add(conversations, riverside)
    await tick_at(scheduler, clock, TUESDAY_2PM - timedelta(days=2))
    for person in who.values():
        await deliver(database, person.address, clock.now)
    for address, text in ((who["ann"].address, "yes"), (who["ann"].address, "transport"),
                          (who["bryn"].address, "na")):
        await conversations.receive("sms", address, text)
    async with database.transaction() as s:
        found = await meetings.get(s, meeting.id)
        assert found is not None
        await Meetings(conversations, conversations.config, clock).move(
            s, found, TUESDAY_2PM + timedelta(days=7))
    await tick_at(scheduler, clock, TUESDAY_2PM + timedelta(days=5))
    for person in who.values():
        await deliver(database, person.address, clock.now)
    await conversations.receive("sms", who["ann"].address, "maybe")
    await conversations.receive("sms", who["ann"].address, "none")
    await deliver(database, who["ann"].address, clock.now)
    await tick_at(scheduler, clock, TUESDAY_2PM + timedelta(days=6))
    [summary] = await deliver(database, who["sam"].address, clock.now)
    assert summary == (
        "Planning day, Tuesday 8 December at 2pm: 0 coming, 1 maybe, 0 cannot come, "
        "2 not answered. It moved, so answers given for the old time are not counted "
        "(1 asked again). No one has asked for anything to help them take part.")
    async with database.transaction() as s:
        assert await meetings.counts(s, meeting.id) == {"maybe": 1}


async def test_a_member_in_another_time_zone_is_told_which_clock_the_meeting_is_on(
    database: Database, conversations: Conversations, scheduler: Scheduler, clock: Clock,
) -> None:
    """Ann lives in the UK and reads "2pm" as before; Elena (Madrid, in English) and Gwen
    (Madrid, in Welsh) read "2pm UK time", so nobody turns up an hour late."""
    riverside = await group(database)
    ann = await member(database, riverside, "+447700900001", name="Ann")
    elena = await member(database, riverside, "+34600000001", name="Elena", timezone="Europe/Madrid")
    gwen = await member(database, riverside, "+34600000002", name="Gwen", language="cy",
                        timezone="Europe/Madrid")
    await add(conversations, riverside)
    await tick_at(scheduler, clock, TUESDAY_2PM - timedelta(days=2))
    [home] = await deliver(database, ann.address, clock.now)
    assert "When: Tuesday 1 December at 2pm\n" in home
    [away] = await deliver(database, elena.address, clock.now)
    assert "When: Tuesday 1 December at 2pm UK time\n" in away
    [welsh] = await deliver(database, gwen.address, clock.now)
    assert "Pryd: dydd Mawrth 1 Rhagfyr am 2yp amser y DU\n" in welsh
    await tick_at(scheduler, clock, TUESDAY_2PM - timedelta(hours=2))
    *_, reminder = await deliver(database, elena.address, clock.now)  # after the nudge
    assert reminder.startswith("Reminder: Planning day is on Tuesday 1 December at 2pm UK time,")
    *_, atgoffa = await deliver(database, gwen.address, clock.now)
    assert "ar ddydd Mawrth 1 Rhagfyr am 2yp amser y DU," in atgoffa
