"""One outbox message to Telegram: ``sendMessage`` (or ``sendPhoto``, or ``sendPoll``), and what
Telegram's answer means for the outbox.

A poll's question goes as Telegram's own poll (not anonymous, so each vote comes
back to copro as a ``poll_answer``) when its answers fit; closing it is a
``stopPoll``. Any other question's choices become inline buttons, one a row, each carrying the outbox
message's id so a tap can be checked against the question it belongs to. A text
longer than Telegram takes goes as several messages, spaced as the chat's
limits ask, with the buttons under the last. Refusals: 429 waits
``retry_after``; 403 (blocked, account deleted) and "chat not found" make the
chat unreachable; other 400s fail the message; network trouble and 5xx are
tried again.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from pathlib import Path

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    InvalidToken,
    RetryAfter,
    TelegramError,
)

from bot.core.config import TelegramConfig
from bot.delivery.channel import Outgoing, Sent, TryAgain, Undeliverable

log = logging.getLogger(__name__)

TEXT_LIMIT = 4096  # UTF-16 units in one message
CAPTION_LIMIT = 1024
LABEL_LIMIT = 64  # characters Telegram shows on a button, and bytes of its data
CHOICE = "opt"  # a choice's button carries "opt:<outbox message id>:<number from 1>"
CHOSEN = "done"  # the mark left under a question once a choice is made
POLL_QUESTION_LIMIT, POLL_OPTION_LIMIT, POLL_OPTIONS = 300, 100, 10  # Telegram's own polls
VOTE = "pollvote"  # a vote in a poll copro sent: "pollvote:<poll id>:<numbers from 1>"
FINISH = "finish"  # under a question of several choices: "finish:<outbox message id>" sends them
MARK = "✓ "  # before a choice marked (several choices), and before the choices made


def limits(config: TelegramConfig, chat: str) -> list[tuple[str, float, float]]:
    found = [("telegram", config.messages_per_second, 1.0),
             (f"telegram:{chat}", config.chat_messages_per_second, 1.0)]
    if is_group(chat):
        found.append((f"telegram-group:{chat}", config.group_messages_per_minute, 60.0))
    return found


def cost(message: Outgoing) -> int:
    """One a message; a text too long for one message counts each part."""
    return 1 if message.kind == "photo" and message.media else len(parts(message.body))


async def send(bot: Bot, config: TelegramConfig, message: Outgoing,
               scrub: Callable[[str], str] = str) -> Sent:
    """Hand ``message`` to Telegram; raise ``TryAgain`` or ``Undeliverable`` if it is refused.

    ``scrub`` takes the bot's token out of an error before it is kept.
    """
    chat, markup = message.address, keyboard(message)
    photo = await asyncio.to_thread(_read, message.media[0]) if (
        message.kind == "photo" and message.media) else None
    try:
        if message.stop_poll:
            await bot.stop_poll(chat, int(message.stop_poll))
            return Sent(provider_id=message.stop_poll)
        if native_poll(message):
            sent = await bot.send_poll(chat, message.question, list(message.options),
                                       is_anonymous=False, allows_revoting=True,
                                       allows_multiple_answers=message.multiple)
            return Sent(provider_id=str(sent.message_id), ref=sent.poll.id if sent.poll else None)
        if photo is not None:
            sent = await bot.send_photo(chat, photo, caption=message.body[:CAPTION_LIMIT],
                                        reply_markup=markup)
        else:
            *first, last = parts(message.body or "…")
            for part in first:
                await bot.send_message(chat, part)
                await asyncio.sleep(_gap(config, chat))
            sent = await bot.send_message(chat, last, reply_markup=markup)
    except RetryAfter as exc:
        wait = exc.retry_after
        seconds = wait if isinstance(wait, int) else wait.total_seconds()
        raise TryAgain(f"Telegram 429: {exc.message}", retry_after=float(seconds)) from None
    except ChatMigrated as exc:
        raise Undeliverable(f"Telegram: the group chat moved to chat id {exc.new_chat_id}",
                            "unreachable") from None
    except Forbidden as exc:  # blocked by the user, or the account was deleted
        raise Undeliverable(f"Telegram 403: {exc.message}", "unreachable") from None
    except BadRequest as exc:
        text = exc.message.lower()
        gone = "chat not found" in text or "user is deactivated" in text
        raise Undeliverable(f"Telegram 400: {exc.message}", "unreachable" if gone else None) from None
    except InvalidToken:
        raise TryAgain("Telegram refused the bot's token") from None
    except TelegramError as exc:  # timeouts, 5xx, the connection, an answer it could not read
        raise TryAgain(f"Telegram: {scrub(exc.message)}") from None
    return Sent(provider_id=str(sent.message_id))


def native_poll(message: Outgoing) -> bool:
    """Whether ``message`` can be Telegram's own poll: 2 to 10 answers, none too long for it.
    Otherwise it goes as a message with a button for each answer."""
    return (message.kind == "poll" and bool(message.question)
            and len(message.question) <= POLL_QUESTION_LIMIT
            and 2 <= len(message.options) <= POLL_OPTIONS
            and all(1 <= len(o) <= POLL_OPTION_LIMIT for o in message.options))


def keyboard(message: Outgoing) -> InlineKeyboardMarkup | None:
    rows = [[InlineKeyboardButton(label[:LABEL_LIMIT], callback_data=f"{CHOICE}:{message.id}:{n}")]
            for n, label in enumerate(message.options, start=1)]
    if message.multiple and message.options:  # taps mark choices; this button sends them
        rows.append([InlineKeyboardButton(message.done[:LABEL_LIMIT] or "Done",
                                          callback_data=f"{FINISH}:{message.id}")])
    rows += [[InlineKeyboardButton(b.label[:LABEL_LIMIT], callback_data=b.data[:LABEL_LIMIT])]
             for b in message.buttons]
    return InlineKeyboardMarkup(rows) if rows else None


def is_group(chat: str) -> bool:
    return chat.startswith("-")  # group and channel chat ids are negative


def parts(text: str, limit: int = TEXT_LIMIT) -> list[str]:
    """``text`` in pieces Telegram takes, broken at a line end or a space where there is one."""
    found = []
    while _units(text) > limit:
        room = limit
        while _units(text[:room]) > limit:  # characters outside the BMP count twice
            room -= max(1, (_units(text[:room]) - limit + 1) // 2)
        cut = text.rfind("\n", 0, room + 1)
        if cut <= 0:
            cut = text.rfind(" ", 0, room + 1)
        if cut <= 0:
            cut = room
        found.append(text[:cut].rstrip())
        text = text[cut:].lstrip()
    return [*found, text]


def _units(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _gap(config: TelegramConfig, chat: str) -> float:
    """Seconds between two messages to ``chat`` that keep to its limits."""
    gap = 1 / config.chat_messages_per_second
    return max(gap, 60 / config.group_messages_per_minute) if is_group(chat) else gap


def _read(path: str) -> bytes | None:
    """A photo to send; None if it is gone (the caption is then sent as a message)."""
    try:
        return Path(path).read_bytes()
    except OSError:
        log.warning("telegram: the photo %s is gone; sending its caption alone", path)
        return None
