"""One outbox message to WhatsApp through Twilio's Messages API, and what Twilio's answer means.

Free-form messages go as a ``Body`` (in full Unicode: WhatsApp is not a basic
phone), a question of up to three short choices with quick-reply buttons
(``bot.channels.whatsapp.quick_replies``), any other with its choices numbered,
and a picture as a ``MediaUrl`` copro serves; a message that opens a conversation outside WhatsApp's
24-hour window goes as an approved template (``ContentSid`` and
``ContentVariables``, no ``Body``). Twilio's refusals are read as for SMS, and
WhatsApp's own: 63018 (too fast) is tried again; 63016 (outside the window),
63003 and 63024 (not a WhatsApp number) and a template that is missing, paused
or refused may reach the person by SMS instead.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import Any

import aiohttp
from twilio.base.exceptions import TwilioRestException
from twilio.rest import Client

from bot.channels.sms import send as sms_send
from bot.channels.whatsapp.media import MediaLinks
from bot.channels.whatsapp.quick_replies import QuickReplies
from bot.core.config import Config
from bot.delivery.channel import Outgoing, Sent, TryAgain, Undeliverable
from bot.engine.definition import text_for
from bot.language import texts
from bot.language.render import numbered

log = logging.getLogger(__name__)

PREFIX = "whatsapp:"
TOO_FAST = 63018  # WhatsApp's rate for the sender, or for this person, was passed
OUTSIDE_WINDOW = 63016  # free-form more than 24 hours after the person last wrote
NOT_ON_WHATSAPP = (63003, 63024)  # the number has no WhatsApp, or cannot take messages
TEMPLATE_REFUSED = (21654, 63027, 63028, 63029, 63030, 63032, 63041, 63042)
CONTENT_INVALID = (21655, 21656)  # the ContentSid (or its variables) is not one Twilio has


def render(message: Outgoing) -> str:
    """The text WhatsApp shows: the body with any choices numbered."""
    return numbered(message.body, message.options)


def limits(config: Config) -> list[tuple[str, float, float]]:
    return [(f"whatsapp:{config.whatsapp.from_number}", config.whatsapp.messages_per_second, 1.0)]


async def send(client: Client, config: Config, message: Outgoing,
               quick: QuickReplies | None = None, links: MediaLinks | None = None) -> Sent:
    """Hand ``message`` to Twilio; raise ``TryAgain`` or ``Undeliverable`` if it is refused.

    A question that ``quick`` can give buttons goes with them; if Twilio no longer has
    that Content (someone deleted it), the question goes again with its choices numbered."""
    options: dict[str, Any] = {}
    if config.twilio.public_url:
        options["status_callback"] = f"{config.twilio.public_url}/webhooks/twilio/whatsapp/status"
    note = None
    if message.kind == "photo" and message.media and not message.media_url:
        link = links.url(message.media[0]) if links is not None else None
        if link is not None:
            message = replace(message, media_url=link)
        else:
            note = picture_not_sent(config, message.media[0])
            message = replace(message, body=f"{message.body}\n\n"
                              f"{text_for(texts.PICTURE_NOT_SENT, message.language)}".strip())
    buttons = None if message.content_sid or quick is None else await quick.content_sid(message)
    if message.content_sid:
        options["content_sid"] = message.content_sid
        options["content_variables"] = message.content_variables or "{}"
    elif buttons:
        options["content_sid"] = buttons
    else:
        options |= words(message)
    try:
        try:
            created = await client.messages.create_async(
                to=message.address, from_=f"{PREFIX}{config.whatsapp.from_number}", **options,
            )
        except TwilioRestException as exc:
            if not (buttons and quick is not None
                    and exc.code in (*TEMPLATE_REFUSED, *CONTENT_INVALID)):
                raise
            quick.forget(message)
            options.pop("content_sid")
            created = await client.messages.create_async(
                to=message.address, from_=f"{PREFIX}{config.whatsapp.from_number}",
                **options, **words(message),
            )
    except TwilioRestException as exc:
        raise problem(exc) from None
    except (aiohttp.ClientError, TimeoutError, OSError) as exc:
        raise TryAgain(f"cannot reach Twilio: {type(exc).__name__}: {exc}") from None
    return Sent(provider_id=created.sid, note=note)


def picture_not_sent(config: Config, file: str) -> str:
    """Why a picture went without its picture, as kept on the message."""
    if not config.twilio.public_url:
        return ("sent without its picture: WhatsApp fetches pictures from copro's public "
                "address, and twilio.public_url is not set")
    return "sent without its picture: its file is not in copro's media directory (gone?)"


def words(message: Outgoing) -> dict[str, Any]:
    """A free-form message's ``Body``, and the picture it carries (``MediaUrl``), if any."""
    found: dict[str, Any] = {"body": render(message)}
    if message.kind == "photo" and message.media_url:
        found["media_url"] = [message.media_url]
    return found


def problem(exc: TwilioRestException) -> TryAgain | Undeliverable:
    """What Twilio's refusal of a WhatsApp message means for the outbox."""
    what = f"Twilio {exc.status}" + (f" error {exc.code}" if exc.code else "") + f": {exc.msg}"
    if exc.code == TOO_FAST:
        return TryAgain(what)
    if exc.code == OUTSIDE_WINDOW:
        return Undeliverable(f"WhatsApp's 24-hour window was shut ({what})", fall_back=True)
    if exc.code in NOT_ON_WHATSAPP:
        return Undeliverable(f"the number is not on WhatsApp ({what})", "unreachable",
                             fall_back=True)
    if exc.code in TEMPLATE_REFUSED:
        return Undeliverable(f"WhatsApp refused the template ({what})", fall_back=True)
    return sms_send.problem(exc)


def failure(code: str) -> tuple[str | None, bool]:
    """What a delivery report's ``ErrorCode`` means: the address's new status, if any, and
    whether the message may reach the person by SMS instead."""
    number = int(code) if code.isdigit() else None
    if number in NOT_ON_WHATSAPP:
        return "unreachable", True
    if number == sms_send.OPTED_OUT:
        return "opted_out", False
    return None, number == OUTSIDE_WINDOW or number in TEMPLATE_REFUSED
