"""Negation and hedges, read the same way by every answer type."""

from __future__ import annotations

from collections.abc import Sequence

from bot.answers._tables import every, words

NEGATORS = every(words("signals", "negators"))
HEDGES = every(words("signals", "hedges"))
MEANS_ZERO = every(words("signals", "means_zero"))
INTENSIFIERS = every(words("signals", "intensifiers"))
APPROXIMATORS = every(words("signals", "approximators"))
_RUN_TOGETHER = every(words("signals", "run_together"))


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


def _pieces(word: str) -> bool:
    """Whether ``word`` is made of run-together keywords, all of it."""
    ends = {0}  # where a run of keywords from the start of ``word`` can end
    for i in range(len(word)):
        if i in ends:
            ends |= {i + len(p) for p in _RUN_TOGETHER if word.startswith(p, i)}
    return len(word) in ends


def run_together(tokens: Sequence[str]) -> bool:
    """Whether a word of ``tokens`` is two or more keywords run together ("startyes")."""
    return any(token not in _RUN_TOGETHER and _pieces(token) for token in tokens)
