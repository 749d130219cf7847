"""Words that work anywhere, in any step: STOP, START, HELP, and flow triggers.

A keyword counts only when it is the whole message (case, spaces, punctuation and
polite words aside: "stop please", "please stop", "help plis"), so "I can't stop
smiling" is an answer, not an opt-out.
"""

from __future__ import annotations

from typing import Literal

from bot.answers import normalise

Command = Literal["stop", "start", "help"]

COMMANDS: dict[str, Command] = {
    **dict.fromkeys(
        ["stop", "stopall", "stop all", "unsubscribe", "end", "quit", "cancel", "optout",
         "opt out", "opt-out", "revoke", "stopio", "stopiwch", "stop it", "stop now",
         "stop messages", "stop messaging me", "stop texting me", "stop texts",
         "stop the messages", "stopio negeseuon", "stopiwch y negeseuon"],
        "stop",
    ),
    **dict.fromkeys(
        ["start", "unstop", "dechrau", "ailddechrau", "restart", "start again", "dechrau eto"],
        "start",
    ),
    **dict.fromkeys(
        ["help", "info", "cymorth", "help me", "helpu", "helpwch fi", "help fi", "helpa fi",
         "i need help", "mae angen help arna i"],
        "help",
    ),
}  # fmt: skip

# Said before or after a keyword without changing it.
POLITE = ("please", "pls", "plz", "plis", "thanks", "thank you", "now", "diolch",
          "os gwelwch yn dda", "os gweli di'n dda")  # fmt: skip

SLASH: dict[str, Command] = {"/stop": "stop", "/start": "start", "/help": "help"}


def _bare(text: str) -> str:
    """``text`` normalised, without polite words at either end or commas between."""
    words = normalise(text).replace(",", " ").split()
    changed = True
    while changed and words:
        changed = False
        for polite in POLITE:
            size = len(polite.split())
            if len(words) > size and " ".join(words[:size]) == polite:
                words, changed = words[size:], True
            elif len(words) > size and " ".join(words[-size:]) == polite:
                words, changed = words[:-size], True
    return normalise(" ".join(words))


def command(text: str) -> Command | None:
    """``stop``, ``start`` or ``help`` when the whole message is one of their words.

    A Telegram-style command counts only as itself: ``/stop`` stops, but ``/cancel``
    (a coordinator leaving a command half done) is not taken for STOP.
    """
    word = text.strip()
    if word.startswith("/"):
        return SLASH.get(word.split()[0].split("@")[0].lower())
    return COMMANDS.get(normalise(text)) or COMMANDS.get(_bare(text))
