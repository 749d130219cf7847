"""``/metrics`` says how the scheduler is doing: failed tries and given-up jobs by kind, and
how many jobs are due but not done (the sign of a scheduler that has stopped)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

from bot.app.http import create_app
from bot.core.config import load_config
from bot.core.metrics import Metrics
from bot.core.scheduler import JobOutcome, Scheduler
from storage import jobs
from storage.db import Database, Tx
from storage.models import Job
from tests.servers import serve_asgi

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


async def test_metrics_show_failed_jobs_and_the_jobs_left_overdue(
    tmp_path: Path, database: Database
) -> None:
    metrics = Metrics()
    config = load_config(None, env={"COPRO_DATA_DIR": str(tmp_path)})
    scheduler = Scheduler(database, config, clock=lambda: NOW, metrics=metrics)

    async def broken(s: Tx, job: Job, now: datetime) -> JobOutcome:
        raise RuntimeError("broken")

    scheduler.handle("poll-close", broken)
    async with database.transaction() as s:
        await jobs.plan(s, kind="poll-close", key="poll:1:close", due_at=NOW, at=NOW)
        for n in range(2):
            await jobs.plan(s, kind="poll-close", key=f"poll:{n + 2}:close",
                            due_at=NOW - timedelta(hours=1), at=NOW)
        await jobs.plan(s, kind="poll-close", key="poll:9:close", due_at=NOW + timedelta(days=1),
                        at=NOW)
    await scheduler.tick()  # the three due jobs fail and are put off 5 minutes

    app = create_app(database, metrics, clock=lambda: NOW + timedelta(minutes=1))
    async with serve_asgi(app) as base, httpx.AsyncClient(base_url=base) as client:
        text = (await client.get("/metrics")).text
    assert 'copro_jobs_failed_total{kind="poll-close"} 3.0' in text
    assert "copro_jobs_overdue 0.0" in text  # each was tried and put off: none is overdue

    app = create_app(database, metrics, clock=lambda: NOW + timedelta(minutes=6))
    async with serve_asgi(app) as base, httpx.AsyncClient(base_url=base) as client:
        text = (await client.get("/metrics")).text
    assert "copro_jobs_overdue 3.0" in text  # due again, and no tick since
    assert "copro_jobs_oldest_overdue_seconds 60.0" in text
