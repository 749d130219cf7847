"""Check-ins on the desk: each group's weekly schedule (and changing it), how many have
answered since the last one, each person's answers over time with low ones marked, and
the results as a spreadsheet.

The same code as ``copro groups schedule`` and ``copro results export`` (the same CSV);
changing a schedule and exporting are audited with who did it from the desk.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from bot.core import csvfiles
from bot.core.config import WEEKDAYS, parse_clock
from bot.core.quiet import zone
from bot.features import checkins, reports
from bot.language import when
from bot.web.pages import Desk, Refused, Viewer
from storage import audit, groups, participants, sessions
from storage.db import Tx
from storage.models import Group

SHOWN = 8  # check-ins a person, on the page
MEASURES = tuple(reports.WELLBEING)


def routes(d: Desk) -> list[BaseRoute]:
    async def theirs(s: Tx, viewer: Viewer, group_id: int) -> Group:
        if not viewer.may_coordinate(group_id):
            raise Refused("not_yours")
        group = await groups.get_group(s, group_id)
        if group is None:
            raise Refused("not_found", 404)
        return group

    async def of_group(s: Tx, group: Group, lang: str) -> dict[str, Any]:
        schedule = checkins.schedule_of(group, d.config)
        now = d.clock()
        last, upcoming = checkins.around(schedule, now)
        members = await groups.taking_part(s, group.id)
        finished = await sessions.finished(s, flow_id=schedule.flow, participant_ids=members,
                                           since=last)
        answered = len({row.participant_id for row in finished})
        people = await participants.get_many(s, members)
        over_time = await reports.trends(s, members, flow_id=schedule.flow, last=SHOWN)
        days: dict[date, str] = {}  # a group's check-ins fall on few days: each said once

        def day(at: datetime) -> str:
            local = at.astimezone(schedule.zone).date()
            if local not in days:
                days[local] = when.day(local, lang)
            return days[local]

        trends = []
        for pid in members:
            person, points = people[pid], over_time[pid]
            trends.append({"name": person.name or f"participant {pid}", "points": [
                {"day": day(p.at),
                 "scores": [(key, p.scores[key], reports.low(key, p.scores[key])) for key in MEASURES],
                 "lonely": p.lonely} for p in points]})
        return {
            "group": group, "schedule": schedule, "day": WEEKDAYS[schedule.weekday],
            "at": schedule.at.strftime("%H:%M"),
            "last": when.spoken(last.astimezone(schedule.zone), lang),
            "next": when.spoken(upcoming.astimezone(schedule.zone), lang),
            "members": len(members), "answered": answered,
            "rate": round(100 * answered / len(members)) if members else 0,
            "trends": sorted(trends, key=lambda t: str(t["name"]).casefold()),
        }

    async def page(request: Request) -> Response:
        viewer = await d.coordinator(request)
        lang = d.language(request, viewer)
        async with d.db.transaction() as s:
            every = await groups.all_groups(s)
            mine = every if viewer.person.admin else viewer.coordinates
            shown = [await of_group(s, g, lang) for g in mine]
        return d.render(request, "checkins.html", viewer, shown=shown, weekdays=WEEKDAYS,
                        all_off=not d.config.checkins.enabled,
                        measures=MEASURES, flows=sorted(d.conversations.library.files),
                        done=request.query_params.get("done"))

    def problem(request: Request, viewer: Viewer, why: str) -> Response:
        return d.render(request, "problem.html", viewer, problem=why, back="/checkins", status=400)

    async def schedule(request: Request) -> Response:
        viewer = await d.coordinator(request)
        form = await d.form(request, viewer)
        day, at = str(form.get("day", "")).lower(), str(form.get("time", "")).strip()
        timezone, flow = str(form.get("timezone", "")).strip(), str(form.get("flow", "")).strip()
        enabled = str(form.get("enabled", "on")) == "on"
        if day not in WEEKDAYS:
            return problem(request, viewer, "choose a day of the week")
        try:
            at_time = parse_clock(at)
        except ValueError as exc:
            return problem(request, viewer, str(exc))
        try:
            ZoneInfo(timezone)
        except (ZoneInfoNotFoundError, ValueError):
            return problem(request, viewer, f"unknown timezone {timezone!r}, like Europe/London")
        if flow not in d.conversations.library:
            return problem(request, viewer, f"there is no flow {flow!r}")
        async with d.db.transaction() as s:
            group = await theirs(s, viewer, request.path_params["group"])
            was = checkins.schedule_of(group, d.config)
            now = d.clock()
            changed = await checkins.set_schedule(s, group, d.config, now=now, enabled=enabled,
                                                  weekday=WEEKDAYS.index(day), at=at_time,
                                                  timezone=timezone, flow=flow)
            await audit.record(s, kind="checkin_schedule_changed", actor=viewer.actor, details={
                "group": group.id, "from": _said(was), "to": _said(changed)}, at=now)
        return RedirectResponse("/checkins?done=schedule_saved", status_code=303)

    async def export(request: Request) -> Response:
        viewer = await d.coordinator(request)
        try:
            start = _day(request.query_params.get("from", ""), date(2000, 1, 1))
            end = _day(request.query_params.get("to", ""), date(2100, 1, 1))
        except ValueError:
            return problem(request, viewer, "write the days like 2026-11-30")
        async with d.db.transaction() as s:
            group = await theirs(s, viewer, request.path_params["group"])
            schedule = checkins.schedule_of(group, d.config)
            tz = zone(schedule.timezone)
            since = datetime.combine(start, time(0), tzinfo=tz)
            until = datetime.combine(end, time(0), tzinfo=tz) + timedelta(days=1)
            table = await reports.table(s, d.conversations.library, group=group,
                                        flow_id=schedule.flow, since=since, until=until)
            await audit.record(s, kind="results_exported", actor=viewer.actor, details={
                "group": group.id, "flow": schedule.flow, "rows": len(table.rows)}, at=d.clock())
        name = f"{schedule.flow}-{group.id}.csv"
        return Response(csvfiles.render(table.columns, table.rows), media_type="text/csv; charset=utf-8",
                        headers={"Content-Disposition": f'attachment; filename="{name}"',
                                 "Cache-Control": "private, no-store"})

    return [
        Route("/checkins", page, methods=["GET"]),
        Route("/checkins/{group:int}/schedule", schedule, methods=["POST"]),
        Route("/checkins/{group:int}/export", export, methods=["GET"]),
    ]


def _day(text: str, default: date) -> date:
    return date.fromisoformat(text.strip()) if text.strip() else default


def _said(schedule: checkins.Schedule) -> dict[str, Any]:
    return {"enabled": schedule.enabled, "day": WEEKDAYS[schedule.weekday],
            "time": schedule.at.strftime("%H:%M"), "timezone": schedule.timezone,
            "flow": schedule.flow}
