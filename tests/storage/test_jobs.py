"""Jobs: planned once by key, claimed when due, and what becomes of them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from storage import jobs, updates
from storage.db import Database, savepoint
from storage.models import Job
from tests import records

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


async def planned(db: Database, *keys: str) -> list[int]:
    async with db.transaction() as s:
        made = [await jobs.plan(s, kind="test", key=key, due_at=NOW, topic="t", at=NOW)
                for key in keys]
        return [job.id for job in made if job is not None]


async def test_a_batch_settles_with_some_later_and_the_rest_finished(database: Database) -> None:
    a, b, c = await planned(database, "a", "b", "c")
    later = NOW + timedelta(hours=2)
    async with database.transaction() as s:
        claimed = await jobs.claim_due(s, now=NOW, limit=10)
        by_id = {job.id: job for job in claimed}
        await jobs.settle_batch(s, later=[(by_id[a], later, "shut")],
                                ends={("done", None): [by_id[b]], ("skipped", "too late"): [by_id[c]]},
                                at=NOW)
        assert {job.id: job.status for job in claimed} == {a: "pending", b: "done", c: "skipped"}
    async with database.transaction() as s:
        found = {job.id: job for job in await jobs.about(s, "t")}
        assert (found[a].status, found[a].due_at, found[a].note) == ("pending", later, "shut")
        assert (found[b].status, found[b].done_at) == ("done", NOW)
        assert (found[c].status, found[c].note) == ("skipped", "too late")
        assert await jobs.claim_due(s, now=NOW, limit=10) == []


async def test_finishing_may_count_the_attempt_that_failed(database: Database) -> None:
    [one, two] = await planned(database, "one", "two")
    async with database.transaction() as s:
        for job_id, attempt in ((one, True), (two, False)):
            job = await records.job(s, job_id)
            assert job is not None
            await jobs.finish(s, job, status="failed", note="gave up", at=NOW, attempt=attempt)
    async with database.transaction() as s:
        found = {job.id: job for job in await jobs.about(s, "t")}
        assert [(found[i].status, found[i].attempts) for i in (one, two)] == [
            ("failed", 1), ("failed", 0)]


async def test_a_failed_savepoint_undoes_only_its_own_writes(database: Database) -> None:
    [kept, undone] = await planned(database, "kept", "undone")
    async with database.transaction() as s:
        row = await records.job(s, kept)
        other = await records.job(s, undone)
        assert row is not None and other is not None
        await jobs.postpone(s, row, until=NOW + timedelta(hours=1), note="before", at=NOW)
        with pytest.raises(RuntimeError, match="handler broke"):
            async with savepoint(s, reload=[other]):
                await jobs.finish(s, other, status="done", note="inside", at=NOW)
                raise RuntimeError("handler broke")
        # the row named in reload reads as the database has it, without another query
        assert (other.status, other.note) == ("pending", None)
        async with savepoint(s):
            await jobs.postpone(s, other, until=NOW + timedelta(hours=3), note="after", at=NOW)
    async with database.transaction() as s:
        found = {job.id: job for job in await jobs.about(s, "t")}
        assert (found[kept].note, found[undone].note) == ("before", "after")
        assert isinstance(found[undone], Job) and found[undone].status == "pending"


async def test_handled_updates_are_noted_once_and_pruned_after_a_week(database: Database) -> None:
    at = datetime(2026, 11, 24, 11, 0, tzinfo=UTC)
    async with database.transaction() as s:
        assert await updates.first_time(s, "telegram", 500, at=at)
        assert not await updates.first_time(s, "telegram", 500, at=at)  # delivered again
        assert await updates.first_time(s, "sms", 500, at=at)  # another channel's own ids
        # The hundredth update forgets those handled more than a week before it.
        assert await updates.first_time(s, "telegram", 600, at=at + timedelta(days=8))
        assert await updates.first_time(s, "telegram", 500, at=at + timedelta(days=8))
