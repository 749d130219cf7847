"""What became of each send, written down a batch at a time on one connection, on a real database.

The webhooks share the database's connections with the sender; whatever number of sends
finish together, the sender must never need more than the pool can give, nor make a
person's text wait behind a queue of its own records.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import event

from bot.delivery.channel import Outgoing, Sent
from bot.delivery.outbox import Sender
from bot.delivery.records import Records
from storage import messages
from storage.db import Database, Tx
from storage.settings import Waits
from tests.delivery.test_outbox import Scripted, config, queue, row


class Together(Scripted):
    """A provider that answers every send at the same moment, once ``at_once`` are waiting."""

    def __init__(self, at_once: int) -> None:
        super().__init__()
        self.at_once = at_once
        self.waiting = 0
        self.go = asyncio.Event()

    async def send(self, message: Outgoing) -> Sent:
        self.waiting += 1
        if self.waiting >= self.at_once:
            self.go.set()
        await asyncio.wait_for(self.go.wait(), timeout=10)
        return await super().send(message)


@contextmanager
def connections_in_use(db: Database) -> Iterator[list[int]]:
    """The most connections ``db`` had out of its pool at once, as ``[now, most]``."""
    seen = [0, 0]

    def out(*_: object) -> None:
        seen[0] += 1
        seen[1] = max(seen)

    def back(*_: object) -> None:
        seen[0] -= 1

    pool = db.engine.sync_engine.pool
    event.listen(pool, "checkout", out)
    event.listen(pool, "checkin", back)
    try:
        yield seen
    finally:
        event.remove(pool, "checkout", out)
        event.remove(pool, "checkin", back)


async def test_forty_sends_finishing_together_are_written_down_on_one_connection(
    database: Database, tmp_path: Path
) -> None:
    ids = [mid for n in range(40) for mid in await queue(database, f"{n:03}", "Your meeting is at 2pm")]
    channel = Together(at_once=40)
    sender = Sender(database, {"telegram": channel}, config(tmp_path, batch_size=50))
    with connections_in_use(database) as seen:
        assert await sender.drain() == 40
    # One connection to take the messages, then one to write down all forty sends.
    assert seen[1] == 1
    assert sorted(channel.sent) == sorted((f"{n:03}", "Your meeting is at 2pm") for n in range(40))
    assert [(await row(database, mid)).status for mid in ids] == ["sent"] * 40


async def test_a_pool_of_three_with_two_held_by_webhooks_still_sends_and_records_every_message(
    database_url: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    # Two connections held for the whole run (texts coming in), one left for the sender, and a
    # short wait for a connection: recording each of 120 sends in a transaction of its own
    # would queue them all for that one connection and run out of time.
    caplog.set_level(logging.WARNING)
    db = Database(database_url, Waits(pool=0.3), pool_size=3)
    try:
        ids = [mid for n in range(120) for mid in await queue(db, f"{n:03}", "Thank you")]
        held = asyncio.Event()
        release = asyncio.Event()

        async def webhook() -> None:
            async with db.reading():
                held.set()
                await release.wait()

        webhooks = [asyncio.create_task(webhook()) for _ in range(2)]
        await held.wait()
        await asyncio.sleep(0.05)
        channel = Together(at_once=50)
        sender = Sender(db, {"telegram": channel}, config(tmp_path, batch_size=50))
        with connections_in_use(db) as seen:
            assert await sender.drain() == 120
        release.set()
        await asyncio.gather(*webhooks)
        assert seen[1] <= 1  # the sender's own use, beside the two held
        # Every text went once, every send is written down, and nothing waited in vain.
        assert sorted(channel.sent) == sorted((f"{n:03}", "Thank you") for n in range(120))
        assert [(await row(db, mid)).status for mid in ids] == ["sent"] * 120
        assert not [r for r in caplog.records if r.levelno >= logging.WARNING], caplog.text
    finally:
        await db.close()


async def test_one_record_that_fails_is_tried_again_alone_and_the_rest_of_its_batch_is_kept(
    database: Database, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr("bot.delivery.records.PAUSES", (0.01, 0.01))
    ids = [mid for n in range(3) for mid in await queue(database, f"{n:03}", "Hello")]
    tries = {mid: 0 for mid in ids}

    def marking(message_id: int, fails: int):  # type: ignore[no-untyped-def]
        async def write(s: Tx) -> None:
            tries[message_id] += 1
            message = await messages.get(s, message_id)
            assert message is not None
            message.status = "sent"
            await s.flush()
            if tries[message_id] <= fails:
                raise RuntimeError("the provider's id did not fit")

        return write

    records = Records(database)
    done = await asyncio.gather(
        records.write("telegram message a was sent", marking(ids[0], 0)),
        records.write("telegram message b was sent", marking(ids[1], 1)),
        records.write("telegram message c was sent", marking(ids[2], 5)),
    )
    # The batch fails at the second, so all are written again, each in a savepoint: the first
    # is kept, the second now goes through, and the third, failing on its own, gives up after
    # the last pause and stays as it was (to be sent again when its lease runs out).
    assert done == [True, True, False]
    assert tries == {ids[0]: 2, ids[1]: 2, ids[2]: 3}
    assert [(await row(database, mid)).status for mid in ids] == ["sent", "sent", "queued"]
    assert "could not record that telegram message c was sent" in caplog.text


async def test_a_record_whose_sender_stopped_waiting_is_still_written(database: Database) -> None:
    [mid] = await queue(database, "100", "Hello")

    async def sent(s: Tx) -> None:
        message = await messages.get(s, mid)
        assert message is not None
        await messages.mark_sent(s, message, provider_id="p1", at=message.created_at)

    records = Records(database)
    waiting = asyncio.create_task(records.write("telegram message was sent", sent))
    await asyncio.sleep(0)
    waiting.cancel()  # the sender stopping at shutdown
    with pytest.raises(asyncio.CancelledError):
        await waiting
    await records.flush()
    # The provider took it: it is written down as sent, so it is not sent again.
    assert (await row(database, mid)).status == "sent"
