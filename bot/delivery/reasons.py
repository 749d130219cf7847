"""Why a message failed, in words a coordinator can act on, from the reason copro recorded
(the provider's own words stay beside it, for whoever looks after copro)."""

from __future__ import annotations

import re

# The recorded reason's start (or a pattern in it), and what it means; the first match wins.
_FOR_GOOD: tuple[tuple[str, str], ...] = (
    (r"not sent: the address is opted out|the person texted STOP",
     "They asked for no more messages (STOP). They can text START to have them again."),
    (r"not sent: the address is unreachable",
     "copro can no longer reach them here: they blocked the bot, or the number or chat is gone."),
    (r"the number cannot take texts",
     "This number cannot take texts: a landline, or not a real mobile number."),
    (r"Telegram 403", "They blocked the bot on Telegram, or deleted their Telegram account."),
    (r"Telegram: the group chat moved", "The Telegram group moved: add the new chat instead."),
    (r"Telegram 400.*chat not found", "Telegram does not know this chat: link them again."),
    (r"cancelled: (participant forgotten|personal data erased)",
     "Not sent: their details were erased at their request."),
    (r"Twilio (undelivered|failed), error (\d+)",
     "Their phone company did not deliver it (Twilio error \\2: twilio.com/docs/api/errors/\\2)."),
)
_PASSING: tuple[tuple[str, str], ...] = (
    (r"cannot reach Twilio", "Twilio could not be reached"),
    (r"Telegram refused the bot's token", "Telegram refused copro's token (check telegram.token)"),
    (r"no answer from (\w+) within", "\\1 did not answer in time"),
    (r"429|Too Many Requests", "the provider asked copro to slow down"),
    (r"the chart could not be drawn", "the poll's chart could not be drawn"),
    (r"HTTP 5\d\d|Telegram: |Twilio", "the provider had a fault"),
)
_GAVE_UP = re.compile(r"gave up after (\d+) attempts: (.*)", re.S)


def plain(error: str | None) -> str:
    """``error`` (as recorded on a failed message) as one sentence for a coordinator."""
    text = (error or "").strip()
    if not text:
        return "No reason was recorded."
    gave_up = _GAVE_UP.match(text)
    if gave_up:
        tries, why = gave_up.groups()
        return f"Not sent after {tries} tries: {_passing(why)}. Send it again once that is fixed."
    for pattern, meaning in _FOR_GOOD:
        found = re.search(pattern, text)
        if found:
            return found.expand(meaning)
    return text if text.lower().startswith("not sent") else f"Not sent: {text}"


def _passing(why: str) -> str:
    for pattern, meaning in _PASSING:
        found = re.search(pattern, why)
        if found:
            return found.expand(meaning)
    return "the provider kept failing"
