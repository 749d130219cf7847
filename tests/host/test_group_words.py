"""Each group's members read their own group's name and how to reach its coordinator (set by
``copro groups add/edit``); someone in several groups reads the group a conversation is about,
else their first; someone in no group reads the service's [group] words."""

from __future__ import annotations

from datetime import timedelta

from bot.core.scheduler import Scheduler
from bot.features import doctor
from bot.host.conversations import Conversations
from storage import groups, participants
from storage.db import Database
from storage.models import Group
from tests.features.test_meetings import (  # noqa: F401 (the fixtures)
    TUESDAY_2PM,
    add,
    clock,
    conversations,
    scheduler,
    tick_at,
)
from tests.host.test_conversation import Phone
from tests.people import Clock, deliver, group, member

SAM, JO = "Sam on 01234 567890", "Jo on 07700 900999"


async def two_groups(database: Database) -> tuple[Group, Group]:
    riverside, walkers = await group(database), await group(database, "Hill Walkers")
    async with database.transaction() as s:
        await groups.set_words(s, riverside, coordinator=SAM, name_cy="Lleisiau Glan yr Afon",
                               coordinator_cy="Sam ar 01234 567890")
        await groups.set_words(s, walkers, coordinator=JO)
    return riverside, walkers


async def test_each_member_reads_their_own_groups_name_and_coordinator(
    database: Database, conversations: Conversations  # noqa: F811
) -> None:
    riverside, walkers = await two_groups(database)
    ann = await member(database, riverside, "+447700900001", name="Ann")
    bryn = await member(database, riverside, "+447700900002", name="Bryn", language="cy")
    jo = await member(database, walkers, "+447700900003", name="Jo")
    gwen = await member(database, walkers, "+447700900004", name="Gwen", language="cy")
    [help_ann] = await Phone(conversations, ann.address).send("HELP")
    assert help_ann.startswith("This is Riverside Voices. To talk to a person, contact Sam on 01234 567890.")
    [help_bryn] = await Phone(conversations, bryn.address).send("HELP")
    assert help_bryn.startswith("Dyma Lleisiau Glan yr Afon. I siarad gyda pherson, cysylltwch gyda "
                                "Sam ar 01234 567890.")
    [help_jo] = await Phone(conversations, jo.address).send("HELP")
    assert help_jo.startswith("This is Hill Walkers. To talk to a person, contact Jo on 07700 900999.")
    assert "Riverside" not in help_jo and SAM not in help_jo
    # No Welsh words for Hill Walkers: its name and coordinator as written, not Riverside's.
    [help_gwen] = await Phone(conversations, gwen.address).send("HELP")
    assert help_gwen.startswith("Dyma Hill Walkers. I siarad gyda pherson, cysylltwch gyda Jo on 07700")
    [stopped] = await Phone(conversations, jo.address).send("STOP")
    assert stopped.startswith("You will not get any more messages from Hill Walkers.")
    [back] = await Phone(conversations, jo.address).send("START")
    assert back.startswith("Welcome back. You will get messages from Hill Walkers again.")


async def test_someone_in_no_group_or_a_group_without_words_reads_the_services(
    database: Database, conversations: Conversations  # noqa: F811
) -> None:
    plain = await group(database, "Hill Walkers")  # no coordinator of its own
    dai = await member(database, plain, "+447700900005", name="Dai")
    [help_dai] = await Phone(conversations, dai.address).send("HELP")
    assert help_dai.startswith("This is Hill Walkers. To talk to a person, contact your coordinator.")
    alone = Phone(conversations, "+447700900006")
    for text in ("1", "yes", "Eve"):
        await alone.send(text)  # the welcome, then no group at all
    [help_eve] = await alone.send("HELP")
    assert help_eve.startswith("This is the co-production group. To talk to a person, contact your "
                               "coordinator.")


async def test_someone_in_two_groups_reads_the_group_a_meeting_is_about(
    database: Database, conversations: Conversations, scheduler: Scheduler,  # noqa: F811
    clock: Clock,  # noqa: F811
) -> None:
    riverside, walkers = await two_groups(database)
    cai = await member(database, riverside, "+447700900007", name="Cai")
    async with database.transaction() as s:
        person = await participants.get(s, cai.id)
        assert person is not None
        await groups.add_member(s, walkers, person)
    await add(conversations, walkers)  # Hill Walkers' meeting
    await tick_at(scheduler, clock, TUESDAY_2PM - timedelta(days=2))
    [invite] = await deliver(database, cai.address, clock.now)
    assert "Planning day" in invite
    await conversations.receive("sms", cai.address, "maybe")
    await deliver(database, cai.address, clock.now)  # do they need anything?
    await conversations.receive("sms", cai.address, "nothing")
    [maybe] = await deliver(database, cai.address, clock.now)
    assert maybe == f"Thank you, Cai. We hope you can come. When you know, please tell {JO}."
    # Outside the meeting, their first group speaks.
    [help_cai] = await Phone(conversations, cai.address).send("HELP")
    assert help_cai.startswith(f"This is Riverside Voices. To talk to a person, contact {SAM}.")
    await tick_at(scheduler, clock, TUESDAY_2PM - timedelta(hours=2))
    reminders = await deliver(database, cai.address, clock.now)
    assert reminders and reminders[-1].endswith(f"If you cannot come, please tell {JO}.")



async def test_doctor_warns_when_a_groups_welsh_speakers_would_read_its_coordinator_in_english(
    database: Database,
) -> None:
    riverside, walkers = await two_groups(database)  # Hill Walkers has no Welsh coordinator
    await member(database, walkers, "+447700900004", name="Gwen", language="cy")
    await member(database, riverside, "+447700900002", name="Bryn", language="cy")
    async with database.transaction() as s:
        found = [str(p) for p in await doctor.check(s)]
    [warning] = [p for p in found if "has no Welsh" in p]
    assert warning.startswith("Warning: group \"Hill Walkers\": its coordinator ('Jo on 07700 900999') "
                              "has no Welsh.")
    assert 'copro groups edit "Hill Walkers" --welsh-coordinator' in warning
