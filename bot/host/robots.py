"""Telling a robot from a person: another system's auto-replies, answered by copro's,
would go back and forth for ever.

A robot's texts repeat each other (numbers aside), or send copro's own words back,
at machine speed; a distressed person sends many different texts of their own. So
only machine-like texts count: more than ``limit`` of them in a minute, or
``echoes`` texts within ``echo_window`` that repeat (or contain) what copro last
sent that address, and copro stops answering it for an hour. Its texts are kept,
and read for risk all the same (``bot.host.screening``); the coordinators of its
groups are told once a muting.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from bot.core.logs import mask
from bot.engine.definition import Text
from bot.language import texts
from storage import audit, groups, messages
from storage.db import Tx
from storage.models import Participant

log = logging.getLogger(__name__)

FLOOD_WINDOW = timedelta(minutes=1)
FLOOD_QUIET = timedelta(hours=1)
SHORTEST_ECHO = 10  # characters of copro's words: "yes" or "2" sent back is an answer, not an echo
_NOT_WORDS = re.compile(r"[\W\d_]+")


@dataclass(frozen=True)
class Guard:
    """When an address looks like a robot (see the module's text)."""

    limit: int
    echoes: int
    echo_window: timedelta


@dataclass(frozen=True)
class Verdict:
    """What the latest text from an address says about it."""

    machine_like: int  # texts that repeat each other or copro's words, within the window
    echo: bool  # they send copro's words back
    window: timedelta


class Tell(Protocol):
    """Queues one message (a template, in their language) to a member of staff."""

    async def __call__(
        self, s: Tx, person: Participant, text: Text, *, key: str,
        scope: Mapping[str, Any] | None = None, quiet: bool = True,
    ) -> bool: ...


def skeleton(text: str | None) -> str:
    """A text as a robot's repeats share it: its words, without numbers or punctuation."""
    folded = (text or "").casefold()
    words = " ".join(_NOT_WORDS.sub(" ", folded).split())
    return words or folded.strip()  # "7" and "8" are different answers, not one repeated


def echoes(inbound: str, outbound: str) -> bool:
    """Whether ``inbound`` is copro's ``outbound`` sent back (whole, or inside more)."""
    said = skeleton(outbound)
    return len(said) >= SHORTEST_ECHO and said in skeleton(inbound)


def judge(exchange: Sequence[messages.Exchanged], guard: Guard, now: datetime) -> Verdict | None:
    """Whether these messages to and from an address (in order) are a robot's."""
    last_out: str | None = None
    seen: dict[str, int] = {}
    echoed: list[datetime] = []
    recent: list[tuple[str, bool]] = []
    for m in exchange:
        if m.direction == "out":
            last_out = m.body or ""
            continue
        echo = last_out is not None and echoes(m.body or "", last_out)
        if echo:
            echoed.append(_aware(m.created_at, now))
        if now - _aware(m.created_at, now) <= FLOOD_WINDOW:
            key = skeleton(m.body)
            seen[key] = seen.get(key, 0) + 1
            recent.append((key, echo))
    machine_like = sum(1 for key, echo in recent if echo or seen[key] > 1)
    if machine_like > guard.limit:
        return Verdict(machine_like, any(echo for _, echo in recent), FLOOD_WINDOW)
    slow = [at for at in echoed if now - at <= guard.echo_window]
    if len(slow) >= guard.echoes:
        return Verdict(len(slow), True, guard.echo_window)
    return None


async def muted(
    s: Tx, person: Participant, channel: str, address: str, *, guard: Guard | None,
    now: datetime, tell: Tell,
) -> bool:
    """Whether copro should not answer this text from ``address``: it acts like a robot now,
    or did within the hour. A new muting is kept in the audit log and told to coordinators."""
    if guard is None:
        return False
    noticed = await audit.last_at(s, kind="robot_suspected", participant_id=person.id)
    if noticed is not None and now - _aware(noticed, now) <= FLOOD_QUIET:
        return True
    since = now - max(FLOOD_WINDOW, guard.echo_window)
    exchange = await messages.exchange_since(s, channel=channel, address=address, since=since)
    verdict = judge(exchange, guard, now)
    if verdict is None:
        return False
    event = await audit.record(
        s, kind="robot_suspected", actor="copro", participant_id=person.id,
        details={"machine_like": verdict.machine_like, "echo": verdict.echo,
                 "seconds": int(verdict.window.total_seconds())},
        at=now,
    )
    log.warning("%s: %s sent %d texts like an automatic reply; copro keeps them (and reads them "
                "for risk) but stops answering for an hour", channel, mask(address),
                verdict.machine_like)
    await _tell_coordinators(s, person, address, verdict, key=f"robot:{event.id}", tell=tell)
    return True


async def _tell_coordinators(
    s: Tx, person: Participant, address: str, verdict: Verdict, *, key: str, tell: Tell
) -> None:
    group_ids = [g.id for g in await groups.groups_of(s, person.id)]
    staff = [p for p in await groups.people_with_role(s, group_ids, ["coordinator"])
             if p.id != person.id]
    scope = {"who": person.full_name or "a number", "address": address, "count": verdict.machine_like,
             "echo": verdict.echo, "minutes": max(1, round(verdict.window.total_seconds() / 60))}
    told = [m.id for m in staff
            if await tell(s, m, texts.ROBOT_MUTED, key=f"{key}:{m.id}", scope=scope, quiet=False)]
    if not told:
        log.warning("no coordinator to tell that copro stopped answering %s", mask(address))


def _aware(at: datetime, like: datetime) -> datetime:
    """``at`` comparable with ``like`` (SQLite gives times back without their zone)."""
    if at.tzinfo is None and like.tzinfo is not None:
        return at.replace(tzinfo=like.tzinfo)
    return at
