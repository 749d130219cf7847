"""Updates from different chats side by side, each chat's one at a time and in the order they came.

python-telegram-bot hands updates on in the order Telegram gives them; ``InOrder``
starts each at once unless an earlier update from the same chat is still being
handled, in which case it waits for that one to finish. Webhook calls go through
the same line (``in_turn``), so long polling and webhooks keep the same order.
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Awaitable
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor

# python-telegram-bot's own bound must never make an update wait before it takes its place in
# line (its semaphore need not wake waiters in order), so it is far above ``at_once``.
UNBOUNDED = 1 << 20


class InOrder(BaseUpdateProcessor):
    """At most ``at_once`` updates handled together; one chat's never at once, never out of order."""

    def __init__(self, at_once: int) -> None:
        super().__init__(UNBOUNDED)
        self._at_once = asyncio.Semaphore(at_once)
        self._last: dict[int, asyncio.Future[None]] = {}  # chat: its latest update's end

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        await self.in_turn(update, coroutine)

    async def in_turn(self, update: object, coroutine: Awaitable[Any]) -> None:
        """Await ``coroutine`` once every earlier update from the same chat is done."""
        chat = _chat(update)
        if chat is None:
            async with self._at_once:
                await coroutine
            return
        # Taken before any await: the place in line is the order updates were handed in.
        before = self._last.get(chat)
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._last[chat] = done
        started = False
        try:
            if before is not None:
                await asyncio.shield(before)
            async with self._at_once:
                started = True
                await coroutine
        finally:
            if not started:
                _close(coroutine)
            if started or before is None or before.done():
                done.set_result(None)
            else:  # cancelled while waiting: the next in line still waits for the one before
                before.add_done_callback(lambda _: done.set_result(None))
            if done.done() and self._last.get(chat) is done:
                del self._last[chat]

    async def initialize(self) -> None:
        pass

    async def shutdown(self) -> None:
        pass


def _close(coroutine: Awaitable[Any]) -> None:
    """A coroutine that will never run, closed (else Python warns it was never awaited)."""
    if inspect.iscoroutine(coroutine):
        coroutine.close()


def _chat(update: object) -> int | None:
    if isinstance(update, Update) and update.effective_chat is not None:
        return update.effective_chat.id
    return None
