"""Phone calls through Twilio Voice: the channel's life, its routes, and what the outbox sender
asks of it.

``send`` gives a message to the call under way to its number, or places a call
(``calls.create``, with machine detection) that will say it once answered.
Every message said on one call carries the call's sid, so a call that is busy or
not answered puts all of them back in the queue (``bot.channels.voice.webhooks``).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime

import aiohttp
from starlette.routing import BaseRoute, Route
from twilio.base.exceptions import TwilioRestException
from twilio.rest import Client

from bot.channels.sms.client import TwilioClient
from bot.channels.sms.send import problem
from bot.channels.voice.calls import Calls
from bot.channels.voice.twiml import Speaker
from bot.channels.voice.webhooks import NAME, Webhooks
from bot.core.clock import utcnow
from bot.core.config import Config
from bot.core.logs import mask
from bot.core.metrics import Metrics
from bot.delivery.channel import Outgoing, Sent, TryAgain
from bot.delivery.inbox import Inbox

log = logging.getLogger(__name__)

CALLS_PER_SECOND = 1.0  # Twilio's default for a new account


class VoiceChannel:
    name = NAME

    def __init__(self, config: Config, inbox: Inbox, metrics: Metrics,
                 clock: Callable[[], datetime] = utcnow) -> None:
        self.config = config
        self.twilio = config.twilio
        self.voice = config.voice
        base = self.twilio.public_url
        self.hook = f"{base}/webhooks/twilio/voice"
        self.calls = Calls()
        self.webhooks = Webhooks(config, inbox, metrics, self.calls, Speaker(self.voice, self.hook),
                                 clock)
        self._placing: dict[str, asyncio.Lock] = {}
        self.api = TwilioClient(self.twilio)

    async def start(self) -> None:
        await self.api.start()

    async def stop(self) -> None:
        await self.api.stop()

    def routes(self) -> list[BaseRoute]:
        return [
            Route("/webhooks/twilio/voice", self.webhooks.call, methods=["POST"]),
            Route("/webhooks/twilio/voice/status", self.webhooks.status, methods=["POST"]),
        ]

    def cost(self, message: Outgoing) -> int:
        return 1

    def limits(self, message: Outgoing) -> list[tuple[str, float, float]]:
        if self.calls.on(message.address) is not None:
            return []  # said on the call under way
        return [(f"voice:{self.config.caller_number}", CALLS_PER_SECOND, 1.0)]

    async def send(self, message: Outgoing) -> Sent:
        client = self.api.client
        if client is None:
            raise TryAgain("the voice channel has not started")
        lock = self._placing.setdefault(message.address, asyncio.Lock())
        async with lock:  # one call to a number at a time, whatever is queued for it
            call = self.calls.on(message.address)
            if call is None:
                sid = await self._place(client, message.address)
                call = self.calls.open(sid, message.address)
            call.hear(message)
        return Sent(provider_id=call.sid)

    async def _place(self, client: Client, to: str) -> str:
        try:
            created = await client.calls.create_async(
                to=to, from_=self.config.caller_number, url=self.hook, method="POST",
                status_callback=f"{self.hook}/status", status_callback_method="POST",
                timeout=self.voice.ring_seconds, machine_detection="Enable",
            )
        except TwilioRestException as exc:
            raise problem(exc) from None
        except (aiohttp.ClientError, TimeoutError, OSError) as exc:
            raise TryAgain(f"cannot reach Twilio: {type(exc).__name__}: {exc}") from None
        log.info("voice: calling %s (%s)", mask(to), created.sid)
        return str(created.sid)
