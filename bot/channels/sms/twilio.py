"""SMS through Twilio: texts out through the Messages API, texts and delivery reports in
through two webhooks.

Outbound, each outbox message is rendered for a basic phone (choices numbered,
look-alike characters made GSM-7) and created with the official twilio SDK's
async client, asking for delivery reports at ``/webhooks/twilio/status``.
Twilio's answer decides what the outbox does next: 429 and 5xx (and the
network) are tried again; 21610 (the person texted STOP to their carrier) marks
their number opted out; any other refusal fails the message with the reason.

Inbound, ``/webhooks/twilio/sms`` checks Twilio's signature (against
``twilio.public_url`` when copro is behind a proxy), normalises the sender's
number, fetches any photos (receipts) with the account's credentials, and
hands the text to the inbox before answering Twilio with an empty TwiML
``<Response/>``; a message Twilio sends twice is handled once. (A number that
sends more than ``twilio.max_inbound_per_minute`` texts a minute looks like
another robot's auto-replies: the conversation host keeps its texts, but does not
answer them, for an hour.)
"""

from __future__ import annotations

import asyncio
import logging
import mimetypes
from pathlib import Path
from typing import Any

import aiohttp
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import BaseRoute, Route
from twilio.base.exceptions import TwilioRestException
from twilio.http.async_http_client import AsyncTwilioHttpClient
from twilio.request_validator import RequestValidator, get_signature_algorithm
from twilio.rest import Client

from bot.core.clock import utcnow
from bot.core.config import Config
from bot.core.metrics import Metrics
from bot.core.phones import InvalidNumber, normalise
from bot.delivery.channel import Outgoing, Sent, TryAgain, Undeliverable
from bot.delivery.inbox import Inbound, Inbox
from bot.language import gsm
from bot.language.render import numbered
from storage import messages, participants

log = logging.getLogger(__name__)

TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response/>'
SEND_TIMEOUT = 20.0
MEDIA_TIMEOUT = 20.0
MAX_MEDIA_BYTES = 10 * 1024 * 1024
MAX_SID = 64  # Twilio's MessageSids are 34 characters; a longer one is not Twilio's
OPTED_OUT = 21610  # the person sent STOP to their carrier
AUTHENTICATION = 20003  # the account SID or auth token is wrong
NOT_A_NUMBER = (21211, 21614)  # not a valid phone number; not a mobile that takes texts
STATUSES = {  # Twilio's message statuses, as copro keeps them
    "accepted": "sent", "queued": "sent", "sending": "sent", "sent": "sent",
    "delivered": "delivered", "read": "delivered",
    "undelivered": "failed", "failed": "failed", "canceled": "failed",
}


def render(message: Outgoing) -> str:
    """The text a phone shows: the body, any choices numbered, look-alikes made GSM-7."""
    return gsm.plain(numbered(message.body, message.options))


class SmsChannel:
    name = "sms"

    def __init__(self, config: Config, inbox: Inbox, metrics: Metrics) -> None:
        self.config = config
        self.twilio = config.twilio
        self.inbox = inbox
        self.metrics = metrics
        self.validator = RequestValidator(self.twilio.auth_token.get_secret_value())
        self._http: AsyncTwilioHttpClient | None = None
        self._client: Client | None = None

    # --- lifecycle ---------------------------------------------------------------------

    async def start(self) -> None:
        self._http = AsyncTwilioHttpClient(timeout=SEND_TIMEOUT)
        self._client = Client(self.twilio.account_sid, self.twilio.auth_token.get_secret_value(),
                              http_client=self._http)
        self._client.api.base_url = self.twilio.api_base_url

    async def stop(self) -> None:
        if self._http is not None:
            await self._http.close()
            self._http = None

    def routes(self) -> list[BaseRoute]:
        return [
            Route("/webhooks/twilio/sms", self.inbound, methods=["POST"]),
            Route("/webhooks/twilio/status", self.status, methods=["POST"]),
        ]

    # --- sending -------------------------------------------------------------------------

    def cost(self, message: Outgoing) -> int:
        return max(1, gsm.segments(render(message)))

    def limits(self, message: Outgoing) -> list[tuple[str, float, float]]:
        return [(f"sms:{self.twilio.from_number}", self.twilio.segments_per_second, 1.0)]

    async def send(self, message: Outgoing) -> Sent:
        if self._client is None:
            raise TryAgain("the SMS channel has not started")
        options: dict[str, Any] = {}
        if self.twilio.public_url:
            options["status_callback"] = f"{self.twilio.public_url}/webhooks/twilio/status"
        try:
            created = await self._client.messages.create_async(
                to=message.address, from_=self.twilio.from_number, body=render(message), **options,
            )
        except TwilioRestException as exc:
            raise _problem(exc) from None
        except (aiohttp.ClientError, TimeoutError, OSError) as exc:
            raise TryAgain(f"cannot reach Twilio: {type(exc).__name__}: {exc}") from None
        return Sent(provider_id=created.sid)

    # --- webhooks --------------------------------------------------------------------------

    async def inbound(self, request: Request) -> Response:
        params = await _form(request)
        if params is None:
            return PlainTextResponse("the body is not a form", status_code=400)
        if not self._signed(request, params):
            log.warning("sms: a request to %s without a valid Twilio signature was refused",
                        request.url.path)
            return PlainTextResponse("invalid signature", status_code=403)
        params = _printable(params)
        sid = params.get("MessageSid") or params.get("SmsSid")
        sender = params.get("From")
        if not sid or not sender:
            return PlainTextResponse("MessageSid and From are required", status_code=400)
        if len(sid) > MAX_SID:
            return PlainTextResponse("MessageSid is not one Twilio gives", status_code=400)
        try:
            address = normalise(sender, self.twilio.default_region)
        except InvalidNumber as exc:
            log.warning("sms: a text from a number copro cannot answer was ignored: %s", exc)
            return _twiml()
        media = await self._fetch_media(sid, params)
        self.metrics.messages_in.labels(channel=self.name).inc()
        await self.inbox.hand_in(Inbound("message", self.name, address, params.get("Body") or "",
                                         tuple(media), sid))
        return _twiml()

    async def status(self, request: Request) -> Response:
        params = await _form(request)
        if params is None:
            return PlainTextResponse("the body is not a form", status_code=400)
        if not self._signed(request, params):
            return PlainTextResponse("invalid signature", status_code=403)
        params = _printable(params)
        sid, reported = params.get("MessageSid"), (params.get("MessageStatus") or "").lower()
        status = STATUSES.get(reported)
        if not sid or status is None:
            return PlainTextResponse("MessageSid and a known MessageStatus are required",
                                     status_code=400)
        code = params.get("ErrorCode") or ""
        error = f"Twilio {reported}, error {code}" if status == "failed" else None
        db = self.inbox.conversations.db
        try:
            async with db.transaction() as s:
                found = await messages.set_delivery(s, self.name, sid, status, error=error,
                                                    at=utcnow())
                if found is not None and code == str(OPTED_OUT):
                    await participants.set_address_status(s, self.name, found.address, "opted_out")
        except Exception:
            log.warning("sms: a delivery report could not be kept (is the database away?)",
                        exc_info=True)
            return PlainTextResponse("try again later", status_code=503)
        if found is None:
            log.info("sms: a delivery report for a message copro does not know (%s)", sid)
        elif status != "sent":
            self.metrics.messages_out.labels(channel=self.name, status=status).inc()
        return PlainTextResponse("", status_code=204)

    def _signed(self, request: Request, params: dict[str, str]) -> bool:
        signature = request.headers.get("X-Twilio-Signature")
        if not signature:
            return False
        url = str(request.url)
        if self.twilio.public_url:
            query = f"?{request.url.query}" if request.url.query else ""
            url = f"{self.twilio.public_url}{request.url.path}{query}"
        algorithm = get_signature_algorithm(request.headers.get("X-Twilio-Webhooks-Signature-Settings"))
        return bool(self.validator.validate(url, params, signature, algorithm))

    async def _fetch_media(self, sid: str, params: dict[str, str]) -> list[str]:
        """Each photo that came with a text, saved in the media directory; its path."""
        try:
            count = min(int(params.get("NumMedia") or 0), 10)
        except ValueError:
            count = 0
        if count <= 0:
            return []
        saved = []
        folder = self.config.media_dir / "sms"
        login = aiohttp.encode_basic_auth(self.twilio.account_sid,
                                          self.twilio.auth_token.get_secret_value())
        timeout = aiohttp.ClientTimeout(total=MEDIA_TIMEOUT)
        async with aiohttp.ClientSession(headers={"Authorization": login}, timeout=timeout) as session:
            for n in range(count):
                url = params.get(f"MediaUrl{n}")
                if not url:
                    continue
                kind = params.get(f"MediaContentType{n}") or ""
                extension = mimetypes.guess_extension(kind.split(";")[0].strip()) or ".bin"
                path = folder / f"{_safe(sid)}-{n}{extension}"
                try:
                    async with session.get(url) as response:
                        response.raise_for_status()
                        content = await response.content.read(MAX_MEDIA_BYTES + 1)
                    if len(content) > MAX_MEDIA_BYTES:
                        raise ValueError("larger than 10 MB")
                    await asyncio.to_thread(_write, path, content)
                except (aiohttp.ClientError, TimeoutError, OSError, ValueError) as exc:
                    log.warning("sms: a photo with text %s could not be fetched (%s); the text "
                                "is kept without it", sid, exc)
                    continue
                saved.append(str(path))
        return saved


def _problem(exc: TwilioRestException) -> TryAgain | Undeliverable:
    what = f"Twilio {exc.status}" + (f" error {exc.code}" if exc.code else "") + f": {exc.msg}"
    if exc.status == 429 or exc.code == 20429 or exc.status >= 500:
        return TryAgain(what)
    if exc.code == OPTED_OUT:
        return Undeliverable(f"the person texted STOP to their carrier ({what})", "opted_out")
    if exc.status == 401 or exc.code == AUTHENTICATION:
        # The service's own credentials, not the person: tried again once they are put right.
        log.error("sms: Twilio refused copro's credentials; check COPRO_TWILIO_ACCOUNT_SID and "
                  "COPRO_TWILIO_AUTH_TOKEN (texts wait and are tried again)")
        return TryAgain(what)
    if exc.code in NOT_A_NUMBER:
        return Undeliverable(f"the number cannot take texts ({what})", "unreachable")
    return Undeliverable(what)


async def _form(request: Request) -> dict[str, str] | None:
    try:
        form = await request.form()
    except Exception:
        return None
    return {key: value for key, value in form.items() if isinstance(value, str)}


def _printable(params: dict[str, str]) -> dict[str, str]:
    """``params`` without NUL characters, once the signature is checked: no one types them, and
    PostgreSQL cannot keep them in text."""
    return {key: value.replace("\x00", "") for key, value in params.items()}


def _twiml() -> Response:
    return Response(TWIML, media_type="text/xml")


def _safe(name: str) -> str:
    return "".join(ch for ch in name if ch.isalnum())[:64] or "media"


def _write(path: Path, content: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
