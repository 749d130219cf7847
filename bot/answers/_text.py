"""Shared normalising of what people type: one form to compare words in."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

from bot.answers import _words as w

_APOSTROPHES = str.maketrans({c: "'" for c in "‘’‛′`´ʼ"})
_FRACTIONS = {"½": "5", "¼": "25", "¾": "75"}
_TOKEN = re.compile(r"[^\W_]+|[^\w\s]")


def _edge_junk(char: str) -> bool:
    """Punctuation, spaces, controls and emoji modifiers; not emoji themselves."""
    return unicodedata.category(char)[0] in "PZC" or unicodedata.category(char) in ("Sk", "Mn")


def clean(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).casefold().translate(_APOSTROPHES)
    return " ".join(text.split())


def normalise(text: str) -> str:
    """NFKC, casefold, straight apostrophes, single spaces, no punctuation at either end."""
    text = clean(text)
    start, end = 0, len(text)
    while start < end and _edge_junk(text[start]):
        start += 1
    while end > start and _edge_junk(text[end - 1]):
        end -= 1
    return text[start:end]


def fold(text: str) -> str:
    """``normalise`` without accents or apostrophes, for comparing words."""
    text = unicodedata.normalize("NFKD", normalise(text))
    text = "".join(c for c in text if unicodedata.category(c) != "Mn").replace("'", "")
    return unicodedata.normalize("NFC", text)


def tokens(text: str) -> list[str]:
    """Words and emoji of ``text``, folded; other punctuation dropped."""
    return [t for t in _TOKEN.findall(fold(text)) if t[0].isalnum() or unicodedata.category(t) == "So"]


def key(text: str) -> str:
    return " ".join(tokens(text))


def squeeze(text: str) -> str:
    """Collapse repeated letters: "yesss" -> "yes", "noooo" -> "no"."""
    return re.sub(r"(.)\1+", r"\1", text)


def with_squeezed(phrases: Iterable[str]) -> frozenset[str]:
    return frozenset(phrases) | {squeeze(p) for p in phrases}


def foreign_digits(text: str) -> bool:
    """Whether ``text`` has digits other than 0-9 (full-width ones count as 0-9)."""
    return any(c.isdecimal() and not "0" <= c <= "9" for c in unicodedata.normalize("NFKC", text))


def prep(text: str) -> str:
    """``clean`` for numbers: ASCII digits, "7½" -> "7.5", a real minus sign -> "-"."""
    for char, digits in _FRACTIONS.items():
        text = re.sub(rf"(\d)\s*{char}", rf"\1.{digits}", text).replace(char, f"0.{digits}")
    text = re.sub(r"\d", lambda m: str(unicodedata.decimal(m[0], 0)), clean(text))
    return text.replace("−", "-").replace("﹣", "-")


# Polite words before or after an answer: "skip please", "2 thanks".
POLITE = re.compile(rf"^(?:(?:{'|'.join(w.POLITE)}) )+|(?: (?:{'|'.join(w.POLITE)}))+$")
