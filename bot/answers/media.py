"""Photos and receipts, or saying there are none."""

from __future__ import annotations

import re
from collections.abc import Sequence

from bot.answers import _text as t
from bot.answers import _words as w
from bot.answers.skip import is_skip
from bot.answers.yes_no import parse_yes_no

__all__ = ["is_no_media", "parse_media"]

_NO_MEDIA = re.compile(rf"\b(?:{'|'.join(w.NO_MEDIA)})\b")


def parse_media(text: str, media: Sequence[str]) -> tuple[str, ...] | None:
    """The media references that came with the message, or ``None`` if there are none.

    ``text`` is not needed: a photo of a receipt answers the question whatever its caption.
    """
    found = tuple(ref for ref in media if ref.strip())
    return found or None


def is_no_media(text: str) -> bool:
    """Whether the message says there is nothing to send ("no receipt", "lost it", "no")."""
    return is_skip(text) or parse_yes_no(text) is False or bool(_NO_MEDIA.search(t.key(text)))
