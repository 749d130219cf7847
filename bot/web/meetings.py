"""Meetings on the desk: add, move and cancel them; who is coming and what they need; the
reminders sent and due.

The same ``Meetings`` code as ``copro meetings`` and /meeting: the invitation
and reminders go out on their own, a move asks everyone again, a cancel tells
them. Each is audited with who did it from the desk.
"""

from __future__ import annotations

from collections import Counter

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from bot.core.quiet import zone
from bot.features.meetings import REMINDER, MeetingError, Meetings, topic
from bot.language import when
from bot.web.pages import Desk, Refused, Viewer
from storage import groups, jobs, meetings
from storage.db import Tx
from storage.models import Meeting


def routes(d: Desk) -> list[BaseRoute]:
    planner = Meetings(d.conversations, d.config, d.clock)

    async def theirs(s: Tx, viewer: Viewer, meeting_id: int) -> Meeting:
        meeting = await meetings.get(s, meeting_id)
        if meeting is None or not viewer.may_coordinate(meeting.group_id):
            raise Refused("not_yours")
        return meeting

    def problem(request: Request, viewer: Viewer, why: str) -> Response:
        return d.render(request, "problem.html", viewer, problem=why, back="/meetings", status=400)

    async def listing(request: Request) -> Response:
        viewer = await d.coordinator(request)
        lang = d.language(request, viewer)
        shown = []
        async with d.db.transaction() as s:
            names = {g.id: g for g in await groups.all_groups(s)}
            mine = list(names.values()) if viewer.person.admin else viewer.coordinates
            for meeting in await meetings.listed(s, since=d.clock()):
                if not viewer.may_coordinate(meeting.group_id):
                    continue
                group = names.get(meeting.group_id)
                counts, needs = await planner.answers(s, meeting)
                place = zone(planner.zone_of(group))
                local = meeting.starts_at.astimezone(place)
                reminders = [{"when": when.spoken(job.due_at.astimezone(place), lang),
                              "status": job.status, "note": job.note or "",
                              "first": bool(job.payload.get("first"))}
                             for job in await jobs.about(s, topic(meeting), kinds=[REMINDER])
                             if job.payload.get("version") == meeting.version]
                shown.append({"meeting": meeting, "group": group.name if group else "",
                              "when": when.spoken(local, lang), "counts": counts, "needs": needs,
                              "reminders": reminders,
                              "by_need": sorted(Counter(need for _, need, _ in needs).items())})
        return d.render(request, "meetings.html", viewer, shown=shown, groups=mine,
                        done=request.query_params.get("done"))

    async def add(request: Request) -> Response:
        viewer = await d.coordinator(request)
        form = await d.form(request, viewer)
        title, at = str(form.get("title", "")).strip(), str(form.get("at", "")).strip()
        place = str(form.get("place", "")).strip() or None
        try:
            group_id = int(str(form.get("group", "")))
        except ValueError:
            return problem(request, viewer, "choose a group")
        if not viewer.may_coordinate(group_id):
            raise Refused("not_yours")
        try:
            async with d.db.transaction() as s:
                group = await groups.get_group(s, group_id)
                if group is None:
                    raise Refused("not_found", 404)
                starts = when.read(at, planner.zone_of(group), now=d.clock())
                await planner.add(s, group, title=title, starts_at=starts, place=place,
                                  by=viewer.actor)
        except (ValueError, MeetingError) as exc:
            return problem(request, viewer, str(exc))
        return RedirectResponse("/meetings?done=meeting_added", status_code=303)

    async def change(request: Request) -> Response:
        viewer = await d.coordinator(request)
        form = await d.form(request, viewer)
        verb = request.path_params["verb"]
        if verb not in ("move", "cancel"):
            raise Refused("not_found", 404)
        by = viewer.actor
        try:
            async with d.db.transaction() as s:
                meeting = await theirs(s, viewer, request.path_params["meeting"])
                if verb == "cancel":
                    if str(form.get("confirm", "")) != "yes":
                        return problem(request, viewer, "tick the box to be sure")
                    await planner.cancel(s, meeting, by=by)
                else:
                    group = await groups.get_group(s, meeting.group_id)
                    starts = when.read(str(form.get("at", "")), planner.zone_of(group), now=d.clock())
                    await planner.move(s, meeting, starts, by=by)
        except (ValueError, MeetingError) as exc:
            return problem(request, viewer, str(exc))
        return RedirectResponse(f"/meetings?done=meeting_{'moved' if verb == 'move' else 'cancelled'}",
                                status_code=303)

    return [
        Route("/meetings", listing, methods=["GET"]),
        Route("/meetings", add, methods=["POST"]),
        Route("/meetings/{meeting:int}/{verb:str}", change, methods=["POST"]),
    ]
