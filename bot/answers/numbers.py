"""Numbers in digits or words: "7", "seven", "7/10", "saith"."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from bot.answers import _signals as signals
from bot.answers import _text as t
from bot.answers import _words as w
from bot.answers.welsh_numbers import welsh_number

__all__ = ["parse_number"]

MAX_DIGITS = 30  # longer digit runs are not an answer (and would be slow to convert)

_DIGITS = re.compile(r"(?<![\w.,])(-?)(\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|\.\d+)(?![\d]|[.,]\d)")
_WORD = re.compile(r"[^\W\d_]+")
_HALF = re.compile(r"\s+(?:and a half|and half|a hanner)\b")
_OUT_OF = re.compile(r"(?:/|\bout of|\boutta|\ballan o)\s*$")
_OF = re.compile(r"\s*(?:of|o)\s*")
_JOIN = re.compile(r"[\s-]*")
# A digit glued to letters is not a number someone wrote ("x7", "gh0st", "9am"), but "7ish" is.
_GLUED = re.compile(r"[^\W\d_]\d|\d(?!ish\b)[^\W\d_]")
_TIME = re.compile(r"\d:\d\d|\d\s*(?:am|pm)\b|\bo'?\s?clock\b")  # "09:00", "9 am", "9 o'clock"
LOOK_BACK = 12  # characters before a number that can say what it is ("out of", "£")


@dataclass(frozen=True)
class Mention:
    """A number written in the text, in digits or words."""

    value: Decimal
    start: int
    end: int
    places: int = 0  # decimal places as written


def _word_mentions(text: str) -> list[Mention]:
    words = [(m[0], m.start(), m.end()) for m in _WORD.finditer(text)]
    found: list[Mention] = []
    i = 0
    while i < len(words):
        parsed = _word_number(words, i, text)
        if parsed is None:
            i += 1
            continue
        value, j = parsed
        found.append(Mention(Decimal(value), words[i][1], words[j - 1][2]))
        i = j
    return found


def _word_number(words: list[tuple[str, int, int]], i: int, text: str) -> tuple[int, int] | None:
    """The number that number words start at ``words[i]`` ("seven", "twenty-one", "a hundred
    and five", "saith"), and the index after them."""

    def word(k: int) -> str:  # the k-th word, if only spaces or a hyphen lead to it
        if k >= len(words) or (k > i and not _JOIN.fullmatch(text, words[k - 1][2], words[k][1])):
            return ""
        return words[k][0]

    def below_hundred(k: int) -> tuple[int, int] | None:
        if word(k) in w.UNITS:
            return w.UNITS[word(k)], k + 1
        if word(k) not in w.TENS:
            return None
        unit = w.UNITS.get(word(k + 1), 0)
        return (w.TENS[word(k)] + unit, k + 2) if 0 < unit < 10 else (w.TENS[word(k)], k + 1)

    if (welsh := welsh_number(word, i)) is not None:
        return welsh
    if word(i) == "hundred":
        value, k = 100, i + 1
    elif word(i) == "a" and word(i + 1) == "hundred":
        value, k = 100, i + 2
    elif (small := below_hundred(i)) is None:
        return None
    elif word(small[1]) == "hundred" and small[0] > 0:
        value, k = small[0] * 100, small[1] + 1
    else:
        return small
    rest = below_hundred(k + 1) if word(k) == "and" else below_hundred(k)
    return (value + rest[0], rest[1]) if rest else (value, k)


def mentions(text: str) -> list[Mention] | None:
    """Every number in prepared ``text`` in order, or ``None`` if one is absurdly long."""
    found = _word_mentions(text)
    for match in _DIGITS.finditer(text):
        digits = match[2].replace(",", "")
        if len(digits) > MAX_DIGITS:
            return None
        places = len(digits.partition(".")[2])
        found.append(Mention(Decimal(match[1] + digits), match.start(), match.end(), places))
    found.sort(key=lambda m: m.start)
    for n, m in enumerate(found):
        if half := _HALF.match(text, m.end):  # "7 and a half"
            value = m.value + (Decimal("0.5") if m.value >= 0 else Decimal("-0.5"))
            found[n] = Mention(value, m.start, half.end(), max(m.places, 1))
    return found


def whole(value: Decimal) -> int | Decimal:
    return int(value) if value == value.to_integral_value() else value.normalize()


def parse_number(
    text: str,
    *,
    minimum: Decimal | None = None,
    maximum: Decimal | None = None,
    integer: bool = False,
) -> int | Decimal | None:
    """One number in digits or words: "7", "about seven", "7/10", "saith", "7.5".

    Not understood: two numbers, a fraction of anything but ``maximum`` (or 10), a time,
    keywords run together ("STARTYES 7"), digits glued to letters or in another script,
    and a number with a negation ("not 7"), though "0, not at all" is 0.
    """
    if t.foreign_digits(text):
        return None
    text = t.prep(text)
    if _GLUED.search(text) or _TIME.search(text):
        return None
    found = mentions(text)
    if not found:
        return None
    gaps, end = [], 0
    for m in found:
        gaps.append(text[end : m.start])
        end = max(end, m.end)
    words = t.tokens(" ".join([*gaps, text[end:]]))
    if signals.run_together(words) or signals.negated(signals.without(words, signals.MEANS_ZERO)):
        return None  # a negation outside the number, not "dau gant" (200)
    zero_said = signals.has(t.tokens(text), signals.MEANS_ZERO)
    scale = Decimal(10) if maximum is None else maximum
    values = set()
    for n, m in enumerate(found):
        if _OUT_OF.search(text, max(0, m.start - LOOK_BACK), m.start) or (
            n and _OF.fullmatch(text, found[n - 1].end, m.start)
        ):
            if m.value != scale:
                return None  # "3/7" is not a score out of 10
        else:
            values.add(m.value)
    if len(values) != 1:
        return None
    value = values.pop()
    if zero_said and value != 0:
        return None
    if integer and value != value.to_integral_value():
        return None
    if (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
        return None
    return whole(value)
