"""Negation and hedges, read the same way by every answer type."""

from __future__ import annotations

from collections.abc import Sequence

from bot.answers._tables import every, words

NEGATORS = every(words("signals", "negators"))
HEDGES = every(words("signals", "hedges"))
MEANS_ZERO = every(words("signals", "means_zero"))
INTENSIFIERS = every(words("signals", "intensifiers"))


def _spans(tokens: Sequence[str], phrases: frozenset[str]) -> list[tuple[int, int]]:
    """Where the ``phrases`` are in ``tokens``, as (start, end) word indexes."""
    found = []
    for phrase in phrases:
        words = phrase.split()
        for start in range(len(tokens) - len(words) + 1):
            if list(tokens[start : start + len(words)]) == words:
                found.append((start, start + len(words)))
    return found


def without(tokens: Sequence[str], phrases: frozenset[str]) -> list[str]:
    """``tokens`` with every one of ``phrases`` taken out."""
    gone = {i for start, end in _spans(tokens, phrases) for i in range(start, end)}
    return [token for i, token in enumerate(tokens) if i not in gone]


def has(tokens: Sequence[str], phrases: frozenset[str]) -> bool:
    """Whether any of ``phrases`` is in ``tokens`` as whole words."""
    return bool(_spans(tokens, phrases))


def negated(tokens: Sequence[str]) -> bool:
    """Whether ``tokens`` hold a negation ("not", "don't", "ddim", "paid")."""
    return any(token in NEGATORS for token in tokens)


def hedged(tokens: Sequence[str]) -> bool:
    """Whether ``tokens`` hold a hedge ("maybe", "probably", "efallai")."""
    return has(tokens, HEDGES)
