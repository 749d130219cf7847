"""Where the channels hand in what people send, so that nothing accepted is ever lost.

Normally a message goes straight to the conversation host, in the same request
that brought it. If the database cannot be reached, the message is written to a
spool on disk (one small JSON file, flushed to disk before the provider is told
"got it"), and replayed in order once the database is back. While anything is
spooled, new messages join the end of the spool, so each person's messages are
still handled in the order they came. A message that fails for another reason
(a fault in copro, not the database) is set aside in ``spool/failed`` with the
error, for someone to look at, rather than retried for ever.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import time
import uuid
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Literal

from bot.delivery import addresses, receipts
from bot.delivery.receipts import Receipt
from bot.host import taps
from bot.host.conversations import Conversations
from bot.host.taps import Tap

log = logging.getLogger(__name__)

Kind = Literal["message", "action", "link"]
REPLAY_SECONDS = 2.0  # between looks at the spool while the database is away


@dataclass(frozen=True)
class Inbound:
    """One thing a person sent: a ``message``, a button tapped (``action``), or an invite ``link``."""

    kind: Kind
    channel: str
    address: str
    text: str = ""
    media: tuple[str, ...] = field(default=())
    provider_id: str | None = None


class Spool:
    """A directory of inbound items waiting for the database, oldest first."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.failed = directory / "failed"

    def put(self, item: Inbound, *, failed: str | None = None) -> Path:
        """Keep ``item`` on disk (atomically, synced) and return its file."""
        where = self.failed if failed else self.directory
        where.mkdir(parents=True, exist_ok=True)
        name = f"{time.time_ns():020d}-{uuid.uuid4().hex[:8]}.json"
        data = {**asdict(item), "media": list(item.media)}
        if failed:
            data["error"] = failed
        temporary = where / f".{name}.tmp"
        with temporary.open("w", encoding="utf-8") as file:
            json.dump(data, file, ensure_ascii=False)
            file.flush()
            os.fsync(file.fileno())
        target = where / name
        temporary.replace(target)
        return target

    def waiting(self) -> list[Path]:
        if not self.directory.is_dir():
            return []
        return sorted(p for p in self.directory.glob("*.json"))

    @staticmethod
    def read(path: Path) -> Inbound:
        data = json.loads(path.read_text(encoding="utf-8"))
        return Inbound(kind=data["kind"], channel=data["channel"], address=data["address"],
                       text=data.get("text") or "", media=tuple(data.get("media") or ()),
                       provider_id=data.get("provider_id"))


class Inbox:
    def __init__(self, conversations: Conversations, spool: Spool) -> None:
        self.conversations = conversations
        self.spool = spool
        self._replaying = asyncio.Lock()
        self._runner: asyncio.Task[None] | None = None
        self._stopping = asyncio.Event()
        self._wake = asyncio.Event()

    async def hand_in(self, item: Inbound) -> None:
        """Handle ``item`` now, or keep it safe on disk if the database is away.

        Returns once the item is handled or on disk: only then may the provider
        be told it was received.
        """
        if self.spool.waiting():
            await asyncio.to_thread(self.spool.put, item)
            self._wake.set()
            return
        try:
            await self._handle(item)
        except Exception as exc:
            await self._set_aside(item, exc)

    # --- what channels ask of copro --------------------------------------------------------

    async def tap(self, channel: str, address: str, message_id: int | None,
                  number: int | None) -> Tap:
        """Whether choice ``number`` under outbox message ``message_id`` still answers its question
        (``bot.host.taps``); the item to hand in is the channel's to make."""
        async with self.conversations.db.transaction() as s:
            return await taps.choice(s, channel, address, message_id, number,
                                     self.conversations.config.language)

    async def tapped_again(self, channel: str, address: str) -> str:
        """What to tell someone who taps the mark of a choice they made already."""
        async with self.conversations.db.transaction() as s:
            return await taps.answered(s, channel, address, self.conversations.config.language)

    async def nothing_chosen(self, channel: str, address: str) -> str:
        """What to tell someone who taps Done before marking any of several choices."""
        async with self.conversations.db.transaction() as s:
            return await taps.nothing_chosen(s, channel, address, self.conversations.config.language)

    async def receipt(self, receipt: Receipt) -> bool:
        """Keep a provider's delivery report; False if copro knows no such message. Raises if the
        database is away (the provider should send it again)."""
        return await receipts.record(self.conversations.db, receipt)

    async def reachable_again(self, channel: str, address: str) -> bool:
        """An address marked unreachable sent something: it works again. True if it was marked."""
        return await addresses.reachable_again(self.conversations.db, channel, address)

    async def staff(self, channel: str) -> list[str]:
        """The ``channel`` addresses of coordinators and admins."""
        return await addresses.staff(self.conversations.db, channel)

    async def replay(self) -> int:
        """Handle what is spooled, oldest first, until it is empty or the database is away."""
        done = 0
        async with self._replaying:
            for path in self.spool.waiting():
                item = await asyncio.to_thread(self.spool.read, path)
                try:
                    await self._handle(item)
                except Exception as exc:
                    if not await self.conversations.db.ping():
                        return done  # still away: try again later
                    await asyncio.to_thread(self.spool.put, item, failed=_describe(exc))
                    log.exception("inbox: a spooled %s from %s could not be handled; set aside",
                                  item.kind, item.channel)
                path.unlink(missing_ok=True)
                done += 1
        if done:
            log.warning("inbox: %d message(s) kept while the database was away are now handled", done)
        return done

    def start(self) -> None:
        """Replay the spool in the background (left over from before a restart, or new)."""
        self._runner = asyncio.create_task(self._run(), name="inbox")

    async def stop(self) -> None:
        self._stopping.set()
        if self._runner is not None:
            self._runner.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._runner

    async def _run(self) -> None:
        while not self._stopping.is_set():
            if self.spool.waiting():
                try:
                    await self.replay()
                except Exception:
                    log.exception("inbox: replaying the spool failed; trying again")
            self._wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), REPLAY_SECONDS)

    async def _handle(self, item: Inbound) -> None:
        c = self.conversations
        if item.kind == "message":
            await c.receive(item.channel, item.address, item.text, item.media, item.provider_id)
        elif item.kind == "action":
            await c.act(item.channel, item.address, item.text)
        elif item.kind == "link" and await c.link(item.channel, item.address, item.text) is None:
            await c.refuse_invite(item.channel, item.address)

    async def _set_aside(self, item: Inbound, exc: Exception) -> None:
        if not await self.conversations.db.ping():
            await asyncio.to_thread(self.spool.put, item)
            self._wake.set()
            log.warning("inbox: the database is away; a %s message is kept on disk until it is back",
                        item.channel)
            return
        await asyncio.to_thread(self.spool.put, item, failed=_describe(exc))
        log.error("inbox: a %s %s could not be handled; kept in %s", item.channel, item.kind,
                  self.spool.failed, exc_info=exc)


def _describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"
