"""What an SMS costs: the GSM-7 alphabet, look-alike characters, and segments.

A text in the GSM-7 alphabet fits 160 characters in one SMS (153 a part when
it needs several); one character outside it (an emoji, a curly quote, a Welsh
ŵ) sends the whole text as UCS-2: 70 characters, 67 a part. ``plain`` swaps
characters that only look different (curly quotes, long dashes, "…") for
their GSM-7 twins, so a stray quote from a word processor does not double the
cost. Welsh letters with a to bach (â, ê, ŵ, ŷ...) are kept: they matter more
than the price.
"""

from __future__ import annotations

import math

BASIC = (
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
EXTENDED = "^{}\\[~]|€\f"  # two septets each (an escape, then the character)
_BASIC = frozenset(BASIC)
_EXTENDED = frozenset(EXTENDED)

LOOK_ALIKES = str.maketrans({
    "‘": "'", "’": "'", "‚": "'", "‛": "'", "′": "'", "`": "'", "´": "'",
    "“": '"', "”": '"', "„": '"', "‟": '"', "″": '"', "«": '"', "»": '"',
    "–": "-", "—": "-", "‒": "-", "―": "-", "−": "-", "‐": "-", "‑": "-",
    "\u00a0": " ", "\u2007": " ", "\u2009": " ", "\u202f": " ", "\u2002": " ", "\u2003": " ",
    "\t": " ", "•": "*", "·": "*",
    "\u200b": None, "\u200c": None, "\u200d": None, "\ufeff": None, "\u00ad": None,
})

GSM_SINGLE, GSM_PART = 160, 153
UCS2_SINGLE, UCS2_PART = 70, 67


def plain(text: str) -> str:
    """``text`` with look-alike characters swapped for GSM-7 ones ("…" becomes "...")."""
    return text.translate(LOOK_ALIKES).replace("…", "...")


def is_gsm(text: str) -> bool:
    return all(ch in _BASIC or ch in _EXTENDED for ch in text)


def septets(text: str) -> int:
    return sum(2 if ch in _EXTENDED else 1 for ch in text)


def segments(text: str) -> int:
    """How many SMS parts ``text`` is sent as (0 for an empty text)."""
    if not text:
        return 0
    if is_gsm(text):
        length = septets(text)
        return 1 if length <= GSM_SINGLE else math.ceil(length / GSM_PART)
    units = len(text.encode("utf-16-le")) // 2  # an emoji is two
    return 1 if units <= UCS2_SINGLE else math.ceil(units / UCS2_PART)


def encoding(text: str) -> str:
    return "GSM-7" if is_gsm(text) else "UCS-2"
