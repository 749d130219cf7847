"""Skipping a question: "skip", "no comment", "dim byd"."""

from __future__ import annotations

from bot.answers import _text as t
from bot.answers import _words as w

__all__ = ["is_skip"]

_SKIP = t.with_squeezed(w.SKIP)


def is_skip(text: str) -> bool:
    """Whether the whole message asks to skip the question ("skip", "no comment", "dim byd")."""
    stripped = text.strip()
    if stripped and all(c in w.DASHES for c in stripped):
        return True
    key = t.key(text)
    return any(k in _SKIP or t.squeeze(k) in _SKIP for k in (key, t.POLITE.sub("", key)))
