"""Telegram updates in: what people send the bot, turned into what the inbox takes.

Texts, photos and files (downloaded into the media directory), taps on buttons,
and ``/start CODE`` (a coordinator's invite, also as a ``t.me/<bot>?start=CODE``
link) which links the chat to a person copro knows. ``/stop`` and ``/help`` are
the STOP and HELP keywords; anything else (a sticker, a voice message) goes in
without words, so the person is asked again rather than met with silence.

A vote in one of copro's own Telegram polls goes in as an action
(``pollvote:<poll id>:<numbers>``) for the polls feature to count.

Only private chats are conversations. A group, supergroup or channel is never
a participant, whoever is in it: what comes from one is ignored, and a
coordinator who types a command there is told, in one line, to message the bot
directly.

Tapping a choice answers the question and marks the choice under the message, if
the inbox says its question is still live (``bot.host.taps``); otherwise the
person is told why, and the old buttons are taken away.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable
from typing import Any

from telegram import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.error import TelegramError
from telegram.ext import (
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    PollAnswerHandler,
    filters,
)

from bot.channels.telegram.files import attachment, download
from bot.channels.telegram.send import CHOICE, CHOSEN, FINISH, MARK, VOTE
from bot.core.config import Config
from bot.core.logs import mask
from bot.core.metrics import Metrics
from bot.delivery.inbox import Inbound, Inbox
from bot.engine.model import text_for
from bot.language import texts

log = logging.getLogger(__name__)

class _Shared(filters.MessageFilter):
    """A message in a group, supergroup or channel: any chat that is not one person's."""

    def filter(self, message: Message) -> bool:
        chat = getattr(message, "chat", None)
        return chat is not None and getattr(chat, "type", None) not in (None, chat.PRIVATE)


SHARED = _Shared(name="shared chats")

# Who is reading a group is not known, so both languages, in one line.
PRIVATE_ONLY = " ".join(text_for(texts.PRIVATE_ONLY, lang) for lang in ("en", "cy"))

Handler = BaseHandler[Update, ContextTypes.DEFAULT_TYPE, None]


class Updates:
    """The handlers of a PTB ``Application`` that hand what comes in to the inbox."""

    def __init__(self, name: str, config: Config, inbox: Inbox, metrics: Metrics,
                 scrub: Callable[[str], str]) -> None:
        self.name = name
        self.config = config
        self.inbox = inbox
        self.metrics = metrics
        self.scrub = scrub

    def handlers(self) -> list[Handler]:
        """In the order PTB tries them: the first that applies handles an update."""
        return [
            MessageHandler(SHARED, self._not_private),
            CommandHandler("start", self._start),
            CommandHandler("stop", self._keyword("STOP")),
            CommandHandler("help", self._keyword("HELP")),
            MessageHandler(filters.UpdateType.MESSAGE & (filters.PHOTO | filters.Document.ALL),
                           self._file),
            MessageHandler(filters.UpdateType.MESSAGE & filters.TEXT, self._text),
            MessageHandler(filters.UpdateType.MESSAGE, self._other),
            CallbackQueryHandler(self._tap),
            PollAnswerHandler(self._vote),
        ]

    def once_by_its_turn(self, update: Update) -> bool:
        """Whether ``update`` is a new text in a private chat (not a command, not an invite
        code): the turn that handles it keeps it by its message's id and takes it once, so it
        needs no note of its own that it came."""
        message, chat = update.message, update.effective_chat
        return (message is not None and chat is not None and chat.type == "private"
                and bool(message.text) and not (message.text or "").startswith("/")
                and not self.inbox.may_link(message.text or ""))

    async def _hand_in(self, item: Inbound) -> None:
        # No one types a NUL character, and PostgreSQL cannot keep one in text. Anything a
        # chat sends shows it works again (someone who had blocked the bot writes again).
        item = dataclasses.replace(item, text=item.text.replace("\x00", ""), revives=True)
        self.metrics.messages_in.labels(channel=self.name).inc()
        await self.inbox.hand_in(item)

    async def _not_private(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A group, supergroup or channel: never a conversation. A coordinator's command there
        gets one line back, to message the bot directly; anything else, nothing."""
        message, user = update.effective_message, update.effective_user
        kind = update.effective_chat.type if update.effective_chat else "unknown"
        log.info("telegram: an update from a %s chat was ignored", kind)
        if message is None or user is None or not (message.text or "").startswith("/"):
            return
        try:
            if str(user.id) not in await self.inbox.staff(self.name):
                return
            await message.reply_text(PRIVATE_ONLY)
        except Exception as exc:  # the database or Telegram may be away: nothing was asked of us
            log.info("telegram: could not answer a command in a %s chat: %s", kind,
                     self.scrub(str(exc)))

    async def _text(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message, chat = update.message, update.effective_chat
        if message is None or chat is None:
            return
        await self._hand_in(Inbound("message", self.name, str(chat.id), message.text or "",
                                    provider_id=f"{chat.id}:{message.message_id}"))

    def _keyword(self, word: str) -> Any:
        async def handle(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
            message, chat = update.message, update.effective_chat
            if message is not None and chat is not None:
                await self._hand_in(Inbound("message", self.name, str(chat.id), word,
                                            provider_id=f"{chat.id}:{message.message_id}"))

        return handle

    async def _start(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """``/start CODE`` links the chat with an invite code; ``/start`` alone says hello."""
        message, chat = update.message, update.effective_chat
        if message is None or chat is None:
            return
        code = " ".join(context.args or []).strip()
        if code:
            await self._hand_in(Inbound("link", self.name, str(chat.id), code))
        else:
            await self._hand_in(Inbound("message", self.name, str(chat.id), "START",
                                        provider_id=f"{chat.id}:{message.message_id}"))

    async def _file(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A photo, or a file (a receipt as a PDF): kept in the media directory."""
        message, chat = update.message, update.effective_chat
        found = attachment(message) if message is not None else None
        if message is None or chat is None or found is None:
            return
        item, name = found
        media: tuple[str, ...] = ()
        try:
            media = (str(await download(item, self.config.media_dir / "telegram" / name)),)
        except (TelegramError, OSError) as exc:
            # The caption still goes in, without the file: the flow says it did not get one
            # and asks again ("Sorry, I did not get a photo...").
            log.warning("telegram: a file from %s could not be downloaded: %s",
                        mask(str(chat.id)), self.scrub(str(exc)))
        await self._hand_in(Inbound("message", self.name, str(chat.id), message.caption or "",
                                    media, provider_id=f"{chat.id}:{message.message_id}"))

    async def _other(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A sticker, a voice message, a location: nothing copro can read, so it goes in as
        a message without words, and the person is asked again rather than ignored."""
        message, chat = update.message, update.effective_chat
        if message is None or chat is None:
            return
        await self._hand_in(Inbound("message", self.name, str(chat.id), message.caption or "",
                                    provider_id=f"{chat.id}:{message.message_id}"))

    async def _tap(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query, chat = update.callback_query, update.effective_chat
        if query is None or chat is None:
            return
        if chat.type not in (None, chat.PRIVATE):  # a button under a message in a group
            await _quietly(query.answer())
            return
        address, data = str(chat.id), query.data or ""
        if data == CHOSEN:
            await query.answer(await self.inbox.tapped_again(self.name, address))
            return
        if data.startswith(f"{FINISH}:"):
            await self._finish(query, address, data)
            return
        if not data.startswith(f"{CHOICE}:"):
            await query.answer()
            await self._hand_in(Inbound("action", self.name, address, data))
            return
        message_id, number = _choice(data)
        tap = await self.inbox.tap(self.name, address, message_id, number)
        if not tap.live:
            await query.answer(tap.notice)
            await _quietly(query.edit_message_reply_markup(reply_markup=None))
            return
        await query.answer()
        markup = query.message.reply_markup if isinstance(query.message, Message) else None
        if markup is not None and _several(markup):  # a tap marks (or unmarks) one choice
            await _quietly(query.edit_message_reply_markup(reply_markup=_marked(markup, data)))
            return
        chosen = InlineKeyboardMarkup([[InlineKeyboardButton(f"✓ {tap.label}", callback_data=CHOSEN)]])
        await _quietly(query.edit_message_reply_markup(reply_markup=chosen))
        await self._hand_in(Inbound("message", self.name, address, data.rsplit(":", 1)[1],
                                    provider_id=f"tap:{query.id}", answers=message_id))


    async def _vote(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A vote in one of copro's polls, or a vote changed (no answers: taken back)."""
        answer = update.poll_answer
        if answer is None or answer.user is None:
            return
        numbers = ",".join(str(n + 1) for n in answer.option_ids)
        await self._hand_in(Inbound("action", self.name, str(answer.user.id),
                                    f"{VOTE}:{answer.poll_id}:{numbers}"))

    async def _finish(self, query: CallbackQuery, address: str, data: str) -> None:
        """Done, under a question of several choices: the choices marked go in as one answer
        ("1, 3"), as if typed; with none marked, the person is asked to mark some first."""
        markup = query.message.reply_markup if isinstance(query.message, Message) else None
        marked = [(n, str(b.text).removeprefix(MARK)) for n, b in _choices(markup)
                  if str(b.text).startswith(MARK)]
        message_id = _choice(f"{CHOICE}:{data.split(':', 1)[1]}:1")[0]
        if not marked:
            await query.answer(await self.inbox.nothing_chosen(self.name, address))
            return
        tap = await self.inbox.tap(self.name, address, message_id, marked[0][0])
        if not tap.live:
            await query.answer(tap.notice)
            await _quietly(query.edit_message_reply_markup(reply_markup=None))
            return
        await query.answer()
        said = MARK + ", ".join(label for _, label in marked)
        chosen = InlineKeyboardMarkup([[InlineKeyboardButton(said[:64], callback_data=CHOSEN)]])
        await _quietly(query.edit_message_reply_markup(reply_markup=chosen))
        await self._hand_in(Inbound("message", self.name, address,
                                    ", ".join(str(n) for n, _ in marked),
                                    provider_id=f"tap:{query.id}", answers=message_id))


def _choices(markup: InlineKeyboardMarkup | None) -> list[tuple[int, InlineKeyboardButton]]:
    """The choice buttons of ``markup``, with their numbers."""
    found = []
    for row in markup.inline_keyboard if markup else ():
        for button in row:
            number = _choice(str(button.callback_data or ""))[1]
            if str(button.callback_data or "").startswith(f"{CHOICE}:") and number is not None:
                found.append((number, button))
    return found


def _several(markup: InlineKeyboardMarkup) -> bool:
    return any(str(b.callback_data or "").startswith(f"{FINISH}:")
               for row in markup.inline_keyboard for b in row)


def _marked(markup: InlineKeyboardMarkup, data: str) -> InlineKeyboardMarkup:
    """``markup`` with the choice ``data`` names marked, or unmarked if it was."""
    def toggled(button: InlineKeyboardButton) -> InlineKeyboardButton:
        if button.callback_data != data:
            return button
        text = str(button.text)
        text = text.removeprefix(MARK) if text.startswith(MARK) else MARK + text
        return InlineKeyboardButton(text, callback_data=button.callback_data)

    return InlineKeyboardMarkup([[toggled(b) for b in row] for row in markup.inline_keyboard])


def _choice(data: str) -> tuple[int | None, int | None]:
    """The outbox message and the choice's number a button's ``opt:<message id>:<number>`` names."""
    _, message_id, number = [*data.split(":"), "", ""][:3]
    return (int(message_id) if message_id.isdecimal() else None,
            int(number) if number.isdecimal() else None)


async def _quietly(call: Any) -> None:
    """Telegram may refuse to edit an old message; the answer still counts."""
    try:
        await call
    except TelegramError as exc:
        log.info("telegram: could not update a message's buttons: %s", exc)
