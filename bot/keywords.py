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


def command(text: str) -> Command | None:
    """``stop``, ``start`` or ``help`` when the whole message is one of their words."""
    return COMMANDS.get(normalise(text))
