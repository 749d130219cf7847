"""Phone numbers: one form (E.164, ``+447700900123``) wherever they come from.

People write numbers in many ways ("07700 900123", "+44 (0)7700-900-123");
copro keeps and compares them in E.164. A number without a country code is
taken to be from ``twilio.default_region`` (GB by default). Ofcom's numbers
for drama and examples (07700 900000 to 900999, 01632 960000 to 960999) are
accepted, so that guides and tests can use them without texting a real person.
"""

from __future__ import annotations

import re

import phonenumbers

DRAMA = re.compile(r"^\+44(?:7700900\d{3}|1632960\d{3})$")


class InvalidNumber(ValueError):
    """A number copro cannot text; ``str()`` says so in plain words."""


def normalise(number: str, region: str = "GB") -> str:
    """``number`` in E.164, or ``InvalidNumber`` saying why not."""
    text = number.strip()
    if not text:
        raise InvalidNumber("no phone number was given")
    try:
        parsed = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        raise InvalidNumber(f"{number!r} is not a phone number") from None
    e164 = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
    if DRAMA.match(e164) or phonenumbers.is_valid_number(parsed):
        return e164
    raise InvalidNumber(
        f"{number!r} is not a phone number copro can text: check the digits"
        + ("" if text.startswith("+") else f", or add the country code (taken as {region})")
    )


WHATSAPP = "whatsapp:"


def twin(channel: str, address: str) -> tuple[str, str] | None:
    """The same phone's address on the other Twilio channel: a WhatsApp number's SMS address,
    an SMS number's WhatsApp address. None for other channels."""
    if channel == "whatsapp" and address.startswith(WHATSAPP):
        return "sms", address.removeprefix(WHATSAPP)
    if channel == "sms" and address.startswith("+"):
        return "whatsapp", f"{WHATSAPP}{address}"
    return None
