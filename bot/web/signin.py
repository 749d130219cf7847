"""Signing in without a password: a one-time code sent to the person's own phone or Telegram,
or a one-time link printed by ``copro desk login WHO``.

A code is six digits, works once, for ten minutes, and only for the person it
was sent to; a link is a long random token with the same rules. Only keyed
hashes of either are kept. Tries are limited per browser and per person, and
every sign-in, code sent and sign-out is in the audit log.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from bot.core.config import Config
from bot.core.phones import InvalidNumber, normalise
from bot.language import texts
from bot.web.access import BROWSER_COOKIE, SESSION_COOKIE, Keys, new_code, new_link_token
from bot.web.pages import Desk, Refused
from storage import audit, desk, participants
from storage.db import Tx
from storage.messages import URGENT
from storage.models import Participant

LASTS = timedelta(minutes=10)
CODES_PER_PERSON = 3  # in LASTS: no one's phone is flooded by someone asking again and again


def code_digest(keys: Keys, participant_id: int, code: str) -> str:
    return keys.digest(f"{participant_id}:{code.strip().replace(' ', '')}")


def link_digest(keys: Keys, token: str) -> str:
    return keys.digest(f"link:{token}")


async def login_link(
    s: Tx, keys: Keys, config: Config, person: Participant, *, by: str, now: datetime
) -> str:
    """A one-time sign-in link for ``person`` (``copro desk login``), for ten minutes; ``by``:
    who asked for it, for the audit trail ("pat (command line)")."""
    token = new_link_token()
    await desk.make_code(s, person.id, link_digest(keys, token), expires_at=now + LASTS, at=now)
    await audit.record(s, kind="desk_link_made", actor=by, participant_id=person.id,
                       at=now)
    return f"{config.desk.address}/signin/link/{token}"


def routes(d: Desk) -> list[BaseRoute]:
    def browser_nonce(request: Request) -> str:
        return request.cookies.get(BROWSER_COOKIE) or secrets.token_urlsafe(16)

    def with_browser(response: Response, nonce: str) -> Response:
        response.set_cookie(BROWSER_COOKIE, nonce, httponly=True, samesite="lax", secure=d.secure)
        return response

    def signed_in(person: Participant) -> Response:
        response = RedirectResponse("/", status_code=303)
        lifetime = d.config.desk.session_lifetime
        response.set_cookie(
            SESSION_COOKIE, d.keys.seal(person.id, d.clock() + lifetime),
            max_age=int(lifetime.total_seconds()), httponly=True, samesite="lax", secure=d.secure,
        )
        return response

    def client(request: Request) -> str:
        return f"ip:{request.client.host if request.client else '-'}"

    async def start(request: Request) -> Response:
        nonce = browser_nonce(request)
        expired = request.query_params.get("expired") == "1"
        page = d.render(request, "signin.html", nonce=nonce,
                        notice="session_over" if expired else None)
        return with_browser(page, nonce)

    async def send(request: Request) -> Response:
        form = await d.form(request)
        raw = str(form.get("phone", ""))
        try:
            phone = normalise(raw, d.config.twilio.default_region)
        except InvalidNumber:
            return d.render(request, "signin.html", problem="number_wrong", phone=raw, status=400)
        if not d.code_requests.allow(client(request)):
            return d.render(request, "signin.html", problem="too_many", phone=raw, status=429)
        now = d.clock()
        async with d.db.transaction() as s:
            person = await participants.find_by_address(s, "sms", phone)
            if (person is not None and person.status == "active"
                    and await desk.codes_made_since(s, person.id, since=now - LASTS) < CODES_PER_PERSON):
                code = new_code()
                row = await desk.make_code(s, person.id, code_digest(d.keys, person.id, code),
                                           expires_at=now + LASTS, at=now)
                sent = await d.conversations.say_in(
                    s, person, texts.DESK_SIGN_IN_CODE, key=f"desk-code:{row.id}",
                    scope={"code": code}, quiet=False, priority=URGENT)
                await audit.record(s, kind="desk_code_sent", actor="desk", participant_id=person.id,
                                   details={"queued": sent}, at=now)
        # The same answer whoever it is: the page never says whether a number is known.
        return d.render(request, "code.html", phone=phone)

    async def check(request: Request) -> Response:
        form = await d.form(request)
        phone, code = str(form.get("phone", "")), str(form.get("code", ""))
        if not d.sign_ins.allow(client(request), f"phone:{phone}"):
            return d.render(request, "code.html", phone=phone, problem="too_many", status=429)
        now = d.clock()
        async with d.db.transaction() as s:
            person = await participants.find_by_address(s, "sms", phone)
            whose = (await desk.use_code(s, code_digest(d.keys, person.id, code), at=now)
                     if person is not None else None)
            if person is None or whose != person.id or person.status != "active":
                return d.render(request, "code.html", phone=phone, problem="code_wrong", status=400)
            await audit.record(s, kind="desk_signed_in", actor="desk", participant_id=person.id,
                               details={"by": "code"}, at=now)
        return signed_in(person)

    async def link(request: Request) -> Response:
        """A page with one button: opening a link (a preview in a chat app) does not use it."""
        nonce = browser_nonce(request)
        page = d.render(request, "link.html", nonce=nonce, token=request.path_params["token"])
        return with_browser(page, nonce)

    async def use_link(request: Request) -> Response:
        form = await d.form(request)
        if not d.sign_ins.allow(client(request)):
            raise Refused("too_many", 429)
        now = d.clock()
        async with d.db.transaction() as s:
            whose = await desk.use_code(s, link_digest(d.keys, str(form.get("token", ""))), at=now)
            person = await participants.get(s, whose) if whose is not None else None
            if person is None or person.status != "active":
                raise Refused("link_wrong", 400)
            await audit.record(s, kind="desk_signed_in", actor="desk", participant_id=person.id,
                               details={"by": "link"}, at=now)
        return signed_in(person)

    async def sign_out(request: Request) -> Response:
        viewer = await d.viewer(request)
        await d.form(request, viewer)
        async with d.db.transaction() as s:
            await audit.record(s, kind="desk_signed_out", actor="desk",
                               participant_id=viewer.person.id, at=d.clock())
        response = d.render(request, "signin.html", notice="signed_out")
        response.delete_cookie(SESSION_COOKIE)
        return response

    return [
        Route("/signin", start, methods=["GET"]),
        Route("/signin", send, methods=["POST"]),
        Route("/signin/code", check, methods=["POST"]),
        Route("/signin/link/{token}", link, methods=["GET"]),
        Route("/signin/link", use_link, methods=["POST"]),
        Route("/signout", sign_out, methods=["POST"]),
    ]
