"""Skipping a question: "skip", "no comment", "dim byd"."""

from __future__ import annotations

from bot.answers import _text as t
from bot.answers import _words as w
from bot.answers.numbers import parse_number
from bot.answers.yes_no import parse_yes_no

__all__ = ["is_skip"]

_SKIP = t.with_squeezed(w.SKIP)


def is_skip(text: str, answer_type: str | None = None) -> bool:
    """Whether the whole message asks to skip the question ("skip", "no comment", "dim byd").

    Some skip words are answers too (see ``words/collisions.yaml``). To a question of
    ``answer_type`` they are that answer: Welsh "dim" is 0 to a number question and no
    to a yes/no one, and "no thanks" is no; to any other question they skip it.
    """
    stripped = text.strip()
    if stripped and all(c in w.DASHES for c in stripped):
        return True
    key = t.key(text)
    if not any(k in _SKIP or t.squeeze(k) in _SKIP for k in (key, t.POLITE.sub("", key))):
        return False
    if answer_type == "number":
        return parse_number(text) is None
    if answer_type == "yesno":
        return parse_yes_no(text) is None
    return True
