"""copro's features put together: each registers its jobs on one ``Scheduler`` and its
hooks on the ``Conversations`` (answers kept, buttons tapped, alerts raised)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from bot.alerts import Alerts
from bot.broadcasts import Broadcasts
from bot.checkins import Checkins
from bot.claims import Claims
from bot.config import Config
from bot.conversation import Conversations
from bot.desk import Desk
from bot.meetings import Meetings
from bot.outreach import Outreach
from bot.polls import Polls
from bot.scheduler import Scheduler
from bot.timers import Timers
from storage.clock import utcnow


def scheduler_for(
    conversations: Conversations, config: Config, *, clock: Callable[[], datetime] = utcnow
) -> Scheduler:
    """The scheduler of ``copro run`` (check-ins, reminders, nudges, alerts and the rest),
    with every feature's hooks registered on ``conversations``."""
    db = conversations.db
    scheduler = Scheduler(db, config, clock=clock)
    Outreach(conversations, config).register(scheduler)
    Checkins(db, conversations.library, config).register(scheduler)
    scheduler.sweep("session timers", Timers(db, conversations, config).run)
    Alerts(conversations, config, clock).register(scheduler)
    Claims(conversations, config, clock).register()
    Meetings(conversations, config, clock).register(scheduler)
    Polls(conversations, config, clock).register(scheduler)
    Broadcasts(conversations, config, clock).register(scheduler)
    Desk(conversations, config, clock).register()
    return scheduler
