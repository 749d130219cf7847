"""``copro chat``: talk to the bot in the terminal, as a participant would by SMS."""

from __future__ import annotations

import asyncio
import shutil
import sys
import uuid
from pathlib import Path
from typing import TextIO

from bot.delivery.channel import Outgoing
from bot.delivery.direct import Direct
from bot.host.conversations import Conversations
from bot.language.render import numbered

CHANNEL = "console"


class Console:
    """Reads lines as inbound messages and prints what the outbox holds for this chat."""

    def __init__(
        self, conversations: Conversations, address: str, out: TextIO = sys.stdout, *,
        media_dir: Path,
    ) -> None:
        self.conversations = conversations
        self.outbox = Direct(conversations, CHANNEL)
        self.address = address
        self.out = out
        self.media_dir = media_dir / CHANNEL

    async def deliver(self) -> int:
        """Print and mark sent every queued console message for this chat, oldest first."""
        shown = await self.outbox.hand_out(self.address, self.show)
        self.out.flush()
        return shown

    def show(self, message: Outgoing) -> None:
        text = numbered(message.body, message.options)
        self.out.write(f"copro: {text.replace(chr(10), chr(10) + '       ')}\n\n")

    async def run(self, lines: TextIO, interactive: bool) -> None:
        await self.conversations.greet(CHANNEL, self.address)
        await self.deliver()
        while True:
            if interactive:
                self.out.write("you> ")
                self.out.flush()
            line = await asyncio.to_thread(lines.readline)
            if not line:
                break
            text = line.rstrip("\r\n")
            if not text.strip():
                continue
            if not interactive:
                self.out.write(f"you> {text}\n")
            try:
                text, media = attachment(text, self.media_dir)
            except OSError as exc:
                self.out.write(f"(no photo sent: {exc})\n\n")
                continue
            await self.conversations.receive(CHANNEL, self.address, text, media)
            await self.deliver()


def attachment(line: str, media_dir: Path) -> tuple[str, tuple[str, ...]]:
    """``/photo receipt.jpg`` sends a picture, as a phone would with a photo: a copy goes
    into the media store (as a provider's download would), so copro keeps its own file and
    never a path to the chatter's. OSError (in plain words) when the file cannot be read."""
    if not line.startswith("/photo "):
        return line, ()
    source = Path(line.removeprefix("/photo ").strip()).expanduser()
    if not source.is_file():
        raise OSError(f"there is no file at {str(source)!r}")
    media_dir.mkdir(parents=True, exist_ok=True)
    kept = media_dir / f"{uuid.uuid4().hex}{source.suffix.lower()[:8]}"
    shutil.copyfile(source, kept)
    return "", (str(kept),)
