"""Days: "yesterday", "3/7", "3rd July", "dydd Llun"."""

from __future__ import annotations

import re
from datetime import date, timedelta
from decimal import Decimal

from bot.answers import _signals as signals
from bot.answers import _text as t
from bot.answers import _words as w
from bot.answers.numbers import parse_number

__all__ = ["parse_date"]

_NUMERIC_DATE = re.compile(r"(?<![\d/.-])(\d{1,4})([/.-])(\d{1,2})(?:\2(\d{1,4}))?(?!\d|[/.-]\d)")
_DATE_TOKEN = re.compile(r"\d+[^\W\d_]*|[^\W\d_]+")
_DAY = re.compile(r"(\d{1,2})([a-z]*)")
_AGO = re.compile(r"\b(\w+) (day|week)s? ago\b")


def _make(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _shift(today: date, days: int) -> date | None:
    try:
        return today + timedelta(days=days)
    except OverflowError:
        return None


def _recent(today: date, month: int, day: int, year: int | None = None) -> date | None:
    """The date; without a year, the latest such date on or before ``today``."""
    if year is not None:
        return _make(year + 2000 if year < 100 else year, month, day)
    for back in range(9):  # 29 February comes round within 8 years
        found = _make(today.year - back, month, day)
        if found is not None and found <= today:
            return found
    return None


def _recent_day(today: date, day: int) -> date | None:
    """The latest date on or before ``today`` that is the ``day``th of its month."""
    year, month = today.year, today.month
    for _ in range(13):
        found = _make(year, month, day)
        if found is not None and found <= today:
            return found
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return None


def _day_at(tokens: list[str], i: int, *, ordinal: bool = False) -> tuple[int, int] | None:
    """A day of the month ending at ``tokens[i]`` ("3", "3rd", "third", "twenty first"),
    and the index it starts at."""
    if not 0 <= i < len(tokens):
        return None
    if m := _DAY.fullmatch(tokens[i]):
        suffix_ok = m[2] in w.ORDINAL_SUFFIXES or (not m[2] and not ordinal)
        return (int(m[1]), i) if suffix_ok and 1 <= int(m[1]) <= 31 else None
    if ordinal:
        return None
    if i > 0 and (pair := f"{tokens[i - 1]} {tokens[i]}") in w.ORDINALS:
        return w.ORDINALS[pair], i - 1
    return (w.ORDINALS[tokens[i]], i) if tokens[i] in w.ORDINALS else None


def _month_dates(tokens: list[str], today: date, used: set[int]) -> set[date | None]:
    """Dates like "3 July", "3rd of July 2026", "July 3rd", "3ydd o Orffennaf"."""
    found: set[date | None] = set()
    for i, token in enumerate(tokens):
        if token not in w.MONTHS or (i and tokens[i - 1] in w.WELSH_DAY):
            continue
        year_at, four_digits_only = i + 1, False
        day = _day_at(tokens, i - 2 if tokens[i - 1 : i] in (["of"], ["o"]) else i - 1)
        if day is None:
            right = i + 2 if tokens[i + 1 : i + 2] in (["the"], ["y"]) else i + 1
            day = _day_at(tokens, right)
            day = None if day is None else (day[0], i)
            year_at, four_digits_only = right + 1, True
        if day is None:
            continue
        year = None
        digits = tokens[year_at] if year_at < len(tokens) else ""
        if len(digits) == 4 or (len(digits) == 2 and not four_digits_only):
            year = int(digits) if digits.isdigit() else None
        used.update(range(day[1], year_at + (year is not None)))
        found.add(_recent(today, w.MONTHS[token], day[0], year))
    return found


def _relative(tokens: list[str], today: date) -> set[date | None]:
    """Dates like "today", "yesterday", "ddoe", "3 days ago", "a week ago"."""
    found: set[date | None] = set()
    text = f" {' '.join(tokens)} "
    for phrase in sorted(w.RELATIVE_DAYS, key=len, reverse=True):
        if f" {phrase} " in text:
            found.add(_shift(today, w.RELATIVE_DAYS[phrase]))
            text = text.replace(f" {phrase} ", " . ")
    for m in _AGO.finditer(text):
        count = 1 if m[1] == "a" else parse_number(m[1], minimum=Decimal(0), maximum=Decimal(999))
        if isinstance(count, int):
            found.add(_shift(today, -count * (7 if m[2] == "week" else 1)))
    return found


def parse_date(text: str, *, today: date) -> date | None:
    """A day: "yesterday", "3/7", "3rd July", "last Monday", "ddoe", "dydd Llun".

    Day before month (UK). Without a year, the latest such date on or before ``today``;
    a weekday is the latest such day on or before ``today``. A negated day ("not
    Monday") is not understood.
    """
    if t.foreign_digits(text) or signals.negated(t.tokens(text)):
        return None
    key = t.prep(t.fold(text))
    explicit: set[date | None] = set()
    for m in _NUMERIC_DATE.finditer(key):
        first, second, third = m[1], int(m[3]), m[4]
        if len(first) == 4 and third and len(third) <= 2:
            explicit.add(_make(int(first), second, int(third)))  # 2026-07-03
        elif len(first) <= 2 and (third is None or len(third) in (2, 4)):
            explicit.add(_recent(today, second, int(first), None if third is None else int(third)))
    tokens = _DATE_TOKEN.findall(_NUMERIC_DATE.sub(" ", key))
    used: set[int] = set()
    explicit |= _month_dates(tokens, today, used)
    nearby = _relative(tokens, today)
    weekdays: set[date | None] = set()
    for i, token in enumerate(tokens):
        if i in used:
            continue
        if (day := _day_at(tokens, i, ordinal=True)) is not None:
            nearby.add(_recent_day(today, day[0]))  # "the 3rd"
        elif token in w.WEEKDAYS and tokens[i - 1 : i] != ["next"]:
            weekdays.add(_shift(today, -((today.weekday() - w.WEEKDAYS[token]) % 7)))
    for tier in (explicit, nearby, weekdays):
        dates = {d for d in tier if d is not None}
        if dates:
            return dates.pop() if len(dates) == 1 else None
    return None
