"""Contact hours: when someone is happy to get messages that they did not ask for.

Times are local to the person (their own time zone, else the service's). A
window such as 08:00-21:00 is open from the start up to, not including, the end;
one whose end is not after its start (22:00-06:00) runs over midnight.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


def zone(name: str | None, fallback: str = "Europe/London") -> ZoneInfo:
    """The named time zone, or ``fallback`` when the name is empty or unknown."""
    try:
        return ZoneInfo(name or fallback)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(fallback)


def is_open(local: time, start: time, end: time) -> bool:
    if start == end:
        return True  # the same start and end: any time at all
    if start < end:
        return start <= local < end
    return local >= start or local < end


def opens_at(now: datetime, start: time, end: time, tz: ZoneInfo) -> datetime | None:
    """None when the window is open at ``now``; else the next moment it opens, in UTC."""
    local = now.astimezone(tz)
    if is_open(local.time(), start, end):
        return None
    day = local.date() if local.time() < start else local.date() + timedelta(days=1)
    opening = datetime.combine(day, start, tzinfo=tz)
    # A start inside a clock change's missing hour: fold=0 may land before now; move on.
    return max(opening.astimezone(UTC), now.astimezone(UTC))
