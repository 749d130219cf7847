"""Dates and times in plain words, in English and Welsh: "Tuesday 1 December at 2pm".

Welsh day names follow the word before them: "dydd Mawrth" on its own, but
"ar ddydd Mawrth" (soft mutation after "ar" and the other words in ``SOFT``).
Babel writes "Dydd Mawrth" at the start of a name; mid-sentence Welsh writes
"dydd" in lower case, so ``day`` does too.

A time kept for a message (a meeting's, say) is ``stamp``-ed with the zone it
happens in ("2026-12-01T14:00:00+00:00[Europe/London]", as RFC 9557 writes it).
When the reader lives in another zone, ``spoken`` says which clock it is on, in
plain words: "at 2pm UK time", "am 2yp amser y DU".
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from babel.dates import format_date, get_timezone_location

LOCALES = {"en": "en_GB", "cy": "cy_GB"}
AT = {"en": "at", "cy": "am"}
MORNING = {"en": "am", "cy": "yb"}  # Welsh: y bore
AFTERNOON = {"en": "pm", "cy": "yp"}  # Welsh: y prynhawn
# Zones by the name people use for their clock; any other is its city's ("Madrid time").
ZONE_WORDS = {
    "Europe/London": {"en": "UK time", "cy": "amser y DU"},
    "Europe/Belfast": {"en": "UK time", "cy": "amser y DU"},
    "GB": {"en": "UK time", "cy": "amser y DU"},
}
# Welsh words after which "dydd" becomes "ddydd" (the soft mutation).
SOFT = frozenset({"ar", "am", "at", "dan", "dros", "drwy", "gan", "heb", "hyd", "i", "o", "tan",
                  "trwy", "wrth"})


def locale(lang: str) -> str:
    return LOCALES.get(lang, "en_GB")


def clock(at: time, lang: str = "en") -> str:
    """``2pm``, ``10:30am``; in Welsh ``2yp``, ``10:30yb``."""
    hour = at.hour % 12 or 12
    minutes = f":{at.minute:02d}" if at.minute else ""
    half = MORNING if at.hour < 12 else AFTERNOON
    return f"{hour}{minutes}{half.get(lang, half['en'])}"


def day(value: date, lang: str = "en", after: str = "") -> str:
    """``Tuesday 1 December``; ``dydd Mawrth 1 Rhagfyr`` (of a date, or a datetime's date).

    ``after`` is the word the text puts just before it: in Welsh, ``ar`` gives
    ``ddydd Mawrth 1 Rhagfyr`` (English ignores it).
    """
    if isinstance(value, datetime):
        value = value.date()
    written = str(format_date(value, "EEEE d MMMM", locale=locale(lang)))
    if lang != "cy":
        return written
    written = "dydd" + written[len("dydd"):] if written.lower().startswith("dydd") else written
    return mutated(written) if after.strip().lower() in SOFT else written


def mutated(words: str) -> str:
    """Welsh ``dydd Mawrth...`` as it reads after "ar": ``ddydd Mawrth...``."""
    return "d" + words if words.startswith("dydd") else words


def zone_words(name: str, lang: str = "en") -> str:
    """The clock of zone ``name`` in plain words: ``UK time``, ``amser y DU``, ``Madrid time``."""
    known = ZONE_WORDS.get(name)
    if known is not None:
        return known.get(lang, known["en"])
    city = str(get_timezone_location(ZoneInfo(name), locale=locale(lang), return_city=True))
    return f"amser {city}" if lang == "cy" else f"{city} time"


def spoken(value: datetime, lang: str = "en", after: str = "", reader: str | None = None) -> str:
    """The day and time of ``value`` as it reads on the wall clock where it happens
    (``after``: the word before it, as for ``day``). With ``reader`` (the zone of the
    person reading) other than the zone of ``value``, it says which clock that is."""
    said = f"{day(value, lang, after)} {AT.get(lang, 'at')} {clock(value.time(), lang)}"
    where = value.tzinfo.key if isinstance(value.tzinfo, ZoneInfo) else None
    if reader and where and reader != where:
        said += f" {zone_words(where, lang)}"
    return said


def dated(value: datetime) -> str:
    """``value`` on its own clock, with the year, for coordinators checking what copro read:
    ``Thursday 3 December 2026 at 10:30am``."""
    return f"{day(value)} {value.year} at {clock(value.time())}"


def stamp(value: datetime) -> str:
    """``value`` as ISO 8601 text, with the name of its zone if it has one (RFC 9557)."""
    if isinstance(value.tzinfo, ZoneInfo):
        return f"{value.isoformat()}[{value.tzinfo.key}]"
    return value.isoformat()


_ZONED = re.compile(r"^(.+)\[([A-Za-z0-9_+\-/]+)\]$")


def parse(value: object) -> datetime | None:
    """A datetime, or an ISO 8601 string of one (as kept in JSON, perhaps ``stamp``-ed
    with its zone); None otherwise."""
    if isinstance(value, datetime):
        return value
    if isinstance(value, str):
        zoned = _ZONED.match(value)
        try:
            if zoned is None:
                return datetime.fromisoformat(value)
            return datetime.fromisoformat(zoned[1]).astimezone(ZoneInfo(zoned[2]))
        except (ValueError, KeyError):
            return None
    return None


MONTHS = {name: n for n, names in enumerate(
    (("january", "jan"), ("february", "feb"), ("march", "mar"), ("april", "apr"), ("may",),
     ("june", "jun"), ("july", "jul"), ("august", "aug"), ("september", "sep", "sept"),
     ("october", "oct"), ("november", "nov"), ("december", "dec")), start=1) for name in names}
WEEKDAY_NAMES = {name: n for n, names in enumerate(
    (("monday", "mon"), ("tuesday", "tue", "tues"), ("wednesday", "wed"),
     ("thursday", "thu", "thur", "thurs"), ("friday", "fri"), ("saturday", "sat"),
     ("sunday", "sun")), start=0) for name in names}
EXAMPLE = '"tomorrow 5pm", "3 Dec 2pm" or "2026-12-03 14:00"'
_CLOCK = re.compile(r"(?:^|\s)(?:(\d{1,2})[:.](\d{2})\s*(am|pm)?|(\d{1,2})\s*(am|pm)|(noon|midday))$")
_NUMERIC = re.compile(r"^(?:(\d{4})-(\d{1,2})-(\d{1,2})|(\d{1,2})/(\d{1,2})(?:/(\d{4}))?)$")
_ORDINAL = re.compile(r"^(\d{1,2})(?:st|nd|rd|th)?$")


def read(text: str, timezone: str, *, now: datetime) -> datetime:
    """A day and a time of day on the clock of ``timezone``, as copro's commands are given
    them: "2pm" or "14:00" (the next such time), "tomorrow 5pm", "Tuesday 2pm" (the next
    Tuesday), "Tue 3 Dec 2pm" (the next 3 December), "3/12/2026 14:00" (day first),
    "2026-12-03 14:00" or ISO 8601. A day without a time is refused: a meeting at
    midnight is never what was meant. ValueError says what is wrong, in plain words."""
    zone = ZoneInfo(timezone)
    local_now = now.astimezone(zone)
    words = " ".join(text.replace(",", " ").lower().split())
    if not words:
        raise ValueError(f"no day and time was given: write it like {EXAMPLE}")
    iso = _iso(words, zone)
    if iso is not None:
        return iso
    found = _CLOCK.search(words)
    rest = words[: found.start()].strip() if found else words
    rest = " ".join(w for w in rest.split() if w not in ("at", "on", "the", "of"))
    day = _day(rest, local_now.date(), text)
    if found is None:
        if day is not None and rest:
            raise ValueError(f"{text!r} has a day but no time: add one, like {EXAMPLE}")
        raise ValueError(f"{text!r} is not a day and time: write it like {EXAMPLE}")
    at = _clock(found, text)
    if day is None:
        raise ValueError(f"{text!r}: I cannot tell which day {rest!r} is; write it like {EXAMPLE}")
    if not rest:  # a time alone: the next time the clock shows it
        day = local_now.date() if at > local_now.time() else local_now.date() + timedelta(days=1)
    elif rest in WEEKDAY_NAMES and day == local_now.date() and at <= local_now.time():
        day += timedelta(days=7)
    return datetime.combine(day, at, tzinfo=zone)


def _iso(words: str, zone: ZoneInfo) -> datetime | None:
    """ISO 8601 (``2026-12-03T14:00``, ``2026-12-03 14:00:00+00:00``), or None."""
    if not re.match(r"^\d{4}-\d{2}-\d{2}[t ]\d{2}:\d{2}", words):
        return None
    try:
        moment = datetime.fromisoformat(words.upper())
    except ValueError:
        return None
    return moment.replace(tzinfo=zone) if moment.tzinfo is None else moment.astimezone(zone)


def _clock(found: re.Match[str], text: str) -> time:
    if found[6]:
        return time(12, 0)
    hour, minute = int(found[1] or found[4]), int(found[2] or 0)
    half = found[3] or found[5]
    if half and not 1 <= hour <= 12:
        raise ValueError(f"{text!r}: the hour must be 1 to 12 with am or pm")
    if half:
        hour = hour % 12 + (12 if half == "pm" else 0)
    if hour > 23 or minute > 59:
        raise ValueError(f"{text!r}: that is not a time of day")
    return time(hour, minute)


def _day(rest: str, today: date, text: str) -> date | None:
    """The day ``rest`` names, counted from ``today``; None if it names none."""
    if rest in ("", "today"):
        return today
    if rest == "tomorrow":
        return today + timedelta(days=1)
    tokens = rest.split()
    weekday = WEEKDAY_NAMES.get(tokens[0])
    if weekday is not None:
        tokens = tokens[1:]
        if not tokens:
            return today + timedelta(days=(weekday - today.weekday()) % 7)
    try:
        found = _dated(tokens, today)
    except ValueError as exc:
        raise ValueError(f"{text!r}: {exc}") from None
    if found is not None and weekday is not None and found.weekday() != weekday:
        raise ValueError(f"{text!r}: {format_date(found, 'd MMMM y', locale='en_GB')} is a "
                         f"{format_date(found, 'EEEE', locale='en_GB')}")
    return found


def _dated(tokens: list[str], today: date) -> date | None:
    """``3 december [2026]``, ``december 3rd``, ``2026-12-03``, ``3/12[/2026]``."""
    if len(tokens) == 1 and (numeric := _NUMERIC.match(tokens[0])):
        if numeric[1]:
            return date(int(numeric[1]), int(numeric[2]), int(numeric[3]))
        day, month, year = int(numeric[4]), int(numeric[5]), numeric[6]
        return _next(today, month, day) if year is None else date(int(year), month, day)
    year = int(tokens[-1]) if len(tokens) == 3 and re.fullmatch(r"\d{4}", tokens[-1]) else None
    pair = tokens[:2] if year is not None else tokens
    if len(pair) != 2:
        return None
    first, second = pair
    if first in MONTHS:
        first, second = second, first
    numbered = _ORDINAL.match(first)
    if numbered is None or second not in MONTHS:
        return None
    day, month = int(numbered[1]), MONTHS[second]
    return _next(today, month, day) if year is None else date(year, month, day)


def _next(today: date, month: int, day: int) -> date:
    """The next ``day``/``month`` on or after ``today``."""
    for year in range(today.year, today.year + 9):  # 29 February comes round within 8 years
        try:
            found = date(year, month, day)
        except ValueError:
            continue
        if found >= today:
            return found
    raise ValueError(f"there is no {day}/{month}")
