"""Signing in to the desk, sessions, CSRF, and who may see what."""

from __future__ import annotations

import re

import httpx

from bot.web.access import SESSION_COOKIE
from storage import audit
from storage.db import Database
from tests.people import Clock, outbox
from tests.web.conftest import ANN, HAL, SAM, Place, csrf, sign_in


async def test_a_coordinator_signs_in_with_a_code_sent_to_their_phone(
    client: httpx.AsyncClient, database: Database, place: Place
) -> None:
    page = await sign_in(client, database, "07700 900100")  # any way of writing the number
    assert "Today" in page and "Signed in as Sam" in page
    [sent] = await outbox(database, SAM)
    assert sent.priority == "urgent" and "works once, for 10 minutes" in (sent.body or "")
    cookie = client.cookies.jar
    flags = next(c for c in cookie if c.name == SESSION_COOKIE)
    assert flags.has_nonstandard_attr("HttpOnly")
    async with database.transaction() as s:
        assert await audit.count(s, kinds=("desk_code_sent", "desk_signed_in")) == 2


async def test_a_code_works_once_and_only_for_ten_minutes(
    client: httpx.AsyncClient, database: Database, place: Place, clock: Clock
) -> None:
    start = await client.get("/signin")
    asked = await client.post("/signin", data={"phone": SAM, "csrf": csrf(start.text)})
    code = re.findall(r"\d{6}", (await outbox(database, SAM))[-1].body or "")[0]
    clock.advance(minutes=11)
    late = await client.post("/signin/code", data={"phone": SAM, "code": code, "csrf": csrf(asked.text)})
    assert late.status_code == 400 and "did not work" in late.text  # what Sam sees
    assert SESSION_COOKIE not in client.cookies

    asked = await client.post("/signin", data={"phone": SAM, "csrf": csrf(start.text)})
    code = re.findall(r"\d{6}", (await outbox(database, SAM))[-1].body or "")[0]
    first = await client.post("/signin/code", data={"phone": SAM, "code": code, "csrf": csrf(asked.text)})
    assert first.status_code == 303
    client.cookies.delete(SESSION_COOKIE)
    again = await client.post("/signin/code", data={"phone": SAM, "code": code, "csrf": csrf(asked.text)})
    assert again.status_code == 400 and "used already" in again.text


async def test_the_codes_are_kept_only_as_hashes(
    client: httpx.AsyncClient, database: Database, place: Place
) -> None:
    await sign_in(client, database, SAM)
    code = re.findall(r"\d{6}", (await outbox(database, SAM, statuses=("queued", "sent")))[-1].body or "")[0]
    async with database.transaction() as s:
        from sqlalchemy import select

        from storage.models import DeskCode
        digests = list(await s.scalars(select(DeskCode.digest)))
    assert digests and all(code not in d for d in digests)


async def test_an_unknown_number_gets_the_same_answer_and_no_text(
    client: httpx.AsyncClient, database: Database, place: Place
) -> None:
    start = await client.get("/signin")
    known = await client.post("/signin", data={"phone": SAM, "csrf": csrf(start.text)})
    unknown = await client.post("/signin", data={"phone": "07700 900999", "csrf": csrf(start.text)})
    assert "If copro knows this number" in unknown.text
    assert known.text.replace(SAM, "") == unknown.text.replace("+447700900999", "")
    assert await outbox(database, "+447700900999") == []
    bad = await client.post("/signin", data={"phone": "not a number", "csrf": csrf(start.text)})
    assert bad.status_code == 400 and "does not look like a phone number" in bad.text


async def test_guessing_codes_is_stopped_after_five_tries(
    client: httpx.AsyncClient, database: Database, place: Place
) -> None:
    start = await client.get("/signin")
    asked = await client.post("/signin", data={"phone": SAM, "csrf": csrf(start.text)})
    answers = [await client.post("/signin/code", data={"phone": SAM, "code": f"00000{n}",
                                                       "csrf": csrf(asked.text)}) for n in range(6)]
    assert [a.status_code for a in answers] == [400] * 5 + [429]
    assert "Too many tries" in answers[-1].text
    real = re.findall(r"\d{6}", (await outbox(database, SAM))[-1].body or "")[0]
    still = await client.post("/signin/code", data={"phone": SAM, "code": real, "csrf": csrf(asked.text)})
    assert still.status_code == 429  # even the right code waits: guessing does not pay


async def test_a_form_without_its_csrf_token_is_refused_with_a_clear_page(
    client: httpx.AsyncClient, database: Database, place: Place
) -> None:
    refused = await client.post("/signin", data={"phone": SAM})
    assert refused.status_code == 403 and "nothing was changed" in refused.text
    await sign_in(client, database, SAM)
    forged = await client.post("/signout", data={"csrf": "made-up"})
    assert forged.status_code == 403 and "came from another page" in forged.text
    assert (await client.get("/")).status_code == 200  # still signed in: nothing changed


async def test_an_expired_or_tampered_session_is_sent_to_sign_in_again(
    client: httpx.AsyncClient, database: Database, place: Place, clock: Clock
) -> None:
    await sign_in(client, database, SAM)
    cookie = client.cookies[SESSION_COOKIE]
    client.cookies.set(SESSION_COOKIE, cookie[:-2] + "00")
    tampered = await client.get("/", follow_redirects=True)
    assert "Please sign in again" in tampered.text
    client.cookies.set(SESSION_COOKIE, cookie)
    assert (await client.get("/")).status_code == 200
    clock.advance(hours=8, minutes=1)
    expired = await client.get("/")
    assert expired.status_code == 303 and expired.headers["location"] == "/signin?expired=1"
    # A poll's live answers refreshing themselves send the whole page to sign in, not the
    # sign-in page into the answers.
    part = await client.get("/polls/1/results", headers={"HX-Request": "true"})
    assert part.status_code == 204 and part.headers["HX-Redirect"] == "/signin?expired=1"
    assert part.text == ""


async def test_a_coordinator_is_refused_another_groups_people(
    client: httpx.AsyncClient, database: Database, place: Place
) -> None:
    await sign_in(client, database, HAL)
    listed = await client.get("/people")
    assert "Hal" in listed.text and "Ann" not in listed.text
    ann = await client.get(f"/people/{place.ann.id}")
    assert ann.status_code == 403 and "a group you do not look after" in ann.text
    export = await client.get(f"/people/{place.ann.id}/export")
    assert export.status_code == 403
    found = await client.get("/people", params={"q": ANN})
    assert "Ann" not in found.text


async def test_a_member_sees_only_their_own_information(
    client: httpx.AsyncClient, database: Database, place: Place
) -> None:
    page = await sign_in(client, database, ANN)
    assert "What copro keeps about you" in page and ANN in page
    assert "Sam" not in page.replace("Signed in as Sam", "")
    for path in ("/people", f"/people/{place.sam.id}", "/simulator"):
        assert (await client.get(path)).status_code == 403, path
    assert (await client.get("/", follow_redirects=False)).headers["location"] == "/me"
    mine = await client.get("/me/export")
    assert mine.json()["participant"]["id"] == place.ann.id
