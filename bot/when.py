"""Dates and times in plain words, in English and Welsh: "Tuesday 1 December at 2pm"."""

from __future__ import annotations

from datetime import date, datetime, time

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
