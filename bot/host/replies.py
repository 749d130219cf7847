"""Where a transaction's replies go, how they are keyed, rendered and queued.

Every message copro sends in answer to something (a text, a tap, a scheduled
start, a timer) goes through a ``ReplyTo``: the channel and address, and a key.
The n-th message of a transaction is keyed ``"{key}:{n}"``, so doing the same
work twice never queues the same message twice. ``message_row`` is the one place
that scheme is written; the outbox row it builds suits ``messages.queue_many``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.core.config import GroupConfig, GroupWords
from bot.engine.definition import Text, text_for
from bot.engine.templates import TemplateProblem, Templates
from storage import groups, messages, participants
from storage.db import Tx, after_commit
from storage.models import Participant

# Shared by every row without them (a hundred thousand check-ins): never changed in place.
_NO_DISPLAY: dict[str, Any] = {}
_NO_MEDIA: list[str] = []


def message_key(key: str, n: int) -> str:
    """The idempotency key of the ``n``-th message (from 1) of the transaction keyed ``key``."""
    return f"{key}:{n}"


@dataclass(slots=True)
class ReplyTo:
    """Where the answers of one transaction go, and how many there were.

    ``quiet`` marks messages sent on copro's own initiative (scheduled work, not
    a reply to the person): they wait while the person's contact hours are shut.
    """

    channel: str
    address: str
    key: str
    quiet: bool = False
    topic: str | None = None
    # The outbox's order: urgent (safeguarding) first, then normal, then bulk fan-outs.
    priority: str = messages.NORMAL
    count: int = 0  # messages keyed so far
    queued: int = 0  # of those, how many went in (a key used before is left out)

    def message_row(
        self,
        participant_id: int,
        session_id: int | None,
        body: str,
        options: Sequence[str] = (),
        display: dict[str, Any] | None = None,
        photo: str | None = None,
    ) -> dict[str, Any]:
        """The outbox row of the next message, keyed ``"{key}:{n}"``."""
        self.count += 1
        return {
            "participant_id": participant_id, "session_id": session_id,
            "channel": self.channel, "address": self.address, "body": body,
            "options": list(options), "idempotency_key": message_key(self.key, self.count),
            "quiet": self.quiet, "topic": self.topic, "display": display or _NO_DISPLAY,
            "kind": "photo" if photo else "poll" if display and "poll" in display else "text",
            "media": [photo] if photo else _NO_MEDIA,
            "priority": self.priority,
        }


def view(person: Participant) -> dict[str, Any]:
    """What templates and the engine may know of a person: ``name`` is what they like to
    be called (for messages to them), ``full_name`` the name on record (for staff)."""
    return {
        "name": person.known_as,
        "full_name": person.full_name,
        "language": person.language,
        "timezone": person.timezone,
        "contact_start": person.contact_start,
        "contact_end": person.contact_end,
    }


async def preferred_address(s: Tx, participant_id: int) -> tuple[str, str] | None:
    """The channel and address to reach someone on: the first that works."""
    for address in await participants.addresses_of(s, participant_id):
        if address.status == "ok":
            return address.channel, address.address
    return None


# The channels staff notices go on when a person has not chosen one: the one with buttons first.
WORK_CHANNELS = ("telegram", "sms")


async def staff_address(s: Tx, person: Participant) -> tuple[str, str] | None:
    """Where a staff notice (a claim to decide, an alert, a summary) reaches ``person``: the
    channel they chose for copro work, else Telegram when they have it, else SMS."""
    working = [(a.channel, a.address) for a in await participants.addresses_of(s, person.id)
               if a.status == "ok"]
    for channel in (person.work_channel, *WORK_CHANNELS):
        for found in working:
            if found[0] == channel:
                return found
    return working[0] if working else None


class Outbox:
    """Renders replies and puts them in the outbox, waking the sender once they commit."""

    def __init__(
        self, templates: Templates, settings: Mapping[str, Mapping[str, Any]],
        clock: Callable[[], datetime], group: GroupConfig | None = None,
    ) -> None:
        self.templates = templates
        self.settings = settings  # by language: the service's, for someone in no group
        self.group = group or GroupConfig()
        self.clock = clock
        # Called once a transaction that queued messages has committed (wakes the sender).
        self.on_queued: Callable[[], None] | None = None

    def render(
        self, person: Participant, text: Text, extra: Mapping[str, Any] | None = None,
        settings: Mapping[str, Any] | None = None,
    ) -> str:
        """``text`` (a template) in the person's language, for them; ``settings`` from
        ``settings_for`` (else the service's)."""
        scope = {"settings": settings or self.settings_in(person.language), "participant": view(person),
                 "lang": person.language, **(extra or {})}
        try:
            return self.templates.text(text_for(text, person.language), scope)
        except TemplateProblem:
            return text_for(text, person.language)

    def settings_in(self, language: str, group: GroupWords | None = None) -> Mapping[str, Any]:
        """What templates see as ``settings`` for someone who reads ``language``, in ``group``."""
        service = self.settings.get(language) or self.settings["en"]
        if group is None:
            return service
        name, coordinator = self.group.words(language, group)
        return {**service, "group_name": name, "coordinator": coordinator}

    async def settings_for(
        self, s: Tx, people: Sequence[Participant], topic: str | None = None
    ) -> dict[int, Mapping[str, Any]]:
        """``settings`` for each person: their own group's words (the group ``topic`` is about,
        else their first), else the service's."""
        about = await groups.group_of_topic(s, topic)
        theirs = await groups.speaking_for(s, [p.id for p in people], about)
        # One object for everyone with the same language and group, so that a start worked out
        # once for them (``Engine.start_many``) stays so.
        made: dict[tuple[str, int | None], Mapping[str, Any]] = {}
        settings: dict[int, Mapping[str, Any]] = {}
        for p in people:
            group = theirs.get(p.id)
            key = (p.language, id(group) if group is not None else None)
            if key not in made:
                made[key] = self.settings_in(p.language, group)
            settings[p.id] = made[key]
        return settings

    async def settings_of(self, s: Tx, person: Participant, topic: str | None = None) -> Mapping[str, Any]:
        """``settings_for`` one person."""
        return (await self.settings_for(s, [person], topic))[person.id]

    async def say(
        self,
        s: Tx,
        person: Participant,
        to: ReplyTo,
        text: Text,
        extra: Mapping[str, Any] | None = None,
        display: dict[str, Any] | None = None,
        photo: str | None = None,
    ) -> None:
        """Queue ``text`` (a template) for ``person``, outside any flow."""
        if to.channel == "voice":  # read out in their language
            display = {**(display or {}), "voice": {"language": person.language, "answer": None}}
        elif photo:  # where a channel cannot show the picture, it says so in their language
            display = {**(display or {}), "language": person.language}
        settings = await self.settings_of(s, person, to.topic)
        row = to.message_row(person.id, None, self.render(person, text, extra, settings), (), display,
                             photo)
        await self.queue(s, [row], to)

    async def queue(self, s: Tx, rows: Sequence[dict[str, Any]], to: ReplyTo | None = None) -> int:
        """Put ``rows`` (from ``ReplyTo.message_row``) in the outbox; returns how many went in.

        ``to``: the one reply they all belong to, which learns how many it queued.
        """
        queued = await messages.queue_many(s, rows, at=self.clock())
        if queued and not (to is not None and to.queued):
            self.wake_after(s)
        if to is not None:
            to.queued += queued
        return queued

    def wake_after(self, s: Tx) -> None:
        """Wake the outbox sender once this transaction (which queued messages) commits."""
        if self.on_queued is not None:
            after_commit(s, self.on_queued)
