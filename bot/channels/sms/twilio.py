"""SMS through Twilio: texts out through the Messages API (``bot.channels.sms.send``), texts and
delivery reports in through two webhooks (``bot.channels.sms.webhooks``).

This is the channel itself: its life (the SDK's async HTTP client, opened at start
and closed at stop), its routes, and what the outbox sender asks of it.
"""

from __future__ import annotations

from starlette.routing import BaseRoute, Route
from twilio.rest import Client

from bot.channels.sms import send as sms_send
from bot.channels.sms.client import TwilioClient
from bot.channels.sms.webhooks import Webhooks
from bot.core.config import Config
from bot.core.metrics import Metrics
from bot.delivery.channel import Outgoing, Sent, TryAgain
from bot.delivery.inbox import Inbox


class SmsChannel:
    name = "sms"

    def __init__(self, config: Config, inbox: Inbox, metrics: Metrics) -> None:
        self.config = config
        self.twilio = config.twilio
        self.inbox = inbox
        self.metrics = metrics
        self.webhooks = Webhooks(self.name, config, inbox, metrics)
        self.api = TwilioClient(self.twilio)

    @property
    def _client(self) -> Client | None:
        return self.api.client

    # --- lifecycle ---------------------------------------------------------------------

    async def start(self) -> None:
        await self.api.start()

    async def stop(self) -> None:
        await self.api.stop()

    def routes(self) -> list[BaseRoute]:
        return [
            Route("/webhooks/twilio/sms", self.webhooks.inbound, methods=["POST"]),
            Route("/webhooks/twilio/status", self.webhooks.status, methods=["POST"]),
        ]

    # --- sending -------------------------------------------------------------------------

    def cost(self, message: Outgoing) -> int:
        return sms_send.cost(message)

    def limits(self, message: Outgoing) -> list[tuple[str, float, float]]:
        return sms_send.limits(self.twilio)

    async def send(self, message: Outgoing) -> Sent:
        if self._client is None:
            raise TryAgain("the SMS channel has not started")
        return await sms_send.send(self._client, self.twilio, message)
