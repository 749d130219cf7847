"""The outbox sender on a real database, with a scripted channel standing in for a provider.

The channels' own tests (Telegram, SMS) run the sender against loopback doubles
of the real APIs; here each outcome a provider can give is scripted exactly.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.core.clock import utcnow
from bot.core.config import Config, load_config
from bot.delivery import charts
from bot.delivery.channel import Outgoing, SendError, Sent, TryAgain, Undeliverable
from bot.delivery.outbox import Sender
from bot.delivery.ratelimit import MARGIN, Limit, RateLimiter, window
from bot.delivery.records import Records
from storage import messages, participants
from storage.db import Database, Tx
from storage.models import Message


class Scripted:
    """A channel whose answers are scripted per address; records what it sent."""

    def __init__(self, name: str = "telegram") -> None:
        self.name = name
        self.sent: list[tuple[str, str]] = []
        self.script: dict[str, deque[SendError | float]] = {}
        self.rate: list[Limit] = []

    def cost(self, message: Outgoing) -> int:
        return 1

    def limits(self, message: Outgoing) -> list[Limit]:
        return self.rate

    async def send(self, message: Outgoing) -> Sent:
        step = self.script.get(message.address, deque()).popleft() if self.script.get(
            message.address) else None
        if isinstance(step, float):
            await asyncio.sleep(step)  # a slow provider
        elif isinstance(step, SendError):
            raise step
        self.sent.append((message.address, message.body))
        return Sent(provider_id=f"p{message.id}")


def config(tmp_path: Path, **outbox: object) -> Config:
    lines = "\n".join(f"{k} = {v}" for k, v in outbox.items())
    path = tmp_path / "copro.toml"
    path.write_text(f"[outbox]\n{lines}\n[http]\nshutdown_seconds = 0.5\n")
    return load_config(path, env={"COPRO_DATA_DIR": str(tmp_path)})


async def queue(db: Database, address: str, *bodies: str, channel: str = "telegram") -> list[int]:
    async with db.transaction() as s:
        person = await participants.find_by_address(s, channel, address)
        if person is None:
            person = await participants.create(s, channel=channel, address=address)
        ids = []
        for body in bodies:
            row = await messages.queue_outbound(
                s, participant_id=person.id, session_id=None, channel=channel, address=address,
                body=body, options=[], idempotency_key=None, at=utcnow()
            )
            assert row is not None
            ids.append(row.id)
        return ids


async def row(db: Database, message_id: int) -> Message:
    async with db.transaction() as s:
        found = await messages.get(s, message_id)
        assert found is not None
        return found


async def test_each_person_gets_their_messages_in_order(database: Database, tmp_path: Path) -> None:
    channel = Scripted()
    a = await queue(database, "100", "a1", "a2", "a3")
    b = await queue(database, "200", "b1", "b2")
    sender = Sender(database, {"telegram": channel}, config(tmp_path))
    assert await sender.drain() == 5
    assert [body for who, body in channel.sent if who == "100"] == ["a1", "a2", "a3"]
    assert [body for who, body in channel.sent if who == "200"] == ["b1", "b2"]
    for message_id in a + b:
        sent = await row(database, message_id)
        assert (sent.status, sent.provider_id, sent.attempts) == ("sent", f"p{message_id}", 1)


async def test_a_passing_fault_is_retried_with_backoff_then_sent(
    database: Database, tmp_path: Path
) -> None:
    channel = Scripted()
    channel.script["100"] = deque([TryAgain("HTTP 502 from the provider")])
    [mid] = await queue(database, "100", "hello")
    sender = Sender(database, {"telegram": channel}, config(tmp_path, first_retry_seconds=4),
                    jitter=lambda: 1.0)
    before = utcnow()
    await sender.drain()
    waiting = await row(database, mid)
    assert waiting.status == "queued" and waiting.error == "HTTP 502 from the provider"
    assert waiting.attempts == 1 and waiting.next_attempt_at is not None
    assert timedelta(seconds=3.9) < waiting.next_attempt_at - before < timedelta(seconds=5)
    assert channel.sent == []  # not due yet
    later = Sender(database, {"telegram": channel}, config(tmp_path),
                   clock=lambda: utcnow() + timedelta(seconds=5))
    await later.drain()
    assert channel.sent == [("100", "hello")]
    assert (await row(database, mid)).status == "sent"


async def test_the_providers_retry_after_is_honoured(database: Database, tmp_path: Path) -> None:
    channel = Scripted()
    channel.script["100"] = deque([TryAgain("429 Too Many Requests", retry_after=17)])
    [mid] = await queue(database, "100", "hello")
    before = utcnow()
    await Sender(database, {"telegram": channel}, config(tmp_path)).drain()
    waiting = await row(database, mid)
    assert waiting.next_attempt_at is not None
    assert timedelta(seconds=16.9) < waiting.next_attempt_at - before < timedelta(seconds=18)


def test_backoff_doubles_with_jitter_up_to_the_maximum(tmp_path: Path) -> None:
    cfg = config(tmp_path, first_retry_seconds=2, max_retry_seconds=30)
    top = Sender(Database("sqlite+aiosqlite://"), {}, cfg, jitter=lambda: 1.0)
    low = Sender(Database("sqlite+aiosqlite://"), {}, cfg, jitter=lambda: 0.0)
    assert [top.backoff(n) for n in range(1, 7)] == [2, 4, 8, 16, 30, 30]
    assert [low.backoff(n) for n in range(1, 4)] == [1, 2, 4]


async def test_after_the_last_attempt_the_message_fails_with_its_reason(
    database: Database, tmp_path: Path
) -> None:
    channel = Scripted()
    channel.script["100"] = deque([TryAgain("network down")] * 3)
    [mid] = await queue(database, "100", "hello")
    cfg = config(tmp_path, max_attempts=3, first_retry_seconds=1, max_retry_seconds=1)
    ahead = [0.0]
    sender = Sender(database, {"telegram": channel}, cfg,
                    clock=lambda: utcnow() + timedelta(seconds=ahead[0]))
    for seconds in (0.0, 2.0, 4.0):  # each retry is due a second after the last try
        ahead[0] = seconds
        await sender.drain()
    failed = await row(database, mid)
    assert failed.status == "failed" and failed.attempts == 3
    assert failed.error == "gave up after 3 attempts: network down"
    assert channel.sent == []


async def test_a_blocked_address_fails_at_once_and_is_not_tried_again(
    database: Database, tmp_path: Path
) -> None:
    channel = Scripted()
    channel.script["100"] = deque(
        [Undeliverable("Forbidden: bot was blocked by the user", address_status="unreachable")]
    )
    first, second = await queue(database, "100", "one", "two")
    await Sender(database, {"telegram": channel}, config(tmp_path)).drain()
    assert (await row(database, first)).error == "Forbidden: bot was blocked by the user"
    assert (await row(database, second)).error == "not sent: the address is unreachable"
    assert channel.sent == []
    async with database.transaction() as s:
        assert await participants.address_status(s, "telegram", "100") == "unreachable"


async def test_a_message_left_by_a_dead_sender_is_sent_when_its_lease_runs_out(
    database: Database, tmp_path: Path
) -> None:
    channel = Scripted()
    [mid] = await queue(database, "100", "hello")
    async with database.transaction() as s:  # another process claimed it, then died
        [claimed] = await messages.claim(s, "telegram", now=utcnow(), limit=10,
                                         lease_until=utcnow() + timedelta(seconds=60))
        assert claimed.id == mid
    sender = Sender(database, {"telegram": channel}, config(tmp_path))
    assert await sender.drain() == 0  # still leased
    later = Sender(database, {"telegram": channel}, config(tmp_path),
                   clock=lambda: utcnow() + timedelta(seconds=61))
    assert await later.drain() == 1
    assert channel.sent == [("100", "hello")]


async def test_a_claim_leaves_alone_the_messages_its_sender_is_still_on(
    database: Database, tmp_path: Path
) -> None:
    first, second = await queue(database, "100", "first", "second")
    [other] = await queue(database, "200", "other")
    async with database.transaction() as s:
        claimed = await messages.claim(s, "telegram", now=utcnow(), limit=10, busy=[first],
                                       lease_until=utcnow() + timedelta(seconds=60))
    assert [m.id for m in claimed] == [other]  # "second" still waits its turn behind "first"
    assert [(await row(database, m)).status for m in (first, second)] == ["queued", "queued"]


async def test_stopping_finishes_quick_sends_and_returns_stuck_ones_to_the_queue(
    database: Database, tmp_path: Path
) -> None:
    channel = Scripted()
    channel.script["100"] = deque([0.1])  # finishes within shutdown_seconds (0.5)
    channel.script["200"] = deque([30.0])  # does not
    [quick] = await queue(database, "100", "quick")
    [stuck] = await queue(database, "200", "stuck")
    sender = Sender(database, {"telegram": channel}, config(tmp_path))
    sender.start()
    for _ in range(100):
        if (await row(database, stuck)).status == "sending":
            break
        await asyncio.sleep(0.01)
    await asyncio.wait_for(sender.stop(), timeout=5)
    assert (await row(database, quick)).status == "sent"
    returned = await row(database, stuck)
    assert (returned.status, returned.attempts, returned.next_attempt_at) == ("queued", 0, None)


async def test_an_sms_participant_gets_at_most_the_hourly_cap(
    database: Database, tmp_path: Path
) -> None:
    path = tmp_path / "copro.toml"
    path.write_text("[twilio]\nmax_per_participant_per_hour = 2\n")
    cfg = load_config(path, env={"COPRO_DATA_DIR": str(tmp_path)})
    channel = Scripted("sms")
    ids = await queue(database, "+447700900123", "1", "2", "3", channel="sms")
    await Sender(database, {"sms": channel}, cfg).drain()
    assert [body for _, body in channel.sent] == ["1", "2"]
    held = await row(database, ids[2])
    assert held.status == "queued" and held.attempts == 0
    assert held.error == "held: at most 2 texts an hour"


async def test_a_flaky_database_does_not_stop_the_sender(tmp_path: Path) -> None:
    broken = Database(f"sqlite+aiosqlite:///{tmp_path}/missing-dir/none/x.db?mode=ro&uri=true")
    sender = Sender(broken, {"telegram": Scripted()}, config(tmp_path, idle_seconds=0.05))
    sender.start()
    await asyncio.sleep(0.2)  # it logs and tries again rather than dying
    assert sender._runner is not None and not sender._runner.done()
    await sender.stop()
    await broken.close()


# --- rate limits ---------------------------------------------------------------------------


class FakeTime:
    def __init__(self) -> None:
        self.now = 1000.0

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += seconds


def test_fractional_rates_become_whole_units_in_a_longer_window() -> None:
    assert window(30, 1) == (30, 1)
    assert window(0.5, 1) == (1, 2)
    assert window(20, 60) == (20, 60)
    assert window(2.5, 1) == (2, 0.8)


async def test_a_window_never_lets_more_than_its_limit_through() -> None:
    t = FakeTime()
    limiter = RateLimiter(clock=t.clock, sleep=t.sleep)
    times = []
    for _ in range(50):
        await limiter.acquire([("group", 20, 60)])
        times.append(t.now)
    for i, start in enumerate(times):
        assert sum(1 for x in times[i:] if x < start + 60) <= 20
    gap = (60 + MARGIN) / 20
    assert times[:3] == pytest.approx([1000, 1000 + gap, 1000 + 2 * gap])  # spread out, no burst


async def test_a_busy_process_waking_late_keeps_the_pace_and_the_limit() -> None:
    t = FakeTime()

    async def late(seconds: float) -> None:
        t.now += seconds + 0.01  # every wake-up 10 ms late

    limiter = RateLimiter(clock=t.clock, sleep=late)
    times = []
    for _ in range(300):
        await limiter.acquire([("telegram", 30, 1)])
        times.append(t.now)
    # 300 at 30 a second: about 10.5 s, not the 13.5 s that ten late milliseconds a send add up to.
    assert times[-1] - times[0] < 300 * (1 + MARGIN) / 30 * 1.05
    for i, start in enumerate(times):
        assert sum(1 for x in times[i:] if x < start + 1 + MARGIN) <= 30


async def test_costs_count_against_the_limit_and_each_key_is_separate() -> None:
    t = FakeTime()
    limiter = RateLimiter(clock=t.clock, sleep=t.sleep)
    assert await limiter.acquire([("sms", 10, 1)], cost=6) == 0
    assert await limiter.acquire([("sms", 10, 1)], cost=6) == pytest.approx(1 + MARGIN)
    assert await limiter.acquire([("other", 10, 1)], cost=10) == 0
    assert await limiter.acquire([("sms", 10, 1)], cost=30) == pytest.approx(1 + MARGIN)  # alone
    assert limiter.delay([("sms", 10, 1)]) == pytest.approx(3 * (1 + MARGIN))  # its 30 units' time


async def test_a_message_copro_starts_waits_for_contact_hours_but_a_reply_does_not(
    database: Database, tmp_path: Path
) -> None:
    channel = Scripted()
    night = datetime(2026, 11, 24, 23, 30, tzinfo=UTC)  # 23:30 in London: hours 08:00-21:00
    async with database.transaction() as s:
        person = await participants.create(s, channel="telegram", address="100")
        reminder = await messages.queue_outbound(
            s, participant_id=person.id, session_id=None, channel="telegram", address="100",
            body="Reminder: the meeting is tomorrow.", options=[], idempotency_key="r1",
            quiet=True, at=night,
        )
        reply = await messages.queue_outbound(
            s, participant_id=person.id, session_id=None, channel="telegram", address="100",
            body="Thank you. Your claim is saved.", options=[], idempotency_key="r2", at=night,
        )
        assert reminder is not None and reply is not None
    sender = Sender(database, {"telegram": channel}, config(tmp_path), clock=lambda: night)
    await sender.drain()
    assert channel.sent == [("100", "Thank you. Your claim is saved.")]
    held = await row(database, reminder.id)
    assert (held.status, held.attempts) == ("held", 0)
    assert held.next_attempt_at == datetime(2026, 11, 25, 8, 0, tzinfo=UTC)

    morning = Sender(database, {"telegram": channel}, config(tmp_path),
                     clock=lambda: datetime(2026, 11, 25, 8, 0, tzinfo=UTC))
    await morning.drain()
    assert channel.sent[-1] == ("100", "Reminder: the meeting is tomorrow.")
    assert (await row(database, reminder.id)).status == "sent"


def on_disk(path: str) -> bytes | None:
    file = Path(path)
    return file.read_bytes() if file.exists() else None


async def test_a_chart_is_drawn_by_the_sender_before_its_photo_is_sent(
    database: Database, tmp_path: Path
) -> None:
    picture, display = charts.planned(tmp_path / "charts", "poll-7", "Which day suits you?",
                                      [("Tuesday", 3), ("Wednesday", 1)])
    async with database.transaction() as s:
        person = await participants.create(s, channel="telegram", address="100")
        await messages.queue_outbound(
            s, participant_id=person.id, session_id=None, channel="telegram", address="100",
            body="Poll results", options=[], idempotency_key=None, at=utcnow(), kind="photo",
            media=[picture], display=display)
    assert on_disk(picture) is None  # queuing it drew nothing

    seen: list[bytes] = []

    class Photos(Scripted):
        async def send(self, message: Outgoing) -> Sent:
            seen.append(on_disk(message.media[0]) or b"")  # the coordinator sees the chart
            return await super().send(message)

    assert await Sender(database, {"telegram": Photos()}, config(tmp_path)).drain() == 1
    assert len(seen) == 1 and seen[0].startswith(b"\x89PNG")


# --- a blip while recording what became of a send -------------------------------------------


def failing_first(calls: int, real: object) -> object:
    """``real``, raising as a dropped connection would for its first ``calls`` calls."""
    from sqlalchemy.exc import OperationalError

    left = [calls]

    async def flaky(*args: object, **kwargs: object) -> object:
        if left[0] > 0:
            left[0] -= 1
            raise OperationalError("UPDATE messages", {}, Exception("server closed the connection"))
        return await real(*args, **kwargs)  # type: ignore[operator]

    return flaky


async def test_a_database_blip_after_a_send_is_retried_so_each_text_goes_once(
    database: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("bot.delivery.records.PAUSES", (0.01, 0.01, 0.01))
    monkeypatch.setattr(messages, "record_sent", failing_first(15, messages.record_sent))
    channel = Scripted()
    ids = [mid for n in range(15) for mid in await queue(database, f"{n:03}", "first", "next")]
    sender = Sender(database, {"telegram": channel}, config(tmp_path))
    await sender.drain()
    # Every text went exactly once, and each person's next text did not wait for a lease.
    assert sorted(channel.sent) == sorted((f"{n:03}", b) for n in range(15) for b in ("first", "next"))
    assert [(await row(database, mid)).status for mid in ids] == ["sent"] * 30


async def test_a_send_whose_outcome_cannot_be_recorded_stays_leased_and_raises_nothing(
    database: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    monkeypatch.setattr("bot.delivery.records.PAUSES", (0.01,))
    monkeypatch.setattr(messages, "record_sent", failing_first(99, messages.record_sent))
    channel = Scripted()
    [mid] = await queue(database, "100", "hello")
    sender = Sender(database, {"telegram": channel}, config(tmp_path))
    assert await sender.send_due() == 1
    [task] = sender._in_flight.values()
    await task
    assert task.exception() is None  # nothing left for "Task exception was never retrieved"
    assert (await row(database, mid)).status == "sending"  # sent again when the lease runs out
    assert "could not record that telegram message" in caplog.text


async def test_a_message_put_back_for_a_retry_is_sent_again_though_its_send_is_slow_to_let_go(
    database: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On a busy machine a send can be slow to finish after its retry is written down, and
    the retry can fall due first: the person still gets the message within moments, not
    after it sat marked as being sent until its lease ran out (two minutes)."""
    recorded = Records.write

    async def slow_to_let_go(self: Records, label: str, write: Callable[[Tx], Awaitable[None]]) -> bool:
        kept = await recorded(self, label, write)
        await asyncio.sleep(0.3)  # the event loop busy elsewhere before the send task ends
        return kept

    monkeypatch.setattr(Records, "write", slow_to_let_go)
    channel = Scripted()
    channel.script["100"] = deque([TryAgain("HTTP 502 from the provider", retry_after=0.01)])
    [mid] = await queue(database, "100", "hello")
    sender = Sender(database, {"telegram": channel}, config(tmp_path, idle_seconds=0.02))
    sender.start()
    try:
        deadline = asyncio.get_running_loop().time() + 10
        while (await row(database, mid)).status != "sent":
            assert asyncio.get_running_loop().time() < deadline, (
                f"still {(await row(database, mid)).status!r} after 10 s")
            await asyncio.sleep(0.05)
    finally:
        await sender.stop()
    assert channel.sent == [("100", "hello")]
    assert (await row(database, mid)).attempts == 2


async def test_a_held_or_failed_message_is_counted_and_logged_with_why(
    database: Database, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    import logging

    from bot.core.metrics import Metrics

    caplog.set_level(logging.INFO, logger="bot.delivery.outbox")
    night = datetime(2026, 11, 24, 23, 0, tzinfo=UTC)
    async with database.transaction() as s:
        person = await participants.create(s, channel="telegram", address="100")
        await messages.queue_outbound(
            s, participant_id=person.id, session_id=None, channel="telegram", address="100",
            body="Reminder", options=[], idempotency_key="r1", quiet=True, at=night)
        await participants.create(s, channel="telegram", address="200")
        await participants.set_address_status(s, "telegram", "200", "unreachable")
    await queue(database, "200", "lost")
    metrics = Metrics()
    await Sender(database, {"telegram": Scripted()}, config(tmp_path), metrics,
                 clock=lambda: night).drain()
    shown = metrics.render().decode()
    assert 'copro_messages_out_total{channel="telegram",status="held"} 1.0' in shown
    assert 'copro_messages_out_total{channel="telegram",status="failed"} 1.0' in shown
    assert "held until their contact hours open at 2026-11-25 08:00 UTC" in caplog.text
    assert ("telegram message 2 to *** failed: copro can no longer reach them here: they "
            "blocked the bot, or the number or chat is gone.") in caplog.text
