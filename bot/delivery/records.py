"""Writing down what became of each send: a batch at a time, in one transaction on one connection.

However many sends finish together, the sender needs one connection to record them, so
it never asks the pool for more than it has (the webhooks share that pool), and on SQLite
it takes the single writer once for the batch, not once a send. If the batch fails, each
send's record is written again in a savepoint of its own: one that fails is tried again
on its own, after a pause, without undoing the others; a send whose record still cannot
be written after the last pause stays leased, to be sent again when its lease runs out.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from bot.core.logs import reason
from storage.db import Database, Tx, savepoint

log = logging.getLogger(__name__)

# Pauses between tries at writing one record when the database has a blip.
PAUSES = (0.1, 0.3, 1.0, 2.0, 4.0)


@dataclass(eq=False)
class _Record:
    label: str  # "telegram message 12 was sent", for the log
    write: Callable[[Tx], Awaitable[None]]
    done: asyncio.Future[bool]
    tries: int = 0
    not_before: float = field(default=0.0)


class Records:
    """Records of sends, written together by one task while any are waiting."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self._waiting: list[_Record] = []
        self._more = asyncio.Event()
        self._writer: asyncio.Task[None] | None = None

    async def write(self, label: str, write: Callable[[Tx], Awaitable[None]]) -> bool:
        """Write ``write(s)`` with the next batch; True once committed, False if given up.

        The record is written even if the caller stops waiting for it (cancelled at
        shutdown): a send the provider took is still written down as such."""
        done: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        self._waiting.append(_Record(label, write, done))
        self._more.set()
        if self._writer is None or self._writer.done():
            # A context of its own: never taken for part of whatever transaction its first
            # caller might be in.
            self._writer = asyncio.create_task(self._run(), name="outbox records",
                                               context=contextvars.Context())
        return await asyncio.shield(done)

    async def flush(self) -> None:
        """Wait until every record handed in is written (or given up)."""
        while self._writer is not None and not self._writer.done():
            await asyncio.shield(self._writer)

    async def _run(self) -> None:
        while self._waiting:
            now = time.monotonic()
            due = [r for r in self._waiting if r.not_before <= now]
            if not due:
                self._more.clear()
                wait = min(r.not_before for r in self._waiting) - now
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._more.wait(), timeout=wait)
                continue
            self._waiting = [r for r in self._waiting if r.not_before > now]
            for record, error in await self._batch(due):
                if error is None:
                    _settle(record.done, True)
                else:
                    self._again(record, error)

    async def _batch(self, due: list[_Record]) -> list[tuple[_Record, BaseException | None]]:
        """The records in one transaction; what went wrong with each, if anything. If it fails,
        each is written again in a savepoint of its own, to keep those that can be kept. A
        transaction that fails as a whole (the connection lost, the commit refused) fails
        every record in it."""
        try:
            async with self.db.transaction() as s:
                for record in due:
                    await record.write(s)
        except Exception as exc:
            if len(due) == 1:
                return [(due[0], exc)]
        else:
            return [(record, None) for record in due]
        outcomes: list[tuple[_Record, BaseException | None]] = []
        try:
            async with self.db.transaction() as s:
                for record in due:
                    try:
                        async with savepoint(s):
                            await record.write(s)
                    except Exception as exc:
                        outcomes.append((record, exc))
                    else:
                        outcomes.append((record, None))
        except Exception as exc:
            return [(record, exc) for record in due]
        return outcomes

    def _again(self, record: _Record, error: BaseException) -> None:
        if record.tries >= len(PAUSES):
            log.error("outbox: could not record that %s: %s; it stays reserved until its lease "
                      "runs out", record.label, reason(error))
            _settle(record.done, False)
            return
        pause = PAUSES[record.tries]
        log.warning("outbox: recording that %s failed (%s); trying again in %.1f s",
                    record.label, reason(error), pause)
        record.tries += 1
        record.not_before = time.monotonic() + pause
        self._waiting.append(record)


def _settle(done: asyncio.Future[bool], value: bool) -> None:
    if not done.done():
        done.set_result(value)
