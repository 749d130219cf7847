"""The scheduler: wakes up, does what the database says is due, and goes back to sleep.

APScheduler only sets the pace (``tick`` every ``scheduler.tick_seconds``). What is
due lives in the database: ``jobs`` rows, and the nudge and end times of flow
sessions. A tick first runs the *sweeps* (planning next week's check-ins, the
session timers), then claims due jobs in batches and runs each one's handler in
the same transaction that marks it done. So a restart loses nothing, work that
fell due while copro was down is done on the first tick (each handler decides
whether it still makes sense), and two copro processes on one PostgreSQL
database never do the same job twice (rows are claimed with SKIP LOCKED).

A job with much to do (a check-in for a very large group) may do it a part at a time:
its handler returns ``Progress``, with where it got to, and the job runs again at once,
in the next batch of the same tick, each part in a transaction of its own.

One job that fails never stops the others: each runs in a savepoint of its own,
is tried again later with a growing wait, and after ``scheduler.max_attempts``
tries is marked failed with its reason, logged at ERROR and counted in
``copro_jobs_failed_total``.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.core.clock import utcnow
from bot.core.config import Config
from bot.core.logs import reason as _reason
from bot.core.metrics import Metrics
from storage import jobs
from storage.db import Database, Tx, savepoint
from storage.models import Job

log = logging.getLogger(__name__)

MAX_BATCHES = 1000  # per tick: a bound, so a tick always ends


@dataclass(frozen=True)
class Done:
    note: str | None = None


@dataclass(frozen=True)
class Skipped:
    """The job no longer makes sense (too late, the meeting was cancelled...)."""

    note: str


@dataclass(frozen=True)
class Later:
    """Not now: run the job again at ``until`` (contact hours shut, person busy...)."""

    until: datetime
    note: str


@dataclass(frozen=True)
class Progress:
    """Part of the work is done: keep ``payload`` (where it got to) and run the job again at
    once, in the next batch of this tick."""

    payload: dict[str, Any]
    note: str


JobOutcome = Done | Skipped | Later | Progress
JobHandler = Callable[[Tx, Job, datetime], Awaitable[JobOutcome]]
# Does many jobs of one kind at once; returns each job's outcome by job id.
BatchHandler = Callable[[Tx, list[Job], datetime], Awaitable[dict[int, JobOutcome]]]
Sweep = Callable[[datetime], Awaitable[object]]


class Scheduler:
    def __init__(
        self, db: Database, config: Config, *, clock: Callable[[], datetime] = utcnow,
        metrics: Metrics | None = None,
    ) -> None:
        self.db = db
        self.config = config
        self.clock = clock
        self.metrics = metrics or Metrics()
        self._passing_over: set[int] = set()  # jobs whose failure could not be saved, this tick
        self.handlers: dict[str, JobHandler] = {}
        self.batch_handlers: dict[str, BatchHandler] = {}
        self.sweeps: list[tuple[str, Sweep]] = []
        self._aps: AsyncIOScheduler | None = None
        self._ticking: asyncio.Task[object] | None = None
        self._stopping = False

    def handle(self, kind: str, handler: JobHandler) -> None:
        """Run ``handler`` for each due job of ``kind``."""
        self.handlers[kind] = handler

    def handle_many(self, kind: str, handler: BatchHandler) -> None:
        """Run ``handler`` once for all the due jobs of ``kind`` in a batch (for speed).

        If it fails, the jobs are run one at a time by the ``handle`` handler, so one
        bad job cannot hold up the rest.
        """
        self.batch_handlers[kind] = handler

    def sweep(self, name: str, sweep: Sweep) -> None:
        """Call ``sweep(now)`` at the start of every tick."""
        self.sweeps.append((name, sweep))

    # --- running ---------------------------------------------------------------------

    def start(self) -> None:
        """Tick now, then every ``scheduler.tick_seconds``, until ``stop()``."""
        self._aps = AsyncIOScheduler(timezone=UTC)
        self._aps.add_job(
            self._tick_in_background, "interval", seconds=self.config.scheduler.tick_seconds,
            next_run_time=datetime.now(UTC), max_instances=1, coalesce=True,
            misfire_grace_time=None, id="tick",
        )
        self._aps.start()

    async def stop(self, grace: float = 5.0) -> None:
        """Stop ticking; a tick under way gets ``grace`` seconds to finish its batch.

        APScheduler's own shutdown cancels a job under way at once, so it is paused
        first (no new tick starts) and shut down only once the tick has finished or
        been cancelled here. A cancelled batch's transaction rolls back: its jobs stay
        due and run at the next start.
        """
        self._stopping = True
        if self._aps is not None and self._aps.running:
            self._aps.pause()
        ticking = self._ticking
        if ticking is not None and not ticking.done():
            await asyncio.wait([ticking], timeout=grace)
            if not ticking.done():
                log.warning("scheduler: a tick did not finish within %g s of stopping; "
                            "what it had not saved runs at the next start", grace)
                ticking.cancel()
                await asyncio.wait([ticking])
        if self._aps is not None and self._aps.running:
            self._aps.shutdown(wait=False)

    async def _tick_in_background(self) -> None:
        if self._stopping:
            return
        self._ticking = asyncio.current_task()
        try:
            await self.tick()
        except asyncio.CancelledError:
            if not self._stopping:
                raise
            # cancelled by stop() after its grace, which said so; nothing is lost
        except Exception as exc:
            _log_error(exc, "scheduler: a tick failed (%s); trying again next time")

    async def tick(self) -> int:
        """Run the sweeps, then every job due now; returns how many jobs were tried.

        Each batch of due jobs runs in one transaction, each job (or a batch handler's
        whole batch) in a savepoint of its own, so one job that fails, or whose outcome
        cannot be saved, is retried later while the others are done. Should the batch's
        transaction fail as a whole, its jobs are run again one transaction each.
        """
        now = self.clock()
        self._passing_over = set()
        for name, sweep in self.sweeps:
            if self._stopping:
                return 0
            try:
                await sweep(now)
            except Exception as exc:
                self.metrics.sweeps_failed.labels(sweep=name).inc()
                _log_error(exc, "scheduler: %s failed (%s); trying again next tick", name)
        tried = 0
        for _ in range(MAX_BATCHES):
            if self._stopping:
                break
            claimed = await self._batch(now)
            if not claimed:
                break  # a job may plan others due at once (one a member): they run in this tick
            tried += len(claimed)
        return tried

    async def _batch(self, now: datetime) -> list[Claimed]:
        """Claim and run one batch; returns what was claimed (nothing: no more due now)."""
        claimed: list[Claimed] = []
        try:
            async with self.db.transaction() as s:
                batch = await jobs.claim_due(s, now=now, limit=self.config.scheduler.batch_size,
                                             passing_over=self._passing_over)
                claimed = [Claimed.of(job) for job in batch]
                failures = await self._run_batch(s, batch, now)
        except Exception as exc:
            if not claimed:
                _log_error(exc, "scheduler: could not claim the jobs due (%s); "
                           "trying again next tick")
                return []
            _log_error(exc, "scheduler: a batch of %d jobs could not be saved (%s); "
                       "one transaction a job now", len(claimed))
            for job in claimed:
                await self._alone(job, now)
            return claimed
        self._report(failures)
        return claimed

    async def _alone(self, claimed: Claimed, now: datetime) -> None:
        """Run one job in a transaction of its own (after its batch's transaction failed)."""
        try:
            async with self.db.transaction() as s:
                job = await jobs.claim(s, claimed.id, now=now)
                if job is None:
                    return  # done meanwhile, or held by another copro
                failures = await self._run_batch(s, [job], now)
        except Exception as exc:
            failures = [await self._failed_alone(claimed, now, _reason(exc))]
        self._report(failures)

    async def _failed_alone(self, claimed: Claimed, now: datetime, reason: str) -> Failure:
        """Record, in a transaction of its own, that a job failed even on its own."""
        try:
            async with self.db.transaction() as s:
                return await self._failed(s, claimed, now, reason)
        except Exception as exc:
            _log_error(exc, "scheduler: could not save that job %s failed (%s); "
                       "passing over it until the next tick", claimed.id)
            self._passing_over.add(claimed.id)
            return self._failure(claimed, now, reason)

    async def _run_batch(self, s: Tx, batch: list[Job], now: datetime) -> list[Failure]:
        """Run a claimed batch, kind by kind; returns the jobs that failed."""
        known = {job.id: Claimed.of(job) for job in batch}
        kinds: dict[str, list[Job]] = {}
        for job in batch:
            kinds.setdefault(job.kind, []).append(job)
        failures: list[Failure] = []
        for kind, some in kinds.items():
            many = self.batch_handlers.get(kind)
            if many is not None and len(some) > 1:
                try:
                    async with savepoint(s, reload=some):
                        outcomes = await many(s, some, now)
                        await self._record_many(s, some, outcomes, now)
                except Exception as exc:
                    _log_error(exc, "scheduler: %d %s jobs failed together (%s); "
                               "one at a time now", len(some), kind)
                else:
                    continue
            for job in some:
                failure = await self._run(s, job, known[job.id], now)
                if failure is not None:
                    failures.append(failure)
        return failures

    async def _run(self, s: Tx, job: Job, claimed: Claimed, now: datetime) -> Failure | None:
        handler = self.handlers.get(claimed.kind)
        if handler is None:
            return await self._failed(s, claimed, now, f"no handler for {claimed.kind!r}",
                                      final=True)
        try:
            async with savepoint(s):
                outcome = await handler(s, job, now)
                await self._record(s, job, outcome, now)
        except Exception as exc:
            log.debug("scheduler: job %s failed", claimed.id, exc_info=exc)
            return await self._failed(s, claimed, now, _reason(exc))
        return None

    async def _record_many(
        self, s: Tx, some: list[Job], outcomes: dict[int, JobOutcome], now: datetime
    ) -> None:
        """Record a batch's outcomes: the finished ones with a statement for each kind of end."""
        later: list[tuple[Job, datetime, str | None]] = []
        ends: dict[tuple[str, str | None], list[Job]] = {}
        for job in some:
            outcome = outcomes.get(job.id) or Skipped("no outcome")
            if isinstance(outcome, Progress):
                await jobs.progress(s, job, payload=outcome.payload, note=outcome.note, at=now)
            elif isinstance(outcome, Later):
                later.append((job, _again(outcome, now), outcome.note))
            else:
                status = "skipped" if isinstance(outcome, Skipped) else "done"
                ends.setdefault((status, outcome.note), []).append(job)
        await jobs.settle_batch(s, later=later, ends=ends, at=now)

    @staticmethod
    async def _record(s: Tx, job: Job, outcome: JobOutcome, now: datetime) -> None:
        if isinstance(outcome, Progress):
            await jobs.progress(s, job, payload=outcome.payload, note=outcome.note, at=now)
        elif isinstance(outcome, Later):
            await jobs.postpone(s, job, until=_again(outcome, now), note=outcome.note, at=now)
        elif isinstance(outcome, Skipped):
            await jobs.finish(s, job, status="skipped", note=outcome.note, at=now)
            log.info("scheduler: skipped %s: %s", job.key, outcome.note)
        else:
            await jobs.finish(s, job, status="done", note=outcome.note, at=now)

    async def _failed(
        self, s: Tx, claimed: Claimed, now: datetime, reason: str, *, final: bool = False
    ) -> Failure:
        """Save that a try failed: to be tried again later, or (the last try) marked failed."""
        failure = self._failure(claimed, now, reason, final=final)
        note = f"gave up: {reason}" if failure.retry_at is None else reason
        try:
            async with savepoint(s):
                await jobs.failed(s, claimed.id, attempts=failure.attempt, note=note,
                                  retry_at=failure.retry_at, at=now)
        except Exception as exc:
            _log_error(exc, "scheduler: could not save that job %s failed (%s); "
                       "passing over it until the next tick", claimed.id)
            self._passing_over.add(claimed.id)
        return failure

    def _failure(
        self, claimed: Claimed, now: datetime, reason: str, *, final: bool = False
    ) -> Failure:
        attempt = claimed.attempts + 1
        if final or attempt >= self.config.scheduler.max_attempts:
            return Failure(claimed, attempt, reason, None)
        return Failure(claimed, attempt, reason, now + self.backoff(attempt))

    def backoff(self, attempt: int) -> timedelta:
        """How long after failed try number ``attempt`` (from 1) the job is tried again."""
        settings = self.config.scheduler
        wait: timedelta = settings.first_retry * 2 ** min(attempt - 1, 30)
        return min(wait, settings.max_retry)

    def _report(self, failures: list[Failure]) -> None:
        """Log and count the failures a transaction saved (once each, after it committed)."""
        limit = self.config.scheduler.max_attempts
        for f in failures:
            job = f.job
            self.metrics.jobs_failed.labels(kind=job.kind).inc()
            if f.retry_at is None:
                self.metrics.jobs_given_up.labels(kind=job.kind).inc()
                then = "marked failed, not tried again"
            else:
                then = f"trying again at {f.retry_at:%Y-%m-%d %H:%M:%S} UTC"
            log.error("scheduler: job %s (kind %s, key %s) failed on try %d of %d: %s; %s",
                      job.id, job.kind, job.key, f.attempt, limit, f.reason, then)


@dataclass(frozen=True)
class Claimed:
    """What the scheduler keeps of a claimed job, read once: its row may become unusable."""

    id: int
    kind: str
    key: str
    attempts: int

    @classmethod
    def of(cls, job: Job) -> Claimed:
        return cls(job.id, job.kind, job.key, job.attempts)


@dataclass(frozen=True)
class Failure:
    """One failed try of a job; ``retry_at`` None: it was the last."""

    job: Claimed
    attempt: int
    reason: str
    retry_at: datetime | None


def _log_error(exc: BaseException, message: str, *args: object) -> None:
    """``message`` at ERROR with ``args`` and the error's reason (last), free of people's
    details; the traceback, which may quote them, at DEBUG only."""
    log.error(message, *args, _reason(exc))
    log.debug("scheduler: the traceback of that error", exc_info=exc)


def _again(later: Later, now: datetime) -> datetime:
    """When a job put off ``later`` runs again: never in this same instant."""
    return max(later.until, now + timedelta(seconds=1))
