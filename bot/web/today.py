"""The Today page: what needs a person now, for the groups the viewer looks after.

Safeguarding alerts no one has acknowledged (who was told, how many times),
expense claims waiting (with the receipt, through an authorised route), people
who asked to talk to someone, messages that failed or are held (with the
reason in plain words, and a resend), and groups where nobody could act
(``copro doctor``). Every action calls the same feature code as the command
line and Telegram, and is audited there.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

from starlette.requests import Request
from starlette.responses import FileResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from bot.core.quiet import zone
from bot.engine.definition import text_for
from bot.features import doctor
from bot.features.alerts import Alerts
from bot.features.claims import CATEGORIES, PAYMENTS, Claims, pounds
from bot.language import when
from bot.web.pages import Desk, Refused, Viewer
from storage import alerts, audit, claims, groups, messages, participants
from storage.db import Tx
from storage.models import Message

ASKED_WITHIN = timedelta(days=7)
REASONS = [  # (what a provider's or copro's error says, what it means in plain words)
    ("opted out", "They said STOP, so copro may not text them."),
    ("21610", "They said STOP, so copro may not text them."),
    ("unsubscribed", "They said STOP, so copro may not text them."),
    ("blocked", "They have blocked the bot on Telegram."),
    ("chat not found", "Telegram does not know this chat: they may have left it."),
    ("21211", "The phone number is not a real number."),
    ("21614", "The phone number cannot get texts (it may be a landline)."),
    ("invalid", "The phone number or chat id is not right."),
    ("contact hours", "Held until their contact hours begin."),
    ("quiet", "Held until their contact hours begin."),
    ("cap", "Held: they have had many messages this hour."),
]


def plain_reason(message: Message) -> str:
    error = (message.error or "").lower()
    for found, meaning in REASONS:
        if found in error:
            return meaning
    if message.status == "held":
        return "Held back for now; it goes out on its own later."
    return f"It could not be sent ({message.error or 'no reason given'})."


async def _names(s: Tx, ids: list[int]) -> dict[int, str]:
    people = await participants.get_many(s, sorted(set(ids)))
    return {pid: (p.name or f"participant {pid}") for pid, p in people.items()}


async def _members(s: Tx, viewer: Viewer) -> list[int] | None:
    """Everyone in the viewer's groups (None: everyone, for an admin)."""
    if viewer.person.admin:
        return None
    ids: set[int] = set()
    for group_id in {*viewer.group_ids, *viewer.leads}:
        ids.update(await groups.member_ids(s, group_id))
    return sorted(ids)


async def gather(d: Desk, s: Tx, viewer: Viewer, lang: str) -> dict[str, Any]:
    local = zone(viewer.person.timezone, d.config.timezone)
    open_alerts = [a for a in await alerts.listed(s, open_only=True)
                   if viewer.may_see_alerts_of(a.group_id)]
    shown_alerts = []
    for alert in open_alerts:
        sent = await messages.about_topic(s, f"alert:{alert.id}")
        told = await _names(s, [m.participant_id for m in sent if m.participant_id])
        shown_alerts.append({"alert": alert, "told": sorted(set(told.values())),
                             "about": (await _names(s, [alert.participant_id] if alert.participant_id
                                                    else [])).get(alert.participant_id or 0,
                                                                  "a person whose details were erased"),
                             "when": when.spoken(alert.created_at.astimezone(local), lang)})
    waiting = ([] if not viewer.coordinator
               else await claims.listed(s, statuses=["submitted"],
                                       group_ids=None if viewer.person.admin else viewer.group_ids))
    claimants = await _names(s, [c.participant_id for c in waiting if c.participant_id])
    shown_claims = [{
        "claim": c, "who": claimants.get(c.participant_id or 0, "the claimant"),
        "amount": pounds(c.amount_pence, lang),
        "what": text_for(CATEGORIES.get(c.category, CATEGORIES["other"]), lang),
        "day": when.day(c.spent_on, lang) if c.spent_on else "-",
        "payment": text_for(PAYMENTS.get(c.payment, PAYMENTS["bank"]), lang),
    } for c in waiting]
    members = await _members(s, viewer)
    asked = [e for e in await audit.recent(s, kinds=("notify", "notify_unheard"),
                                           since=d.clock() - ASKED_WITHIN)
             if (e.details or {}).get("reason") == "asked-for-person"
             and (members is None or e.participant_id in members)]
    asking = await _names(s, [e.participant_id for e in asked if e.participant_id])
    troubled = await messages.troubled(s, participant_ids=members)
    to = await _names(s, [m.participant_id for m in troubled if m.participant_id])
    mine = {g.name for g in viewer.coordinates}
    gaps = [p for p in await doctor.check(s, channels=d.channels)
            if viewer.person.admin or set(p.groups) & mine]
    return {
        "alerts": shown_alerts, "claims": shown_claims,
        "asked": [{"who": asking.get(e.participant_id or 0, "someone"),
                   "when": when.spoken(e.at.astimezone(local), lang), "heard": e.kind == "notify"}
                  for e in asked],
        "troubled": [{"message": m, "to": to.get(m.participant_id or 0, "someone"),
                      "why": plain_reason(m)} for m in troubled],
        "gaps": gaps,
    }


def routes(d: Desk) -> list[BaseRoute]:
    alerting = Alerts(d.conversations, d.config, d.clock)
    deciding = Claims(d.conversations, d.config, d.clock)

    def back(done: str) -> Response:
        return RedirectResponse(f"/?done={done}", status_code=303)

    async def today(request: Request) -> Response:
        viewer = await d.viewer(request)
        if not viewer.staff:
            return RedirectResponse("/me", status_code=303)
        async with d.db.transaction() as s:
            found = await gather(d, s, viewer, d.language(request, viewer))
        return d.render(request, "today.html", viewer, done=request.query_params.get("done"),
                        **found)

    async def acknowledge(request: Request) -> Response:
        viewer = await d.viewer(request)
        form = await d.form(request, viewer)
        alert_id = request.path_params["alert"]
        note = str(form.get("note", "")).strip() or None
        async with d.db.transaction() as s:
            alert = await alerts.get(s, alert_id)
            if alert is None or not viewer.may_see_alerts_of(alert.group_id):
                raise Refused("not_yours")
            was_open = alert.acknowledged_at is None
            done = await alerting.acknowledge(s, alert_id, viewer.person, note)
            if done is None:
                raise Refused("not_yours")
        return back("acknowledged" if was_open else "already_taken")

    async def decide(request: Request) -> Response:
        viewer = await d.viewer(request)
        form = await d.form(request, viewer)
        claim_id, verb = request.path_params["claim"], request.path_params["verb"]
        if verb not in ("approve", "reject"):
            raise Refused("not_found", 404)
        reason = str(form.get("reason", "")).strip()
        if verb == "reject" and not reason:
            raise Refused("reason_needed", 400)
        async with d.db.transaction() as s:
            claim = await claims.get(s, claim_id)
            if claim is None or not viewer.may_coordinate(claim.group_id):
                raise Refused("not_yours")
            status = "approved" if verb == "approve" else "rejected"
            if await deciding.decide(s, claim_id, viewer.person, status, reason or None) is None:
                raise Refused("claim_gone", 409)
        return back("approved" if verb == "approve" else "turned_down")

    async def receipt(request: Request) -> Response:
        viewer = await d.viewer(request)
        async with d.db.transaction() as s:
            claim = await claims.get(s, request.path_params["claim"])
            if claim is None or not viewer.may_coordinate(claim.group_id) or not claim.receipt:
                raise Refused("not_yours")
        media = d.config.media_dir.resolve()
        path = Path(claim.receipt)
        target = (path if path.is_absolute() else media / path).resolve()
        if not target.is_relative_to(media) or not target.is_file():
            raise Refused("not_found", 404)
        return FileResponse(target, headers={"Cache-Control": "private, no-store"})

    async def resend(request: Request) -> Response:
        viewer = await d.viewer(request)
        await d.form(request, viewer)
        async with d.db.transaction() as s:
            message = await messages.get(s, request.path_params["message"])
            members = await _members(s, viewer)
            if (message is None or message.direction != "out" or not viewer.staff
                    or (members is not None and message.participant_id not in members)):
                raise Refused("not_yours")
            person = (await participants.get(s, message.participant_id)
                      if message.participant_id else None)
            reachable = any(a.channel == message.channel and a.address == message.address
                            and a.status == "ok"
                            for a in (await participants.addresses_of(s, person.id) if person else []))
            if person is None or person.status != "active" or not reachable:
                raise Refused("not_resent", 409)  # STOP is respected: never sent again
            if not await messages.requeue(s, message, at=d.clock()):
                raise Refused("not_resent", 409)
            await audit.record(s, kind="message_resent", actor=f"participant:{viewer.person.id}",
                               participant_id=person.id, details={"message": message.id},
                               at=d.clock())
            d.conversations.wake_after(s)
        return back("resent")

    return [
        Route("/", today, methods=["GET"]),
        Route("/alerts/{alert:int}/acknowledge", acknowledge, methods=["POST"]),
        Route("/claims/{claim:int}/{verb:str}", decide, methods=["POST"]),
        Route("/claims/{claim:int}/receipt", receipt, methods=["GET"]),
        Route("/messages/{message:int}/resend", resend, methods=["POST"]),
    ]
