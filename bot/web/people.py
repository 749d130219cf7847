"""Groups and people: find, add, import from a spreadsheet (seen row by row before anything is
saved), change, invite to Telegram with a QR code, and a person's data rights.

A coordinator sees and changes only the people of the groups they coordinate;
an admin, everyone. Adding, changing, inviting and importing call the same
``People`` code as ``copro participants``; export and forget the same
``rights`` code; each is audited with who did it from the desk.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any

import segno
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from bot.channels.telegram.channel import bot_username
from bot.core.phones import InvalidNumber, normalise
from bot.features import rights
from bot.features.people import People, PeopleError, Report, Row, deep_link, read_rows
from bot.web.me import download
from bot.web.pages import Desk, Refused, Viewer
from storage import audit, groups, participants
from storage.db import Tx, savepoint
from storage.models import ROLES, Participant

MAX_CSV_BYTES = 2_000_000


class _Preview(Exception):
    """Undoes a trial import: what would happen, with nothing kept."""

    def __init__(self, report: Report) -> None:
        super().__init__("preview")
        self.report = report


@dataclass(frozen=True)
class Shown:
    person: Participant
    ways: list[tuple[str, str, str]]  # (channel, address, status)
    roles: list[tuple[str, str]]  # (group name, role)


async def _within(s: Tx, viewer: Viewer) -> list[int] | None:
    if viewer.person.admin:
        return None
    ids: set[int] = set()
    for group_id in viewer.group_ids:
        ids.update(await groups.member_ids(s, group_id))
    return sorted(ids)


async def _shown(s: Tx, people: list[Participant], names: dict[int, str]) -> list[Shown]:
    return [Shown(p, [(a.channel, a.address, a.status) for a in await participants.addresses_of(s, p.id)],
                  [(names[g], role) for g, role in await groups.roles_of(s, p.id)]) for p in people]


def routes(d: Desk) -> list[BaseRoute]:
    people = People(d.config, d.clock)

    async def theirs(s: Tx, viewer: Viewer, person_id: int) -> Participant:
        within = await _within(s, viewer)
        person = await participants.get(s, person_id)
        if person is None or (within is not None and person_id not in within):
            raise Refused("not_yours")
        return person

    def vetted(viewer: Viewer, rows: list[Row]) -> tuple[list[Row], list[tuple[int, str]]]:
        """The rows the viewer may add; the others, with why not."""
        if viewer.person.admin:
            return rows, []
        mine = {g.name for g in viewer.coordinates}
        allowed = [r for r in rows if r.group in mine]
        refused = [(r.line, "you can only add people to a group you coordinate"
                    if r.group else "give a group you coordinate") for r in rows if r.group not in mine]
        return allowed, refused

    async def listing(request: Request) -> Response:
        viewer = await d.coordinator(request)
        query = request.query_params.get("q", "").strip()
        try:
            phone = normalise(query, d.config.twilio.default_region) if query else None
        except InvalidNumber:
            phone = None
        async with d.db.transaction() as s:
            within = await _within(s, viewer)
            names = {g.id: g.name for g in await groups.all_groups(s)}
            if query:
                found = await participants.search(s, words=query, phone=phone, within=within)
            else:
                ids = within if within is not None else await participants.all_ids(s)
                found = list((await participants.get_many(s, ids[:200])).values())
            counts = {g.id: len(await groups.member_ids(s, g.id)) for g in viewer.coordinates}
            shown = await _shown(s, found, names)
        return d.render(request, "people.html", viewer, query=query, shown=shown, counts=counts,
                        roles=ROLES, done=request.query_params.get("done"))

    async def add(request: Request) -> Response:
        viewer = await d.coordinator(request)
        form = await d.form(request, viewer)
        field = {k: str(form.get(k, "")).strip() for k in
                 ("name", "phone", "telegram", "language", "group", "role")}
        row = Row(name=field["name"], phone=field["phone"], telegram=field["telegram"],
                  language=field["language"], group=field["group"], role=field["role"])
        allowed, refused = vetted(viewer, [row])
        problem = refused[0][1] if refused else None
        if not row.name:
            problem = "a name is needed"
        if problem is None:
            try:
                async with d.db.transaction() as s:
                    person, _ = await people.add(s, allowed[0], by=viewer.actor)
            except PeopleError as exc:
                problem = str(exc)
        if problem is not None:
            return d.render(request, "problem.html", viewer, problem=problem, back="/people",
                            status=400)
        return RedirectResponse(f"/people/{person.id}?done=added", status_code=303)

    async def trial(viewer: Viewer, text: str, keep: bool) -> tuple[list[dict[str, Any]], Report]:
        try:
            rows = read_rows(io.StringIO(text), "the file")
        except PeopleError as exc:
            raise _Problem(str(exc)) from None
        allowed, refused = vetted(viewer, rows)
        async with d.db.transaction() as s:
            try:
                async with savepoint(s):
                    report = await people.import_rows(s, allowed, by=viewer.actor)
                    if not keep:
                        raise _Preview(report)
            except _Preview as undone:
                report = undone.report
        report.skipped.extend(refused)
        why = dict(report.skipped)
        return [{"row": r, "problem": why.get(r.line)} for r in rows], report

    async def preview(request: Request) -> Response:
        viewer = await d.coordinator(request)
        form = await d.form(request, viewer)
        upload = form.get("file")
        raw = await upload.read(MAX_CSV_BYTES + 1) if isinstance(upload, UploadFile) else b""
        try:
            if not raw or len(raw) > MAX_CSV_BYTES:
                raise _Problem("choose a CSV file (at most 2 MB)")
            try:
                text = raw.decode("utf-8-sig")
            except UnicodeDecodeError:
                raise _Problem("not a CSV file in UTF-8 (save it from your spreadsheet as "
                               "CSV UTF-8)") from None
            checked, _ = await trial(viewer, text, keep=False)
        except _Problem as exc:
            return d.render(request, "problem.html", viewer, problem=str(exc), back="/people",
                            status=400)
        return d.render(request, "import.html", viewer, checked=checked, text=text,
                        good=sum(1 for c in checked if c["problem"] is None))

    async def save(request: Request) -> Response:
        viewer = await d.coordinator(request)
        form = await d.form(request, viewer)
        try:
            checked, report = await trial(viewer, str(form.get("text", "")), keep=True)
        except _Problem as exc:
            return d.render(request, "problem.html", viewer, problem=str(exc), back="/people",
                            status=400)
        return d.render(request, "imported.html", viewer, checked=checked, report=report)

    async def person(request: Request) -> Response:
        viewer = await d.coordinator(request)
        async with d.db.transaction() as s:
            found = await theirs(s, viewer, request.path_params["person"])
            every = {g.id: g for g in await groups.all_groups(s)}
            shown = (await _shown(s, [found], {g.id: g.name for g in every.values()}))[0]
            memberships = [(every[g], role) for g, role in await groups.roles_of(s, found.id)
                           if viewer.may_coordinate(g)]
        return d.render(request, "person.html", viewer, shown=shown, memberships=memberships,
                        roles=ROLES, done=request.query_params.get("done"))

    async def change(request: Request) -> Response:
        viewer = await d.coordinator(request)
        form = await d.form(request, viewer)
        values = {k: str(form.get(k, "")).strip() for k in ("name", "phone", "telegram", "language")}
        try:
            async with d.db.transaction() as s:
                found = await theirs(s, viewer, request.path_params["person"])
                await people.change(s, found, name=values["name"] or None,
                                    phone=values["phone"] or None,
                                    telegram=values["telegram"] or None,
                                    language=values["language"] or None, by=viewer.actor)
        except PeopleError as exc:
            return d.render(request, "problem.html", viewer, problem=str(exc),
                            back=f"/people/{request.path_params['person']}", status=400)
        return RedirectResponse(f"/people/{found.id}?done=saved", status_code=303)

    async def invite(request: Request) -> Response:
        viewer = await d.coordinator(request)
        await d.form(request, viewer)
        async with d.db.transaction() as s:
            found = await theirs(s, viewer, request.path_params["person"])
            made = await people.invite(s, found, by=viewer.actor)
        link = deep_link(await bot_username(d.config), made.code)
        qr = segno.make(link, error="m").svg_inline(scale=6, title=link) if link else None
        return d.render(request, "invite.html", viewer, person=found, code=made.code, link=link, qr=qr)

    async def export(request: Request) -> Response:
        viewer = await d.coordinator(request)
        async with d.db.transaction() as s:
            found = await theirs(s, viewer, request.path_params["person"])
            kept = await rights.export(s, found, now=d.clock())
            await audit.record(s, kind="data_exported", actor=viewer.actor,
                               participant_id=found.id, details={"by": "desk"}, at=d.clock())
        return download(kept, f"copro-participant-{found.id}.json")

    async def forget(request: Request) -> Response:
        viewer = await d.coordinator(request)
        form = await d.form(request, viewer)
        if str(form.get("confirm", "")).strip().upper() != "FORGET":
            raise Refused("not_forgotten", 400)
        async with d.db.transaction() as s:
            found = await theirs(s, viewer, request.path_params["person"])
            await rights.forget(s, found, by=viewer.actor, media_dir=d.config.media_dir,
                                spool_dir=d.config.spool_dir, now=d.clock())
        return RedirectResponse("/people?done=forgotten", status_code=303)

    return [
        Route("/people", listing, methods=["GET"]),
        Route("/people", add, methods=["POST"]),
        Route("/people/import/preview", preview, methods=["POST"]),
        Route("/people/import", save, methods=["POST"]),
        Route("/people/{person:int}", person, methods=["GET"]),
        Route("/people/{person:int}", change, methods=["POST"]),
        Route("/people/{person:int}/invite", invite, methods=["POST"]),
        Route("/people/{person:int}/export", export, methods=["GET"]),
        Route("/people/{person:int}/forget", forget, methods=["POST"]),
    ]


class _Problem(Exception):
    """Something wrong with what was sent, said in plain words."""
