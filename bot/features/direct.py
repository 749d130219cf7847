"""One message from a coordinator or safeguarding lead to one participant: ``copro message``
and ``/message 12 your words`` on Telegram or by text.

Only staff of one of the person's groups (or an admin) may send one. STOP is kept: a person
who opted out is not texted. It waits for the person's contact hours, unless it is sent
urgently, which only a safeguarding lead (or an admin, or the command line) may do. Every
message is in the audit log, with who sent it and whether it was urgent.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from bot.core import quiet
from bot.core.clock import utcnow
from bot.core.config import Config
from bot.features import outreach
from bot.host.conversations import Conversations, Say
from bot.host.replies import preferred_address
from bot.language import texts
from storage import audit, groups, messages, participants
from storage.db import Tx
from storage.models import Participant

TYPED = re.compile(r"^\s*/?message\s+#?(\d{1,9})\b[\s:,.-]*(urgent\b[\s:,.-]*)?(.*)$",
                   re.IGNORECASE | re.DOTALL)
MAX_LENGTH = 1000
STAFF = ("coordinator", "safeguarding")


class DirectError(ValueError):
    """A message that cannot be sent; ``str()`` says why in plain words."""


@dataclass(frozen=True)
class Sending:
    """Where the message goes, and when: ``opens`` None is now."""

    channel: str
    opens: datetime | None


class Direct:
    def __init__(
        self, conversations: Conversations, config: Config, clock: Callable[[], datetime] = utcnow
    ) -> None:
        self.conversations = conversations
        self.config = config
        self.clock = clock

    def register(self) -> None:
        self.conversations.intercept(self.typed)

    async def send(
        self, s: Tx, person: Participant, words: str, *, by: Participant | None,
        urgent: bool = False, signed: str | None = None,
    ) -> Sending:
        """Queue ``words`` for ``person`` from ``by`` (None: the command line), signed with
        ``signed`` (else their name; from the command line, "your group coordinator")."""
        words = words.strip()
        if not words:
            raise DirectError("the message is empty")
        if len(words) > MAX_LENGTH:
            raise DirectError(f"a message can be at most {MAX_LENGTH} characters")
        name = person.name or f"participant {person.id}"
        if by is not None and not await self.may_send(s, by, person, urgent=False):
            raise DirectError(f"you are not a coordinator or safeguarding lead of {name}'s groups")
        if urgent and by is not None and not await self.may_send(s, by, person, urgent=True):
            raise DirectError("only a safeguarding lead may send a message outside someone's "
                              "contact hours")
        if person.status == "opted_out":
            raise DirectError(f"{name} has opted out (sent STOP): copro does not text them")
        if person.status != "active" or person.consent_at is None:
            raise DirectError(f"{name} is not taking part (they have not said yes to copro)")
        address = await preferred_address(s, person.id)
        if address is None:
            raise DirectError(f"{name} has no address copro can use")
        now = self.clock()
        opens = None if urgent else quiet.opens_at(
            now, person.contact_start, person.contact_end,
            quiet.zone(person.timezone, self.config.timezone))
        sender = signed or (by.name if by is not None else None)
        await self.conversations.say_in(
            s, person, texts.DIRECT_MESSAGE, key=f"direct:{person.id}:{uuid.uuid4().hex}",
            scope={"by": sender, "words": words}, quiet=not urgent, topic=f"direct:{person.id}",
            priority=messages.URGENT if urgent else messages.NORMAL,
        )
        await audit.record(s, kind="direct_message",
                           actor=f"participant:{by.id}" if by else "command line",
                           participant_id=person.id,
                           details={"urgent": urgent, "channel": address[0], "text": words,
                                    "signed": sender},
                           at=now)
        return Sending(address[0], opens)

    async def may_send(self, s: Tx, by: Participant, person: Participant, *, urgent: bool) -> bool:
        """Whether ``by`` may message ``person``: staff of one of their groups, or an admin;
        urgently, a safeguarding lead of one of their groups, or an admin."""
        if by.status != "active":
            return False
        if by.admin:
            return True
        theirs = {g.id for g in await groups.groups_of(s, person.id)}
        wanted = ("safeguarding",) if urgent else STAFF
        return any(gid in theirs and role in wanted for gid, role in await groups.roles_of(s, by.id))

    async def typed(self, s: Tx, actor: Participant, text: str, say: Say) -> bool:
        """``/message 12 your words`` (``/message 12 urgent your words``) from staff."""
        found = TYPED.match(text)
        if found is None:
            return False
        person = await participants.get(s, int(found.group(1)))
        if person is None or not await self.may_send(s, actor, person, urgent=False):
            if not actor.admin and not any(role in STAFF for _, role in
                                           await groups.roles_of(s, actor.id)):
                return False  # a participant's own words, for their conversation
            await say(texts.DIRECT_REFUSED, {"why": f"there is no participant {found.group(1)} "
                                                    "in your groups"})
            return True
        try:
            sending = await self.send(s, person, found.group(3), by=actor,
                                      urgent=bool(found.group(2)))
        except DirectError as exc:
            await say(texts.DIRECT_REFUSED, {"why": str(exc)})
            return True
        await say(texts.DIRECT_QUEUED, {
            "name": person.name or f"participant {person.id}", "channel": sending.channel,
            "opens": outreach.spoken_for(sending.opens, actor, self.config, "ar") if sending.opens
            else None})
        return True
