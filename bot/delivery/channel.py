"""What a channel (Telegram, SMS, the console) offers the outbox sender.

A channel sends one outbox message at a time and says how it went: ``Sent``,
or an exception that tells the sender what to do next. Rate limits and retries
live in the sender (``bot.delivery.outbox``); a channel only speaks its provider's
protocol.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal, Protocol

AddressStatus = Literal["unreachable", "opted_out"]


@dataclass(frozen=True)
class Button:
    """A button that acts rather than answers: ``data`` names the action (``claim:12:approve``)."""

    label: str
    data: str


@dataclass(frozen=True)
class Outgoing:
    """One outbox message, as a channel needs it (``bot.delivery.outgoing`` makes it from a row).

    ``kind`` is ``text``; ``poll`` (``body`` the question, ``options`` the answers,
    ``multiple`` whether several may be chosen, ``question`` the words of a channel's
    own poll, where it has one); or ``photo`` (``media[0]`` the file, ``body`` its
    caption). ``stop_poll`` names a channel's own poll to close (Telegram's message
    id), and the message is nothing else. ``content_sid`` names an approved WhatsApp template
    to send instead of ``body`` (which then only describes it), filled with
    ``content_variables`` (JSON, as Twilio takes them). ``answer`` is how a question is
    answered (its ``type``, ``min``, ``max``, ``skip`` and ``way`` by phone call), for a
    channel that reads questions out; None for a message that asks nothing.
    """

    id: int
    channel: str
    address: str
    body: str
    options: tuple[str, ...] = ()
    language: str = "en"
    kind: str = "text"
    media: tuple[str, ...] = ()
    buttons: tuple[Button, ...] = ()
    multiple: bool = False
    question: str = ""
    stop_poll: str = ""
    content_sid: str = ""
    content_variables: str = ""
    answer: Mapping[str, Any] | None = None
    done: str = ""  # with ``multiple``: the label of the button that sends the choices made
    payloads: tuple[str, ...] = ()  # what each choice's button carries back (WhatsApp)
    media_url: str = ""  # where the provider may fetch ``media[0]`` (WhatsApp: signed, expiring)


@dataclass(frozen=True)
class Sent:
    """Accepted by the provider; ``ref`` is a second id it gave (a Telegram poll's); ``note``
    says what of the message did not go with it (a picture WhatsApp could not be given)."""

    provider_id: str | None = None
    status: str = "sent"  # or "delivered" where the provider says so at once
    ref: str | None = None
    note: str | None = None  # what of the message could not go, and why (kept on it)


class SendError(Exception):
    """A send that did not work; ``reason`` is kept on the message."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class TryAgain(SendError):
    """A passing fault (rate limit, 5xx, network): try again later.

    ``retry_after`` is the provider's own wait in seconds, when it gave one.
    """

    def __init__(self, reason: str, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.retry_after = retry_after


class Undeliverable(SendError):
    """A permanent failure: the message is failed and not tried again.

    ``address_status`` marks the address itself when it cannot be used again
    (the person blocked the bot, or sent STOP at the carrier).

    ``fall_back``: the message may still reach the person another way (by SMS, when
    WhatsApp will not take it).
    """

    def __init__(self, reason: str, address_status: AddressStatus | None = None, *,
                 fall_back: bool = False) -> None:
        super().__init__(reason)
        self.address_status = address_status
        self.fall_back = fall_back


class Channel(Protocol):
    """A way of reaching people; the outbox sender calls ``send`` for each message."""

    name: str

    def cost(self, message: Outgoing) -> int:
        """How much of the provider's rate limit ``message`` uses (SMS: segments)."""
        ...

    def limits(self, message: Outgoing) -> list[tuple[str, float, float]]:
        """The rate limits ``message`` counts against: ``(bucket key, rate, per seconds)``."""
        ...

    async def send(self, message: Outgoing) -> Sent:
        """Deliver ``message`` to the provider; raise ``TryAgain`` or ``Undeliverable``."""
        ...
