"""The phone calls under way, each with what is waiting to be said on it.

A call is a conversation spoken a turn at a time: the outbox sender hands the
channel each message for the person (``hear``), and the webhook that Twilio
calls for the next TwiML takes them (``turn``), waiting a moment for the reply
to a key pressed to be queued and sent. Calls live in this process: one copro
instance takes a number's calls (see docs/voice.md).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from dataclasses import dataclass, field

from bot.delivery.channel import Outgoing

SETTLE = 2.0  # seconds of quiet after the last message before a turn with no question is said
# A call Twilio has said nothing about for this long is over, whether or not its end was
# reported: what comes next for the number is a new call, not words for a line gone dead.
QUIET_FOR = 900.0


@dataclass
class Call:
    sid: str
    address: str
    waiting: list[Outgoing] = field(default_factory=list)  # to be said next
    question: Outgoing | None = None  # the question last asked, said again on star or silence
    language: str = "en"
    answered: bool = False
    silences: int = 0
    pressed: int = 0  # keys handed in, to key each one
    arrived: asyncio.Event = field(default_factory=asyncio.Event)
    touched: float = field(default_factory=time.monotonic)

    def heard_from(self) -> None:
        """Twilio asked for this call's next words: it is alive."""
        self.touched = time.monotonic()

    def hear(self, message: Outgoing) -> None:
        self.waiting.append(message)
        self.language = message.language
        self.arrived.set()

    async def turn(self, wait: float) -> list[Outgoing]:
        """What to say next: the messages waiting, once a question has come or no more come
        for a moment; at most ``wait`` seconds for the first."""
        deadline = time.monotonic() + wait
        while True:
            if self.waiting and self.waiting[-1].answer is not None:
                break
            left = deadline - time.monotonic()
            pause = SETTLE if self.waiting else left
            if left <= 0:
                break
            self.arrived.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.arrived.wait(), timeout=min(pause, left))
            if self.waiting and not self.arrived.is_set():
                break  # quiet for a moment after the last message: the turn is whole
        said, self.waiting = self.waiting, []
        for message in said:
            if message.answer is not None:
                self.question = message
        if said and said[-1].answer is None:
            self.question = None
        return said


class Calls:
    """The calls under way, by Twilio's CallSid and by the number called."""

    def __init__(self) -> None:
        self._by_sid: dict[str, Call] = {}
        self._by_address: dict[str, Call] = {}

    def get(self, sid: str) -> Call | None:
        return self._by_sid.get(sid)

    def on(self, address: str) -> Call | None:
        """The call under way to ``address``, if one is."""
        call = self._by_address.get(address)
        if call is not None and time.monotonic() - call.touched > QUIET_FOR:
            self.end(call.sid)
            return None
        return call

    def open(self, sid: str, address: str) -> Call:
        call = Call(sid, address)
        self._by_sid[sid] = call
        self._by_address[address] = call
        return call

    def end(self, sid: str) -> Call | None:
        call = self._by_sid.pop(sid, None)
        if call is not None and self._by_address.get(call.address) is call:
            del self._by_address[call.address]
        return call
