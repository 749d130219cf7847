"""copro's features put together: each registers its jobs on one ``Scheduler`` and its
hooks on the ``Conversations`` (answers kept, buttons tapped, alerts raised)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from bot.core.clock import utcnow
from bot.core.config import Config
from bot.core.metrics import Metrics
from bot.core.scheduler import Scheduler
from bot.features.alerts import Alerts
from bot.features.broadcasts import Broadcasts
from bot.features.checkins import Checkins
from bot.features.claims import Claims
from bot.features.desk import Desk
from bot.features.direct import Direct
from bot.features.meetings import Meetings
from bot.features.outreach import Outreach
from bot.features.polls import Polls
from bot.features.recordings import Recordings
from bot.host.conversations import Conversations
from bot.host.timers import Timers


def scheduler_for(
    conversations: Conversations, config: Config, *, clock: Callable[[], datetime] = utcnow,
    metrics: Metrics | None = None,
) -> Scheduler:
    """The scheduler of ``copro run`` (check-ins, reminders, nudges, alerts and the rest),
    with every feature's hooks registered on ``conversations``."""
    db = conversations.db
    scheduler = Scheduler(db, config, clock=clock, metrics=metrics)
    Outreach(conversations, config).register(scheduler)
    Checkins(db, conversations.library, config, conversations).register(scheduler)
    scheduler.sweep("session timers", Timers(db, conversations, config).run)
    Alerts(conversations, config, clock).register(scheduler)
    Claims(conversations, config, clock).register()
    Meetings(conversations, config, clock).register(scheduler)
    Polls(conversations, config, clock).register(scheduler)
    Broadcasts(conversations, config, clock).register(scheduler)
    Desk(conversations, config, clock).register()
    Recordings(conversations, config, clock).register()
    Direct(conversations, config, clock).register()
    return scheduler
