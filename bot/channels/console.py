"""``copro chat``: talk to the bot in the terminal, as a participant would by SMS."""

from __future__ import annotations

import asyncio
import sys
from typing import TextIO

from bot.delivery.channel import Outgoing
from bot.delivery.direct import Direct
from bot.host.conversations import Conversations
from bot.language.render import numbered

CHANNEL = "console"


class Console:
    """Reads lines as inbound messages and prints what the outbox holds for this chat."""

    def __init__(
        self, conversations: Conversations, address: str, out: TextIO = sys.stdout
    ) -> None:
        self.conversations = conversations
        self.outbox = Direct(conversations, CHANNEL)
        self.address = address
        self.out = out

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
            text, media = attachment(text)
            await self.conversations.receive(CHANNEL, self.address, text, media)
            await self.deliver()


def attachment(line: str) -> tuple[str, tuple[str, ...]]:
    """``/photo receipt.jpg`` sends a picture, as a phone would with a photo."""
    if line.startswith("/photo "):
        return "", (line.removeprefix("/photo ").strip(),)
    return line, ()
