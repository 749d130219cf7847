"""Turning a message and its choices into the text a basic phone shows."""

from __future__ import annotations

from collections.abc import Sequence


def numbered(body: str, options: Sequence[str]) -> str:
    """The body, then each choice on its own line as ``1. Label`` (as sent by SMS)."""
    lines = [body] if body else []
    lines += [f"{i}. {label}" for i, label in enumerate(options, start=1)]
    return "\n".join(lines)
