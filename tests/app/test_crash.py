"""``kill -9`` in the middle of a big send: after a restart every message arrives, and only the
few that were in flight at the kill may arrive twice."""

from __future__ import annotations

import asyncio
import signal
import subprocess
import time
from collections import Counter
from pathlib import Path

from bot.core.clock import utcnow
from storage import messages, participants
from storage.db import Database
from tests.doubles.bot_api import TOKEN, BotApiDouble, Fault
from tests.servers import free_port, run_env, serve_asgi, start_copro, wait_healthy

CHATS, EACH = 100, 5
IN_FLIGHT = 50  # outbox.batch_size: at most this many sends under way at once


async def queue_500(database_url: str) -> None:
    db = Database(database_url)
    try:
        async with db.transaction() as s:
            for chat in range(CHATS):
                person = await participants.create(s, channel="telegram", address=str(5000 + chat))
                for n in range(EACH):
                    await messages.queue_outbound(
                        s, participant_id=person.id, session_id=None, channel="telegram",
                        address=str(5000 + chat), body=f"chat {chat} message {n}", options=[],
                        idempotency_key=f"crash:{chat}:{n}", at=utcnow())
    finally:
        await db.close()


async def until_sent(database_url: str, process: subprocess.Popen[str], log: Path) -> None:
    """Wait until the outbox is empty: every message sent and marked so."""
    db = Database(database_url)
    try:
        deadline = time.monotonic() + 30
        while True:
            async with db.transaction() as s:
                if not await messages.outbox_depth(s):
                    return
            assert time.monotonic() < deadline, "messages are still waiting"
            if process.poll() is not None:
                raise AssertionError(await asyncio.to_thread(log.read_text))
            await asyncio.sleep(0.05)
    finally:
        await db.close()


async def test_a_kill_in_the_middle_of_sending_loses_nothing(tmp_path: Path, database_url: str) -> None:
    await queue_500(database_url)
    api = BotApiDouble()
    api.fail("sendMessage", "*", *[Fault(0, delay=0.05)] * 10_000)  # a provider that takes a moment
    async with serve_asgi(api.app) as api_url:
        (tmp_path / "copro.toml").write_text(
            f'[telegram]\ntoken = "{TOKEN}"\napi_base_url = "{api_url}"\npolling_timeout = 1\n'
            "messages_per_second = 5000\nchat_messages_per_second = 5000\n"
            f"[outbox]\nbatch_size = {IN_FLIGHT}\nlease_seconds = 0.5\nidle_seconds = 0.05\n"
        )

        log = tmp_path / "copro.log"

        async def run_until(count: int) -> tuple[subprocess.Popen[str], int]:
            port = free_port()
            process = start_copro(tmp_path, run_env(tmp_path, database_url, port), log=log)
            await wait_healthy(port, process)
            deadline = time.monotonic() + 60
            while len(api.sent()) < count:
                assert time.monotonic() < deadline, f"only {len(api.sent())} sent"
                assert process.poll() is None, log.read_text()
                await asyncio.sleep(0.01)
            return process, len(api.sent())

        first, at_kill = await run_until(100)
        first.send_signal(signal.SIGKILL)
        await asyncio.to_thread(first.wait, 10)
        assert 100 <= at_kill < CHATS * EACH, "the kill came too late to test anything"

        second, _ = await run_until(CHATS * EACH)
        await until_sent(database_url, second, log)  # the leases of the killed sends ran out
        stopping = time.monotonic()
        second.send_signal(signal.SIGTERM)
        # Waited for off the event loop: the Bot API double must keep answering meanwhile.
        await asyncio.to_thread(second.wait, 15)
        api.hang_up()  # the double stops at once, without waiting out a long poll
        assert second.returncode == 0, log.read_text()
        assert time.monotonic() - stopping < 10  # a clean stop, within 10 seconds

    got = Counter(c.params["text"] for c in api.sent())
    expected = {f"chat {chat} message {n}" for chat in range(CHATS) for n in range(EACH)}
    assert set(got) == expected  # every message arrived
    twice = sum(count - 1 for count in got.values())
    assert twice <= IN_FLIGHT, f"{twice} duplicates, more than the {IN_FLIGHT} that can be in flight"
    for chat in range(CHATS):  # and each person's arrived in order
        order = [int(c.params["text"].rsplit(" ", 1)[1]) for c in api.sent(5000 + chat)]
        assert order == sorted(order)
