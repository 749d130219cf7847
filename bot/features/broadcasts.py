"""Broadcasts: one message from a coordinator to everyone in a group.

Each person gets it on their own channel, in their own language (English when
there is no Welsh version), all planned at the same moment, so the English and
Welsh messages go out together. It is one ``say`` job a person (``bot.features.outreach``):
contact hours hold it. An hour later the coordinator who sent it gets a
delivery summary: sent, delivered, failed, not sent (opted out or no way to
reach them) and still waiting; ``copro broadcasts show`` gives it at any time.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from bot.core import quiet
from bot.core.clock import utcnow
from bot.core.config import Config
from bot.core.scheduler import Done, JobOutcome, Scheduler, Skipped
from bot.engine.definition import Text
from bot.features import outreach
from bot.host.conversations import Conversations
from bot.host.replies import preferred_address
from bot.language import gsm, texts
from storage import audit, broadcasts, groups, jobs, participants
from storage.db import Tx
from storage.models import ROLES, Broadcast, Group, Job, Participant

SUMMARY = "broadcast-summary"
SUMMARY_AFTER = timedelta(hours=1)
MAX_LENGTH = 1000  # characters: a broadcast is a message, not a newsletter


class BroadcastError(ValueError):
    """A broadcast that cannot be sent; ``str()`` says why in plain words."""


def topic(broadcast: Broadcast) -> str:
    return f"broadcast:{broadcast.id}"


class Broadcasts:
    def __init__(
        self, conversations: Conversations, config: Config, clock: Callable[[], datetime] = utcnow
    ) -> None:
        self.conversations = conversations
        self.config = config
        self.clock = clock

    def register(self, scheduler: Scheduler) -> None:
        scheduler.handle(SUMMARY, self.send_summary)

    async def send(
        self, s: Tx, group: Group, text: Text, *, by: Participant | None = None
    ) -> tuple[Broadcast, int]:
        """Send ``text`` (a string, or ``{"en": ..., "cy": ...}``) to ``group``; how many people."""
        versions = _versions(text)
        now = self.clock()
        broadcast = await broadcasts.create(s, group_id=group.id, texts=versions,
                                            created_by=by.id if by else None, at=now)
        people = await groups.taking_part(s, group.id, roles=ROLES)
        # The words are sent as they were written: no template, so nothing in them is code.
        words = {lang: _literal(value) for lang, value in versions.items()}
        await jobs.plan_many(s, [
            outreach.say_job(pid, words, key=f"{topic(broadcast)}:{pid}", due_at=now,
                             topic=topic(broadcast))
            for pid in people
        ], at=now)
        if by is not None:
            await jobs.plan(s, kind=SUMMARY, key=f"{topic(broadcast)}:summary",
                            due_at=now + SUMMARY_AFTER, topic=f"{topic(broadcast)}:summary",
                            payload={"broadcast": broadcast.id}, at=now)
        await audit.record(s, kind="broadcast_sent", actor=_actor(by),
                           details={"broadcast": broadcast.id, "group": group.id,
                                    "people": len(people)}, at=now)
        return broadcast, len(people)

    async def preview(self, s: Tx, group: Group, text: Text) -> Preview:
        """Who ``text`` would reach if sent now, and what each language's text costs by SMS."""
        versions = _versions(text)
        now, found = self.clock(), Preview()
        for pid in await groups.taking_part(s, group.id, roles=ROLES):
            person = await participants.get(s, pid)
            way = await preferred_address(s, pid)
            if person is None or way is None:
                found.unreachable += 1
                continue
            opens = quiet.opens_at(now, person.contact_start, person.contact_end,
                                   quiet.zone(person.timezone, self.config.timezone))
            tally = found.now if opens is None else found.held
            tally[way[0]] = tally.get(way[0], 0) + 1
            lang = person.language if person.language in versions else "en"
            found.languages[lang] = found.languages.get(lang, 0) + 1
            if opens is not None:
                found.first_held_until = min(opens, found.first_held_until or opens)
        found.sms = {lang: (gsm.segments(gsm.plain(words)), gsm.encoding(gsm.plain(words)))
                     for lang, words in versions.items()}
        return found

    async def summary(self, s: Tx, broadcast: Broadcast) -> dict[str, int]:
        """What became of a broadcast: sent, delivered, failed, opted_out, waiting."""
        sent = await broadcasts.message_statuses(s, topic(broadcast))
        planned = await broadcasts.job_statuses(s, topic(broadcast), outreach.SAY)
        not_sent = sum(n for (status, _), n in planned.items() if status == "skipped")
        pending_jobs = sum(n for (status, _), n in planned.items() if status == "pending")
        return {
            "sent": sent.get("sent", 0) + sent.get("delivered", 0),
            "delivered": sent.get("delivered", 0),
            "failed": sent.get("failed", 0),
            "opted_out": not_sent,
            "waiting": pending_jobs + sum(sent.get(k, 0) for k in ("queued", "sending", "held")),
        }

    async def send_summary(self, s: Tx, job: Job, now: datetime) -> JobOutcome:
        broadcast = await broadcasts.get(s, int(job.payload["broadcast"]))
        if broadcast is None or broadcast.created_by is None:
            return Skipped("no one to tell")
        person = await participants.get(s, broadcast.created_by)
        group = await groups.get_group(s, broadcast.group_id)
        if person is None:
            return Skipped("no one to tell")
        counts = await self.summary(s, broadcast)
        await self.conversations.say_in(
            s, person, texts.BROADCAST_SUMMARY, key=f"{topic(broadcast)}:summary:{person.id}",
            scope={"group": group.name if group else "the group", "counts": counts},
            topic=f"{topic(broadcast)}:summary",
        )
        return Done()


@dataclass
class Preview:
    """Who a broadcast reaches: by channel now, by channel held by contact hours (until
    ``first_held_until`` at the earliest), no working address; people by language; and
    the SMS segments and encoding of each language's text."""

    now: dict[str, int] = field(default_factory=dict)
    held: dict[str, int] = field(default_factory=dict)
    unreachable: int = 0
    languages: dict[str, int] = field(default_factory=dict)
    sms: dict[str, tuple[int, str]] = field(default_factory=dict)
    first_held_until: datetime | None = None


def _versions(text: Text) -> dict[str, str]:
    """The broadcast's words in each language, checked."""
    versions = {"en": text} if isinstance(text, str) else dict(text)
    versions = {lang: words.strip() for lang, words in versions.items() if words and words.strip()}
    if not versions.get("en"):
        raise BroadcastError("a broadcast needs its words in English")
    if any(len(words) > MAX_LENGTH for words in versions.values()):
        raise BroadcastError(f"a broadcast can be at most {MAX_LENGTH} characters")
    return versions


def _literal(words: str) -> str:
    """``words`` as a template that renders them exactly (``{{`` and all)."""
    escaped = words.replace("{% endraw %}", "{% endraw %}{{ '{% endraw %}' }}{% raw %}")
    return "{% raw %}" + escaped + "{% endraw %}"


def _actor(by: Participant | None) -> str:
    return f"participant:{by.id}" if by else "command line"

