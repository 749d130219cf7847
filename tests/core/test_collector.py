"""The garbage collector held off during a burst of work, and back on after it."""

from __future__ import annotations

import asyncio
import gc

import pytest

from bot.core import collector


def test_the_collector_is_off_during_the_block_and_on_after_even_if_it_fails() -> None:
    assert gc.isenabled()
    with pytest.raises(RuntimeError), collector.paused():
        assert not gc.isenabled()
        raise RuntimeError("the chunk failed")
    assert gc.isenabled()


async def test_blocks_that_overlap_keep_it_off_until_the_last_ends() -> None:
    first_in, second_out = asyncio.Event(), asyncio.Event()

    async def first() -> None:
        with collector.paused():
            first_in.set()
            await second_out.wait()
            assert not gc.isenabled()  # the second ended; this one has not
        assert gc.isenabled()

    async def second() -> None:
        await first_in.wait()
        with collector.paused():
            assert not gc.isenabled()
        second_out.set()

    await asyncio.gather(first(), second())
    assert gc.isenabled()


def test_a_collector_turned_off_elsewhere_stays_off() -> None:
    gc.disable()
    try:
        with collector.paused():
            assert not gc.isenabled()
        assert not gc.isenabled()
    finally:
        gc.enable()
