"""Work that falls due at a time: planned once by key, claimed when due, done once."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value

from storage.insert import insert_many, insert_new, keys_in
from storage.models import Job


async def plan(
    s: AsyncSession,
    *,
    kind: str,
    key: str,
    due_at: datetime,
    topic: str | None = None,
    participant_id: int | None = None,
    payload: dict[str, Any] | None = None,
    at: datetime,
) -> Job | None:
    """Add a job; None (and nothing added) if a job with ``key`` was ever planned."""
    return await insert_new(
        s, Job, unique_on=("key",), kind=kind, key=key, due_at=due_at, topic=topic,
        participant_id=participant_id, payload=payload or {}, status="pending", attempts=0,
        created_at=at, updated_at=at,
    )


async def plan_many(s: AsyncSession, rows: Sequence[dict[str, Any]], *, at: datetime) -> int:
    """Add many jobs at once (each a dict of ``plan``'s fields); keys already taken are skipped.

    Returns how many were added.
    """
    defaults: dict[str, Any] = {
        "topic": None, "participant_id": None, "payload": {}, "status": "pending", "attempts": 0,
        "created_at": at, "updated_at": at,
    }
    return await insert_many(s, Job, [{**defaults, **row} for row in rows], unique_on=("key",))


async def claim_due(
    s: AsyncSession, *, now: datetime, limit: int, passing_over: Collection[int] = ()
) -> list[Job]:
    """Pending jobs due by ``now``, oldest first, locked for this transaction.

    On PostgreSQL, jobs another process holds are skipped, so two schedulers
    sharing a database never do the same job. On SQLite one writer runs at a time.
    ``passing_over``: ids of jobs not to claim (those whose outcome could not be saved).
    """
    stmt = (
        select(Job)
        .where(Job.status == "pending", Job.due_at <= now)
        .order_by(Job.due_at, Job.id)
        .limit(limit)
    )
    if passing_over:
        stmt = stmt.where(Job.id.not_in(list(passing_over)))
    if s.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update(skip_locked=True)
    return list(await s.scalars(stmt))


async def claim(s: AsyncSession, job_id: int, *, now: datetime) -> Job | None:
    """The job ``job_id`` if it is still pending and due by ``now``, locked like ``claim_due``."""
    stmt = select(Job).where(Job.id == job_id, Job.status == "pending", Job.due_at <= now)
    if s.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update(skip_locked=True)
    return await s.scalar(stmt.execution_options(populate_existing=True))


async def failed(
    s: AsyncSession, job_id: int, *, attempts: int, note: str, retry_at: datetime | None,
    at: datetime,
) -> None:
    """A try of the job failed: it runs again at ``retry_at``, or (None) is marked ``failed``.

    Written by id with one statement, so it holds even when the job's row object was
    left unusable by the failure.
    """
    values: dict[str, Any] = {"attempts": attempts, "note": note, "updated_at": at}
    if retry_at is None:
        values.update(status="failed", done_at=at)
    else:
        values["due_at"] = retry_at
    await s.execute(
        update(Job).where(Job.id == job_id).values(**values)
        .execution_options(synchronize_session=False)
    )


async def overdue(s: AsyncSession, *, now: datetime) -> tuple[int, datetime | None]:
    """How many pending jobs were due by ``now``, and when the oldest of them was due."""
    count, oldest = (await s.execute(
        select(func.count(Job.id), func.min(Job.due_at))
        .where(Job.status == "pending", Job.due_at <= now)
    )).one()
    return int(count), oldest


async def finish(
    s: AsyncSession, job: Job, *, status: str, note: str | None, at: datetime,
    attempt: bool = False,
) -> None:
    """``done``, ``skipped`` or ``failed``: the job will not run again.

    ``attempt``: the job was tried once more (and failed) on the way.
    """
    if attempt:
        job.attempts += 1
    job.status = status
    job.note = note
    job.done_at = at
    job.updated_at = at
    await s.flush()


async def postpone(
    s: AsyncSession, job: Job, *, until: datetime, note: str | None, at: datetime,
    attempt: bool = False,
) -> None:
    """Run the job again at ``until``."""
    job.due_at = until
    job.note = note
    job.updated_at = at
    if attempt:
        job.attempts += 1
    await s.flush()


async def progress(
    s: AsyncSession, job: Job, *, payload: dict[str, Any], note: str | None, at: datetime
) -> None:
    """Part of the job is done: it keeps ``payload`` (where it got to) and stays due."""
    job.payload = payload
    job.note = note
    job.updated_at = at
    await s.flush()


async def planned(s: AsyncSession, keys: Collection[str]) -> set[str]:
    """Which of ``keys`` a job was ever planned with."""
    return set(await keys_in(s, Job.key, list(keys)))


async def _finish_many(
    s: AsyncSession, job_ids: Sequence[int], *, status: str, note: str | None, at: datetime
) -> None:
    """``finish`` for many jobs with one statement."""
    for start in range(0, len(job_ids), 1000):
        await s.execute(
            update(Job).where(Job.id.in_(job_ids[start : start + 1000]))
            .values(status=status, note=note, done_at=at, updated_at=at)
            .execution_options(synchronize_session=False)
        )


async def settle_batch(
    s: AsyncSession,
    *,
    later: Sequence[tuple[Job, datetime, str | None]],
    ends: Mapping[tuple[str, str | None], Sequence[Job]],
    at: datetime,
) -> None:
    """Record what became of a batch of claimed jobs: those ``later`` run again at their
    time, with their note; ``ends`` are the finished jobs by (status, note), written with
    one statement for each and shown as written on the jobs themselves.
    """
    for job, until, note in later:
        job.due_at = until
        job.note = note
        job.updated_at = at
    await s.flush()
    for (status, note), finished in ends.items():
        await _finish_many(s, [job.id for job in finished], status=status, note=note, at=at)
        for job in finished:
            for key, value in (("status", status), ("note", note), ("done_at", at),
                               ("updated_at", at)):
                set_committed_value(job, key, value)


async def cancel(
    s: AsyncSession, *, topic: str, at: datetime, kinds: Sequence[str] | None = None,
    note: str = "cancelled",
) -> int:
    """Cancel the pending jobs about ``topic``; returns how many."""
    stmt = (
        update(Job)
        .where(Job.topic == topic, Job.status == "pending")
        .values(status="cancelled", note=note, done_at=at, updated_at=at)
    )
    if kinds is not None:
        stmt = stmt.where(Job.kind.in_(kinds))
    result = await s.execute(stmt)
    return int(getattr(result, "rowcount", 0) or 0)


async def about(
    s: AsyncSession, topic: str, *, kinds: Sequence[str] | None = None,
    statuses: Sequence[str] | None = None,
) -> list[Job]:
    """Jobs about ``topic`` (optionally only some kinds and statuses), in the order planned."""
    stmt = select(Job).where(Job.topic == topic).order_by(Job.id)
    if kinds is not None:
        stmt = stmt.where(Job.kind.in_(kinds))
    if statuses is not None:
        stmt = stmt.where(Job.status.in_(statuses))
    return list(await s.scalars(stmt))


async def latest_about(
    s: AsyncSession, *, participant_id: int, kind: str, topic_prefix: str
) -> Job | None:
    """The newest job of ``kind`` for a person whose topic starts ``topic_prefix``."""
    return await s.scalar(
        select(Job)
        .where(Job.participant_id == participant_id, Job.kind == kind,
               Job.topic.startswith(topic_prefix))
        .order_by(Job.id.desc())
        .limit(1)
    )


_CANCEL_KEY = (
    update(Job)
    .where(Job.key == bindparam("job_key"), Job.status == "pending")
    .values(status="cancelled", note=bindparam("job_note"), done_at=bindparam("at"),
            updated_at=bindparam("at"))
    .execution_options(synchronize_session=False)
)


async def cancel_key(s: AsyncSession, key: str, *, at: datetime, note: str = "cancelled") -> int:
    """Cancel the job planned with ``key`` if it is still pending; returns how many (0 or 1)."""
    result = await s.execute(_CANCEL_KEY, {"job_key": key, "job_note": note, "at": at})
    return int(getattr(result, "rowcount", 0) or 0)


async def bring_forward(
    s: AsyncSession, *, participant_id: int, note_prefix: str, at: datetime
) -> int:
    """Make a person's pending jobs put off with a note starting ``note_prefix`` (waiting for a
    conversation to end) due at ``at``; returns how many."""
    result = await s.execute(
        update(Job)
        .where(Job.participant_id == participant_id, Job.status == "pending",
               Job.note.startswith(note_prefix), Job.due_at > at)
        .values(due_at=at, updated_at=at)
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)
