"""Messages people leave by phone (a ``voice: record`` question).

No one reads a spoken message for risk words as copro reads a text, so the
group's coordinators are told of each one, with where it is kept, to listen to
it. A coordinator worried by what they hear flags it (``copro alerts
flag-message``), and that raises a safeguarding alert as a risky text does: sent
at once to the safeguarding leads, repeated until someone acknowledges it.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from bot.core.clock import utcnow
from bot.core.config import Config
from bot.engine.definition import text_for
from bot.engine.events import Notify
from bot.features.alerts import Alerts
from bot.host.conversations import Conversations
from bot.host.notices import notify_staff
from storage import alerts, participants, results, sessions
from storage.db import Tx
from storage.models import FlowSession, Participant

LEFT = "voice-message"
FLAGGED = "voice-message-flagged"


class RecordingError(Exception):
    """A message cannot be flagged; the text says why."""


class Recordings:
    def __init__(self, conversations: Conversations, config: Config,
                 clock: Callable[[], datetime] = utcnow) -> None:
        self.conversations = conversations
        self.config = config
        self.clock = clock
        self.folder = str(config.media_dir / "voice")

    def register(self) -> None:
        for flow in self.conversations.library.flows():
            if any(step.voice == "record" for step in flow.steps):
                self.conversations.on_result(flow.flow, self.left)

    def recorded(self, value: Any) -> list[str]:
        """The messages left by phone in an answer (its value: the files they are kept in)."""
        if not isinstance(value, list):
            return []
        return [p for p in value if isinstance(p, str) and p.startswith(self.folder)]

    async def left(self, s: Tx, person: Participant, row: FlowSession, key: str, value: Any) -> None:
        """An answer was kept: if it is a message left by phone, the coordinators are told."""
        kept = self.recorded(value)
        if not kept:
            return
        text = (f"{_name(person)} left a message by phone in their {self._title(row)}. Please "
                f"listen to it, as no one else will: {kept[0]}. If it worries you, raise a "
                f"safeguarding alert with: copro alerts flag-message {row.id} --note \"why\"")
        await notify_staff(s, person, row, Notify(key, "coordinators", text, LEFT), at=self.clock())

    async def flag(self, s: Tx, session_id: int, note: str) -> tuple[int, int]:
        """Raise a safeguarding alert about the message left in session ``session_id``; the
        alert's number and how many leads or coordinators it went to."""
        row = await sessions.get(s, session_id)
        found = (await results.results_of_sessions(s, [session_id]))[session_id] if row else []
        kept = [(r.key, path) for r in found for path in self.recorded(r.value)]
        if row is None or not kept:
            raise RecordingError(f"no message was left by phone in session {session_id}")
        person = await participants.get(s, row.participant_id)
        if person is None:
            raise RecordingError(f"the person who left the message in session {session_id} "
                                 "was erased")
        key, path = kept[0]
        text = (f"URGENT: a coordinator listened to the message {_name(person)} left by phone in "
                f"their {self._title(row)} and is worried: \"{note}\". The message is kept at "
                f"{path}. Please contact them today.")
        sent = await Alerts(self.conversations, self.config, self.clock).raise_alert(
            s, person, row, Notify(key, "safeguarding", text, FLAGGED))
        raised = next(a for a in await alerts.listed(s, open_only=True)
                      if a.session_id == row.id and a.reason == FLAGGED)
        return raised.id, sent

    def _title(self, row: FlowSession) -> str:
        if row.flow_id in self.conversations.library:
            return text_for(self.conversations.library[row.flow_id].flow.title, "en").lower()
        return row.flow_id


def _name(person: Participant) -> str:
    return person.name or f"participant {person.id}"
