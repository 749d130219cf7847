"""Session timers: one gentle nudge for an unanswered question, and a quiet end.

Each flow session keeps its own due times (``timeout_at`` for the nudge of the
question it waits at, ``expires_at`` for the end of the flow's ``expires_after``).
A sweep on every scheduler tick resumes the sessions whose time has come. A
nudge waits for the person's contact hours; a session past its time ends
quietly, keeping what was answered. The engine ignores a timer for a step the
session has left, so a stale timer does nothing.
"""

from __future__ import annotations

import logging
from datetime import datetime

from bot.core import quiet
from bot.core.config import Config
from bot.engine.events import Expired, TimedOut
from bot.host.conversations import Conversations
from storage import participants, sessions
from storage.db import Database, Tx, savepoint
from storage.models import FlowSession

log = logging.getLogger(__name__)


class Timers:
    def __init__(self, db: Database, conversations: Conversations, config: Config) -> None:
        self.db = db
        self.conversations = conversations
        self.config = config

    async def run(self, now: datetime) -> int:
        """Resume every session whose nudge or end is due; returns how many."""
        done = 0
        batch = self.config.scheduler.batch_size
        while True:
            async with self.db.transaction() as s:
                due = await sessions.claim_timers(s, now=now, limit=batch)
                for row in due:
                    try:
                        async with savepoint(s, reload=[row]):
                            await self._one(s, row, now)
                    except Exception:
                        log.exception("timers: a session could not be resumed; ending it")
                        await sessions.save_session(s, row, step=row.step, state=row.state,
                                                    status="errored", timeout_at=None, now=now)
            done += len(due)
            if len(due) < batch:
                return done

    async def _one(self, s: Tx, row: FlowSession, now: datetime) -> None:
        person = await participants.get(s, row.participant_id)
        if person is None:
            return
        if row.expires_at is not None and row.expires_at <= now:
            await self.conversations.resume_in(s, person, row, Expired())
            return
        opens = quiet.opens_at(now, person.contact_start, person.contact_end,
                               quiet.zone(person.timezone, self.config.timezone))
        if opens is not None and opens > now:
            await sessions.set_timeout(s, row, opens)
        elif row.step is not None:
            await self.conversations.resume_in(s, person, row, TimedOut(row.step))
        if row.timeout_at is not None and row.timeout_at <= now:
            await sessions.set_timeout(s, row, None)  # whatever happened, this timer is spent
