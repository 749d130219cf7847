"""Where the channels hand in what people send, so that nothing accepted is ever lost.

Normally a message goes straight to the conversation host, in the same request
that brought it. If the database cannot take it within ``inbox.answer_seconds``
(away, locked by another program, too slow), the message is written to a spool
on disk (one small JSON file, flushed to disk before the provider is told "got
it"), and tried again, in order, with a growing pause (up to
``inbox.max_retry_seconds``) until it is handled. While anything is spooled, new
messages join the end of the spool, so each person's messages are still handled
in the order they came. A message that fails for another reason (a fault in
copro, not the database) is set aside in ``spool/failed`` with the error, for
someone to look at; ``copro inbox replay`` puts it back in line.
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

from bot.core.files import FILE_MODE, delete_under, private_folder
from bot.core.logs import mask, reason
from bot.delivery import addresses, receipts
from bot.delivery.receipts import Receipt
from bot.host import taps
from bot.host.conversations import Conversations
from bot.host.taps import Tap
from storage import invites
from storage.db import unavailable

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
    unread: int = 0  # photos that came with it but could not be had (the person is told)
    answers: int | None = None  # a tapped button: the outbox message it was under
    # Writing shows the address works again (Telegram: someone who had blocked the bot).
    revives: bool = False


class Spool:
    """A directory of inbound items waiting for the database, oldest first."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.failed = directory / "failed"

    def put(self, item: Inbound, *, failed: str | None = None) -> Path:
        """Keep ``item`` on disk (atomically, synced) and return its file."""
        name = f"{time.time_ns():020d}-{uuid.uuid4().hex[:8]}.json"
        data: dict[str, object] = {**asdict(item), "media": list(item.media)}
        if failed:
            data["error"] = failed
        return self._write(self.failed if failed else self.directory, name, data)

    def waiting(self) -> list[Path]:
        return _files(self.directory)

    def set_aside(self) -> list[Path]:
        """The items copro could not handle, oldest first."""
        return _files(self.failed)

    def put_back(self, path: Path) -> Path:
        """Move an item set aside back in line, where its arrival time puts it."""
        data = json.loads(path.read_text(encoding="utf-8"))
        data.pop("error", None)
        target = self._write(self.directory, path.name, data)
        path.unlink()
        return target

    def erase(self, addresses: set[tuple[str, str]], media_dir: Path) -> int:
        """Delete every item kept from one of ``addresses`` (channel, address), waiting or set
        aside, with the photos it brought (under ``media_dir``): a person forgotten leaves no
        text of theirs on disk. Returns how many files went."""
        gone = 0
        for path in [*self.waiting(), *self.set_aside()]:
            try:
                item = self.read(path)
            except (OSError, ValueError, KeyError):
                continue  # not an item copro wrote: left for `copro inbox list` to show
            if (item.channel, item.address) not in addresses:
                continue
            gone += sum(delete_under(Path(m), media_dir) for m in item.media)
            gone += delete_under(path, self.directory)
        return gone

    @staticmethod
    def read(path: Path) -> Inbound:
        data = json.loads(path.read_text(encoding="utf-8"))
        return Inbound(kind=data["kind"], channel=data["channel"], address=data["address"],
                       text=data.get("text") or "", media=tuple(data.get("media") or ()),
                       unread=int(data.get("unread") or 0),
                       provider_id=data.get("provider_id"), revives=bool(data.get("revives")),
                       answers=data.get("answers") if isinstance(data.get("answers"), int) else None)

    @staticmethod
    def error(path: Path) -> str:
        return str(json.loads(path.read_text(encoding="utf-8")).get("error") or "")

    @staticmethod
    def arrived(path: Path) -> float:
        """When the item was spooled, in seconds since the epoch (its name says)."""
        return int(path.name.partition("-")[0]) / 1e9

    @staticmethod
    def _write(where: Path, name: str, data: dict[str, object]) -> Path:
        private_folder(where)
        temporary = where / f".{name}.tmp"
        with os.fdopen(os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, FILE_MODE),
                       "w", encoding="utf-8") as file:
            json.dump(data, file, ensure_ascii=False)
            file.flush()
            os.fsync(file.fileno())
        target = where / name
        temporary.replace(target)
        return target


def _files(directory: Path) -> list[Path]:
    return sorted(directory.glob("*.json")) if directory.is_dir() else []


class Inbox:
    def __init__(self, conversations: Conversations, spool: Spool) -> None:
        self.conversations = conversations
        self.spool = spool
        self._replaying = asyncio.Lock()
        self._runner: asyncio.Task[None] | None = None
        self._stopping = asyncio.Event()
        self._wake = asyncio.Event()
        self.stalled = False  # the last replay stopped because the database could not take it

    @property
    def answer_seconds(self) -> float:
        return self.conversations.config.inbox.answer_seconds

    async def hand_in(self, item: Inbound) -> None:
        """Handle ``item`` now, or keep it safe on disk if the database cannot take it.

        Returns once the item is handled or on disk, within about ``inbox.answer_seconds``
        whatever the database does: only then may the provider be told it was received.
        """
        if self.spool.waiting():
            await asyncio.to_thread(self.spool.put, item)
            self._wake.set()
            return
        handling = asyncio.ensure_future(self._handle(item))
        handling.add_done_callback(_forget)  # even if this request is given up on
        done, _ = await asyncio.wait({handling}, timeout=self.answer_seconds)
        if handling not in done:
            # Left to end by itself; if it did get through, the replay sees a copy it has.
            handling.cancel()
            await self._keep(item, f"no answer within {self.answer_seconds:g} s")
        elif (exc := handling.exception()) is not None and isinstance(exc, Exception):
            await self._set_aside(item, exc)

    # --- what channels ask of copro --------------------------------------------------------

    async def tap(self, channel: str, address: str, message_id: int | None,
                  number: int | None) -> Tap:
        """Whether choice ``number`` under outbox message ``message_id`` still answers its question
        (``bot.host.taps``); the item to hand in is the channel's to make."""
        async with self.conversations.db.reading() as s:
            return await taps.choice(s, channel, address, message_id, number,
                                     self.conversations.config.language)

    async def quick_reply(self, channel: str, address: str, provider_id: str | None,
                          payload: str) -> taps.QuickReply | None:
        """The choice a quick-reply button carrying ``payload`` stands for, and whether its
        question is still live (``bot.host.taps.quick_reply``); None if it is no question's, or
        if the database is away (the tap then goes in as the words on the button, as if typed,
        and waits in the spool with everything else)."""
        try:
            async with self.conversations.db.reading() as s:
                return await taps.quick_reply(s, channel, address, provider_id, payload,
                                              self.conversations.config.language)
        except Exception as exc:
            if not unavailable(exc):
                raise
            log.warning("inbox: a %s button tap could not be checked: %s", channel,
                        type(exc).__name__)
            return None

    async def tapped_closed(self, channel: str, address: str, words: str,
                            provider_id: str | None) -> None:
        """Keep a tap on a closed question's button, and tell the person the question closed."""
        conversations = self.conversations
        async with conversations.db.transaction() as s:
            if await taps.tapped_closed(s, conversations.outbox, channel, address, words,
                                        provider_id, at=conversations.clock()):
                conversations.wake_after(s)

    async def tapped_again(self, channel: str, address: str) -> str:
        """What to tell someone who taps the mark of a choice they made already."""
        async with self.conversations.db.reading() as s:
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

    async def known_as(self, channel: str, address: str, username: str | None) -> bool:
        """The username ``address`` goes by on ``channel`` (Telegram's @name), for look-ups;
        False if no one has that address yet."""
        return await addresses.known_as(self.conversations.db, channel, address, username)

    @staticmethod
    def may_link(text: str) -> bool:
        """Whether ``text`` could be an invite code typed on its own, which links a chat."""
        return invites.looks_like_code(text)

    async def first_time(self, channel: str, update_id: int) -> bool:
        """Whether a provider's update is new: one delivered again (after a restart, say) is
        not. While the database is away, every update is taken as new (and spooled)."""
        try:
            return await addresses.first_time(self.conversations.db, channel, update_id,
                                              at=self.conversations.clock())
        except Exception as exc:
            log.warning("inbox: could not check whether %s update %s is new: %s", channel,
                        update_id, type(exc).__name__)
            return True

    async def staff(self, channel: str) -> list[str]:
        """The ``channel`` addresses of coordinators and admins."""
        return await addresses.staff(self.conversations.db, channel)

    async def group_name(self, channel: str, address: str, language: str) -> str:
        """The name of the group of whoever ``address`` is, in ``language`` (the service's
        [group] name for someone in no group, or if the database cannot say)."""
        try:
            return await addresses.group_name(self.conversations.db, self.conversations.config.group,
                                              channel, address, language)
        except Exception as exc:  # a name to say on an answering machine: never worth failing for
            log.warning("inbox: could not look up the group of %s: %s", mask(address), type(exc).__name__)
            return self.conversations.config.group.words(language)[0]

    async def with_menu(self, channel: str) -> set[str]:
        """The ``channel`` addresses recorded as having the coordinators' menu."""
        return await addresses.with_menu(self.conversations.db, channel)

    async def menu_given(self, channel: str, address: str, given: bool) -> None:
        """Record that ``address`` was given the coordinators' menu, or had it taken away."""
        await addresses.menu_given(self.conversations.db, channel, address, given)

    async def replay(self) -> int:
        """Handle what is spooled, oldest first, until it is empty or the database cannot take
        the next one (then ``stalled`` is set, and it is tried again later); returns how many
        were handled or set aside."""
        done = 0
        async with self._replaying:
            self.stalled = False
            for path in self.spool.waiting():
                item = await asyncio.to_thread(self.spool.read, path)
                try:
                    async with asyncio.timeout(self.answer_seconds):
                        await self._handle(item)
                except Exception as exc:
                    if unavailable(exc) or not await self.conversations.db.ping():
                        self.stalled = True
                        log.info("inbox: the database cannot take the spooled messages yet (%s); "
                                 "%d handled, trying again later", reason(exc), done)
                        return done
                    await asyncio.to_thread(self.spool.put, item, failed=reason(exc))
                    log.exception("inbox: a spooled %s from %s could not be handled; set aside",
                                  item.kind, mask(item.address))
                path.unlink(missing_ok=True)
                done += 1
        if done:
            log.info("inbox: %d message(s) kept while the database was away are now handled", done)
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
        pause = REPLAY_SECONDS
        while not self._stopping.is_set():
            if self.spool.waiting():
                try:
                    await self.replay()
                except Exception:
                    log.exception("inbox: replaying the spool failed; trying again")
                    self.stalled = True
            if self.stalled:  # back off while the database cannot take them, new texts or not
                await asyncio.sleep(pause)
                pause = min(pause * 2, self.conversations.config.inbox.max_retry_seconds)
                continue
            pause = REPLAY_SECONDS
            self._wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), REPLAY_SECONDS)

    async def _handle(self, item: Inbound) -> None:
        c = self.conversations
        if item.kind == "message":  # its address made good again inside its own transaction
            await c.receive(item.channel, item.address, item.text, item.media, item.provider_id,
                            unread=item.unread, answers=item.answers, revives=item.revives)
            return
        if item.revives and await self.reachable_again(item.channel, item.address):
            log.info("inbox: %s %s can be reached again", item.channel, mask(item.address))
        if item.kind == "action":
            await c.act(item.channel, item.address, item.text)
        elif item.kind == "link" and await c.link(item.channel, item.address, item.text) is None:
            await c.refuse_invite(item.channel, item.address)

    async def _set_aside(self, item: Inbound, exc: Exception) -> None:
        if unavailable(exc) or not await self.conversations.db.ping():
            await self._keep(item, reason(exc))
            return
        await asyncio.to_thread(self.spool.put, item, failed=reason(exc))
        log.error("inbox: a %s %s from %s could not be handled; kept in %s", item.channel,
                  item.kind, mask(item.address), self.spool.failed, exc_info=exc)

    async def _keep(self, item: Inbound, why: str) -> None:
        await asyncio.to_thread(self.spool.put, item)
        self._wake.set()
        log.warning("inbox: the database cannot take messages now (%s); a %s message is kept on "
                    "disk and tried again until it is handled", why, item.channel)


def _forget(task: asyncio.Future[None]) -> None:
    if not task.cancelled():
        task.exception()

