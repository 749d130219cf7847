"""Polls and messages on the desk: bilingual compose, the SMS and Telegram preview with who
gets it and what it costs, sending now or later, answers from every channel, closing."""

from __future__ import annotations

from datetime import time, timedelta

import httpx

from bot.core.scheduler import Scheduler
from bot.host.conversations import Conversations
from storage import audit, jobs, messages, participants, polls
from storage.db import Database
from tests.people import Clock, deliver, member, outbox
from tests.web.conftest import ANN, HAL, NOW, SAM, Place, csrf, sign_in

POLL = {"kind": "poll", "question_en": "Which day suits you?",
        "question_cy": "Pa ddiwrnod sy'n gyfleus i chi?", "options_en": "Tuesday\nWednesday",
        "options_cy": "Dydd Mawrth\nDydd Mercher", "closes": "2026-11-27 5pm"}


async def test_a_bilingual_poll_is_seen_as_a_text_and_on_telegram_with_who_gets_it_and_the_cost(
    client: httpx.AsyncClient, database: Database, place: Place
) -> None:
    await member(database, place.riverside, "+447700900002", name="Bryn", language="cy")
    await member(database, place.riverside, "901", name="Cai", channel="telegram")
    await member(database, place.riverside, "+447700900004", name="Dee", hours=(time(18), time(21)))
    await sign_in(client, database, SAM)
    page = await client.get("/polls")
    look = await client.post("/polls/preview", data={**POLL, "csrf": csrf(page.text),
                                                     "group": str(place.riverside.id)})
    assert look.status_code == 200
    text = look.text
    # what a basic phone shows, in each language, with its numbered answers
    assert "Which day suits you? Please reply with a number.\n1. Tuesday\n2. Wednesday" in text
    assert "Pa ddiwrnod sy&#39;n gyfleus i chi? Atebwch gyda rhif.\n1. Dydd Mawrth\n2. Dydd Mercher" in text
    assert "GSM-7: 1 SMS part(s), about £0.04 for each person" in text
    # Telegram: the answers to tap
    assert '<span class="button-like">Tuesday</span>' in text
    assert '<span class="button-like">Dydd Mercher</span>' in text
    # who gets it: Dee's contact hours begin at 6pm; Cai is on Telegram
    assert "Straight away</dt><dd>4 by SMS, 1 by Telegram" in text
    assert ("Waiting for their contact hours</dt><dd>1 by SMS (the first at Tuesday 24 November "
            "at 6pm)") in text
    assert "5 by SMS × 1 SMS part(s) × £0.04: at most £0.20" in text
    async with database.transaction() as s:
        assert await polls.listed(s) == []  # a look sends nothing

    sent = await client.post("/polls", data={**POLL, "csrf": csrf(look.text),
                                              "group": str(place.riverside.id)},
                             follow_redirects=True)
    assert "The poll is on its way to everyone in the group." in sent.text
    assert "0 of 6 people have answered" in sent.text
    async with database.transaction() as s:
        [poll] = await polls.listed(s)
        assert poll.question == {"en": "Which day suits you?", "cy": "Pa ddiwrnod sy'n gyfleus i chi?"}
        assert poll.options[1]["label"] == {"en": "Wednesday", "cy": "Dydd Mercher"}
        [made] = await audit.recent(s, kinds=("poll_created",), since=NOW - timedelta(days=1))
        assert made.actor == f"participant:{place.sam.id}"


async def test_a_problem_keeps_what_was_written_and_sends_nothing(
    client: httpx.AsyncClient, database: Database, place: Place
) -> None:
    await sign_in(client, database, SAM)
    page = await client.get("/polls")
    uneven = await client.post("/polls", data={**POLL, "options_cy": "Dydd Mawrth",
                                                "csrf": csrf(page.text), "group": str(place.riverside.id)})
    assert uneven.status_code == 400
    assert "in the same order as in English" in uneven.text and "Nothing has been sent." in uneven.text
    assert "Pa ddiwrnod sy&#39;n gyfleus i chi?" in uneven.text  # kept in the form
    soon = await client.post("/polls", data={**POLL, "closes": "today 11:02am", "csrf": csrf(page.text),
                                              "group": str(place.riverside.id)})
    assert soon.status_code == 400 and "at least 5 minutes from now" in soon.text
    past = await client.post("/polls", data={**POLL, "send_at": "2026-11-01 9am", "csrf": csrf(page.text),
                                              "group": str(place.riverside.id)})
    assert past.status_code == 400 and "already passed" in past.text
    same = await client.post("/polls/preview", data={**POLL, "options_en": "Tea\ntea",
                                                      "options_cy": "", "csrf": csrf(page.text),
                                                      "group": str(place.riverside.id)})
    assert same.status_code == 400 and "two options are the same" in same.text  # seen before sending
    nonsense = await client.post("/polls/preview", data={**POLL, "closes": "whenever",
                                                          "csrf": csrf(page.text),
                                                          "group": str(place.riverside.id)})
    assert nonsense.status_code == 400 and "Which day suits you?" in nonsense.text
    async with database.transaction() as s:
        assert await polls.listed(s) == []


async def test_a_poll_sent_for_later_waits_and_a_message_goes_in_each_language(
    client: httpx.AsyncClient, database: Database, place: Place, scheduler: Scheduler, clock: Clock
) -> None:
    await member(database, place.riverside, "+447700900002", name="Bryn", language="cy")
    await sign_in(client, database, SAM)
    page = await client.get("/polls")
    await client.post("/polls", data={**POLL, "send_at": "2026-11-25 9am", "csrf": csrf(page.text),
                                      "group": str(place.riverside.id)})
    await scheduler.tick()
    assert not [m for m in await outbox(database, ANN) if "Which day" in (m.body or "")]
    async with database.transaction() as s:
        [poll] = await polls.listed(s)
        planned = await jobs.about(s, f"poll:{poll.id}")
        assert {j.due_at for j in planned} == {NOW.replace(day=25, hour=9)}  # 9am in London is 9am UTC

    message = {"kind": "broadcast", "text_en": "The café is closed on Friday.",
               "text_cy": "Mae'r caffi ar gau ddydd Gwener.", "csrf": csrf(page.text),
               "group": str(place.riverside.id)}
    look = await client.post("/polls/preview", data=message)
    assert "The café is closed on Friday." in look.text and "GSM-7" in look.text
    done = await client.post("/polls", data=message, follow_redirects=True)
    assert "The message is on its way" in done.text
    await scheduler.tick()
    assert await deliver(database, ANN, clock.now) == ["The café is closed on Friday."]
    assert await deliver(database, "+447700900002", clock.now) == ["Mae'r caffi ar gau ddydd Gwener."]


async def test_answers_by_every_channel_are_counted_and_the_poll_is_closed_from_the_desk(
    client: httpx.AsyncClient, database: Database, place: Place, scheduler: Scheduler,
    conversations: Conversations, clock: Clock,
) -> None:
    cai = await member(database, place.riverside, "901", name="Cai", channel="telegram")
    await sign_in(client, database, SAM)
    page = await client.get("/polls")
    await client.post("/polls", data={**POLL, "csrf": csrf(page.text), "group": str(place.riverside.id)})
    await scheduler.tick()
    await deliver(database, ANN, clock.now)
    await conversations.receive("sms", ANN, "2")  # Ann texts back
    await conversations.receive("telegram", cai.address, "1")  # Cai taps a button
    async with database.transaction() as s:
        [poll] = await polls.listed(s)
        lee = await participants.get(s, place.lee.id)
        assert lee is not None
        await polls.vote(s, poll, lee.id, [2], channel="whatsapp", at=NOW)
    results = await client.get(f"/polls/{poll.id}/results")
    assert results.status_code == 200 and "<html" not in results.text  # only the part that changes
    assert "3 of 4 people have answered" in results.text
    row = results.text.split('<th scope="row">Wednesday</th>')[1].split("</tr>")[0]
    assert "2 (67%)" in row and [c.split("<")[0] for c in row.split("<td>")[2:]] == ["1", "1", "0", "0"]
    assert 'hx-trigger="every 2s"' in results.text
    waiting = results.text.split("Not answered yet")[1]
    assert "Sam" in waiting and "Hal" not in waiting and "Ann" not in waiting

    unsure = await client.post(f"/polls/{poll.id}/close", data={"csrf": csrf(page.text)})
    assert unsure.status_code == 400 and "tick the box" in unsure.text
    closed = await client.post(f"/polls/{poll.id}/close", data={"csrf": csrf(page.text), "confirm": "yes"},
                               follow_redirects=True)
    assert "The poll is closed. The results have been sent." in closed.text
    assert 'hx-trigger' not in closed.text  # a closed poll no longer updates
    async with database.transaction() as s:
        assert (await polls.get(s, poll.id)).status == "closed"  # type: ignore[union-attr]
        [event] = await audit.recent(s, kinds=("poll_closed",), since=NOW - timedelta(days=1))
        assert event.actor == f"participant:{place.sam.id} (desk)"
        results_sent = [m for m in await messages.about_topic(s, f"poll:{poll.id}:results")]
        assert results_sent


async def test_another_groups_coordinator_cannot_see_or_close_the_poll(
    client: httpx.AsyncClient, database: Database, place: Place
) -> None:
    page = await sign_in(client, database, SAM)
    await client.post("/polls", data={**POLL, "csrf": csrf(page), "group": str(place.riverside.id)})
    client.cookies.clear()
    page = await sign_in(client, database, HAL)
    listed = await client.get("/polls")
    assert "Which day suits you?" not in listed.text
    for path in ("/polls/1", "/polls/1/results"):
        refused = await client.get(path)
        assert refused.status_code == 403 and "a group you do not look after" in refused.text
    close = await client.post("/polls/1/close", data={"csrf": csrf(listed.text), "confirm": "yes"})
    assert close.status_code == 403
    other = await client.post("/polls", data={**POLL, "csrf": csrf(listed.text),
                                               "group": str(place.riverside.id)})
    assert other.status_code == 403
    async with database.transaction() as s:
        assert (await polls.get(s, 1)).status == "open"  # type: ignore[union-attr]
