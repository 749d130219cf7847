"""Meetings on the desk: add, move and cancel; answers and access needs, listed and counted."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx

from bot.core.scheduler import Scheduler
from storage import audit, meetings
from storage.db import Database
from tests.people import Clock
from tests.web.conftest import HAL, NOW, SAM, Place, csrf, sign_in


async def test_a_meeting_is_added_and_shows_who_is_coming_and_what_they_need(
    client: httpx.AsyncClient, database: Database, place: Place
) -> None:
    await sign_in(client, database, SAM)
    page = await client.get("/meetings")
    added = await client.post("/meetings", data={
        "csrf": csrf(page.text), "group": str(place.riverside.id), "title": "Planning day",
        "at": "2026-12-08 2pm", "place": "the Library, Room 2"}, follow_redirects=True)
    assert "Meeting added." in added.text and "Planning day" in added.text
    async with database.transaction() as s:
        [meeting] = await meetings.listed(s)
        await meetings.answer(s, meeting, place.ann.id, answer="yes", access="transport",
                              access_detail="a wheelchair taxi", at=NOW)
        await meetings.answer(s, meeting, place.lee.id, answer="no", at=NOW)
    shown = await client.get("/meetings")
    assert "yes 1, maybe 0, no 1, not answered 0" in shown.text
    assert "transport: 1" in shown.text and "Ann: transport (“a wheelchair taxi”)" in shown.text


async def test_moving_and_cancelling_are_audited_and_a_past_time_is_refused(
    client: httpx.AsyncClient, database: Database, place: Place
) -> None:
    await sign_in(client, database, SAM)
    page = await client.get("/meetings")
    await client.post("/meetings", data={"csrf": csrf(page.text), "group": str(place.riverside.id),
                                         "title": "Planning day", "at": "2026-12-08 2pm"})
    past = await client.post("/meetings/1/move", data={"csrf": csrf(page.text), "at": "2026-11-01 2pm"})
    assert past.status_code == 400 and "already passed" in past.text
    moved = await client.post("/meetings/1/move", data={"csrf": csrf(page.text), "at": "2026-12-09 2pm"},
                              follow_redirects=True)
    assert "Everyone is asked again." in moved.text
    unsure = await client.post("/meetings/1/cancel", data={"csrf": csrf(page.text)})
    assert unsure.status_code == 400
    done = await client.post("/meetings/1/cancel", data={"csrf": csrf(page.text), "confirm": "yes"},
                             follow_redirects=True)
    assert "Meeting cancelled." in done.text and "No meetings are coming up." in done.text
    async with database.transaction() as s:
        events = await audit.recent(s, kinds=("meeting_added", "meeting_moved", "meeting_cancelled"),
                                    since=NOW - timedelta(days=1))
        assert {e.actor for e in events} == {f"participant:{place.sam.id} (desk)"} and len(events) == 3


async def test_another_groups_coordinator_cannot_see_or_change_the_meeting(
    client: httpx.AsyncClient, database: Database, place: Place
) -> None:
    page = await sign_in(client, database, SAM)
    await client.post("/meetings", data={"csrf": csrf(page), "group": str(place.riverside.id),
                                         "title": "Planning day", "at": "2026-12-08 2pm"})
    client.cookies.clear()
    page = await sign_in(client, database, HAL)
    listed = await client.get("/meetings")
    assert "Planning day" not in listed.text
    refused = await client.post("/meetings/1/cancel", data={"csrf": csrf(listed.text), "confirm": "yes"})
    assert refused.status_code == 403
    other = await client.post("/meetings", data={"csrf": csrf(listed.text),
                                                 "group": str(place.riverside.id),
                                                 "title": "Mine now", "at": "2026-12-08 2pm"})
    assert other.status_code == 403


async def test_each_meeting_shows_its_reminders_sent_and_due(
    client: httpx.AsyncClient, database: Database, place: Place, scheduler: Scheduler, clock: Clock
) -> None:
    await sign_in(client, database, SAM)
    page = await client.get("/meetings")
    await client.post("/meetings", data={"csrf": csrf(page.text), "group": str(place.riverside.id),
                                         "title": "Planning day", "at": "2026-12-08 2pm"})
    shown = await client.get("/meetings")
    planned = shown.text.split("Invitation and reminders")[1].split("</dd>")[0]
    assert "Invitation, Sunday 6 December at 2pm: due" in planned  # two days before
    assert "Reminder, Tuesday 8 December at 12pm: due" in planned  # two hours before
    clock.set(datetime(2026, 12, 6, 14, 0, tzinfo=UTC))
    await scheduler.tick()
    await sign_in(client, database, SAM)  # days later: a new sign-in
    page = await client.get("/meetings")
    sent = page.text.split("Invitation and reminders")[1].split("</dd>")[0]
    assert "Invitation, Sunday 6 December at 2pm: sent" in sent
    assert "Reminder, Tuesday 8 December at 12pm: due" in sent
    moved = await client.post("/meetings/1/move", data={"csrf": csrf(page.text), "at": "2026-12-09 2pm"},
                              follow_redirects=True)
    again = moved.text.split("Invitation and reminders")[1].split("</dd>")[0]
    assert "Sunday 6 December" not in again  # what was planned for the old time is not shown
    assert "Invitation, Sunday 6 December" not in again and "Wednesday 9 December at 12pm: due" in again
