"""Check-ins on the desk: the schedule (and changing it), this week's answers, each person's
answers over time with low ones marked, and the same CSV as ``copro results export``."""

from __future__ import annotations

import csv
import io
from datetime import time, timedelta

import httpx

from bot.host.conversations import Conversations
from storage import audit, groups
from storage.db import Database
from tests.people import member
from tests.web.conftest import ANN, HAL, NOW, SAM, Place, csrf, sign_in

LOW_WEEK = ("check in", "3", "8", "8", "7", "1", "skip")  # life 3 (low), anxious 7 (high), lonely often
GOOD_WEEK = ("check in", "8", "8", "8", "2", "2", "skip")  # lonely: some of the time


async def test_the_page_shows_this_weeks_answers_and_each_persons_answers_with_low_ones_marked(
    client: httpx.AsyncClient, database: Database, place: Place, conversations: Conversations
) -> None:
    await member(database, place.riverside, "+447700900002", name="Bryn")
    for answer in GOOD_WEEK:
        await conversations.receive("sms", ANN, answer)
    conversations.clock.advance(days=7)  # type: ignore[attr-defined]
    for answer in LOW_WEEK:
        await conversations.receive("sms", ANN, answer)
    await sign_in(client, database, SAM)
    page = await client.get("/checkins")
    assert page.status_code == 200
    text = page.text
    assert "Weekly check-ins are turned off for every group" in text  # the test configuration
    assert "1 of 2 people finished the check-in since" in text and "(50%)" in text
    ann = text.split("<h4>Ann</h4>")[1].split("<h4>")[0]
    assert ann.index("<td>8</td>") < ann.index('<strong class="low">3 (low)</strong>')  # oldest first
    assert '<strong class="low">7 (low)</strong>' in ann  # anxious 7: high anxiety
    assert '<strong class="low">often (low)</strong>' in ann
    assert 'aria-label="Life satisfaction, oldest first, for Ann: 8, 3"' in ann  # the chart says it
    bryn = text.split("<h4>Bryn</h4>")[1].split("<h4>")[0]
    assert "No check-in answers yet." in bryn
    assert "Hillside" not in text  # Sam's groups only


async def test_the_schedule_is_changed_audited_and_a_bad_time_is_refused(
    client: httpx.AsyncClient, database: Database, place: Place
) -> None:
    await sign_in(client, database, SAM)
    page = await client.get("/checkins")
    form = {"csrf": csrf(page.text), "enabled": "on", "day": "thursday", "time": "14:30",
            "timezone": "Europe/London", "flow": "weekly-checkin"}
    bad = await client.post(f"/checkins/{place.riverside.id}/schedule", data={**form, "time": "25:00"})
    assert bad.status_code == 400 and "Nothing has been saved yet." in bad.text
    zone = await client.post(f"/checkins/{place.riverside.id}/schedule", data={**form, "timezone": "Mars"})
    assert zone.status_code == 400 and "unknown timezone &#39;Mars&#39;" in zone.text
    saved = await client.post(f"/checkins/{place.riverside.id}/schedule", data=form,
                              follow_redirects=True)
    assert "The weekly check-in is changed." in saved.text
    async with database.transaction() as s:
        group = await groups.get_group(s, place.riverside.id)
        assert group is not None and group.checkin_day == 3 and group.checkin_time == time(14, 30)
        [event] = await audit.recent(s, kinds=("checkin_schedule_changed",), since=NOW - timedelta(days=1))
        assert event.actor == f"participant:{place.sam.id} (desk)"
        assert event.details["to"]["day"] == "thursday" and event.details["to"]["time"] == "14:30"


async def test_the_export_is_the_cli_csv_with_a_bom_and_no_formula(
    client: httpx.AsyncClient, database: Database, place: Place, conversations: Conversations
) -> None:
    await member(database, place.riverside, "+447700900002", name="=HYPERLINK(\"http://x\")")
    for address in (ANN, "+447700900002"):
        for answer in GOOD_WEEK:
            await conversations.receive("sms", address, answer)
    await sign_in(client, database, SAM)
    got = await client.get(f"/checkins/{place.riverside.id}/export")
    assert got.status_code == 200 and got.headers["content-type"].startswith("text/csv")
    assert "attachment" in got.headers["content-disposition"]
    assert got.content.startswith("\ufeff".encode())  # the BOM: Excel reads the file as UTF-8
    rows = list(csv.DictReader(io.StringIO(got.content.decode("utf-8-sig"))))
    assert [r["name"] for r in rows] == ["Ann", "'=HYPERLINK(\"http://x\")"]  # shown, never run
    assert rows[0]["life_satisfaction"] == "8" and rows[0]["lonely"] == "some"
    bad = await client.get(f"/checkins/{place.riverside.id}/export", params={"from": "last week"})
    assert bad.status_code == 400 and "2026-11-30" in bad.text
    async with database.transaction() as s:
        assert await audit.count(s, kinds=("results_exported",)) == 1


async def test_another_groups_coordinator_is_refused_the_check_ins(
    client: httpx.AsyncClient, database: Database, place: Place
) -> None:
    await sign_in(client, database, HAL)
    page = await client.get("/checkins")
    assert "Riverside" not in page.text and "Hillside Carers" in page.text
    export = await client.get(f"/checkins/{place.riverside.id}/export")
    assert export.status_code == 403 and "a group you do not look after" in export.text
    change = await client.post(f"/checkins/{place.riverside.id}/schedule", data={
        "csrf": csrf(page.text), "enabled": "off", "day": "monday", "time": "10:00",
        "timezone": "Europe/London", "flow": "weekly-checkin"})
    assert change.status_code == 403
    async with database.transaction() as s:
        group = await groups.get_group(s, place.riverside.id)
        assert group is not None and group.checkins_enabled
