"""What every page of the desk shares: who is looking, in which language, and rendering.

``Desk`` holds the service's parts (database, conversation host, configuration,
keys); ``viewer`` reads the signed session cookie into the person signed in and
what they may see; ``render`` fills a template; ``form`` reads a posted form and
refuses it, with a clear page, when its CSRF token is missing or wrong.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import HTMLResponse

from bot.core.config import Config
from bot.features import roles
from bot.host.conversations import Conversations
from bot.web.access import BROWSER_COOKIE, SESSION_COOKIE, Keys, Limiter
from bot.web.words import LANGUAGES, word
from storage import groups, participants
from storage.db import Database, Tx
from storage.models import Group, Participant

HERE = Path(__file__).parent
LANGUAGE_COOKIE = "copro_desk_language"


class Refused(Exception):
    """A request the desk turns down; the page says why (a key of ``words.WORDS``)."""

    def __init__(self, why: str, status: int = 403) -> None:
        super().__init__(why)
        self.why = why
        self.status = status


class SignInNeeded(Exception):
    """No session, or one that ran out: the sign-in page, saying which."""

    def __init__(self, expired: bool) -> None:
        super().__init__("sign in")
        self.expired = expired


@dataclass
class Viewer:
    """The person signed in, and what they may see."""

    person: Participant
    nonce: str
    coordinates: list[Group] = field(default_factory=list)  # every group, for an admin
    leads: list[int] = field(default_factory=list)  # groups they are a safeguarding lead of

    @property
    def staff(self) -> bool:
        return bool(self.person.admin or self.coordinates or self.leads)

    @property
    def coordinator(self) -> bool:
        """May look after people and try flows: an admin, or a coordinator of some group."""
        return bool(self.person.admin or self.coordinates)

    @property
    def group_ids(self) -> list[int]:
        return [g.id for g in self.coordinates]

    def may_coordinate(self, group_id: int | None) -> bool:
        return bool(self.person.admin) or group_id in self.group_ids

    @property
    def actor(self) -> str:
        """Who did it, for the audit log: this person, from the desk."""
        return f"participant:{self.person.id} (desk)"

    def may_see_alerts_of(self, group_id: int | None) -> bool:
        return bool(self.person.admin) or group_id in self.group_ids or group_id in self.leads


class Desk:
    def __init__(
        self, db: Database, conversations: Conversations, config: Config, keys: Keys,
        clock: Callable[[], datetime], channels: Sequence[str] = (),
    ) -> None:
        self.db = db
        self.channels = list(channels)
        self.conversations = conversations
        self.config = config
        self.keys = keys
        self.clock = clock
        self.sign_ins = Limiter(times=5, seconds=600)  # tries of a code, per browser and person
        self.code_requests = Limiter(times=10, seconds=600)  # codes asked for, per browser
        self.templates = Environment(
            loader=FileSystemLoader(HERE / "templates"), autoescape=select_autoescape(),
            trim_blocks=True, lstrip_blocks=True,
        )

    @property
    def secure(self) -> bool:
        return self.config.desk.public_url.startswith("https://")

    def language(self, request: Request, viewer: Viewer | None = None) -> str:
        chosen = request.cookies.get(LANGUAGE_COOKIE)
        if chosen in LANGUAGES:
            return chosen
        return viewer.person.language if viewer is not None else self.config.language

    async def viewer(self, request: Request) -> Viewer:
        """The person signed in; ``SignInNeeded`` if nobody is (or their sign-in ran out)."""
        cookie = request.cookies.get(SESSION_COOKIE)
        session = self.keys.open(cookie, now=self.clock()) if cookie else None
        if session is None:
            raise SignInNeeded(expired=bool(cookie))
        async with self.db.transaction() as s:
            person = await participants.get(s, session.participant_id)
            if person is None or person.status != "active":
                raise SignInNeeded(expired=True)
            return await self.viewer_of(s, person, session.nonce)

    async def viewer_of(self, s: Tx, person: Participant, nonce: str) -> Viewer:
        held = await groups.roles_of(s, person.id)
        return Viewer(person=person, nonce=nonce,
                      coordinates=await roles.coordinated_groups(s, person),
                      leads=[g for g, role in held if role == "safeguarding"])

    async def coordinator(self, request: Request) -> Viewer:
        """The person signed in, who must coordinate some group (or be an admin)."""
        viewer = await self.viewer(request)
        if not viewer.coordinator:
            raise Refused("not_yours")
        return viewer

    def nonce(self, request: Request, viewer: Viewer | None) -> str:
        return viewer.nonce if viewer is not None else request.cookies.get(BROWSER_COOKIE, "")

    async def form(self, request: Request, viewer: Viewer | None = None) -> FormData:
        """The posted form, once its CSRF token is checked; ``Refused`` otherwise."""
        found = await request.form()
        token = found.get("csrf")
        if not isinstance(token, str) or not self.keys.csrf_ok(self.nonce(request, viewer), token):
            raise Refused("csrf")
        return found

    def render(
        self, request: Request, template: str, viewer: Viewer | None = None, *,
        status: int = 200, nonce: str | None = None, **context: Any,
    ) -> HTMLResponse:
        lang = self.language(request, viewer)
        page = self.templates.get_template(template).render(
            t=lambda key: word(key, lang), lang=lang, languages=LANGUAGES, viewer=viewer,
            csrf=self.keys.csrf(nonce or self.nonce(request, viewer)), path=request.url.path,
            **context,
        )
        return HTMLResponse(page, status_code=status)
