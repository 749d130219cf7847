"""Everything copro does on its own schedule, put together on one ``Scheduler``."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from bot.checkins import Checkins
from bot.config import Config
from bot.conversation import Conversations
from bot.outreach import Outreach
from bot.scheduler import Scheduler
from bot.timers import Timers
from storage.clock import utcnow


def scheduler_for(
    conversations: Conversations, config: Config, *, clock: Callable[[], datetime] = utcnow
) -> Scheduler:
    """The scheduler of ``copro run``: check-ins, reminders, nudges and the rest."""
    db = conversations.db
    scheduler = Scheduler(db, config, clock=clock)
    Outreach(conversations, config).register(scheduler)
    Checkins(db, conversations.library, config).register(scheduler)
    scheduler.sweep("session timers", Timers(db, conversations, config).run)
    return scheduler
