"""WhatsApp through Twilio: the SMS channel's life and webhooks, WhatsApp's addresses, rate,
templates and errors, its quick-reply buttons, and the links it fetches pictures from."""

from __future__ import annotations

from starlette.routing import BaseRoute, Route

from bot.channels.sms.twilio import SmsChannel
from bot.channels.whatsapp import send as wa_send
from bot.channels.whatsapp.media import ROUTE, MediaLinks
from bot.channels.whatsapp.quick_replies import QuickReplies
from bot.channels.whatsapp.webhooks import WhatsAppWebhooks
from bot.core.config import Config
from bot.core.metrics import Metrics
from bot.delivery.channel import Outgoing, Sent, TryAgain
from bot.delivery.inbox import Inbox


class WhatsAppChannel(SmsChannel):
    name = "whatsapp"

    def __init__(self, config: Config, inbox: Inbox, metrics: Metrics) -> None:
        super().__init__(config, inbox, metrics)
        self.webhooks = WhatsAppWebhooks(self.name, config, inbox, metrics)
        self.quick_replies = QuickReplies(config)
        self.media = MediaLinks(config)

    def routes(self) -> list[BaseRoute]:
        return [
            Route("/webhooks/twilio/whatsapp", self.webhooks.inbound, methods=["POST"]),
            Route("/webhooks/twilio/whatsapp/status", self.webhooks.status, methods=["POST"]),
            Route(ROUTE, self.media.serve, methods=["GET"]),
        ]

    def cost(self, message: Outgoing) -> int:
        return 1

    def limits(self, message: Outgoing) -> list[tuple[str, float, float]]:
        return wa_send.limits(self.config)

    async def send(self, message: Outgoing) -> Sent:
        if self._client is None:
            raise TryAgain("the WhatsApp channel has not started")
        return await wa_send.send(self._client, self.config, message, self.quick_replies,
                                  self.media)
