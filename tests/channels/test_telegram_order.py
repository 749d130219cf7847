"""Each chat's updates one at a time and in order, different chats' side by side (``InOrder``)."""

from __future__ import annotations

import asyncio
import random

from telegram import Chat, Message, Update

from bot.channels.telegram.order import InOrder


def update(n: int, chat: int) -> Update:
    message = Message(n, None, Chat(chat, "private"), text=f"text {n}")  # type: ignore[arg-type]
    return Update(n, message=message)


async def test_a_chats_updates_never_overlap_and_keep_their_order() -> None:
    order = InOrder(at_once=4)
    handled: dict[int, list[int]] = {}
    busy: set[int] = set()
    overlaps: list[int] = []
    chaos = random.Random(7)

    async def handle(n: int, chat: int) -> None:
        if chat in busy:
            overlaps.append(n)
        busy.add(chat)
        for _ in range(chaos.randrange(4)):  # some take longer than others
            await asyncio.sleep(0)
        handled.setdefault(chat, []).append(n)
        busy.discard(chat)

    updates = [(n, chaos.choice([1, 2, 3])) for n in range(200)]
    await asyncio.gather(*(order.in_turn(update(n, chat), handle(n, chat)) for n, chat in updates))
    assert overlaps == []
    for chat in (1, 2, 3):
        assert handled[chat] == [n for n, c in updates if c == chat]


async def test_another_chat_goes_ahead_while_one_chat_waits() -> None:
    order = InOrder(at_once=4)
    first_held, release = asyncio.Event(), asyncio.Event()
    seen: list[str] = []

    async def slow() -> None:
        first_held.set()
        await release.wait()
        seen.append("ann 1")

    async def quick(name: str) -> None:
        seen.append(name)

    ann1 = asyncio.create_task(order.in_turn(update(1, 10), slow()))
    await first_held.wait()
    ann2 = asyncio.create_task(order.in_turn(update(2, 10), quick("ann 2")))
    bob = asyncio.create_task(order.in_turn(update(3, 20), quick("bob")))
    await bob
    assert seen == ["bob"]  # Ann's second waits for her first; Bob's did not wait for her
    release.set()
    await asyncio.gather(ann1, ann2)
    assert seen == ["bob", "ann 1", "ann 2"]


async def test_an_update_cancelled_while_waiting_does_not_let_the_next_overtake() -> None:
    order = InOrder(at_once=4)
    release = asyncio.Event()
    seen: list[str] = []

    async def step(name: str, wait: bool = False) -> None:
        if wait:
            await release.wait()
        seen.append(name)

    first = asyncio.create_task(order.in_turn(update(1, 10), step("first", wait=True)))
    await asyncio.sleep(0)
    second = asyncio.create_task(order.in_turn(update(2, 10), step("second")))
    await asyncio.sleep(0)
    third = asyncio.create_task(order.in_turn(update(3, 10), step("third")))
    await asyncio.sleep(0)
    second.cancel()  # copro stopping, say
    await asyncio.sleep(0.01)
    assert seen == []  # the third still waits for the first
    release.set()
    await asyncio.gather(first, third)
    assert seen == ["first", "third"]
