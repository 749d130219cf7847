"""One job that fails, or whose outcome cannot be saved, never stops the others: it is tried
again later, then marked failed with its reason, logged at ERROR and counted."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.exc import IntegrityError

from bot.core.config import Config, ConfigError, load_config
from bot.core.metrics import Metrics
from bot.core.scheduler import Done, JobOutcome, Scheduler, _reason
from storage import jobs
from storage.db import Database, Tx
from storage.models import Job

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


def settings(tmp_path: Path, extra: str = "") -> Config:
    path = tmp_path / "copro.toml"
    path.write_text(f"[scheduler]\n{extra}\n")
    return load_config(path, env={"COPRO_DATA_DIR": str(tmp_path)})


class Clock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> datetime:
        return self.now


async def plan(db: Database, kind: str, *keys: str) -> None:
    async with db.transaction() as s:
        for key in keys:
            await jobs.plan(s, kind=kind, key=key, due_at=NOW, topic="t", at=NOW)


async def found(db: Database) -> dict[str, Job]:
    async with db.transaction() as s:
        return {job.key: job for job in await jobs.about(s, "t")}


def sample(metrics: Metrics, name: str, **labels: str) -> float | None:
    return metrics.registry.get_sample_value(name, labels)


async def test_a_batch_that_fails_together_is_run_one_at_a_time_and_the_good_jobs_are_done(
    tmp_path: Path, database: Database, caplog: pytest.LogCaptureFixture
) -> None:
    metrics = Metrics()
    scheduler = Scheduler(database, settings(tmp_path), clock=lambda: NOW, metrics=metrics)
    alone: list[str] = []

    async def many(s: Tx, some: list[Job], now: datetime) -> dict[int, JobOutcome]:
        for job in some:  # the batch's work, undone when one of them turns out bad
            await jobs.plan(s, kind="side", key=f"side:{job.key}", due_at=NOW + timedelta(days=1),
                            topic="t", at=now)
        raise RuntimeError("one of these is bad")

    async def one(s: Tx, job: Job, now: datetime) -> JobOutcome:
        alone.append(job.key)
        if job.key == "g2":
            raise ValueError("this one")
        await jobs.plan(s, kind="side", key=f"side:{job.key}", due_at=NOW + timedelta(days=1),
                        topic="t", at=now)
        return Done("alone")

    scheduler.handle_many("greeting", many)
    scheduler.handle("greeting", one)
    await plan(database, "greeting", "g1", "g2", "g3")
    assert await scheduler.tick() == 3

    assert alone == ["g1", "g2", "g3"]
    rows = await found(database)
    # The good ones did their work once (the batch's attempt left nothing behind).
    assert sorted(k for k in rows if k.startswith("side:")) == ["side:g1", "side:g3"]
    assert [(rows[k].status, rows[k].note) for k in ("g1", "g3")] == [("done", "alone")] * 2
    bad = rows["g2"]
    assert (bad.status, bad.attempts, bad.note) == ("pending", 1, "ValueError: this one")
    assert bad.due_at == NOW + timedelta(minutes=5)
    assert sample(metrics, "copro_jobs_failed_total", kind="greeting") == 1
    assert [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR] == [
        "scheduler: 3 greeting jobs failed together (RuntimeError: one of these is bad); "
        "one at a time now",
        f"scheduler: job {bad.id} (kind greeting, key g2) failed on try 1 of 5: "
        "ValueError: this one; trying again at 2026-11-23 10:05:00 UTC",
    ]


async def test_when_saving_a_batch_outcome_fails_the_jobs_run_one_at_a_time(
    tmp_path: Path, database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    scheduler = Scheduler(database, settings(tmp_path), clock=lambda: NOW)

    async def many(s: Tx, some: list[Job], now: datetime) -> dict[int, JobOutcome]:
        return {job.id: Done("together") for job in some}

    async def one(s: Tx, job: Job, now: datetime) -> JobOutcome:
        return Done("alone")

    async def broken_settle(*_: Any, **__: Any) -> None:
        raise RuntimeError("the batch statement failed")

    scheduler.handle_many("greeting", many)
    scheduler.handle("greeting", one)
    monkeypatch.setattr(jobs, "settle_batch", broken_settle)
    await plan(database, "greeting", "g1", "g2")
    await scheduler.tick()
    rows = await found(database)
    assert [(rows[k].status, rows[k].note) for k in ("g1", "g2")] == [("done", "alone")] * 2


async def test_a_job_whose_outcome_cannot_be_saved_is_retried_and_the_others_are_done(
    tmp_path: Path, database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    scheduler = Scheduler(database, settings(tmp_path), clock=lambda: NOW)
    finish = jobs.finish

    async def finish_but_not_b(s: Tx, job: Job, **kwargs: Any) -> None:
        if job.key == "b":
            raise RuntimeError("could not write")
        await finish(s, job, **kwargs)

    async def one(s: Tx, job: Job, now: datetime) -> JobOutcome:
        return Done("ok")

    scheduler.handle("greeting", one)
    monkeypatch.setattr(jobs, "finish", finish_but_not_b)
    await plan(database, "greeting", "a", "b", "c")
    assert await scheduler.tick() == 3
    rows = await found(database)
    assert [rows[k].status for k in ("a", "c")] == ["done", "done"]
    assert (rows["b"].status, rows["b"].attempts) == ("pending", 1)
    assert rows["b"].note == "RuntimeError: could not write"


async def test_a_failure_that_cannot_be_saved_is_passed_over_and_the_tick_ends(
    tmp_path: Path, database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    scheduler = Scheduler(database, settings(tmp_path), clock=lambda: NOW)
    failed = jobs.failed
    ran: list[str] = []

    async def failed_not_for_b(s: Tx, job_id: int, **kwargs: Any) -> None:
        if job_id == rows["b"].id:
            raise RuntimeError("the disk is full")
        await failed(s, job_id, **kwargs)

    async def one(s: Tx, job: Job, now: datetime) -> JobOutcome:
        ran.append(job.key)
        if job.key == "b":
            raise RuntimeError("b is broken")
        return Done("ok")

    scheduler.handle("greeting", one)
    await plan(database, "greeting", "a", "b", "c")
    rows = await found(database)
    monkeypatch.setattr(jobs, "failed", failed_not_for_b)
    # "b" stays pending and due, yet is not claimed again and again in this tick.
    assert await scheduler.tick() == 3
    assert ran == ["a", "b", "c"]
    rows = await found(database)
    assert [rows[k].status for k in ("a", "b", "c")] == ["done", "pending", "done"]
    await scheduler.tick()  # the next tick tries it again
    assert ran == ["a", "b", "c", "b"]


class FailingCommit:
    """A database whose first transaction fails as it commits (a lost connection, say)."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.failures = 1

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Tx]:
        async with self.db.transaction() as s:
            yield s
            if self.failures:
                self.failures -= 1
                raise ConnectionError("the connection was lost")


async def test_when_a_batch_transaction_fails_each_job_runs_in_one_of_its_own(
    tmp_path: Path, database: Database
) -> None:
    scheduler = Scheduler(database, settings(tmp_path), clock=lambda: NOW)
    scheduler.db = FailingCommit(database)  # type: ignore[assignment]
    ran: list[str] = []

    async def one(s: Tx, job: Job, now: datetime) -> JobOutcome:
        ran.append(job.key)
        return Done("ok")

    scheduler.handle("greeting", one)
    await plan(database, "greeting", "a", "b")
    assert await scheduler.tick() == 2
    assert ran == ["a", "b", "a", "b"]  # the first batch was undone, then each alone
    rows = await found(database)
    assert [(rows[k].status, rows[k].note) for k in ("a", "b")] == [("done", "ok")] * 2


async def test_a_failing_job_backs_off_is_marked_failed_logged_and_counted(
    tmp_path: Path, database: Database, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    clock = Clock()
    metrics = Metrics()
    config = settings(tmp_path, 'max_attempts = 3\nfirst_retry = "10m"\nmax_retry = "15m"')
    scheduler = Scheduler(database, config, clock=clock, metrics=metrics)
    tries: list[datetime] = []

    async def broken(s: Tx, job: Job, now: datetime) -> JobOutcome:
        tries.append(now)
        raise RuntimeError("no reply from +447700900123")

    scheduler.handle("reminder", broken)
    await plan(database, "reminder", "reminder:7")
    for _ in range(12):
        await scheduler.tick()
        clock.now += timedelta(minutes=5)

    assert [t - NOW for t in tries] == [timedelta(0), timedelta(minutes=10),
                                        timedelta(minutes=25)]
    job = (await found(database))["reminder:7"]
    assert (job.status, job.attempts) == ("failed", 3)
    assert job.note == "gave up: RuntimeError: no reply from +44*******123"
    errors = [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR]
    assert errors == [
        f"scheduler: job {job.id} (kind reminder, key reminder:7) failed on try 1 of 3: "
        "RuntimeError: no reply from +44*******123; trying again at 2026-11-23 10:10:00 UTC",
        f"scheduler: job {job.id} (kind reminder, key reminder:7) failed on try 2 of 3: "
        "RuntimeError: no reply from +44*******123; trying again at 2026-11-23 10:25:00 UTC",
        f"scheduler: job {job.id} (kind reminder, key reminder:7) failed on try 3 of 3: "
        "RuntimeError: no reply from +44*******123; marked failed, not tried again",
    ]
    assert "+447700900123" not in caplog.text
    assert sample(metrics, "copro_jobs_failed_total", kind="reminder") == 3
    assert sample(metrics, "copro_jobs_given_up_total", kind="reminder") == 1


def test_back_off_doubles_from_first_retry_up_to_max_retry(tmp_path: Path) -> None:
    scheduler = Scheduler(None, settings(tmp_path))  # type: ignore[arg-type]
    assert [scheduler.backoff(n) for n in (1, 2, 3, 4, 5, 60)] == [
        timedelta(minutes=m) for m in (5, 10, 20, 40, 60, 60)]


def test_a_max_retry_shorter_than_the_first_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="max_retry"):
        settings(tmp_path, 'first_retry = "2h"\nmax_retry = "1h"')


def test_a_database_error_reason_is_the_drivers_message_without_the_values() -> None:
    error = IntegrityError("INSERT INTO participants (address) VALUES (?)", ("+447700900123",),
                           Exception("UNIQUE constraint failed: participants.address"))
    assert "+447700900123" in str(error)
    assert _reason(error) == "Exception: UNIQUE constraint failed: participants.address"
    assert _reason(KeyError()) == "KeyError"


async def test_a_job_of_a_kind_nobody_handles_is_marked_failed_at_once(
    tmp_path: Path, database: Database
) -> None:
    metrics = Metrics()
    scheduler = Scheduler(database, settings(tmp_path), clock=lambda: NOW, metrics=metrics)
    await plan(database, "gone", "gone:1")
    await scheduler.tick()
    job = (await found(database))["gone:1"]
    assert (job.status, job.note) == ("failed", "gave up: no handler for 'gone'")
    assert sample(metrics, "copro_jobs_given_up_total", kind="gone") == 1


async def test_a_failing_sweep_is_logged_and_counted_and_the_jobs_still_run(
    tmp_path: Path, database: Database, caplog: pytest.LogCaptureFixture
) -> None:
    metrics = Metrics()
    scheduler = Scheduler(database, settings(tmp_path), clock=lambda: NOW, metrics=metrics)

    async def planning(now: datetime) -> None:
        raise RuntimeError("the planner broke")

    async def one(s: Tx, job: Job, now: datetime) -> JobOutcome:
        return Done("ok")

    scheduler.sweep("planning check-ins", planning)
    scheduler.handle("greeting", one)
    await plan(database, "greeting", "a")
    assert await scheduler.tick() == 1
    assert (await found(database))["a"].status == "done"
    assert sample(metrics, "copro_scheduler_sweeps_failed_total",
                  sweep="planning check-ins") == 1
    assert [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR] == [
        "scheduler: planning check-ins failed (RuntimeError: the planner broke); "
        "trying again next tick"]
