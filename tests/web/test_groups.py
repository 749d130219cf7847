"""Groups on the desk: rename one, take someone out, change a role; confirmed, audited, and only
in the groups a coordinator looks after."""

from __future__ import annotations

from datetime import timedelta

import httpx

from storage import audit, groups
from storage.db import Database
from tests.web.conftest import HAL, NOW, SAM, Place, csrf, make_admin, sign_in


async def test_a_group_is_renamed_and_a_taken_name_is_refused(
    client: httpx.AsyncClient, database: Database, place: Place
) -> None:
    await sign_in(client, database, SAM)
    page = await client.get("/people")
    renamed = await client.post(f"/groups/{place.riverside.id}/rename",
                                data={"csrf": csrf(page.text), "name": "Riverside Voices Cymru"},
                                follow_redirects=True)
    assert "The group has its new name." in renamed.text and "Riverside Voices Cymru" in renamed.text
    taken = await client.post(f"/groups/{place.riverside.id}/rename",
                              data={"csrf": csrf(page.text), "name": "hillside carers"})
    assert taken.status_code == 400 and "there is already a group called" in taken.text
    blank = await client.post(f"/groups/{place.riverside.id}/rename",
                              data={"csrf": csrf(page.text), "name": "  "})
    assert blank.status_code == 400 and "give the group a name" in blank.text
    async with database.transaction() as s:
        [event] = await audit.recent(s, kinds=("group_renamed",), since=NOW - timedelta(days=1))
        assert event.actor == f"participant:{place.sam.id} (desk)"
        assert event.details["to"] == "Riverside Voices Cymru"


async def test_a_role_is_changed_and_someone_is_taken_out_only_when_sure(
    client: httpx.AsyncClient, database: Database, place: Place
) -> None:
    await sign_in(client, database, SAM)
    page = await client.get(f"/people/{place.ann.id}")
    assert "Riverside Voices: member" in page.text
    role = await client.post(f"/people/{place.ann.id}/groups/{place.riverside.id}/role",
                             data={"csrf": csrf(page.text), "role": "safeguarding"},
                             follow_redirects=True)
    assert "Their role is changed." in role.text and "Riverside Voices: safeguarding lead" in role.text
    same = await client.post(f"/people/{place.ann.id}/groups/{place.riverside.id}/role",
                             data={"csrf": csrf(page.text), "role": "safeguarding"})
    assert same.status_code == 400 and "already safeguarding" in same.text
    odd = await client.post(f"/people/{place.ann.id}/groups/{place.riverside.id}/role",
                            data={"csrf": csrf(page.text), "role": "boss"})
    assert odd.status_code == 400 and "is not one of" in odd.text
    unsure = await client.post(f"/people/{place.ann.id}/groups/{place.riverside.id}/remove",
                               data={"csrf": csrf(page.text)})
    assert unsure.status_code == 400 and "tick the box" in unsure.text
    async with database.transaction() as s:
        assert place.ann.id in await groups.member_ids(s, place.riverside.id)
    out = await client.post(f"/people/{place.ann.id}/groups/{place.riverside.id}/remove",
                            data={"csrf": csrf(page.text), "confirm": "yes"}, follow_redirects=True)
    assert "They are out of the group." in out.text
    async with database.transaction() as s:
        assert place.ann.id not in await groups.member_ids(s, place.riverside.id)
        kinds = [e.kind for e in await audit.recent(s, kinds=("role_changed", "membership_removed"),
                                                    since=NOW - timedelta(days=1))]
        assert sorted(kinds) == ["membership_removed", "role_changed"]
    gone = await client.get(f"/people/{place.ann.id}")
    assert gone.status_code == 403  # no longer in a group Sam looks after


async def test_another_groups_coordinator_cannot_change_the_group_or_its_people(
    client: httpx.AsyncClient, database: Database, place: Place
) -> None:
    page = await sign_in(client, database, HAL)
    token = csrf(page)
    assert (await client.post(f"/groups/{place.riverside.id}/rename",
                              data={"csrf": token, "name": "Mine"})).status_code == 403
    assert (await client.post(f"/people/{place.ann.id}/groups/{place.riverside.id}/role",
                              data={"csrf": token, "role": "coordinator"})).status_code == 403
    assert (await client.post(f"/people/{place.ann.id}/groups/{place.riverside.id}/remove",
                              data={"csrf": token, "confirm": "yes"})).status_code == 403
    # Hal's own group, but Ann is not in it: still not his to change
    assert (await client.post(f"/people/{place.ann.id}/groups/{place.hillside.id}/role",
                              data={"csrf": token, "role": "member"})).status_code == 403
    forged = await client.post(f"/groups/{place.hillside.id}/rename", data={"name": "Forged"})
    assert forged.status_code == 403 and "nothing was changed" in forged.text
    async with database.transaction() as s:
        riverside = await groups.get_group(s, place.riverside.id)
        assert riverside is not None and riverside.name == "Riverside Voices"
        assert place.ann.id in await groups.member_ids(s, place.riverside.id)


async def test_an_admin_changes_any_group(
    client: httpx.AsyncClient, database: Database, place: Place
) -> None:
    await make_admin(database, HAL)
    page = await sign_in(client, database, HAL)
    done = await client.post(f"/people/{place.ann.id}/groups/{place.riverside.id}/role",
                             data={"csrf": csrf(page), "role": "coordinator"}, follow_redirects=True)
    assert "Their role is changed." in done.text
