"""Dates and times in plain words, in English and Welsh: "Tuesday 1 December at 2pm"."""

from __future__ import annotations

import re
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from babel.dates import format_date

LOCALES = {"en": "en_GB", "cy": "cy_GB"}
AT = {"en": "at", "cy": "am"}
MORNING = {"en": "am", "cy": "yb"}  # Welsh: y bore
AFTERNOON = {"en": "pm", "cy": "yp"}  # Welsh: y prynhawn


def locale(lang: str) -> str:
    return LOCALES.get(lang, "en_GB")


def clock(at: time, lang: str = "en") -> str:
    """``2pm``, ``10:30am``; in Welsh ``2yp``, ``10:30yb``."""
    hour = at.hour % 12 or 12
    minutes = f":{at.minute:02d}" if at.minute else ""
    half = MORNING if at.hour < 12 else AFTERNOON
    return f"{hour}{minutes}{half.get(lang, half['en'])}"


def day(value: date, lang: str = "en") -> str:
    """``Tuesday 1 December``; ``Dydd Mawrth 1 Rhagfyr`` (of a date, or a datetime's date)."""
    if isinstance(value, datetime):
        value = value.date()
    return str(format_date(value, "EEEE d MMMM", locale=locale(lang)))


def spoken(value: datetime, lang: str = "en") -> str:
    """The day and time of ``value`` as it reads on the wall clock where it happens."""
    return f"{day(value, lang)} {AT.get(lang, 'at')} {clock(value.time(), lang)}"


def parse(value: object) -> datetime | None:
    """A datetime, or an ISO 8601 string of one (as kept in JSON); None otherwise."""
    if isinstance(value, datetime):
        return value
    if isinstance(value, str):
        try:
            return datetime.fromisoformat(value)
        except ValueError:
            return None
    return None


_WRITTEN = re.compile(
    r"^\s*(?:(\d{4})-(\d{1,2})-(\d{1,2})|(\d{1,2})/(\d{1,2})/(\d{4}))"
    r"(?:[ T,]+(\d{1,2})(?:[:.](\d{2}))?\s*(am|pm)?)?\s*$",
    re.IGNORECASE,
)


def read(text: str, timezone: str) -> datetime:
    """``2026-12-01 14:00``, ``2026-12-01 2pm`` or ``1/12/2026 14:00`` (day first), on the
    clock of ``timezone``; ValueError saying what is wrong, in plain words."""
    found = _WRITTEN.match(text)
    if found is None:
        raise ValueError(f"{text!r} is not a date and time: write it like \"2026-12-01 14:00\"")
    if found[1]:
        year, month, day = int(found[1]), int(found[2]), int(found[3])
    else:
        day, month, year = int(found[4]), int(found[5]), int(found[6])
    hour, minute, half = int(found[7] or 0), int(found[8] or 0), (found[9] or "").lower()
    if half and not 1 <= hour <= 12:
        raise ValueError(f"{text!r}: the hour must be 1 to 12 with am or pm")
    if half:
        hour = hour % 12 + (12 if half == "pm" else 0)
    try:
        return datetime.combine(date(year, month, day), time(hour, minute), tzinfo=ZoneInfo(timezone))
    except ValueError as exc:
        raise ValueError(f"{text!r}: {exc}") from None
