"""The scheduler: wakes up, does what the database says is due, and goes back to sleep.

APScheduler only sets the pace (``tick`` every ``scheduler.tick_seconds``). What is
due lives in the database: ``jobs`` rows, and the nudge and end times of flow
sessions. A tick first runs the *sweeps* (planning next week's check-ins, the
session timers), then claims due jobs in batches and runs each one's handler in
the same transaction that marks it done. So a restart loses nothing, work that
fell due while copro was down is done on the first tick (each handler decides
whether it still makes sense), and two copro processes on one PostgreSQL
database never do the same job twice (rows are claimed with SKIP LOCKED).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.core.clock import utcnow
from bot.core.config import Config
from storage import jobs
from storage.db import Database, Tx, savepoint
from storage.models import Job

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 5  # a job whose handler keeps failing is given up after this many tries
RETRY = timedelta(minutes=5)  # first wait after a failure; doubles each time
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


JobOutcome = Done | Skipped | Later
JobHandler = Callable[[Tx, Job, datetime], Awaitable[JobOutcome]]
# Does many jobs of one kind at once; returns each job's outcome by job id.
BatchHandler = Callable[[Tx, list[Job], datetime], Awaitable[dict[int, JobOutcome]]]
Sweep = Callable[[datetime], Awaitable[object]]


class Scheduler:
    def __init__(
        self, db: Database, config: Config, *, clock: Callable[[], datetime] = utcnow
    ) -> None:
        self.db = db
        self.config = config
        self.clock = clock
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
        """Stop ticking; a tick under way gets ``grace`` seconds to finish its batch."""
        self._stopping = True
        if self._aps is not None and self._aps.running:
            self._aps.shutdown(wait=False)
        if self._ticking is not None and not self._ticking.done():
            with contextlib.suppress(BaseException):
                await asyncio.wait_for(asyncio.shield(self._ticking), grace)
            if not self._ticking.done():
                self._ticking.cancel()
                with contextlib.suppress(BaseException):
                    await self._ticking

    async def _tick_in_background(self) -> None:
        if self._stopping:
            return
        self._ticking = asyncio.current_task()
        try:
            await self.tick()
        except Exception:
            log.exception("scheduler: a tick failed; trying again next time")

    async def tick(self) -> int:
        """Run the sweeps, then every job due now; returns how many jobs ran."""
        now = self.clock()
        for name, sweep in self.sweeps:
            if self._stopping:
                return 0
            try:
                await sweep(now)
            except Exception:
                log.exception("scheduler: %s failed; trying again next tick", name)
        ran = 0
        for _ in range(MAX_BATCHES):
            if self._stopping:
                break
            async with self.db.transaction() as s:
                batch = await jobs.claim_due(s, now=now, limit=self.config.scheduler.batch_size)
                await self._run_batch(s, batch, now)
            if not batch:
                break  # a job may plan others due at once (one a member): they run in this tick
            ran += len(batch)
        return ran

    async def _run_batch(self, s: Tx, batch: list[Job], now: datetime) -> None:
        kinds: dict[str, list[Job]] = {}
        for job in batch:
            kinds.setdefault(job.kind, []).append(job)
        for kind, some in kinds.items():
            many = self.batch_handlers.get(kind)
            if many is not None and len(some) > 1:
                try:
                    async with savepoint(s, reload=some):
                        outcomes = await many(s, some, now)
                except Exception:
                    log.exception("scheduler: %d %s jobs failed together; one at a time now",
                                  len(some), kind)
                else:
                    await self._record_many(s, some, outcomes, now)
                    continue
            for job in some:
                await self._run(s, job, now)

    async def _run(self, s: Tx, job: Job, now: datetime) -> None:
        handler = self.handlers.get(job.kind)
        if handler is None:
            await jobs.finish(s, job, status="failed", note=f"no handler for {job.kind!r}", at=now)
            log.error("scheduler: job %s has a kind this copro does not know: %s", job.id, job.kind)
            return
        try:
            async with savepoint(s, reload=[job]):
                outcome = await handler(s, job, now)
        except Exception as exc:
            await self._failed(s, job, now, f"{type(exc).__name__}: {exc}")
            log.exception("scheduler: job %s (%s) failed", job.id, job.kind)
            return
        await self._record(s, job, outcome, now)

    async def _record_many(
        self, s: Tx, some: list[Job], outcomes: dict[int, JobOutcome], now: datetime
    ) -> None:
        """Record a batch's outcomes: the finished ones with a statement for each kind of end."""
        later: list[tuple[Job, datetime, str | None]] = []
        ends: dict[tuple[str, str | None], list[Job]] = {}
        for job in some:
            outcome = outcomes.get(job.id) or Skipped("no outcome")
            if isinstance(outcome, Later):
                later.append((job, _again(outcome, now), outcome.note))
            else:
                status = "skipped" if isinstance(outcome, Skipped) else "done"
                ends.setdefault((status, outcome.note), []).append(job)
        await jobs.settle_batch(s, later=later, ends=ends, at=now)

    @staticmethod
    async def _record(s: Tx, job: Job, outcome: JobOutcome, now: datetime) -> None:
        if isinstance(outcome, Later):
            await jobs.postpone(s, job, until=_again(outcome, now), note=outcome.note, at=now)
        elif isinstance(outcome, Skipped):
            await jobs.finish(s, job, status="skipped", note=outcome.note, at=now)
            log.info("scheduler: skipped %s: %s", job.key, outcome.note)
        else:
            await jobs.finish(s, job, status="done", note=outcome.note, at=now)

    async def _failed(self, s: Tx, job: Job, now: datetime, reason: str) -> None:
        attempts = job.attempts + 1
        if attempts >= MAX_ATTEMPTS:
            await jobs.finish(s, job, status="failed", note=f"gave up: {reason}", at=now,
                              attempt=True)
            return
        await jobs.postpone(s, job, until=now + RETRY * 2 ** (attempts - 1), note=reason, at=now,
                            attempt=True)


def _again(later: Later, now: datetime) -> datetime:
    """When a job put off ``later`` runs again: never in this same instant."""
    return max(later.until, now + timedelta(seconds=1))
