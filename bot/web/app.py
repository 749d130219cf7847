"""The desk's web app: its pages, its static files, and the answers to refused requests."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Sequence
from datetime import datetime

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.base import BaseHTTPMiddleware, RequestResponseEndpoint
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from bot.core.clock import utcnow
from bot.core.config import Config
from bot.host.conversations import Conversations
from bot.web import checkins, groups, me, meetings, people, polls, signin, today
from bot.web import simulator as practice
from bot.web.access import Keys, load_secret
from bot.web.pages import HERE, LANGUAGE_COOKIE, Desk, Refused, SignInNeeded
from bot.web.words import LANGUAGES
from storage.db import Database

HEADERS = {  # every page: no framing by other sites, no guessing of types, no referrer leaks
    "X-Frame-Options": "DENY", "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'",
}


def keys_for(config: Config) -> Keys:
    return Keys(load_secret(config.desk.secret.get_secret_value(), config.data_dir))


def create_desk(
    db: Database, conversations: Conversations, config: Config, *,
    channels: Sequence[str] = (), clock: Callable[[], datetime] = utcnow,
    simulator: Conversations | None = None,
) -> Starlette:
    d = Desk(db, conversations, config, keys_for(config), clock, channels)

    async def language(request: Request) -> Response:
        code = request.path_params["code"]
        back = request.query_params.get("next", "/")
        response = RedirectResponse(back if back.startswith("/") and not back.startswith("//")
                                    else "/", status_code=303)
        if code in LANGUAGES:
            response.set_cookie(LANGUAGE_COOKIE, code, max_age=365 * 86400, samesite="lax",
                                secure=d.secure)
        return response

    async def refused(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, Refused)
        viewer = None
        with contextlib.suppress(SignInNeeded):
            viewer = await d.viewer(request)
        return d.render(request, "refused.html", viewer, why=exc.why, status=exc.status)

    async def sign_in(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, SignInNeeded)
        where = "/signin?expired=1" if exc.expired else "/signin"
        if request.headers.get("HX-Request") == "true":
            # A part of a page refreshing itself (a poll's live answers): the whole page goes
            # to sign in, rather than the sign-in page appearing inside that part.
            return Response(status_code=204, headers={"HX-Redirect": where})
        return RedirectResponse(where, status_code=303)

    async def not_found(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        return await refused(request, Refused("not_found", exc.status_code))

    routes: list[BaseRoute] = [
        *signin.routes(d), *today.routes(d), *people.routes(d), *groups.routes(d), *polls.routes(d),
        *checkins.routes(d), *meetings.routes(d), *me.routes(d),
        *practice.routes(d, simulator),
        Route("/language/{code:str}", language, methods=["GET"]),
        Mount("/static", StaticFiles(directory=HERE / "static"), name="static"),
    ]
    return Starlette(routes=routes, middleware=[Middleware(Headers)], exception_handlers={
        Refused: refused, SignInNeeded: sign_in, 404: not_found, 405: not_found})


class Headers(BaseHTTPMiddleware):
    async def dispatch(self, request: Request, call_next: RequestResponseEndpoint) -> Response:
        response = await call_next(request)
        for name, value in HEADERS.items():
            response.headers.setdefault(name, value)
        return response
