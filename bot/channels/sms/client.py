"""The twilio SDK's client on its async HTTP client, for every channel that speaks to Twilio
(texts, WhatsApp, phone calls): opened when the channel starts, closed when it stops."""

from __future__ import annotations

from twilio.http.async_http_client import AsyncTwilioHttpClient
from twilio.rest import Client

from bot.core.config import TwilioConfig

SEND_TIMEOUT = 20.0  # seconds for one call to Twilio's API


class TwilioClient:
    def __init__(self, twilio: TwilioConfig) -> None:
        self.twilio = twilio
        self._http: AsyncTwilioHttpClient | None = None
        self.client: Client | None = None  # None until started

    async def start(self) -> None:
        self._http = AsyncTwilioHttpClient(timeout=SEND_TIMEOUT)
        self.client = Client(self.twilio.account_sid, self.twilio.auth_token.get_secret_value(),
                             http_client=self._http)
        self.client.api.base_url = self.twilio.api_base_url

    async def stop(self) -> None:
        if self._http is not None:
            await self._http.close()
            self._http = None
