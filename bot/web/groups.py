"""Groups on the desk: rename one, take someone out of one, change someone's role in one.

The same ``bot.features.groups`` code as ``copro groups rename`` and ``copro participants
remove-from`` and ``role``; each is audited there with who did it from the desk. A
coordinator changes only the groups they coordinate; an admin, any.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from bot.features import groups as group_work
from bot.web.pages import Desk, Refused, Viewer
from storage import groups, participants
from storage.db import Tx
from storage.models import Group, Participant


def routes(d: Desk) -> list[BaseRoute]:
    async def theirs(s: Tx, viewer: Viewer, group_id: int) -> Group:
        group = await groups.get_group(s, group_id)
        if group is None or not viewer.may_coordinate(group.id):
            raise Refused("not_yours")
        return group

    async def member(s: Tx, group: Group, person_id: int) -> Participant:
        """Someone in ``group`` (one the viewer coordinates, so theirs to change)."""
        person = await participants.get(s, person_id)
        if person is None or person_id not in await groups.member_ids(s, group.id):
            raise Refused("not_yours")
        return person

    def problem(request: Request, viewer: Viewer, why: str, back: str) -> Response:
        return d.render(request, "problem.html", viewer, problem=why, back=back, status=400)

    async def rename(request: Request) -> Response:
        viewer = await d.coordinator(request)
        form = await d.form(request, viewer)
        try:
            async with d.db.transaction() as s:
                group = await theirs(s, viewer, request.path_params["group"])
                await group_work.rename(s, group, str(form.get("name", "")).strip(),
                                        by=viewer.actor, at=d.clock())
        except group_work.GroupError as exc:
            return problem(request, viewer, str(exc), "/people")
        return RedirectResponse("/people?done=group_renamed", status_code=303)

    async def remove(request: Request) -> Response:
        viewer = await d.coordinator(request)
        form = await d.form(request, viewer)
        person_id = request.path_params["person"]
        back = f"/people/{person_id}"
        if str(form.get("confirm", "")) != "yes":
            return problem(request, viewer, "tick the box to be sure", back)
        try:
            async with d.db.transaction() as s:
                group = await theirs(s, viewer, request.path_params["group"])
                person = await member(s, group, person_id)
                await group_work.remove_from(s, person, group, by=viewer.actor, at=d.clock())
        except group_work.GroupError as exc:
            return problem(request, viewer, str(exc), back)
        # Out of the viewer's groups, the person may no longer be theirs to see.
        async with d.db.transaction() as s:
            still = bool(viewer.person.admin) or bool(
                {g for g, _ in await groups.roles_of(s, person_id)} & set(viewer.group_ids))
        return RedirectResponse(f"{back}?done=removed_from_group" if still
                                else "/people?done=removed_from_group", status_code=303)

    async def role(request: Request) -> Response:
        viewer = await d.coordinator(request)
        form = await d.form(request, viewer)
        person_id = request.path_params["person"]
        back = f"/people/{person_id}"
        try:
            async with d.db.transaction() as s:
                group = await theirs(s, viewer, request.path_params["group"])
                person = await member(s, group, person_id)
                await group_work.set_role(s, person, group, str(form.get("role", "")),
                                          by=viewer.actor, at=d.clock())
        except group_work.GroupError as exc:
            return problem(request, viewer, str(exc), back)
        return RedirectResponse(f"{back}?done=role_changed", status_code=303)

    return [
        Route("/groups/{group:int}/rename", rename, methods=["POST"]),
        Route("/people/{person:int}/groups/{group:int}/remove", remove, methods=["POST"]),
        Route("/people/{person:int}/groups/{group:int}/role", role, methods=["POST"]),
    ]
