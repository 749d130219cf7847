"""Words that work anywhere, in any step: STOP, START, HELP, and flow triggers.

A keyword counts only when it is the whole message (case, spaces and
punctuation aside), so "I can't stop smiling" is an answer, not an opt-out.
"""

from __future__ import annotations

from typing import Literal

from bot.answers import normalise

Command = Literal["stop", "start", "help"]

COMMANDS: dict[str, Command] = {
    **dict.fromkeys(
        ["stop", "stopall", "stop all", "unsubscribe", "end", "quit", "cancel", "optout",
         "opt out", "opt-out", "revoke", "stopio", "stopiwch"],
        "stop",
    ),
    **dict.fromkeys(["start", "unstop", "dechrau"], "start"),
    **dict.fromkeys(["help", "info", "cymorth", "help me"], "help"),
}


SLASH: dict[str, Command] = {"/stop": "stop", "/start": "start", "/help": "help"}


def command(text: str) -> Command | None:
    """``stop``, ``start`` or ``help`` when the whole message is one of their words.

    A Telegram-style command counts only as itself: ``/stop`` stops, but ``/cancel``
    (a coordinator leaving a command half done) is not taken for STOP.
    """
    word = text.strip()
    if word.startswith("/"):
        return SLASH.get(word.split()[0].split("@")[0].lower())
    return COMMANDS.get(normalise(text))
