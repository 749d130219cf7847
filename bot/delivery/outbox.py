"""The outbox sender: takes queued messages from the database and hands them to channels.

Every outbound message is a row, written in the same transaction as whatever
caused it. The sender claims due rows (``storage.messages.claim``: each person's
messages in order, rows held by another sender skipped on PostgreSQL), waits
for the channel's rate limits, sends, and records what happened:

- accepted: ``sent``, with the provider's id;
- ``TryAgain`` (rate limit, 5xx, network): back in the queue after an
  exponential backoff with jitter, or the provider's own ``retry_after``; failed
  with the reason after ``max_attempts``;
- ``Undeliverable``: failed with the reason at once, and the address marked
  when it cannot be used again (blocked the bot, STOP at the carrier).

Urgent messages (safeguarding alerts, and the answer to the person whose words
raised one) are claimed first, are never held by contact hours or the hourly
SMS cap, and take the next free slot of the provider's rate limits ahead of
everything else queued; bulk messages (broadcasts, polls, scheduled check-ins)
come after the rest.

A claimed row carries a lease. If the process dies mid-send, the row is taken
again when the lease runs out, so nothing queued is lost; at most the messages
in flight at that moment are sent twice. On shutdown, sends under way get
``shutdown_seconds`` to finish and the rest go back to the queue untouched.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime, timedelta

from bot.core import quiet
from bot.core.clock import utcnow
from bot.core.config import Config
from bot.core.logs import mask
from bot.core.metrics import Metrics
from bot.delivery import charts, fallback, window
from bot.delivery.channel import Channel, Sent, TryAgain, Undeliverable
from bot.delivery.outgoing import as_outgoing
from bot.delivery.ratelimit import RateLimiter
from bot.delivery.reasons import plain
from bot.delivery.records import Records
from bot.host.hooks import Hooks
from storage import messages, participants
from storage.db import Database, Tx
from storage.models import Message

log = logging.getLogger(__name__)

SEND_TIMEOUT = 30.0  # seconds a provider has to accept one message
HOUR = timedelta(hours=1)
HOLD = timedelta(minutes=10)  # how long a message over the hourly cap waits before a new look
MAX_RETRY_AFTER = 3600.0  # a provider asking for longer than an hour is asked again then


class Sender:
    """Drains the outbox for a set of channels until stopped."""

    def __init__(
        self,
        db: Database,
        channels: Mapping[str, Channel],
        config: Config,
        metrics: Metrics | None = None,
        *,
        clock: Callable[[], datetime] = utcnow,
        limiter: RateLimiter | None = None,
        jitter: Callable[[], float] = random.random,
        hooks: Hooks | None = None,
    ) -> None:
        self.db = db
        self.channels = dict(channels)
        self.config = config
        self.outbox = config.outbox
        self.metrics = metrics
        self.clock = clock
        self.limiter = limiter or RateLimiter()
        self.jitter = jitter
        # Features' checks of a message as it goes (``ReleaseHook``): still true, and worded now.
        self.hooks = hooks or Hooks()
        self.records = Records(db)  # what became of each send, written a batch at a time
        self._wake = asyncio.Event()
        self._stopping = asyncio.Event()
        self._in_flight: dict[int, asyncio.Task[None]] = {}
        self._runner: asyncio.Task[None] | None = None
        self._again = False  # screening queued messages on another channel: look again at once

    # --- running ------------------------------------------------------------------------

    def wake(self) -> None:
        """Something was queued: look at the outbox now rather than at the next tick."""
        self._wake.set()

    async def run(self) -> None:
        """Send until ``stop()``; a database hiccup is logged and tried again."""
        while not self._stopping.is_set():
            try:
                started = await self.send_due()
            except Exception:
                log.exception("outbox: could not read the queue; trying again")
                started = 0
            if self._in_flight:
                await self._settle()  # room comes back as each send finishes
            elif started == 0 and not self._again:
                await self._idle()
            self._again = False

    def start(self) -> asyncio.Task[None]:
        """Run in the background until ``stop()``."""
        self._runner = asyncio.create_task(self.run(), name="outbox")
        return self._runner

    async def stop(self) -> None:
        """Stop taking messages; give sends under way time to finish, release the rest."""
        self._stopping.set()
        self._wake.set()
        if self._runner is not None:
            await self._runner
        tasks = {mid: task for mid, task in self._in_flight.items() if not task.done()}
        if tasks:
            _, pending = await asyncio.wait(
                tasks.values(), timeout=self.config.http.shutdown_seconds
            )
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)
            await self.records.flush()  # a send the provider took is written down as sent
            unfinished = [mid for mid, task in tasks.items() if task in pending]
            if unfinished:
                async with self.db.transaction() as s:
                    released = await messages.release(s, unfinished, at=self.clock())
                log.info("outbox: %d unsent message(s) returned to the queue", released)

    async def send_due(self) -> int:
        """Claim what is due on every channel and start sending it; returns how many.

        Up to ``outbox.batch_size`` sends are under way at once; a channel reached with no room
        left still has its urgent messages started, so that a busy channel never holds up an
        alert on another."""
        started = 0
        room = self.outbox.batch_size - len(self._in_flight)
        for name, channel in self.channels.items():
            urgent_only = room <= 0
            limit = self.outbox.batch_size if urgent_only else room
            screened_out = True
            while screened_out and limit > 0 and not self._stopping.is_set():
                now = self.clock()
                async with self.db.transaction() as s:
                    # Never a message this process is still on: one put back for a retry a
                    # moment ago may be due before its send has let go of it (and one whose
                    # lease ran out mid-send is still being sent).
                    claimed = await messages.claim(
                        s, name, now=now, limit=limit, urgent_only=urgent_only,
                        lease_until=now + timedelta(seconds=self.outbox.lease_seconds),
                        busy=self._in_flight.keys(),
                    )
                    going = await self._screen(s, channel, claimed, now)
                # A message held back no longer holds up the ones behind it: look again.
                screened_out = len(going) < len(claimed)
                for message in going:
                    task = asyncio.create_task(self._deliver(channel, message))
                    self._in_flight[message.id] = task
                    task.add_done_callback(self._done(message.id))
                started += len(going)
                limit -= len(going)
                if not urgent_only:
                    room -= len(going)
        return started

    async def drain(self) -> int:
        """Send everything due now and wait for it; returns how many were tried."""
        tried = 0
        while True:
            started = await self.send_due()
            tried += started
            if self._in_flight:
                await asyncio.gather(*self._in_flight.values(), return_exceptions=True)
            elif started == 0 and not self._again:
                return tried
            self._again = False

    def _done(self, message_id: int) -> Callable[[asyncio.Task[None]], None]:
        def forget(_task: asyncio.Task[None]) -> None:
            self._in_flight.pop(message_id, None)

        return forget

    async def _idle(self) -> None:
        self._wake.clear()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), timeout=self.outbox.idle_seconds)

    async def _settle(self) -> None:
        """Wait for a send to finish (freeing room), or for new work."""
        waiter = asyncio.create_task(self._wake.wait())
        self._wake.clear()
        await asyncio.wait(
            [waiter, *self._in_flight.values()],
            timeout=self.outbox.idle_seconds,
            return_when=asyncio.FIRST_COMPLETED,
        )
        waiter.cancel()

    # --- one message ----------------------------------------------------------------------

    async def _deliver(self, channel: Channel, row: Message) -> None:
        try:
            await self._deliver_one(channel, row)
        except Exception:  # never left to "Task exception was never retrieved"
            log.exception("outbox: %s message %s: sending or recording it failed; it is sent "
                          "again when its lease runs out", channel.name, row.id)

    async def _deliver_one(self, channel: Channel, row: Message) -> None:
        outgoing = as_outgoing(row)
        try:
            try:
                await charts.drawn(row.display)  # never inside a transaction: it takes a second
            except Exception as exc:
                raise TryAgain(f"the chart could not be drawn: {type(exc).__name__}: {exc}") from exc
            await self.limiter.acquire(channel.limits(outgoing), channel.cost(outgoing),
                                       urgent=row.priority == messages.URGENT)
            started = time.monotonic()
            try:
                sent = await asyncio.wait_for(channel.send(outgoing), timeout=SEND_TIMEOUT)
            except (TryAgain, Undeliverable):
                raise
            except TimeoutError:
                raise TryAgain(f"no answer from {channel.name} within {SEND_TIMEOUT:g} s") from None
            except Exception as exc:  # a bug or an unexpected library error: retry, kept
                log.exception("outbox: %s send of message %s failed unexpectedly",
                              channel.name, row.id)
                raise TryAgain(f"unexpected error: {type(exc).__name__}: {exc}") from exc
            if self.metrics:
                self.metrics.send_seconds.labels(channel=channel.name).observe(
                    time.monotonic() - started
                )
            await self._sent(row, sent)
        except TryAgain as exc:
            await self._try_again(channel, row, exc)
        except Undeliverable as exc:
            await self._undeliverable(channel, row, exc)

    async def _screen(
        self, s: Tx, channel: Channel, claimed: list[Message], now: datetime
    ) -> list[Message]:
        """The claimed messages that may go now. The others are dealt with in the claim's own
        transaction: failed (the address cannot be used), held (contact hours are shut), or
        put back for later (the hourly SMS cap)."""
        if not claimed:
            return claimed
        addresses = sorted({m.address for m in claimed})
        statuses = await participants.address_statuses(s, channel.name, addresses)
        people = await participants.get_many(
            s, sorted({m.participant_id for m in claimed if m.quiet and m.participant_id}))
        recent = (await messages.sent_since(s, channel.name, addresses, now - HOUR)
                  if channel.name == "sms" else {})
        cap = self.config.twilio.max_per_participant_per_hour
        going = []
        for row in claimed:
            status = statuses.get(row.address)
            person = people.get(row.participant_id or 0)
            opens = person and quiet.opens_at(
                now, person.contact_start, person.contact_end,
                quiet.zone(person.timezone, self.config.timezone))
            urgent = row.priority == messages.URGENT  # never held by contact hours or caps
            if status == "unreachable" or (status == "opted_out" and row.topic != messages.OPT_OUT_TOPIC):
                error = f"not sent: the address is {status.replace('_', ' ')}"
                await messages.mark_failed(s, row, error=error, at=now)
                log.info("outbox: %s message %s to %s failed: %s", row.channel, row.id,
                         mask(row.address), plain(error))
                self._count(row.channel, "failed")
            elif opens and not urgent:
                await messages.hold(s, row, until=opens, at=now,
                                    reason="held: outside their contact hours")
                log.info("outbox: %s message %s to %s held until their contact hours open at %s",
                         row.channel, row.id, mask(row.address), f"{opens:%Y-%m-%d %H:%M} UTC")
                self._count(row.channel, "held")
            elif channel.name == "sms" and recent.get(row.address, 0) >= cap and not urgent:
                log.warning("outbox: %s has had %d texts this hour; holding the next one",
                            mask(row.address), recent[row.address])
                await messages.retry_later(s, row, error=f"held: at most {cap} texts an hour",
                                           retry_at=now + HOLD, at=now, count_attempt=False)
            elif await self._still_true(s, row, now):
                going.append(row)
                if channel.name == "sms":
                    recent[row.address] = recent.get(row.address, 0) + 1
        if channel.name == window.CHANNEL:
            free = await window.screen(s, self.config, going, now)
            self._again = self._again or len(free) < len(going)  # a template or an SMS queued
            going = free
        return going

    async def _record(self, row: Message, what: str, write: Callable[[Tx], Awaitable[None]]) -> bool:
        """Write what became of a send with the next batch of records (``Records``), tried again
        through a passing database fault, so that a message the provider took is not sent
        twice and the person's next messages need not wait for its lease."""
        return await self.records.write(f"{row.channel} message {row.id} was {what}", write)

    async def _still_true(self, s: Tx, row: Message, now: datetime) -> bool:
        """Look again at a message as it goes (it may have waited all night): a notice no
        longer true is withdrawn, a summary is given its words as they are now."""
        release = await self.hooks.release(s, row, now)
        if release.gone is not None:
            await messages.mark_failed(s, row, error=f"withdrawn: {release.gone}", at=now)
            log.info("outbox: message %s withdrawn as it went: %s", row.id, release.gone)
            return False
        if release.body is not None and release.body != row.body:
            await messages.reword(s, row, release.body, at=now)
        return True

    async def _sent(self, row: Message, sent: Sent) -> None:
        async def write(s: Tx) -> None:
            await messages.record_sent(s, row.id, provider_id=sent.provider_id, at=self.clock(),
                                       provider_ref=sent.ref, status=sent.status, note=sent.note)

        if await self._record(row, "sent", write):
            self._count(row.channel, "sent")

    async def _try_again(self, channel: Channel, row: Message, exc: TryAgain) -> None:
        attempts = row.attempts + 1
        if attempts >= self.outbox.max_attempts:
            why = f"gave up after {attempts} attempts: {exc.reason}"
            if not await self._record(row, "failed", lambda s: self._fail(s, row.id, why)):
                return
            log.warning("outbox: %s message %s to %s failed: %s (%s)", channel.name, row.id,
                        mask(row.address), plain(why), exc.reason)
            self._count(row.channel, "failed")
            return
        wait = self.backoff(attempts, exc.retry_after)
        retry_at = self.clock() + timedelta(seconds=wait)
        if not await self._record(row, "to be tried again",
                                  lambda s: self._requeue(s, row.id, exc.reason, retry_at)):
            return
        log.info("outbox: %s message %s will be tried again in %.1f s (%s)",
                 channel.name, row.id, wait, exc.reason)
        if self.metrics:
            self.metrics.retries.labels(channel=channel.name).inc()
        self._count(row.channel, "retried")

    async def _undeliverable(self, channel: Channel, row: Message, exc: Undeliverable) -> None:
        fell_back = False

        async def write(s: Tx) -> None:
            nonlocal fell_back
            message = await messages.get(s, row.id)
            if exc.fall_back and message is not None and message.status in messages.PENDING:
                fell_back = await fallback.by_sms(s, message, exc.reason, at=self.clock())
            else:
                await self._fail(s, row.id, exc.reason)
            if exc.address_status is not None:
                await participants.set_address_status(
                    s, row.channel, row.address, exc.address_status
                )

        if not await self._record(row, "undeliverable", write):
            return
        if fell_back:
            self.wake()
        log.warning("outbox: %s message %s to %s cannot be delivered: %s (%s)%s", channel.name,
                    row.id, mask(row.address), plain(exc.reason), exc.reason,
                    f"; address now {exc.address_status}" if exc.address_status else "")
        self._count(row.channel, "failed")

    def backoff(self, attempts: int, retry_after: float | None = None) -> float:
        """Seconds before the next try: doubling from ``first_retry_seconds``, with jitter."""
        if retry_after is not None and retry_after > 0:
            return min(retry_after, MAX_RETRY_AFTER)  # the provider's own wait, always kept
        base = self.outbox.first_retry_seconds * 2.0 ** (attempts - 1)
        wait = min(base, self.outbox.max_retry_seconds)
        return wait / 2 + wait / 2 * self.jitter()  # "equal jitter": between half and all

    async def _requeue(
        self, s: Tx, message_id: int, reason: str, at: datetime, *, attempt: bool = True
    ) -> None:
        message = await messages.get(s, message_id)
        if message is not None and message.status == "sending":
            await messages.retry_later(s, message, error=reason, retry_at=at, at=self.clock(),
                                       count_attempt=attempt)

    async def _fail(self, s: Tx, message_id: int, reason: str) -> None:
        message = await messages.get(s, message_id)
        if message is not None and message.status in messages.PENDING:
            await messages.mark_failed(s, message, error=reason, at=self.clock())

    def _count(self, channel: str, status: str) -> None:
        if self.metrics:
            self.metrics.messages_out.labels(channel=channel, status=status).inc()

