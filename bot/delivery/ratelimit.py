"""Sliding-window rate limits, so copro never sends faster than a provider allows.

A limit is "at most ``rate`` units in any ``per`` seconds", for a key such as
``telegram`` (the whole bot), ``telegram:12345`` (one chat) or ``sms:+44…`` (one
sending number). A unit is a message, or an SMS segment. Unlike a token bucket,
a window never lets a burst and its refill add up to more than the limit, so
the limit holds over every stretch of time a provider may measure. Sends are
also spread evenly through the window (30 a second go one every 34 ms, not 30
at once): a burst leaves in a heap, and a heap can reach the provider closer
together than it left.

An urgent send (a safeguarding alert) takes the next free slot of every limit it
counts against, ahead of sends already waiting: while it waits, no other send
takes a unit of those limits. The limits themselves still hold for it.

The limits hold within one process; several processes sharing one provider
account should divide the rates between them.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections import deque
from collections.abc import Awaitable, Callable, Iterable

Limit = tuple[str, float, float]  # (key, rate, per seconds)
# Requests take different times to reach the provider, which counts them as they
# arrive: each window is kept this much longer, so arrivals keep the limit too.
MARGIN = 0.03


class _Window:
    def __init__(self, units: int, seconds: float) -> None:
        self.units = units
        self.seconds = seconds
        self.used: deque[tuple[float, int]] = deque()  # (time, cost), oldest first
        self.total = 0
        self.next_at = 0.0  # the even pace: no send before this
        self.urgent = 0  # urgent sends waiting for room here; the others wait for them
        self.clear = asyncio.Event()  # set while no urgent send is waiting
        self.clear.set()

    def forget(self, now: float) -> None:
        while self.used and self.used[0][0] <= now - self.seconds:
            self.total -= self.used.popleft()[1]

    def wait(self, now: float, cost: int) -> float:
        """Seconds until ``cost`` more units fit (0: they fit now)."""
        self.forget(now)
        paced = max(0.0, self.next_at - now)
        if not self.used or self.total + cost <= self.units:
            return paced  # an empty window takes even a message bigger than the limit
        excess = self.total + cost - self.units
        for at, used in self.used:
            excess -= used
            if excess <= 0:
                return max(paced, at + self.seconds - now)
        return max(paced, self.used[-1][0] + self.seconds - now)

    def take(self, now: float, cost: int) -> None:
        self.used.append((now, cost))
        self.total += cost
        # Paced from when this send was due, not from when it woke (a little late), so the
        # small delays of a busy process do not add up; after a pause, from now.
        due = self.next_at if self.next_at >= now - MARGIN else now
        self.next_at = due + cost * self.seconds / self.units


def window(rate: float, per: float) -> tuple[int, float]:
    """``rate`` per ``per`` seconds as whole units in a window: 0.5/s is 1 per 2 s."""
    units = max(1, math.floor(rate))
    return units, per * units / rate


class RateLimiter:
    """Waits until a send fits every limit it counts against, then records it."""

    def __init__(
        self,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
    ) -> None:
        self._windows: dict[tuple[str, int, float], _Window] = {}
        self._clock = clock
        self._sleep = sleep

    def delay(self, limits: Iterable[Limit], cost: int = 1) -> float:
        """How long a send of ``cost`` units would have to wait now."""
        now = self._clock()
        return max((self._window(limit).wait(now, cost) for limit in limits), default=0.0)

    async def acquire(
        self, limits: Iterable[Limit], cost: int = 1, *, urgent: bool = False
    ) -> float:
        """Wait until ``cost`` units fit all ``limits``, take them; returns the seconds waited.

        An ``urgent`` send goes ahead of every other send waiting on the same limits."""
        windows = [self._window(limit) for limit in limits]
        if not urgent:
            return await self._take(windows, cost)
        for w in windows:
            w.urgent += 1
            w.clear.clear()
        try:
            return await self._take(windows, cost, urgent=True)
        finally:
            for w in windows:
                w.urgent -= 1
                if not w.urgent:
                    w.clear.set()

    async def _take(self, windows: list[_Window], cost: int, *, urgent: bool = False) -> float:
        waited = 0.0
        while True:
            ahead = None if urgent else next((w for w in windows if w.urgent), None)
            if ahead is not None:  # an urgent send is waiting for this room: it goes first
                started = self._clock()
                await ahead.clear.wait()
                waited += self._clock() - started
                continue
            now = self._clock()
            wait = max((w.wait(now, cost) for w in windows), default=0.0)
            if wait <= 0:
                for w in windows:
                    w.take(now, cost)
                return waited
            waited += wait
            await self._sleep(wait)

    def _window(self, limit: Limit) -> _Window:
        key, rate, per = limit
        units, seconds = window(rate, per)
        found = self._windows.get((key, units, seconds))
        if found is None:
            found = self._windows[(key, units, seconds)] = _Window(units, seconds + MARGIN)
        return found
