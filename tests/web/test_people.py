"""Groups and people on the desk: find, add, import with a preview, change, invite, rights."""

from __future__ import annotations

from datetime import timedelta

import httpx

from storage import audit, groups, participants
from storage.db import Database
from tests.web.conftest import ANN, NOW, SAM, Place, csrf, sign_in

CSV = (
    "name,phone,telegram,language,group,role\n"
    "Bea,07700 900011,,en,Riverside Voices,member\n"
    "Cai,not a phone,,cy,Riverside Voices,member\n"
    "Dee,07700 900013,,klingon,Riverside Voices,member\n"
    "Eve,07700 900014,,en,Hillside Carers,member\n"
    "Fay,07700 900015,,cy,Riverside Voices,member\n"
)


async def test_search_finds_people_by_any_way_of_writing_a_number_or_name(
    client: httpx.AsyncClient, database: Database, place: Place
) -> None:
    await sign_in(client, database, SAM)
    for query in ("07700 900001", "+44 7700 900001", "447700900001", "ann", "ANN"):
        found = await client.get("/people", params={"q": query})
        assert f'href="/people/{place.ann.id}"' in found.text, query
    nobody = await client.get("/people", params={"q": "zed"})
    assert "Nobody matches." in nobody.text


async def test_a_csv_import_shows_every_row_and_its_problem_before_saving_anything(
    client: httpx.AsyncClient, database: Database, place: Place
) -> None:
    page = await sign_in(client, database, SAM)
    listed = await client.get("/people")
    preview = await client.post("/people/import/preview", data={"csrf": csrf(listed.text)},
                                files={"file": ("people.csv", CSV.encode(), "text/csv")})
    assert preview.status_code == 200 and "Nothing has been saved yet." in preview.text
    assert "not a phone number" in preview.text and "klingon" in preview.text
    assert "you can only add people to a group you coordinate" in preview.text  # Eve, Hillside
    assert "2 / 5" in preview.text
    async with database.transaction() as s:
        assert await participants.search(s, words="Bea", phone=None) == []  # nothing saved
    saved = await client.post("/people/import", data={"csrf": csrf(preview.text), "text": CSV})
    assert "2 people added, 3 rows left out" in saved.text
    async with database.transaction() as s:
        riverside = await groups.member_ids(s, place.riverside.id)
        hillside = await groups.member_ids(s, place.hillside.id)
        bea = await participants.search(s, words="bea", phone=None)
        assert bea and bea[0].id in riverside and len(hillside) == 1
    assert page


async def test_a_file_that_is_not_csv_is_refused_and_nothing_is_saved(
    client: httpx.AsyncClient, database: Database, place: Place
) -> None:
    await sign_in(client, database, SAM)
    listed = await client.get("/people")
    bad = await client.post("/people/import/preview", data={"csrf": csrf(listed.text)},
                            files={"file": ("people.xlsx", b"\xff\xfe\x00binary", "application/x")})
    assert bad.status_code == 400 and "CSV UTF-8" in bad.text
    headless = await client.post("/people/import/preview", data={"csrf": csrf(listed.text)},
                                 files={"file": ("p.csv", b"Bea,07700 900011\n", "text/csv")})
    assert headless.status_code == 400 and "the first line must name the columns" in headless.text


async def test_adding_and_changing_someone_is_audited_as_the_desk(
    client: httpx.AsyncClient, database: Database, place: Place
) -> None:
    await sign_in(client, database, SAM)
    listed = await client.get("/people")
    added = await client.post("/people", data={
        "csrf": csrf(listed.text), "name": "Gwen", "phone": "07700 900021", "language": "cy",
        "group": "Riverside Voices", "role": "member"}, follow_redirects=True)
    assert "Added." in added.text and "+447700900021" in added.text
    person_id = int(str(added.url).rsplit("/", 1)[1].split("?")[0])
    changed = await client.post(f"/people/{person_id}", data={
        "csrf": csrf(added.text), "name": "Gwen Jones", "phone": "", "telegram": "",
        "language": "cy"}, follow_redirects=True)
    assert "Saved." in changed.text and "Gwen Jones" in changed.text
    taken = await client.post(f"/people/{person_id}", data={
        "csrf": csrf(added.text), "name": "", "phone": ANN, "telegram": "", "language": ""})
    assert taken.status_code == 400 and f"that phone is participant {place.ann.id}" in taken.text
    async with database.transaction() as s:
        events = await audit.recent(s, kinds=("participant_added", "participant_changed"),
                                    since=NOW - timedelta(days=1))
        assert {e.actor for e in events} == {f"participant:{place.sam.id} (desk)"}
    other = await client.post("/people", data={
        "csrf": csrf(listed.text), "name": "Ivo", "phone": "07700 900022",
        "group": "Hillside Carers", "role": "member"})
    assert other.status_code == 400 and "a group you coordinate" in other.text


async def test_stop_is_shown_and_forget_needs_the_word(
    client: httpx.AsyncClient, database: Database, place: Place
) -> None:
    await sign_in(client, database, SAM)
    async with database.transaction() as s:
        ann = await participants.get(s, place.ann.id)
        assert ann is not None
        await participants.opt_out(s, ann, at=NOW)
    page = await client.get(f"/people/{place.ann.id}")
    assert "Said STOP: gets no messages" in page.text
    export = await client.get(f"/people/{place.ann.id}/export")
    assert export.json()["participant"]["name"] == "Ann"
    unsure = await client.post(f"/people/{place.ann.id}/forget", data={"csrf": csrf(page.text),
                                                                      "confirm": "yes"})
    assert unsure.status_code == 400 and "Nothing was erased" in unsure.text
    gone = await client.post(f"/people/{place.ann.id}/forget", data={"csrf": csrf(page.text),
                                                                    "confirm": "forget"},
                             follow_redirects=True)
    assert "They have been forgotten." in gone.text
    async with database.transaction() as s:
        ann = await participants.get(s, place.ann.id)
        assert ann is not None and ann.status == "erased" and ann.name is None
        assert await audit.count(s, kinds=("participant_forgotten", "data_exported")) == 2


async def test_an_invite_shows_the_code_to_send_the_bot(
    client: httpx.AsyncClient, database: Database, place: Place
) -> None:
    await sign_in(client, database, SAM)
    page = await client.get(f"/people/{place.ann.id}")
    invite = await client.post(f"/people/{place.ann.id}/invite", data={"csrf": csrf(page.text)})
    assert invite.status_code == 200 and "/start " in invite.text
