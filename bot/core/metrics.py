"""Prometheus metrics for ``GET /metrics``: one registry per running service."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST

CONTENT_TYPE = CONTENT_TYPE_LATEST


class Metrics:
    """What copro counts. Label values are channel names, message statuses, job kinds and
    sweep names only: never anything about a person."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.messages_in = Counter(
            "copro_messages_in", "Messages received, by channel.", ["channel"],
            registry=self.registry,
        )
        self.messages_out = Counter(
            "copro_messages_out",
            "Outbound messages by channel and what happened (sent, delivered, read, failed, retried).",
            ["channel", "status"], registry=self.registry,
        )
        self.send_seconds = Histogram(
            "copro_send_seconds", "Time the provider took to accept one message.", ["channel"],
            buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30), registry=self.registry,
        )
        self.retries = Counter(
            "copro_send_retries", "Sends that will be tried again, by channel.", ["channel"],
            registry=self.registry,
        )
        self.queue_depth = Gauge(
            "copro_outbox_depth",
            "Messages not sent yet (queued, sending, held), by channel and status.",
            ["channel", "status"], registry=self.registry,
        )
        self.oldest_queued_seconds = Gauge(
            "copro_outbox_oldest_seconds",
            "Age of the oldest message not sent yet (held ones too).",
            registry=self.registry,
        )
        self.messages_held = Gauge(
            "copro_messages_held",
            "Messages held back until a later time (contact hours, a set time), by channel.",
            ["channel"], registry=self.registry,
        )
        self.messages_failed = Gauge(
            "copro_messages_failed",
            "Messages that failed in the last 24 hours, by channel: see copro messages failed.",
            ["channel"], registry=self.registry,
        )
        self.numbers_muted = Gauge(
            "copro_numbers_muted",
            "Numbers copro stopped answering in the last hour because they acted like robots.",
            registry=self.registry,
        )
        self.notices_unheard = Gauge(
            "copro_notices_unheard",
            "Flow notices (safeguarding, coordinators) that reached no one able to act, ever "
            "(from the audit trail): any rise needs a person to look.",
            registry=self.registry,
        )

        self.jobs_failed = Counter(
            "copro_jobs_failed",
            "Tries of scheduled jobs that failed (each is tried again, up to a limit), by kind.",
            ["kind"], registry=self.registry,
        )
        self.jobs_given_up = Counter(
            "copro_jobs_given_up",
            "Scheduled jobs marked failed after their last try, by kind.", ["kind"],
            registry=self.registry,
        )
        self.sweeps_failed = Counter(
            "copro_scheduler_sweeps_failed",
            "Scheduler sweeps (planning check-ins, session timers) that failed, by sweep.",
            ["sweep"], registry=self.registry,
        )
        self.jobs_overdue = Gauge(
            "copro_jobs_overdue", "Scheduled jobs whose time has come and that are not done yet.",
            registry=self.registry,
        )
        self.oldest_overdue_seconds = Gauge(
            "copro_jobs_oldest_overdue_seconds",
            "How long ago the oldest job not done yet fell due.", registry=self.registry,
        )

    def render(self) -> bytes:
        return generate_latest(self.registry)
