"""SMS through Twilio: texts out through the Messages API (``bot.channels.sms.send``), texts and
delivery reports in through two webhooks (``bot.channels.sms.webhooks``).

This is the channel itself: its life (the SDK's async HTTP client, opened at start
and closed at stop), its routes, and what the outbox sender asks of it.
"""

from __future__ import annotations

from starlette.routing import BaseRoute, Route
from twilio.http.async_http_client import AsyncTwilioHttpClient
from twilio.rest import Client

from bot.channels.sms import send as sms_send
from bot.channels.sms.webhooks import Webhooks
from bot.core.config import Config
from bot.core.metrics import Metrics
from bot.delivery.channel import Outgoing, Sent, TryAgain
from bot.delivery.inbox import Inbox

SEND_TIMEOUT = 20.0


class SmsChannel:
    name = "sms"

    def __init__(self, config: Config, inbox: Inbox, metrics: Metrics) -> None:
        self.config = config
        self.twilio = config.twilio
        self.inbox = inbox
        self.metrics = metrics
        self.webhooks = Webhooks(self.name, config, inbox, metrics)
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
