"""Twilio's two webhooks: texts people send (``/webhooks/twilio/sms``) and delivery reports
(``/webhooks/twilio/status``).

Both check Twilio's signature (against ``twilio.public_url`` when copro is behind
a proxy). A text's sender is normalised, any photos (receipts) are fetched, and
the text is handed to the inbox before Twilio is answered with an empty TwiML
``<Response/>``; a message Twilio sends twice is handled once. (A number that
sends more than ``twilio.max_inbound_per_minute`` texts a minute looks like
another robot's auto-replies: the conversation host keeps its texts, but does not
answer them, for an hour.) A delivery report is put in copro's words and handed
to the inbox to keep; if it cannot be kept, Twilio is asked to send it again.
"""

from __future__ import annotations

import logging

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

from bot.channels.sms.media import fetch_media
from bot.channels.sms.send import OPTED_OUT
from bot.channels.sms.signature import Signature
from bot.core.config import Config
from bot.core.logs import mask
from bot.core.metrics import Metrics
from bot.core.phones import InvalidNumber, normalise
from bot.delivery.channel import AddressStatus
from bot.delivery.inbox import Inbound, Inbox
from bot.delivery.receipts import Receipt

log = logging.getLogger(__name__)

TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response/>'
MAX_SID = 64  # Twilio's MessageSids are 34 characters; a longer one is not Twilio's
STATUSES = {  # Twilio's message statuses, as copro keeps them
    "accepted": "sent", "queued": "sent", "sending": "sent", "sent": "sent",
    "delivered": "delivered", "read": "read",  # read (WhatsApp): delivered, and when
    "undelivered": "failed", "failed": "failed", "canceled": "failed",
}


class Webhooks:
    """What Twilio calls: ``inbound`` for texts, ``status`` for delivery reports."""

    def __init__(self, name: str, config: Config, inbox: Inbox, metrics: Metrics) -> None:
        self.name = name
        self.config = config
        self.twilio = config.twilio
        self.inbox = inbox
        self.metrics = metrics
        self.signature = Signature(self.twilio)

    async def inbound(self, request: Request) -> Response:
        params = await self.signature.checked(request, self.name)
        if isinstance(params, Response):
            return params
        sid = params.get("MessageSid") or params.get("SmsSid")
        sender = params.get("From")
        if not sid or not sender:
            return PlainTextResponse("MessageSid and From are required", status_code=400)
        if len(sid) > MAX_SID:
            return PlainTextResponse("MessageSid is not one Twilio gives", status_code=400)
        try:
            address = self.address(sender)
        except InvalidNumber:
            log.warning("%s: a message from a number copro cannot answer (%s) was ignored",
                        self.name, mask(sender))
            return _twiml()
        media = await fetch_media(self.twilio, self.config.media_dir / self.name, sid, params)
        self.metrics.messages_in.labels(channel=self.name).inc()
        text = await self.said(address, sid, params)
        if text is not None:
            await self.inbox.hand_in(Inbound("message", self.name, address, text,
                                             tuple(media.saved), sid, unread=media.unread))
        return _twiml()

    def address(self, sender: str) -> str:
        """The address copro keeps for Twilio's ``From``; ``InvalidNumber`` if it has none."""
        return normalise(sender, self.twilio.default_region)

    async def said(self, address: str, sid: str, params: dict[str, str]) -> str | None:
        """What the person said; None when the channel has already dealt with it."""
        return params.get("Body") or ""

    async def status(self, request: Request) -> Response:
        params = await self.signature.checked(request, self.name)
        if isinstance(params, Response):
            return params
        sid, reported = params.get("MessageSid"), (params.get("MessageStatus") or "").lower()
        status = STATUSES.get(reported)
        if not sid or status is None:
            return PlainTextResponse("MessageSid and a known MessageStatus are required",
                                     status_code=400)
        code = params.get("ErrorCode") or ""
        receipt = Receipt(
            self.name, sid, status,
            error=f"Twilio {reported}, error {code}" if status == "failed" else None,
            address_status=self.address_status(code),
            fall_back=status == "failed" and self.fall_back(code),
        )
        try:
            found = await self.inbox.receipt(receipt)
        except Exception:
            log.warning("%s: a delivery report could not be kept (is the database away?)",
                        self.name, exc_info=True)
            return PlainTextResponse("try again later", status_code=503)
        if not found:
            log.info("%s: a delivery report for a message copro does not know (%s)", self.name,
                     sid)
        elif status != "sent":
            self.metrics.messages_out.labels(channel=self.name, status=status).inc()
        return PlainTextResponse("", status_code=204)

    def address_status(self, code: str) -> AddressStatus | None:
        """What a delivery report's ``ErrorCode`` says of the address itself."""
        return "opted_out" if code == str(OPTED_OUT) else None

    def fall_back(self, code: str) -> bool:
        """Whether a message that failed with ``code`` may reach the person another way."""
        return False



def _twiml() -> Response:
    return Response(TWIML, media_type="text/xml")
