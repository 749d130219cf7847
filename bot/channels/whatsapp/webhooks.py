"""Twilio's WhatsApp webhooks: messages people send (``/webhooks/twilio/whatsapp``) and delivery
reports (``/webhooks/twilio/whatsapp/status``), checked and read as SMS's are.

A WhatsApp address is ``whatsapp:`` and the number in E.164. A tap on a
template's quick-reply button comes as ``ButtonText`` (the words the person saw)
and ``ButtonPayload``; the words are what the person said, unless the payload is
STOP or START, which always mean that. A delivery report that WhatsApp could not
deliver (not a WhatsApp number, outside the window, a template refused) lets the
message go by SMS instead.
"""

from __future__ import annotations

from bot.channels.sms.webhooks import Webhooks
from bot.channels.whatsapp.send import PREFIX, failure
from bot.core.phones import InvalidNumber, normalise
from bot.delivery.channel import AddressStatus

KEYWORD_PAYLOADS = {"STOP", "START"}


class WhatsAppWebhooks(Webhooks):
    def address(self, sender: str) -> str:
        if not sender.startswith(PREFIX):
            raise InvalidNumber(f"{sender!r} is not a WhatsApp address")
        return PREFIX + normalise(sender.removeprefix(PREFIX), self.twilio.default_region)

    def text(self, params: dict[str, str]) -> str:
        payload = (params.get("ButtonPayload") or "").strip()
        if payload.upper() in KEYWORD_PAYLOADS:
            return payload.upper()
        return params.get("ButtonText") or params.get("Body") or payload

    def address_status(self, code: str) -> AddressStatus | None:
        status, _ = failure(code)
        return status  # type: ignore[return-value]

    def fall_back(self, code: str) -> bool:
        return failure(code)[1]
