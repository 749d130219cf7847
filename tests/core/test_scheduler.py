"""The scheduler: due jobs run once each, in batches where a kind allows it."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.core.config import load_config
from bot.core.scheduler import Done, JobOutcome, Later, Progress, Scheduler, Skipped
from storage import jobs
from storage.db import Database, Tx
from storage.models import Job

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


async def test_a_batch_of_one_kind_then_jobs_of_another_in_the_same_tick(
    tmp_path: Path, database: Database
) -> None:
    scheduler = Scheduler(database, load_config(None, env={"COPRO_DATA_DIR": str(tmp_path)}),
                          clock=lambda: NOW)
    ran: list[str] = []

    async def many(s: Tx, some: list[Job], now: datetime) -> dict[int, JobOutcome]:
        ran.extend(job.key for job in some)
        return {some[0].id: Done("together"), some[1].id: Later(NOW, "not yet")}

    async def one(s: Tx, job: Job, now: datetime) -> JobOutcome:
        ran.append(job.key)
        return Skipped("alone")

    scheduler.handle_many("many", many)
    scheduler.handle("one", one)
    async with database.transaction() as s:
        await jobs.plan(s, kind="many", key="m1", due_at=NOW, topic="t", at=NOW)
        await jobs.plan(s, kind="many", key="m2", due_at=NOW, topic="t", at=NOW)
        await jobs.plan(s, kind="one", key="o1", due_at=NOW, topic="t", at=NOW)
    assert await scheduler.tick() == 3
    assert ran == ["m1", "m2", "o1"]
    async with database.transaction() as s:
        found = {job.key: job for job in await jobs.about(s, "t")}
    assert [(found[k].status, found[k].note) for k in ("m1", "m2", "o1")] == [
        ("done", "together"), ("pending", "not yet"), ("skipped", "alone")]
    assert found["m2"].due_at > NOW  # put off: never again in the same instant


async def test_a_job_done_in_parts_runs_again_at_once_each_part_committed(
    tmp_path: Path, database: Database
) -> None:
    """A handler that does three parts and then finishes: one tick does them all, each in a
    transaction of its own (the second part sees the first's payload, read back)."""
    scheduler = Scheduler(database, load_config(None, env={"COPRO_DATA_DIR": str(tmp_path)}),
                          clock=lambda: NOW)
    seen: list[int] = []

    async def parts(s: Tx, job: Job, now: datetime) -> JobOutcome:
        done = int(job.payload.get("done") or 0)
        seen.append(done)
        if done == 3:
            return Done(f"{done} parts")
        return Progress({**job.payload, "done": done + 1}, f"{done + 1} part(s) so far")

    scheduler.handle("parts", parts)
    async with database.transaction() as s:
        await jobs.plan(s, kind="parts", key="p1", due_at=NOW, topic="t", payload={"of": 3}, at=NOW)
    assert await scheduler.tick() == 4  # claimed once for each part, and once to finish
    assert seen == [0, 1, 2, 3]
    async with database.transaction() as s:
        [job] = await jobs.about(s, "t")
    assert (job.status, job.note, job.payload, job.due_at) == ("done", "3 parts",
                                                               {"of": 3, "done": 3}, NOW)


async def running_one_job(
    tmp_path: Path, database: Database, work: Callable[[], Awaitable[JobOutcome]]
) -> Scheduler:
    """A scheduler started (by APScheduler, as ``copro run`` does) with one job due, whose
    handler is under way in ``work`` when this returns."""
    scheduler = Scheduler(database, load_config(None, env={"COPRO_DATA_DIR": str(tmp_path)}),
                          clock=lambda: NOW)
    running = asyncio.Event()

    async def handler(s: Tx, job: Job, now: datetime) -> JobOutcome:
        running.set()
        return await work()

    scheduler.handle("work", handler)
    async with database.transaction() as s:
        await jobs.plan(s, kind="work", key="w1", due_at=NOW, topic="t", at=NOW)
    scheduler.start()
    await asyncio.wait_for(running.wait(), 10)
    return scheduler


async def test_stopping_lets_a_tick_under_way_finish_its_job(
    tmp_path: Path, database: Database, caplog: pytest.LogCaptureFixture
) -> None:
    """copro stopping (SIGTERM) while a job runs: the job is finished and saved, not cut off,
    and the log holds no traceback."""
    may_finish = asyncio.Event()

    async def slow() -> JobOutcome:
        await may_finish.wait()
        return Done("finished while stopping")

    scheduler = await running_one_job(tmp_path, database, slow)
    stopping = asyncio.create_task(scheduler.stop(grace=10))
    await asyncio.sleep(0.2)
    assert not stopping.done()  # it waits for the job under way
    may_finish.set()
    await asyncio.wait_for(stopping, 10)
    async with database.transaction() as s:
        [job] = await jobs.about(s, "t")
    assert (job.status, job.note) == ("done", "finished while stopping")
    assert "Traceback" not in caplog.text and "raised an exception" not in caplog.text


async def test_a_tick_that_outlasts_the_grace_is_cancelled_and_its_job_stays_due(
    tmp_path: Path, database: Database, caplog: pytest.LogCaptureFixture
) -> None:
    """A job still running when the grace runs out: the log says one line, and the job is
    still pending, to run at the next start."""
    async def stuck() -> JobOutcome:
        await asyncio.Event().wait()
        raise AssertionError("never reached")

    scheduler = await running_one_job(tmp_path, database, stuck)
    with caplog.at_level(logging.INFO):
        await asyncio.wait_for(scheduler.stop(grace=0.3), 10)
    assert "scheduler: a tick did not finish within 0.3 s of stopping" in caplog.text
    assert "Traceback" not in caplog.text and "raised an exception" not in caplog.text
    async with database.transaction() as s:
        [job] = await jobs.about(s, "t")
    assert (job.status, job.due_at) == ("pending", NOW)
