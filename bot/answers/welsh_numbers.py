"""Welsh number words as a system: units and their mutations, decimal tens
("tri deg dau" = 32), and the traditional forms ("deuddeg", "pymtheg", "ugain",
"dau ar hugain", "deugain", "hanner cant"). The words are in ``words/welsh_numbers.yaml``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import cache
from typing import Any

from bot.answers._tables import TableError, raw

Word = Callable[[int], str]  # the k-th word of the text ("" past the end or a gap)
Found = tuple[int, int]  # a number and the index of the word after it


def _data() -> dict[str, Any]:
    return raw("welsh_numbers")


def _mutated(word: str) -> set[str]:
    forms = {word}
    if word.startswith(tuple(_data()["fixed"])):
        return forms
    for changes in _data()["mutations"].values():
        for radical in sorted(changes, key=len, reverse=True):
            if word.startswith(radical):
                forms.add(changes[radical] + word[len(radical) :])
                break
    if word in _data()["h_prothesis"]:
        forms.add("h" + word)
    return forms


@cache
def forms() -> dict[str, str]:
    """Every written form of a Welsh number word, and its radical form."""
    found: dict[str, str] = {}
    data = _data()
    radicals: Iterable[str] = [
        *data["units"], *data["ten"], *data["teens"], *data["scores"], *data["hundred"],
        *data["half"],
    ]  # fmt: skip
    for radical in radicals:
        for form in _mutated(radical):
            if found.setdefault(form, radical) != radical:
                raise TableError(f"welsh_numbers: {form} is a form of two numbers")
    for radical in data["zero"]:
        found[radical] = radical
    return found


def _radical(word: str) -> str:
    return forms().get(word, "")


def _unit(word: Word, k: int, high: int = 9) -> Found | None:
    value = _data()["units"].get(_radical(word(k)))
    return (value, k + 1) if value is not None and value <= high else None


def _below_twenty(word: Word, k: int) -> Found | None:
    """1 to 19: "saith", "deg", "deuddeg", "un ar ddeg", "dau ar bymtheg"."""
    radical = _radical(word(k))
    data = _data()
    if radical in data["ten"]:
        return 10, k + 1
    if radical in data["teens"]:
        return data["teens"][radical], k + 1
    unit = _unit(word, k)
    if unit is None:
        return None
    if word(unit[1]) == "ar" and unit[0] <= 4:
        base = _radical(word(unit[1] + 1))
        if base in data["ten"]:
            return 10 + unit[0], unit[1] + 2
        if data["teens"].get(base) == 15:
            return 15 + unit[0], unit[1] + 2
    return unit


def _score(word: Word, k: int) -> Found | None:
    """20, 40, 60 or 80 ("ugain", "deugain", "trigain", "pedwar ugain"), or 50 ("hanner cant")."""
    radical, scores = _radical(word(k)), _data()["scores"]
    if radical in scores:
        return scores[radical], k + 1
    if _data()["units"].get(radical) == 4 and _radical(word(k + 1)) == "ugain":
        return 80, k + 2
    if radical in _data()["half"] and _radical(word(k + 1)) in _data()["hundred"]:
        return 50, k + 2
    return None


def _vigesimal(word: Word, k: int) -> Found | None:
    """"dau ar hugain" (22), "un ar bymtheg a deugain" (56), or a score on its own."""
    if (score := _score(word, k)) is not None:
        return score
    small = _below_twenty(word, k)
    if small is None:
        return None
    value, j = small
    if word(j) == "ar" and _radical(word(j + 1)) == "ugain":
        return 20 + value, j + 2
    if word(j) in ("a", "ac") and (score := _score(word, j + 1)) is not None and score[0] > 20:
        return score[0] + value, score[1]
    return small


def _decimal(word: Word, k: int) -> Found | None:
    """"un deg" (10), "dau ddeg" (20), "tri deg dau" (32), "un deg dau" (12)."""
    tens = _unit(word, k)
    if tens is None or _radical(word(tens[1])) not in _data()["ten"]:
        return None
    value, j = tens[0] * 10, tens[1] + 1
    unit = _unit(word, j)
    return (value + unit[0], unit[1]) if unit is not None else (value, j)


def _below_hundred(word: Word, k: int) -> Found | None:
    found = [f for f in (_decimal(word, k), _vigesimal(word, k)) if f is not None]
    return max(found, key=lambda f: f[1]) if found else None


def welsh_number(word: Word, i: int) -> Found | None:
    """The number that Welsh number words start at word ``i``, and the index after them."""
    if word(i) in _data()["zero"]:
        return None if word(i + 1) in _data()["not_zero_before"] else (0, i + 1)
    hundreds = 1, i
    # "cant" on its own is English "can't" without its apostrophe: a hundred is "un cant",
    # "dau gant", or a mutated "gant" (see collisions.yaml).
    if _radical(word(i)) not in _data()["hundred"] or word(i) in _data()["hundred"]:
        unit = _unit(word, i)
        if unit is None or _radical(word(unit[1])) not in _data()["hundred"]:
            return _below_hundred(word, i)
        hundreds = unit
    value, j = hundreds[0] * 100, hundreds[1] + 1
    rest = _below_hundred(word, j + 1) if word(j) in ("a", "ac") else _below_hundred(word, j)
    return (value + rest[0], rest[1]) if rest is not None else (value, j)


def welsh_word(text: str) -> int | None:
    """The number one Welsh word is on its own ("saith", "ddeg", "deuddeg"), if any."""
    found = welsh_number(lambda k: text if k == 0 else "", 0)
    return found[0] if found is not None and found[1] == 1 else None
