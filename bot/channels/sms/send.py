"""One outbox message as a text through Twilio's Messages API, and what Twilio's answer means
for the outbox.

The message is rendered for a basic phone (choices numbered, look-alike
characters made GSM-7) and created with the official twilio SDK's async client,
asking for delivery reports at ``/webhooks/twilio/status``. 429 and 5xx (and the
network) are tried again; 21610 (the person texted STOP to their carrier) marks
their number opted out; wrong credentials wait until they are put right; any
other refusal fails the message with the reason.
"""

from __future__ import annotations

import logging
from typing import Any

import aiohttp
from twilio.base.exceptions import TwilioRestException
from twilio.rest import Client

from bot.core.config import TwilioConfig
from bot.delivery.channel import Outgoing, Sent, TryAgain, Undeliverable
from bot.language import gsm
from bot.language.render import numbered

log = logging.getLogger(__name__)

OPTED_OUT = 21610  # the person sent STOP to their carrier
AUTHENTICATION = 20003  # the account SID or auth token is wrong
NOT_A_NUMBER = (21211, 21614)  # not a valid phone number; not a mobile that takes texts


def render(message: Outgoing) -> str:
    """The text a phone shows: the body, any choices numbered, look-alikes made GSM-7."""
    return gsm.plain(numbered(message.body, message.options))


def cost(message: Outgoing) -> int:
    """The segments the text takes, as Twilio counts them against its rate."""
    return max(1, gsm.segments(render(message)))


def limits(config: TwilioConfig) -> list[tuple[str, float, float]]:
    return [(f"sms:{config.from_number}", config.segments_per_second, 1.0)]


async def send(client: Client, config: TwilioConfig, message: Outgoing) -> Sent:
    """Hand ``message`` to Twilio; raise ``TryAgain`` or ``Undeliverable`` if it is refused."""
    options: dict[str, Any] = {}
    if config.public_url:
        options["status_callback"] = f"{config.public_url}/webhooks/twilio/status"
    try:
        created = await client.messages.create_async(
            to=message.address, from_=config.from_number, body=render(message), **options,
        )
    except TwilioRestException as exc:
        raise problem(exc) from None
    except (aiohttp.ClientError, TimeoutError, OSError) as exc:
        raise TryAgain(f"cannot reach Twilio: {type(exc).__name__}: {exc}") from None
    return Sent(provider_id=created.sid)


def problem(exc: TwilioRestException) -> TryAgain | Undeliverable:
    """What Twilio's refusal means for the outbox."""
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
