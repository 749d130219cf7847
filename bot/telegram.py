"""Telegram through python-telegram-bot: updates in (long polling or a webhook), messages out.

Inbound, a PTB ``Application`` turns updates into what copro understands and hands
them to the inbox: texts, photos (downloaded into the media directory), taps on
buttons, and ``/start CODE`` (a coordinator's invite, also as a
``t.me/<bot>?start=CODE`` link) which links the chat to a person copro knows.
``/stop`` and ``/help`` are the STOP and HELP keywords. Long polling needs no
public address; with ``telegram.webhook_url`` set, Telegram calls
``POST /webhooks/telegram`` instead, with a secret header that copro checks.

Outbound, each outbox message is one ``sendMessage`` (or ``sendPhoto``): a
question's choices become inline buttons, one a row. Tapping one answers the
question, marks the choice under the message, and is refused politely on a
question that is no longer the current one. Telegram's refusals decide what the
outbox does next: 429 waits ``retry_after``; a person who blocked the bot makes
their chat unreachable; network trouble and 5xx are tried again.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import os
from pathlib import Path
from typing import Any

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import BaseRoute, Route
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import BadRequest, Forbidden, InvalidToken, NetworkError, RetryAfter, TelegramError
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot.channels import Outgoing, Sent, TryAgain, Undeliverable
from bot.config import Config
from bot.inbox import Inbound, Inbox
from bot.logs import mask
from bot.metrics import Metrics
from storage import messages, sessions

log = logging.getLogger(__name__)

# python-telegram-bot 22 gives times such as RetryAfter.retry_after as timedelta when asked;
# copro asks, as later versions will do it anyway (and it handles both).
os.environ.setdefault("PTB_TIMEDELTA", "true")

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
UPDATES = ["message", "callback_query"]
SEND_TIMEOUT = 20.0
CAPTION_LIMIT = 1024
CLOSED = "That question has closed. Please answer the latest one."
ANSWERED = "You have answered this already."


async def bot_username(config: Config) -> str | None:
    """The bot's @name, asked of Telegram (for invite links); None if it cannot be known."""
    if not config.telegram_enabled:
        return None
    bot = Bot(config.telegram.token.get_secret_value(), base_url=f"{config.telegram.api_base_url}/bot",
              base_file_url=f"{config.telegram.api_base_url}/file/bot")
    try:
        async with bot:
            return bot.username
    except TelegramError as exc:
        log.warning("telegram: cannot ask Telegram for the bot's name: %s", exc)
        return None


def webhook_secret(config: Config) -> str:
    """The configured secret, or one made from the token (a webhook is never left open)."""
    secret = config.telegram.webhook_secret.get_secret_value()
    if secret:
        return secret
    return hashlib.sha256(config.telegram.token.get_secret_value().encode()).hexdigest()[:48]


class TelegramChannel:
    name = "telegram"

    def __init__(self, config: Config, inbox: Inbox, metrics: Metrics) -> None:
        self.config = config
        self.telegram = config.telegram
        self.inbox = inbox
        self.metrics = metrics
        self.webhook = bool(self.telegram.webhook_url)
        self.secret = webhook_secret(config)
        base = self.telegram.api_base_url
        builder = (
            Application.builder()
            .token(self.telegram.token.get_secret_value())
            .base_url(f"{base}/bot")
            .base_file_url(f"{base}/file/bot")
            .get_updates_read_timeout(self.telegram.polling_timeout + 10)
            .read_timeout(SEND_TIMEOUT)
            .write_timeout(SEND_TIMEOUT)
        )
        if self.webhook:
            builder = builder.updater(None)
        self.app = builder.build()
        self.app.add_handler(CommandHandler("start", self._start))
        self.app.add_handler(CommandHandler("stop", self._keyword("STOP")))
        self.app.add_handler(CommandHandler("help", self._keyword("HELP")))
        self.app.add_handler(MessageHandler(filters.UpdateType.MESSAGE & filters.PHOTO, self._photo))
        self.app.add_handler(MessageHandler(filters.UpdateType.MESSAGE & filters.TEXT, self._text))
        self.app.add_handler(CallbackQueryHandler(self._tap))
        self.app.add_error_handler(self._error)

    # --- lifecycle ---------------------------------------------------------------------

    async def start(self) -> None:
        await self.app.initialize()
        if self.webhook:
            await self.app.bot.set_webhook(self.telegram.webhook_url, secret_token=self.secret,
                                           allowed_updates=UPDATES)
        else:
            await self.app.bot.delete_webhook()
            assert self.app.updater is not None
            await self.app.updater.start_polling(timeout=self.telegram.polling_timeout,
                                                 allowed_updates=UPDATES)
        await self.app.start()

    async def stop(self) -> None:
        if self.app.updater is not None and self.app.updater.running:
            await self.app.updater.stop()
        if self.app.running:
            await self.app.stop()
        await self.app.shutdown()

    def routes(self) -> list[BaseRoute]:
        return [Route("/webhooks/telegram", self.receive_webhook, methods=["POST"])]

    async def receive_webhook(self, request: Request) -> Response:
        if request.headers.get(SECRET_HEADER) != self.secret:
            log.warning("telegram: a webhook call without the right secret was refused")
            return PlainTextResponse("forbidden", status_code=403)
        try:
            data = await request.json()
            update = Update.de_json(data, self.app.bot)
        except Exception:
            return PlainTextResponse("not a Telegram update", status_code=400)
        if update is None:
            return PlainTextResponse("not a Telegram update", status_code=400)
        await self.app.process_update(update)
        return PlainTextResponse("ok")

    # --- updates in ------------------------------------------------------------------------

    async def _hand_in(self, item: Inbound) -> None:
        self.metrics.messages_in.labels(channel=self.name).inc()
        await self.inbox.hand_in(item)

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

    async def _photo(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message, chat = update.message, update.effective_chat
        if message is None or chat is None or not message.photo:
            return
        biggest = message.photo[-1]
        path = self.config.media_dir / "telegram" / f"{_safe(biggest.file_unique_id)}.jpg"
        media: tuple[str, ...] = ()
        try:
            file = await biggest.get_file()
            await asyncio.to_thread(path.parent.mkdir, parents=True, exist_ok=True)
            await file.download_to_drive(path)
            media = (str(path),)
        except (TelegramError, OSError) as exc:
            # The caption still goes in; without the photo, the flow asks for it again.
            log.warning("telegram: a photo from %s could not be downloaded: %s",
                        mask(str(chat.id)), exc)
        await self._hand_in(Inbound("message", self.name, str(chat.id), message.caption or "",
                                    media, provider_id=f"{chat.id}:{message.message_id}"))

    async def _tap(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query, chat = update.callback_query, update.effective_chat
        if query is None or chat is None:
            return
        data = query.data or ""
        if data == "done":
            await query.answer(ANSWERED)
            return
        if not data.startswith("opt:"):
            await query.answer()
            await self._hand_in(Inbound("action", self.name, str(chat.id), data))
            return
        _, outbox_id, number = [*data.split(":"), "", ""][:3]
        label = await self._current_choice(str(chat.id), outbox_id, number)
        if label is None:
            await query.answer(CLOSED)
            await _quietly(query.edit_message_reply_markup(reply_markup=None))
            return
        await query.answer()
        chosen = InlineKeyboardMarkup([[InlineKeyboardButton(f"✓ {label}", callback_data="done")]])
        await _quietly(query.edit_message_reply_markup(reply_markup=chosen))
        await self._hand_in(Inbound("message", self.name, str(chat.id), number,
                                    provider_id=f"tap:{query.id}"))

    async def _current_choice(self, chat: str, outbox_id: str, number: str) -> str | None:
        """The label of choice ``number`` under message ``outbox_id``, if that question is
        still waiting for an answer (its flow has said nothing since, but perhaps asked again)."""
        if not outbox_id.isdigit() or not number.isdigit():
            return None
        async with self.inbox.conversations.db.transaction() as s:
            tapped = await messages.get(s, int(outbox_id))
            if tapped is None or tapped.address != chat or tapped.session_id is None:
                return None
            session = await sessions.get(s, tapped.session_id)
            latest = await messages.latest_in_session(s, tapped.session_id)
        if session is None or session.status != "active" or latest is None:
            return None
        if not tapped.options or latest.options != tapped.options:
            return None
        index = int(number) - 1
        return tapped.options[index] if 0 <= index < len(tapped.options) else None

    async def _error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        log.error("telegram: an update could not be handled: %s", context.error,
                  exc_info=context.error)

    # --- sending -------------------------------------------------------------------------

    def cost(self, message: Outgoing) -> int:
        return 1

    def limits(self, message: Outgoing) -> list[tuple[str, float, float]]:
        t = self.telegram
        found = [("telegram", t.messages_per_second, 1.0),
                 (f"telegram:{message.address}", t.chat_messages_per_second, 1.0)]
        if message.address.startswith("-"):  # a group chat
            found.append((f"telegram-group:{message.address}", t.group_messages_per_minute, 60.0))
        return found

    async def send(self, message: Outgoing) -> Sent:
        markup = _keyboard(message)
        photo = await asyncio.to_thread(_read, message.media[0]) if (
            message.kind == "photo" and message.media) else None
        try:
            if photo is not None:
                sent = await self.app.bot.send_photo(
                    message.address, photo, caption=message.body[:CAPTION_LIMIT], reply_markup=markup,
                )
            else:
                sent = await self.app.bot.send_message(message.address, message.body or "…",
                                                       reply_markup=markup)
        except RetryAfter as exc:
            wait = exc.retry_after
            seconds = wait if isinstance(wait, int) else wait.total_seconds()
            raise TryAgain(f"Telegram 429: {exc.message}", retry_after=float(seconds)) from None
        except Forbidden as exc:
            raise Undeliverable(f"Telegram 403: {exc.message}", "unreachable") from None
        except BadRequest as exc:
            gone = "chat not found" in exc.message.lower() or "user is deactivated" in exc.message.lower()
            raise Undeliverable(f"Telegram 400: {exc.message}",
                                "unreachable" if gone else None) from None
        except InvalidToken as exc:
            raise TryAgain(f"Telegram refused the bot's token: {exc.message}") from None
        except NetworkError as exc:  # timeouts, 5xx, the connection
            raise TryAgain(f"Telegram: {exc.message}") from None
        return Sent(provider_id=str(sent.message_id))


def _keyboard(message: Outgoing) -> InlineKeyboardMarkup | None:
    rows = [[InlineKeyboardButton(label[:64], callback_data=f"opt:{message.id}:{n}")]
            for n, label in enumerate(message.options, start=1)]
    rows += [[InlineKeyboardButton(b.label[:64], callback_data=b.data[:64])] for b in message.buttons]
    return InlineKeyboardMarkup(rows) if rows else None


async def _quietly(call: Any) -> None:
    """Telegram may refuse to edit an old message; the answer still counts."""
    try:
        await call
    except TelegramError as exc:
        log.info("telegram: could not update a message's buttons: %s", exc)


def _read(path: str) -> bytes | None:
    """A photo to send; None if it is gone (the caption is then sent as a message)."""
    try:
        return Path(path).read_bytes()
    except OSError:
        log.warning("telegram: the photo %s is gone; sending its caption alone", path)
        return None


def _safe(name: str) -> str:
    return "".join(ch for ch in name if ch.isalnum() or ch in "-_")[:64] or "photo"
