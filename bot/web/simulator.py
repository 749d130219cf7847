"""The simulator: talk to any flow as a participant would, in the browser.

It runs on a conversation host of its own over a scratch database (made by the
service, never the real one), as a practice person on the console channel, so
no real participant is ever written to or sent anything. Messages show as an
SMS would (numbered choices, how many texts long, the encoding) or as Telegram
would (a button for each choice).
"""

from __future__ import annotations

import secrets
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from bot.channels.console import CHANNEL
from bot.delivery.channel import Outgoing
from bot.delivery.direct import Direct
from bot.engine.definition import text_for
from bot.host.conversations import Conversations
from bot.language import gsm
from bot.language.render import numbered
from bot.web.pages import Desk, Refused, Viewer
from bot.web.words import LANGUAGES
from storage import participants, rights
from storage.db import Tx
from storage.models import Participant

MODES = ("sms", "telegram")


def bubble(direction: str, body: str, options: list[str], mode: str) -> dict[str, Any]:
    if direction == "in":
        return {"you": True, "text": body}
    if mode == "telegram":
        return {"you": False, "text": body, "buttons": [(str(n), o) for n, o in enumerate(options, 1)]}
    text = gsm.plain(numbered(body, options))
    return {"you": False, "text": text, "segments": gsm.segments(text), "encoding": gsm.encoding(text)}


class Simulator:
    def __init__(self, conversations: Conversations) -> None:
        self.conversations = conversations
        self.ready = False

    async def _ready(self) -> None:
        if not self.ready:
            await self.conversations.register_flows()
            self.ready = True

    async def _person(self, s: Tx, chat: str) -> Participant | None:
        return await participants.find_by_address(s, CHANNEL, chat)

    async def begin(self, viewer: Viewer, flow_id: str, lang: str, clock_now: Any) -> str:
        await self._ready()
        chat = f"desk-{viewer.person.id}-{secrets.token_hex(6)}"
        welcome = flow_id == self.conversations.config.flows.welcome
        if welcome:
            await self.conversations.greet(CHANNEL, chat)
            async with self.conversations.db.transaction() as s:
                person = await self._person(s, chat)
                assert person is not None
                await participants.set_fields(s, person, language=lang, at=clock_now)
            return chat
        async with self.conversations.db.transaction() as s:
            person = await participants.create(s, channel=CHANNEL, address=chat, language=lang,
                                               name="Sam (practice)")
            await participants.record_consent(s, person, clock_now)
            await self.conversations.start_in(s, person, flow_id, key=f"desk-sim:{chat}", quiet=False)
        return chat

    async def say(self, chat: str, text: str) -> None:
        await self._ready()
        await self.conversations.receive(CHANNEL, chat, text)

    async def transcript(self, chat: str, mode: str) -> list[dict[str, Any]]:
        shown: list[Outgoing] = []
        await Direct(self.conversations, CHANNEL).hand_out(chat, shown.append)
        async with self.conversations.db.transaction() as s:
            person = await self._person(s, chat)
            if person is None:
                return []
            found = await rights.gather(s, person)
        return [bubble(m.direction, m.body or "", list(m.options or ()), mode)
                for m in sorted(found.messages, key=lambda m: m.id)]


def routes(d: Desk, conversations: Conversations | None) -> list[BaseRoute]:
    simulator = Simulator(conversations) if conversations is not None else None

    def flows(lang: str) -> list[tuple[str, str]]:
        files = d.conversations.library.files
        return sorted((flow_id, text_for(file.flow.title, lang)) for flow_id, file in files.items())

    async def page(request: Request, viewer: Viewer, chat: str = "", mode: str = "sms",
                   lang: str = "en", flow: str = "") -> Response:
        if simulator is None:
            raise Refused("not_found", 404)
        shown = await simulator.transcript(chat, mode) if chat else []
        return d.render(request, "simulator.html", viewer, flows=flows(d.language(request, viewer)),
                        chat=chat, mode=mode, sim_lang=lang, flow=flow, shown=shown, modes=MODES)

    async def coordinator(request: Request) -> Viewer:
        viewer = await d.viewer(request)
        if not viewer.coordinator:
            raise Refused("not_yours")
        return viewer

    async def show(request: Request) -> Response:
        return await page(request, await coordinator(request))

    async def start(request: Request) -> Response:
        viewer = await coordinator(request)
        form = await d.form(request, viewer)
        flow, mode, lang = str(form.get("flow")), str(form.get("mode")), str(form.get("lang"))
        if (simulator is None or flow not in d.conversations.library.files or mode not in MODES
                or lang not in LANGUAGES):
            raise Refused("not_found", 400)
        chat = await simulator.begin(viewer, flow, lang, d.clock())
        return await page(request, viewer, chat, mode, lang, flow)

    async def say(request: Request) -> Response:
        viewer = await coordinator(request)
        form = await d.form(request, viewer)
        chat, mode = str(form.get("chat", "")), str(form.get("mode", "sms"))
        text = str(form.get("text", "")).strip()
        if simulator is None or not chat.startswith(f"desk-{viewer.person.id}-") or mode not in MODES:
            raise Refused("not_yours")
        if text:
            await simulator.say(chat, text)
        return await page(request, viewer, chat, mode, str(form.get("lang", "en")),
                          str(form.get("flow", "")))

    return [
        Route("/simulator", show, methods=["GET"]),
        Route("/simulator/start", start, methods=["POST"]),
        Route("/simulator/say", say, methods=["POST"]),
    ]
