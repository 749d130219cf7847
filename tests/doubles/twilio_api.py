"""A stand-in for Twilio on loopback: its Messages API for the SDK, and phones that text copro.

The twilio SDK runs unmodified against it (``twilio.api_base_url`` points here).
It checks Basic auth as Twilio does, records every message with the time it
arrived (so tests can measure rates), answers as Twilio does (JSON, a ``SM…``
sid, ``queued``), and can be told to fail: a status and Twilio error code, or a
slow answer. It also serves media that inbound texts link to, behind Basic auth,
and signs the webhooks it sends to copro with the SDK's own ``RequestValidator``.

For WhatsApp (``whatsapp:`` addresses) it keeps WhatsApp's rules: a free-form
``Body`` more than 24 hours after the person last wrote is refused with 63016; a
template is sent by ``ContentSid`` (one it knows, filled with ``ContentVariables``;
an unknown one is refused with 63027, as a template not approved); a number not
on WhatsApp is refused with 63003. People can tap a template's quick-reply
buttons (``ButtonText``/``ButtonPayload``), and it can report a message ``read``.
Its Content API (``/v1/Content``) makes and lists quick-reply Contents: a message
naming one (``ContentSid``) goes only inside the window, as WhatsApp allows for
Content not approved, and shows its buttons. A picture (``MediaUrl``) is fetched
as WhatsApp fetches it: a plain GET, with no credentials.
Calls copro places (``calls.create``) are recorded in ``calls``; the phones that
answer them are in ``tests.doubles.twilio_voice``.
"""

from __future__ import annotations

import asyncio
import base64
import json
import re
import time
import uuid
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from twilio.request_validator import RequestValidator

from bot.language import gsm

ACCOUNT = "AC" + "1" * 32
TOKEN = "twilio-auth-token-for-tests"
WHATSAPP = "whatsapp:"
WINDOW = timedelta(hours=24)


@dataclass(frozen=True)
class Fault:
    """What the double does instead of accepting a message."""

    status: int = 500
    code: int | None = None
    message: str = "Internal Server Error"
    delay: float = 0.0  # seconds to wait first (a slow answer); with status 0, then accept


@dataclass
class Text:
    sid: str
    to: str
    sender: str
    body: str
    status_callback: str | None
    at: float
    segments: int
    content_sid: str | None = None  # a WhatsApp template, sent instead of a Body
    variables: dict[str, str] | None = None
    buttons: list[tuple[str, str]] = field(default_factory=list)  # quick replies: title, id
    # Pictures (MediaUrl), as the double fetched them: (url, HTTP status, content type, bytes).
    media: list[tuple[str, int, str, bytes]] = field(default_factory=list)


def _now() -> datetime:
    return datetime.now(UTC)


@dataclass
class PlacedCall:
    """A call copro asked Twilio to place (``calls.create``)."""

    sid: str
    to: str
    caller: str
    url: str
    status_callback: str | None
    machine_detection: str | None
    timeout: str | None


@dataclass
class TwilioDouble:
    account: str = ACCOUNT
    token: str = TOKEN
    texts: list[Text] = field(default_factory=list)
    refused: list[tuple[str, int, int | None]] = field(default_factory=list)  # to, status, code
    # Every message asked for, accepted (201) or refused: (to, status answered, when it arrived).
    answered: list[tuple[str, int, float]] = field(default_factory=list)
    faults: dict[str, deque[Fault]] = field(default_factory=dict)
    media: dict[str, tuple[bytes, str]] = field(default_factory=dict)
    redirects: dict[str, str] = field(default_factory=dict)  # media sid: where it moved to
    calls: list[PlacedCall] = field(default_factory=list)
    base_url: str = ""
    # WhatsApp: approved templates (ContentSid: their words, with {{1}}...), when each address
    # last wrote (by ``clock``), and numbers that have no WhatsApp.
    templates: dict[str, str] = field(default_factory=dict)
    wrote: dict[str, datetime] = field(default_factory=dict)
    not_on_whatsapp: set[str] = field(default_factory=set)
    clock: Callable[[], datetime] = _now
    # The Content API: what was made there (sid: the resource, as Twilio keeps it), in order.
    contents: dict[str, dict[str, Any]] = field(default_factory=dict)
    content_down: bool = False  # the Content API answers 503

    def __post_init__(self) -> None:
        prefix = f"/2010-04-01/Accounts/{self.account}"
        self.app = Starlette(routes=[
            Route(f"{prefix}/Messages.json", self._create, methods=["POST"]),
            Route(f"{prefix}/Messages/{{sid}}/Media/{{media}}", self._media, methods=["GET"]),
            Route(f"{prefix}/Calls.json", self._call, methods=["POST"]),
            Route(f"{prefix}/Recordings/{{media}}.wav", self._media, methods=["GET"]),
            Route("/v1/Content", self._content, methods=["GET", "POST"]),
        ])

    # --- what tests tell it --------------------------------------------------------------

    def fail(self, to: str, *faults: Fault) -> None:
        """The next messages to ``to`` (``*``: to anyone) get these answers, in turn."""
        self.faults.setdefault(to, deque()).extend(faults)

    def host(self, content: bytes, content_type: str = "image/jpeg") -> str:
        """Serve a photo an inbound text links to; its URL."""
        sid = f"ME{uuid.uuid4().hex}"
        self.media[sid] = (content, content_type)
        return f"{self.base_url}/2010-04-01/Accounts/{self.account}/Messages/MM1/Media/{sid}"

    def moved(self, location: str) -> str:
        """A photo's URL that answers with a redirect to ``location`` (as Twilio's go to its
        media store)."""
        sid = f"ME{uuid.uuid4().hex}"
        self.redirects[sid] = location
        return f"{self.base_url}/2010-04-01/Accounts/{self.account}/Messages/MM1/Media/{sid}"

    def recording(self, content: bytes) -> str:
        """Keep a message a caller left; its RecordingUrl (Twilio serves it with ``.wav``)."""
        sid = f"RE{uuid.uuid4().hex}"
        self.media[sid] = (content, "audio/x-wav")
        return f"{self.base_url}/2010-04-01/Accounts/{self.account}/Recordings/{sid}"

    def to(self, number: str) -> list[str]:
        return [t.body for t in self.texts if t.to == number]

    # --- the API ---------------------------------------------------------------------------

    def _authorised(self, request: Request) -> bool:
        expected = base64.b64encode(f"{self.account}:{self.token}".encode()).decode()
        return request.headers.get("Authorization") == f"Basic {expected}"

    async def _create(self, request: Request) -> Response:
        if not self._authorised(request):
            return _error(401, 20003, "Authenticate")
        form = {k: v for k, v in (await request.form()).items() if isinstance(v, str)}
        to = form.get("To", "")
        arrived = time.monotonic()
        queue = self.faults.get(to) or self.faults.get("*")
        if queue:
            fault = queue.popleft()
            if fault.delay:
                await asyncio.sleep(fault.delay)
            if fault.status:
                self.refused.append((to, fault.status, fault.code))
                self.answered.append((to, fault.status, arrived))
                return _error(fault.status, fault.code, fault.message)
        body = form.get("Body", "")
        content_sid = form.get("ContentSid")
        variables = json.loads(form.get("ContentVariables") or "{}") if content_sid else None
        if to.startswith(WHATSAPP):
            refused = self._whatsapp_refusal(to, body, content_sid)
            if refused is not None:
                self.refused.append((to, 400, refused[0]))
                self.answered.append((to, 400, arrived))
                return _error(400, *refused)
            if content_sid in self.templates:
                body = re.sub(r"\{\{(\d+)\}\}", lambda m: str((variables or {}).get(m[1], "")),
                              self.templates[content_sid])
        buttons: list[tuple[str, str]] = []
        if content_sid in self.contents:
            quick = self.contents[content_sid]["types"]["twilio/quick-reply"]
            body = quick["body"]
            buttons = [(a["title"], a["id"]) for a in quick["actions"]]
        media = [await self._fetch(link) for key, link in form.items()
                 if key == "MediaUrl"] if to.startswith(WHATSAPP) else []
        text = Text(f"SM{uuid.uuid4().hex}", to, form.get("From", ""), body,
                    form.get("StatusCallback"), time.monotonic(), gsm.segments(body),
                    content_sid, variables, buttons, media)
        self.texts.append(text)
        self.answered.append((to, 201, arrived))
        return JSONResponse(status_code=201, content={
            "sid": text.sid, "account_sid": self.account, "to": to, "from": text.sender,
            "body": body, "status": "queued", "num_segments": str(text.segments),
            "direction": "outbound-api", "api_version": "2010-04-01",
            "uri": f"/2010-04-01/Accounts/{self.account}/Messages/{text.sid}.json",
        })

    def _whatsapp_refusal(self, to: str, body: str, content_sid: str | None) -> tuple[int, str] | None:
        if to in self.not_on_whatsapp:
            return 63003, "Channel could not find To address"
        if content_sid and content_sid not in self.contents:
            if content_sid not in self.templates:
                return 63027, "Template does not exist for a language and locale"
            return None
        # Free-form words, and Content made in the Content API but not approved: window only.
        last = self.wrote.get(to)
        if last is None or self.clock() > last + WINDOW:
            return 63016, ("Failed to send freeform message because you are outside the "
                           "allowed window. If you are using WhatsApp, please use a Message "
                           "Template.")
        return None

    async def _fetch(self, link: str) -> tuple[str, int, str, bytes]:
        """Fetch a picture a message links to, as WhatsApp does: a plain GET, no credentials."""
        async with httpx.AsyncClient(timeout=10) as fetcher:
            try:
                got = await fetcher.get(link)
            except httpx.HTTPError:
                return link, 0, "", b""
        return link, got.status_code, got.headers.get("content-type", ""), got.content

    async def _content(self, request: Request) -> Response:
        """Twilio's Content API: ``POST /v1/Content`` makes one (JSON), ``GET`` lists them."""
        if not self._authorised(request):
            return _error(401, 20003, "Authenticate")
        if self.content_down:
            return _error(503, None, "Service Unavailable")
        if request.method == "GET":
            size = int(request.query_params.get("PageSize") or 50)
            page = int(request.query_params.get("Page") or 0)
            found = list(self.contents.values())
            chunk = found[page * size:(page + 1) * size]
            more = (page + 1) * size < len(found)
            following = (f"{self.base_url}/v1/Content?PageSize={size}&Page={page + 1}"
                         if more else None)
            return JSONResponse({"contents": chunk, "meta": {
                "key": "contents", "page": page, "page_size": size,
                "next_page_url": following, "url": str(request.url)}})
        if request.headers.get("content-type", "").split(";")[0] != "application/json":
            return _error(400, 20001, "The Content API takes JSON")
        try:
            made = json.loads(await request.body())
            quick = made["types"]["twilio/quick-reply"]
            actions = quick["actions"]
            assert isinstance(quick["body"], str) and 1 <= len(quick["body"]) <= 1024
            assert 1 <= len(actions) <= 10 and made.get("language")
            assert all(1 <= len(a["title"]) <= 20 and a["id"] and a.get("type") == "QUICK_REPLY"
                       for a in actions)
        except (ValueError, KeyError, TypeError, AssertionError):
            return _error(400, 20001, "Invalid content")
        sid = f"HX{uuid.uuid4().hex}"
        self.contents[sid] = {**made, "sid": sid, "account_sid": self.account,
                              "url": f"{self.base_url}/v1/Content/{sid}"}
        return JSONResponse(self.contents[sid], status_code=201)

    def whatsapp_to(self, address: str) -> list[Text]:
        """What went to a WhatsApp ``address`` (``whatsapp:+44…``)."""
        return [t for t in self.texts if t.to == address]

    async def _call(self, request: Request) -> Response:
        if not self._authorised(request):
            return _error(401, 20003, "Authenticate")
        form = {k: v for k, v in (await request.form()).items() if isinstance(v, str)}
        to = form.get("To", "")
        queue = self.faults.get(to) or self.faults.get("*")
        if queue:
            fault = queue.popleft()
            if fault.status:
                self.refused.append((to, fault.status, fault.code))
                return _error(fault.status, fault.code, fault.message)
        call = PlacedCall(f"CA{uuid.uuid4().hex}", to, form.get("From", ""), form.get("Url", ""),
                          form.get("StatusCallback"), form.get("MachineDetection"),
                          form.get("Timeout"))
        self.calls.append(call)
        return JSONResponse(status_code=201, content={
            "sid": call.sid, "account_sid": self.account, "to": to, "from": call.caller,
            "status": "queued", "direction": "outbound-api", "api_version": "2010-04-01",
            "uri": f"/2010-04-01/Accounts/{self.account}/Calls/{call.sid}.json",
        })

    async def _media(self, request: Request) -> Response:
        if not self._authorised(request):
            return _error(401, 20003, "Authenticate")
        moved = self.redirects.get(request.path_params["media"])
        if moved is not None:
            return Response(status_code=307, headers={"Location": moved})
        found = self.media.get(request.path_params["media"])
        if found is None:
            return _error(404, 20404, "The requested resource was not found")
        return Response(found[0], media_type=found[1])

    # --- phones that text copro ----------------------------------------------------------

    def sign(self, url: str, params: dict[str, str]) -> str:
        return str(RequestValidator(self.token).compute_signature(url, params))

    async def text_copro(
        self,
        client: httpx.AsyncClient,
        url: str,
        sender: str,
        body: str,
        *,
        sid: str | None = None,
        media: Sequence[str] = (),
        signed_for: str | None = None,
        signature: str | None = None,
        button: tuple[str, str] | None = None,
        replied: str | None = None,
    ) -> httpx.Response:
        """A text from ``sender`` arriving at copro's webhook ``url``, signed as Twilio signs.

        A ``whatsapp:`` sender opens their 24-hour window; ``button`` is the words and payload
        of a quick-reply button they tapped, under the message ``replied`` names.
        ``signed_for`` is the URL Twilio believes it
        called (copro's public address, when a proxy sits in between); ``signature``
        overrides the signature.
        """
        params = {"MessageSid": sid or f"SM{uuid.uuid4().hex}", "AccountSid": self.account,
                  "From": sender, "To": "+447700900000", "Body": body,
                  "NumMedia": str(len(media))}
        if sender.startswith(WHATSAPP):
            params["To"] = f"{WHATSAPP}+447700900000"
            params["ProfileName"] = "A person"
            self.wrote[sender] = self.clock()
            if button is not None:
                params["ButtonText"], params["ButtonPayload"] = button
            if replied is not None:
                params["OriginalRepliedMessageSid"] = replied
        for n, link in enumerate(media):
            params[f"MediaUrl{n}"] = link
            params[f"MediaContentType{n}"] = "image/jpeg"
        return await self.post(client, url, params, signed_for=signed_for, signature=signature)

    async def tap(
        self, client: httpx.AsyncClient, url: str, text: Text, title: str, *,
        sid: str | None = None,
    ) -> httpx.Response:
        """The person taps the quick-reply button ``title`` under ``text``, as WhatsApp sends it:
        the words as the Body and ButtonText, the button's id as the ButtonPayload (``sid``: the
        MessageSid, to send one tap twice)."""
        [payload] = [id_ for shown, id_ in text.buttons if shown == title]
        return await self.text_copro(client, url, text.to, title, sid=sid,
                                     button=(title, payload), replied=text.sid)

    async def report(
        self, client: httpx.AsyncClient, url: str, text: Text, status: str, code: int | None = None,
    ) -> httpx.Response:
        """Twilio's delivery report on ``text`` (``delivered``, ``read``, ``failed``...)."""
        params = {"MessageSid": text.sid, "MessageStatus": status, "AccountSid": self.account,
                  "To": text.to, "From": text.sender}
        if code is not None:
            params["ErrorCode"] = str(code)
        return await self.post(client, url, params)

    async def post(
        self, client: httpx.AsyncClient, url: str, params: dict[str, str], *,
        signed_for: str | None = None, signature: str | None = None,
    ) -> httpx.Response:
        headers: dict[str, Any] = {}
        if signature != "":
            headers["X-Twilio-Signature"] = signature or self.sign(signed_for or url, params)
        return await client.post(url, data=params, headers=headers)


def _error(status: int, code: int | None, message: str) -> Response:
    return JSONResponse(status_code=status, content={
        "code": code, "message": message, "status": status,
        "more_info": f"https://www.twilio.com/docs/errors/{code}" if code else None,
    })
