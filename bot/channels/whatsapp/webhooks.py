"""Twilio's WhatsApp webhooks: messages people send (``/webhooks/twilio/whatsapp``) and delivery
reports (``/webhooks/twilio/whatsapp/status``), checked and read as SMS's are.

A WhatsApp address is ``whatsapp:`` and the number in E.164. A tap on a
quick-reply button comes as ``ButtonText`` (the words the person saw),
``ButtonPayload`` and ``OriginalRepliedMessageSid`` (the message it was under).
A payload of STOP or START always means that. Under one of copro's questions the
payload is the choice's value: while the question is live, the tap answers it
with that choice; once it has closed, the tap is kept, answers nothing, and the
person is told so. Any other tap (a template's button, a payload copro does not
know) is read as the words on the button. A delivery report that WhatsApp could
not deliver (not a WhatsApp number, outside the window, a template refused) lets
the message go by SMS instead; ``read`` keeps when it was read.
"""

from __future__ import annotations

from bot.channels.sms.webhooks import Webhooks
from bot.channels.whatsapp.send import PREFIX, failure
from bot.core.phones import InvalidNumber, normalise
from bot.delivery.channel import AddressStatus

KEYWORD_PAYLOADS = {"STOP", "START"}
MAX_PAYLOAD = 256  # Twilio's quick-reply ids are at most 200 characters


class WhatsAppWebhooks(Webhooks):
    def address(self, sender: str) -> str:
        if not sender.startswith(PREFIX):
            raise InvalidNumber(f"{sender!r} is not a WhatsApp address")
        return PREFIX + normalise(sender.removeprefix(PREFIX), self.twilio.default_region)

    async def said(self, address: str, sid: str, params: dict[str, str]) -> str | None:
        payload = (params.get("ButtonPayload") or "").strip()
        words = params.get("ButtonText") or params.get("Body") or ""
        if payload.upper() in KEYWORD_PAYLOADS:
            return payload.upper()
        if not payload or len(payload) > MAX_PAYLOAD:
            return words or payload[:MAX_PAYLOAD]
        replied = params.get("OriginalRepliedMessageSid") or None
        found = await self.inbox.quick_reply(self.name, address, replied, payload)
        if found is None:
            return words or payload
        if found.tap.live:
            return str(found.number)
        await self.inbox.tapped_closed(self.name, address, words or payload, sid)
        return None

    def address_status(self, code: str) -> AddressStatus | None:
        status, _ = failure(code)
        return status  # type: ignore[return-value]

    def fall_back(self, code: str) -> bool:
        return failure(code)[1]
