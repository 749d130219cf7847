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
from datetime import date, datetime, time
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
