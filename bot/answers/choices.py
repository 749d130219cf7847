"""Choosing one option or several: by number, letter, label, alias or a near miss."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from rapidfuzz import fuzz

from bot.answers import _signals as signals
from bot.answers import _text as t
from bot.answers import _words as w
from bot.answers.welsh_numbers import welsh_word

__all__ = ["ChoiceOption", "parse_choice", "parse_choices"]


@dataclass(frozen=True)
class ChoiceOption:
    """One option of a choice question."""

    value: str  # the stored value, e.g. "often"
    labels: tuple[str, ...]  # the label in every language
    aliases: tuple[str, ...] = ()  # extra accepted words


_INDEX_BEFORE = w.INDEX_BEFORE
_NEGATORS = signals.NEGATORS | w.CHOICE_NEGATORS
_NOT = [[word] for word in _NEGATORS]
_REFUSING = _NEGATORS | w.NO  # a label with one of these says no ("No, I can't come")
_SHIFTERS = _NEGATORS | signals.APPROXIMATORS  # words that make a label mean another
_STOPWORDS = w.STOPWORDS
_VERY = [[word] for word in signals.INTENSIFIERS]
_SCOPE = 3  # a negator this many words before a label negates it ("not very often")
_INDEX_PREFIX = re.compile(
    r"^(?:option|number|no|rhif|opsiwn)?\s*[#(]?(\d{1,2}|[a-z])(?:\s*[.):]\s*|\s+-\s+)"
)
_FUZZY_CUTOFF = 80.0
_FUZZY_MARGIN = 5.0  # two options closer than this are a tie
_PART = 0.95  # matching part of the text, not all of it, is weaker evidence
_Keys = list[list[tuple[str, ...]]]  # per option, the words of each label and alias


def _words(text: str) -> list[str]:
    """The words of ``text`` as options are compared: folded, one form of each word."""
    return [w.SAME_WORD.get(token, token) for token in t.tokens(text)]


@lru_cache(maxsize=4096)  # labels come again with every answer to their question
def _label_words(label: str) -> tuple[str, ...]:
    return tuple(_words(label))


def _index(tokens: list[str], count: int) -> int | None:
    """0-based option index from "2", "b", "option 2", "the second one", "two"; -1 if too big."""
    tokens = t.POLITE.sub("", " ".join(tokens)).split()
    while len(tokens) > 1 and tokens[0] in _INDEX_BEFORE:
        tokens.pop(0)
    if len(tokens) == 2 and tokens[1] == "one" and tokens[0] not in w.UNITS:
        tokens.pop()
    word = " ".join(tokens)
    number: int | None = None
    if m := re.fullmatch(r"(\d{1,3})([a-z]*)", word):
        if m[2] and m[2] not in w.ORDINAL_SUFFIXES:
            return None
        number = int(m[1])
    elif re.fullmatch(r"[a-z]", word):
        number = ord(word) - ord("a") + 1
        if number > count:
            return None  # not a letter index after all ("y", "n")
    else:
        number = w.ORDINALS.get(word, w.UNITS.get(word, welsh_word(word)))
    if not number:
        return None  # "0" or "dim" is not a position
    return number - 1 if number <= count else -1


def _spans(tokens: list[str], keys: _Keys) -> list[tuple[int, int, int]]:
    """(option, start, end) of each label in ``tokens`` as whole words; a label inside a
    longer one that matched ("byth" in "prin byth") does not count."""
    spans = [
        (option, start, start + len(label))
        for option, labels in enumerate(keys)
        for label in labels
        for start in range(len(tokens) - len(label) + 1)
        if tuple(tokens[start : start + len(label)]) == label
    ]
    return [
        (option, start, end)
        for option, start, end in spans
        if not any(s <= start and end <= e and e - s > end - start for _, s, e in spans)
    ]


def _negated(tokens: list[str], keys: _Keys) -> bool:
    """Whether a negation touches the labels in ``tokens``: a negator or approximator that
    is no label's own word, beside a label that has none ("I don't know, sometimes",
    "almost never"), or a negator just before a label ("not very often", "paid anfon")."""
    spans = _spans(tokens, keys)
    covered = {i for _, start, end in spans for i in range(start, end)}
    positive = not spans or any(_REFUSING.isdisjoint(tokens[start:end]) for _, start, end in spans)
    if positive and any(token in _SHIFTERS and i not in covered for i, token in enumerate(tokens)):
        return True  # a negative label ("can't come") may have more: "can't come, not well"
    return any(
        any(token in _NEGATORS for token in tokens[max(0, start - _SCOPE) : start])
        if tokens[start] not in _NEGATORS
        else tokens[end : end + 1] in _VERY  # "dim yn aml iawn" is "not very often"
        for _, start, end in spans
    )


def _contains(tokens: list[str], keys: _Keys) -> set[int]:
    """Options with a label in ``tokens`` as whole words."""
    return {option for option, _, _ in _spans(tokens, keys)}


def _within(tokens: list[str], keys: _Keys) -> set[int]:
    """Options with a label that holds every word of ``tokens`` ("always" -> "Often or always")."""
    words = {t for t in tokens if t not in _STOPWORDS}
    if not words:
        return set()
    return {i for i, labels in enumerate(keys) if any(words <= set(label) for label in labels)}


def _likeness(tokens: list[str], label: tuple[str, ...]) -> float:
    """How like ``label`` the text is (0-100): as a whole, in a run of its words, or word by
    word; the last two count for a little less."""
    text, wanted = " ".join(tokens), " ".join(label)
    score = fuzz.ratio(text, wanted)
    if len(wanted) < 4:
        return float(score)
    for start in range(len(tokens) - len(label) + 1):
        if tokens[start - 1 : start] not in _NOT:
            window = " ".join(tokens[start : start + len(label)])
            score = max(score, _PART * fuzz.ratio(window, wanted))
    words = [t for t in tokens if t not in _STOPWORDS]
    if words and len(words) <= len(label) and min(map(len, words)) >= 4:
        each = min(max(fuzz.ratio(word, part) for part in label) for word in words)
        score = max(score, _PART * each)
    return float(score)


def _fuzzy(tokens: list[str], keys: _Keys) -> set[int]:
    """Options whose label is most like the text, if it is like enough (typos)."""
    if len(" ".join(tokens)) < 3:
        return set()
    scores = [max(_likeness(tokens, label) for label in labels) for labels in keys]
    best = max(scores)
    if best < _FUZZY_CUTOFF:
        return set()
    return {i for i, score in enumerate(scores) if score > best - _FUZZY_MARGIN}


def _by_label(tokens: list[str], keys: _Keys) -> int | None:
    """The option that ``tokens`` names by a label; ``None`` if none or several do, or a
    negation touches them."""
    if _negated(tokens, keys):
        return None
    for step in (_contains, _within, _fuzzy):
        found = step(tokens, keys)
        if found:
            return found.pop() if len(found) == 1 else None
    return None


def parse_choice(text: str, options: Sequence[ChoiceOption]) -> str | None:
    """The value of the option chosen by number, letter, label or alias (or a near miss)."""
    tokens = _words(text)
    if not tokens or not options:
        return None
    keys = [
        [key for key in (_label_words(label) for label in (*o.labels, *o.aliases)) if key]
        for o in options
    ]
    exact = {i for i, labels in enumerate(keys) if tuple(tokens) in labels}
    if exact:
        return options[exact.pop()].value if len(exact) == 1 else None
    index = _index(tokens, len(options))
    if index is not None:
        return options[index].value if index >= 0 else None
    if prefix := _INDEX_PREFIX.match(t.fold(text)):  # "2. Sometimes", "b) never"
        index = _index([prefix[1]], len(options))
        if index is not None and index >= 0:
            named = _by_label(_words(t.fold(text)[prefix.end() :]), keys)
            return options[index].value if named in (None, index) else None
    found = _by_label(tokens, keys)
    return None if found is None else options[found].value


_CHOICE_SEPARATORS = re.compile(r"\s*(?:[,;&+/]|\band\b|\bac\b|\bor\b|\bneu\b)\s*")


def parse_choices(text: str, options: Sequence[ChoiceOption]) -> list[str] | None:
    """The values of several options ("1 and 3", "1,3", "b c", "tea, coffee"), in option
    order; one option on its own is a list of one. None unless every part names an option."""
    if not options:
        return None
    parts = [p for p in _CHOICE_SEPARATORS.split(t.fold(text)) if p.strip()]
    if len(parts) == 1:
        words = parts[0].split()
        if len(words) > 1 and all(_index([w], len(options)) not in (None, -1) for w in words):
            parts = words  # "1 3", "b c"
    chosen = [parse_choice(part, options) for part in parts]
    if parts and all(chosen):
        order = [o.value for o in options]
        return sorted({c for c in chosen if c}, key=order.index)
    single = parse_choice(text, options)
    if single is None or (len(parts) > 1 and not _split_by(single, options)):
        return None  # "monday and pizza": a part names nothing
    return [single]


def _split_by(value: str, options: Sequence[ChoiceOption]) -> bool:
    """Whether a label of the option ``value`` has a separator in it ("Often or always")."""
    option = next(o for o in options if o.value == value)
    labels = (*option.labels, *option.aliases)
    return any(len(_CHOICE_SEPARATORS.split(t.fold(label))) > 1 for label in labels)
