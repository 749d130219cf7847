"""Polls answered by SMS and Telegram and counted together; broadcasts and their delivery."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from pathlib import Path

import pytest

from bot.app.wiring import scheduler_for
from bot.core.clock import utcnow
from bot.core.config import load_config
from bot.core.scheduler import Scheduler
from bot.delivery import charts
from bot.features.broadcasts import BroadcastError, Broadcasts
from bot.features.polls import PollError, Polls
from bot.flowfiles.library import Library
from bot.host.conversations import Conversations
from bot.language import texts
from storage import audit, broadcasts, participants, polls
from storage.db import Database, Tx
from storage.models import Group
from tests import records
from tests.people import Clock, deliver, group, member, outbox

NOW = datetime(2026, 11, 24, 11, 0, tzinfo=UTC)
CLOSES = NOW + timedelta(days=3)


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
    return scheduler_for(conversations, conversations.config, clock=clock)


async def make_poll(c: Conversations, riverside: Group, **more: object) -> int:
    async with c.db.transaction() as s:
        sam = await participants.find_by_address(s, "telegram", "900")
        poll = await Polls(c, c.config, c.clock).create(
            s, riverside, question={"en": "Which day suits you?", "cy": "Pa ddiwrnod sy'n gyfleus?"},
            options=[{"en": "Tuesday", "cy": "Dydd Mawrth"}, {"en": "Wednesday", "cy": "Dydd Mercher"},
                     {"en": "Thursday", "cy": "Dydd Iau"}],
            closes_at=CLOSES, by=sam, **more)  # type: ignore[arg-type]
        return poll.id


async def test_a_poll_answered_by_sms_and_telegram_is_counted_together(
    database: Database, conversations: Conversations, scheduler: Scheduler, clock: Clock,
    tmp_path: Path,
) -> None:
    riverside = await group(database)
    sam = await member(database, riverside, "900", name="Sam", role="coordinator", channel="telegram")
    ann = await member(database, riverside, "+447700900001", name="Ann")
    bryn = await member(database, riverside, "+447700900002", name="Bryn", language="cy")
    cai = await member(database, riverside, "901", name="Cai", channel="telegram")
    dee = await member(database, riverside, "+447700900004", name="Dee")
    poll_id = await make_poll(conversations, riverside)
    await scheduler.tick()
    [question] = await deliver(database, ann.address, clock.now)
    assert question.startswith("Which day suits you? Please reply with a number.")
    [welsh] = await deliver(database, bryn.address, clock.now)
    assert welsh.startswith("Pa ddiwrnod sy'n gyfleus? Atebwch gyda rhif.")
    [for_cai] = await outbox(database, cai.address)
    assert for_cai.options == ["Tuesday", "Wednesday", "Thursday"]  # buttons on Telegram
    await deliver(database, cai.address, clock.now)
    await deliver(database, sam.address, clock.now)

    await conversations.receive("sms", ann.address, "2")
    await conversations.receive("sms", bryn.address, "dydd mawrth")
    await conversations.receive("telegram", cai.address, "2")  # as a tapped button sends it
    await conversations.receive("sms", dee.address, "b")
    [thanks] = await deliver(database, ann.address, clock.now)
    assert thanks.startswith("Thank you, your answer is counted. If you change your mind before "
                             "Friday 27 November at 11am, text VOTE.")
    clock.advance(hours=1)
    await conversations.receive("sms", ann.address, "vote")  # Ann changes her mind
    [again] = await deliver(database, ann.address, clock.now)
    assert again.startswith("Which day suits you?")
    await conversations.receive("sms", ann.address, "thursday")

    clock.set(CLOSES)
    await scheduler.tick()
    [results] = [m for m in await outbox(database, sam.address) if m.kind == "photo"]
    [picture] = [Path(m) for m in results.media]
    assert results.kind == "photo" and picture.parent == tmp_path / "media" / "charts"
    assert picture.name.startswith("poll-1-") and picture.suffix == ".png"
    assert results.body == ("Poll results: Which day suits you?\nWednesday: 2 (50%)\nTuesday: 1 (25%)\n"
                            "Thursday: 1 (25%)\n4 of 5 people answered.")
    # The chart is drawn by the sender, outside the transaction that closed the poll.
    assert not picture.exists()
    await charts.drawn(results.display)
    assert picture.read_bytes().startswith(b"\x89PNG")
    async with database.transaction() as s:
        cast = {v.participant_id: (v.choices, v.channel) for v in await polls.votes(s, poll_id)}
        closed = await polls.get(s, poll_id)
    assert cast == {ann.id: ([3], "sms"), bryn.id: ([1], "sms"), cai.id: ([2], "telegram"),
                    dee.id: ([2], "sms")}
    assert closed is not None and closed.status == "closed"

    await conversations.receive("sms", ann.address, "vote")  # after the close: nothing to answer
    told = await deliver(database, ann.address, clock.now)
    assert told[-1] == "There is no poll open for you to answer right now."


async def test_a_question_left_unanswered_is_withdrawn_at_the_close_and_results_can_be_shared(
    database: Database, conversations: Conversations, scheduler: Scheduler, clock: Clock,
) -> None:
    riverside = await group(database)
    await member(database, riverside, "900", name="Sam", role="coordinator", channel="telegram")
    ann = await member(database, riverside, "+447700900001", name="Ann")
    late = await member(database, riverside, "+447700900002", name="Lee", hours=(time(22), time(23)))
    await make_poll(conversations, riverside, share_results=True, multiple=True)
    await scheduler.tick()
    await conversations.receive("sms", ann.address, "1 and 3")
    await deliver(database, ann.address, clock.now)
    assert await outbox(database, late.address) == []  # waiting for 10pm
    clock.set(CLOSES)
    await scheduler.tick()
    [shared] = await deliver(database, ann.address, clock.now)
    assert shared.startswith("Poll results: Which day suits you?\nTuesday: 1 (100%)\nThursday: 1 (100%)")
    # Several answers each: the chart's bars say what the caption says (a share of who answered).
    [for_sam] = [m for m in await outbox(database, "900") if m.kind == "photo"]
    assert [row[2] for row in for_sam.display["chart"]["rows"]] == ["1 (100%)", "1 (100%)", "0 (0%)"]
    assert "Tuesday: 1 (100%)\nThursday: 1 (100%)\nWednesday: 0 (0%)" in (for_sam.body or "")
    await conversations.receive("sms", late.address, "2")  # too late: the poll asked no one
    async with database.transaction() as s:
        votes = await polls.votes(s, 1)
    assert [(v.participant_id, v.choices) for v in votes] == [(ann.id, [1, 3])]


async def test_polls_that_cannot_be_made_are_refused_in_plain_words(
    database: Database, conversations: Conversations,
) -> None:
    riverside = await group(database)
    handler = Polls(conversations, conversations.config, conversations.clock)
    for change, words in (
        ({"options": ["Only one"]}, "a poll needs 2 to 10 options"),
        ({"options": [str(n) for n in range(11)]}, "a poll needs 2 to 10 options"),
        ({"options": ["Tea", "tea"]}, "two options are the same"),
        ({"closes_at": NOW + timedelta(minutes=1)}, "at least 5 minutes from now"),
        ({"question": "  "}, "a poll needs a question in English"),
    ):
        args: dict[str, object] = {"question": "Tea or coffee?", "options": ["Tea", "Coffee"],
                                   "closes_at": CLOSES, **change}
        async with database.transaction() as s:
            with pytest.raises(PollError, match=words):
                await handler.create(s, riverside, **args)  # type: ignore[arg-type]


async def test_a_broadcast_goes_to_each_person_in_their_language_and_is_summarised(
    database: Database, conversations: Conversations, scheduler: Scheduler, clock: Clock,
) -> None:
    riverside = await group(database)
    sam = await member(database, riverside, "900", name="Sam", role="coordinator", channel="telegram")
    ann = await member(database, riverside, "+447700900001", name="Ann")
    bryn = await member(database, riverside, "+447700900002", name="Bryn", language="cy")
    night_owl = await member(database, riverside, "+447700900003", name="Owl", hours=(time(20), time(22)))
    gone = await member(database, riverside, "+447700900004", name="Gwen")
    async with database.transaction() as s:
        person = await participants.get(s, gone.id)
        assert person is not None
        await participants.opt_out(s, person, at=utcnow())
        coordinator = await participants.get(s, sam.id)
        broadcast, reach = await Broadcasts(conversations, conversations.config, clock).send(
            s, riverside, {"en": "The hall is closed on Friday. {{ not a template }}",
                           "cy": "Mae'r neuadd ar gau ddydd Gwener."}, by=coordinator)
    # Gwen has opted out; the night owl's contact hours open at 8pm: the sender is told so.
    assert (reach.now, reach.later, reach.opens, reach.unreachable) == (
        3, 1, datetime(2026, 11, 24, 20, 0, tzinfo=UTC), 0)
    await scheduler.tick()
    assert await deliver(database, ann.address, clock.now) == [
        "The hall is closed on Friday. {{ not a template }}"]
    assert await deliver(database, bryn.address, clock.now) == ["Mae'r neuadd ar gau ddydd Gwener."]
    assert await outbox(database, night_owl.address) == []  # held until 8pm
    async with database.transaction() as s:
        [to_sam] = [m for m in await records.messages_of_address(s, sam.address)]
        to_sam.status = "delivered"  # as a delivery report would say
    clock.advance(hours=1)
    await scheduler.tick()
    # The summary waits for the last one waiting, rather than say "1 still waiting".
    assert [b for b in await deliver(database, sam.address, clock.now) if "Your message" in b] == []
    async with database.transaction() as s:
        summary = await conversations_summary(s, conversations, clock, broadcast.id)
    assert summary == ("Your message to Riverside Voices: 3 sent, 1 delivered, 0 failed, 0 not sent "
                       "(opted out or no way to reach them), 1 still waiting for their contact hours "
                       "(the last until Tuesday 24 November at 8pm).")
    clock.set(datetime(2026, 11, 24, 20, 0, tzinfo=UTC))
    await scheduler.tick()
    assert await deliver(database, night_owl.address, clock.now) == [
        "The hall is closed on Friday. {{ not a template }}"]
    clock.advance(hours=1)
    await scheduler.tick()
    summaries = [b for b in await deliver(database, sam.address, clock.now) if "Your message" in b]
    assert summaries == ["Your message to Riverside Voices: 4 sent, 1 delivered, 0 failed, 0 not sent "
                         "(opted out or no way to reach them)."]
    async with database.transaction() as s:
        kept = await broadcasts.get(s, broadcast.id)
        with pytest.raises(BroadcastError, match="needs its words in English"):
            await Broadcasts(conversations, conversations.config, clock).send(s, riverside, {"cy": "Helo"})
    assert kept is not None and kept.texts["cy"] == "Mae'r neuadd ar gau ddydd Gwener."


async def conversations_summary(s: Tx, c: Conversations, clock: Clock, broadcast_id: int) -> str:
    """The summary the coordinator would read now (the words a held summary is given as it goes)."""
    found = await broadcasts.get(s, broadcast_id)
    assert found is not None and found.created_by is not None
    reader = await participants.get(s, found.created_by)
    assert reader is not None
    handler = Broadcasts(c, c.config, clock)
    return c.render(reader, texts.BROADCAST_SUMMARY, await handler.summary_scope(s, found, reader))


async def test_a_closed_poll_withdraws_its_waiting_nudge_and_asks_nothing_more(
    database: Database, conversations: Conversations, scheduler: Scheduler, clock: Clock,
) -> None:
    """Ann's nudge is queued when the coordinator closes the poll early: it is not sent. Dee
    had texted VOTE to be asked again; after the close her "2" is not thanked as counted."""
    riverside = await group(database)
    await member(database, riverside, "900", name="Sam", role="coordinator", channel="telegram")
    ann = await member(database, riverside, "+447700900001", name="Ann")
    dee = await member(database, riverside, "+447700900004", name="Dee")
    poll_id = await make_poll(conversations, riverside)
    await scheduler.tick()
    await deliver(database, ann.address, clock.now)
    await deliver(database, dee.address, clock.now)
    await conversations.receive("sms", dee.address, "1")
    clock.advance(hours=1)
    await conversations.receive("sms", dee.address, "vote")  # asked again; no answer yet
    await deliver(database, dee.address, clock.now)
    await tick_then(scheduler, clock, hours=24)
    [nudge] = await outbox(database, ann.address)
    assert (nudge.body or "").startswith("Hello again. Which day suits you?")
    async with database.transaction() as s:
        poll = await polls.get(s, poll_id)
        assert poll is not None
        await Polls(conversations, conversations.config, clock).close(s, poll, by="Sam")
    async with database.transaction() as s:
        withdrawn = await s.get(type(nudge), nudge.id)
        assert withdrawn is not None
        assert (withdrawn.status, withdrawn.error) == ("failed", "withdrawn: the poll closed")
    assert await outbox(database, ann.address) == []
    await deliver(database, dee.address, clock.now)  # her own nudge, if any, is gone too
    await conversations.receive("sms", dee.address, "2")
    said = " ".join(await deliver(database, dee.address, clock.now))
    assert "your answer is counted" not in said
    assert said == ("Thank you. That poll has closed, so your answer was not counted: "
                    "Which day suits you?")  # not the menu
    async with database.transaction() as s:
        [vote] = await polls.votes(s, poll_id)
    assert vote.choices == [1]


async def tick_then(scheduler: Scheduler, clock: Clock, *, hours: int) -> None:
    clock.advance(hours=hours)
    await scheduler.tick()


async def test_a_poll_tells_a_member_in_another_time_zone_which_clock_it_closes_on(
    database: Database, conversations: Conversations, scheduler: Scheduler, clock: Clock,
) -> None:
    """Elena lives in Madrid: she reads the closing time as "11am UK time", not "11am"."""
    riverside = await group(database)
    await member(database, riverside, "900", name="Sam", role="coordinator", channel="telegram")
    elena = await member(database, riverside, "+34600000001", name="Elena", timezone="Europe/Madrid")
    await make_poll(conversations, riverside)
    await scheduler.tick()
    await deliver(database, elena.address, clock.now)
    await conversations.receive("sms", elena.address, "2")
    [thanks] = await deliver(database, elena.address, clock.now)
    assert "before Friday 27 November at 11am UK time, text VOTE." in thanks


async def test_with_two_polls_open_vote_asks_which_and_vote_with_a_number_reopens_that_one(
    database: Database, conversations: Conversations, scheduler: Scheduler, clock: Clock,
) -> None:
    riverside = await group(database)
    await member(database, riverside, "900", name="Sam", role="coordinator", channel="telegram")
    ann = await member(database, riverside, "+447700900001", name="Ann")
    bryn = await member(database, riverside, "+447700900002", name="Bryn", language="cy")
    first = await make_poll(conversations, riverside)
    async with database.transaction() as s:
        await Polls(conversations, conversations.config, clock).create(
            s, riverside, question={"en": "Tea or coffee?", "cy": "Te neu goffi?"},
            options=[{"en": "Tea", "cy": "Te"}, {"en": "Coffee", "cy": "Coffi"}], closes_at=CLOSES)
    await scheduler.tick()
    await conversations.receive("sms", ann.address, "1")  # answers the first question sent
    await deliver(database, ann.address, clock.now)
    await conversations.receive("sms", ann.address, "VOTE")
    assert await deliver(database, ann.address, clock.now) == [
        "You have 2 polls to answer:\n2. Tea or coffee?\n1. Which day suits you?\n"
        "Reply VOTE and the number, like VOTE 2."]
    await conversations.receive("sms", ann.address, "vote 1")  # not only the newest
    [again] = await deliver(database, ann.address, clock.now)
    assert again.startswith("Which day suits you? Please reply with a number.")
    await conversations.receive("sms", ann.address, "3")
    async with database.transaction() as s:
        [vote] = await polls.votes(s, first)
    assert vote.choices == [3]
    await deliver(database, bryn.address, clock.now)
    await conversations.receive("sms", bryn.address, "pleidlais")
    [which] = await deliver(database, bryn.address, clock.now)
    assert which.startswith("Mae gennych chi 2 pôl i'w hateb:\n2. Te neu goffi?")


# --- sent at a later time ---------------------------------------------------------------

LATER = NOW + timedelta(days=1)


async def test_a_poll_sent_later_asks_no_one_before_its_time(
    database: Database, conversations: Conversations, scheduler: Scheduler, clock: Clock
) -> None:
    riverside = await group(database)
    ann = await member(database, riverside, "+447700900001", name="Ann")
    async with database.transaction() as s:
        await Polls(conversations, conversations.config, clock).create(
            s, riverside, question="Tea or coffee?", options=["Tea", "Coffee"], closes_at=CLOSES,
            starts_at=LATER)
    await scheduler.tick()
    assert await deliver(database, ann.address, clock.now) == []
    clock.set(LATER)
    await scheduler.tick()
    [asked] = await deliver(database, ann.address, clock.now)
    assert asked.startswith("Tea or coffee? Please reply with a number.")


async def test_a_poll_must_stay_open_five_minutes_after_it_is_sent(
    database: Database, conversations: Conversations, clock: Clock
) -> None:
    riverside = await group(database)
    async with database.transaction() as s:
        with pytest.raises(PollError, match="at least 5 minutes after it is sent"):
            await Polls(conversations, conversations.config, clock).create(
                s, riverside, question="Tea or coffee?", options=["Tea", "Coffee"],
                closes_at=LATER + timedelta(minutes=4), starts_at=LATER)


async def test_a_broadcast_sent_later_goes_then_and_says_when_in_the_audit(
    database: Database, conversations: Conversations, scheduler: Scheduler, clock: Clock
) -> None:
    riverside = await group(database)
    ann = await member(database, riverside, "+447700900001", name="Ann")
    async with database.transaction() as s:
        sam = await participants.get(s, ann.id)
        _, reach = await Broadcasts(conversations, conversations.config, clock).send(
            s, riverside, "The café opens at 10.", by=sam, at=LATER)
        assert reach.now == 1  # reached as things will be then
    await scheduler.tick()
    assert await deliver(database, ann.address, clock.now) == []
    clock.set(LATER)
    await scheduler.tick()
    assert await deliver(database, ann.address, clock.now) == ["The café opens at 10."]
    async with database.transaction() as s:
        [event] = await audit.recent(s, kinds=("broadcast_sent",), since=NOW - timedelta(days=1))
        assert event.details["at"] == LATER.isoformat()
