"""What several answer tests share: a fixed today, a frequency question, English numbers."""

from __future__ import annotations

from datetime import date

from bot.answers import ChoiceOption

TODAY = date(2026, 1, 5)  # a Monday

FREQUENCY = (
    ChoiceOption("often", ("Often or always", "Yn aml neu bob amser")),
    ChoiceOption("sometimes", ("Sometimes", "Weithiau"), aliases=("some of the time",)),
    ChoiceOption("rarely", ("Hardly ever", "Prin byth")),
    ChoiceOption("never", ("Never", "Byth")),
    ChoiceOption("unsure", ("Not sure", "Ddim yn siŵr")),
)

_ONES = (
    "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
    "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen",
    "nineteen",
)  # fmt: skip
_TENS = ("", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety")
WELSH = ("dim", "un", "dau", "tri", "pedwar", "pump", "chwech", "saith", "wyth", "naw", "deg")


def english(n: int) -> str:
    """0-999 in words, written independently of the parser: 121 -> "one hundred and twenty-one"."""
    if n < 20:
        return _ONES[n]
    if n < 100:
        return _TENS[n // 10] + ("" if n % 10 == 0 else f"-{_ONES[n % 10]}")
    rest = n % 100
    return f"{_ONES[n // 100]} hundred" + (f" and {english(rest)}" if rest else "")
