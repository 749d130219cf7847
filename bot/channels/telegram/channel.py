"""Telegram through python-telegram-bot: updates in (long polling or a webhook), messages out.

Inbound, a PTB ``Application`` turns updates into what copro understands and hands
them to the inbox: texts, photos and files (downloaded into the media directory),
taps on buttons, and ``/start CODE`` (a coordinator's invite, also as a
``t.me/<bot>?start=CODE`` link) which links the chat to a person copro knows.
``/stop`` and ``/help`` are the STOP and HELP keywords; anything else (a sticker,
a voice message) goes in without words, so the person is asked again rather than
met with silence. Long polling needs no public address; with
``telegram.webhook_url`` set, Telegram calls ``POST /webhooks/telegram`` instead,
with a secret header that copro checks. If Telegram cannot be reached at start,
copro keeps trying in the background and the rest of it runs meanwhile.

Outbound, ``send`` hands each outbox message to ``bot.channels.telegram.send``: a
question's choices become inline buttons, and Telegram's refusals decide what
the outbox does next. Tapping a choice answers the question, marks the choice
under the message, and is refused politely on a question that is no longer the
latest thing its flow said.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import hashlib
import hmac
import logging
import os
from collections import OrderedDict
from typing import Any

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import BaseRoute, Route
from telegram import (
    Bot,
    BotCommand,
    BotCommandScopeChat,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Update,
)
from telegram.error import InvalidToken, TelegramError
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot.channels.telegram import send as telegram_send
from bot.channels.telegram.files import attachment, download
from bot.core.config import Config
from bot.core.logs import mask
from bot.core.metrics import Metrics
from bot.delivery.channel import Outgoing, Sent
from bot.delivery.inbox import Inbound, Inbox
from bot.engine.definition import Text, text_for
from storage import groups, messages, participants, sessions

log = logging.getLogger(__name__)

# python-telegram-bot 22 gives times such as RetryAfter.retry_after as timedelta when asked;
# copro asks, as later versions will do it anyway (and it handles both).
os.environ.setdefault("PTB_TIMEDELTA", "true")

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
UPDATES = ["message", "callback_query"]
SEND_TIMEOUT = 20.0
RECONNECT_SECONDS = (1.0, 60.0)  # first and longest wait between tries to reach Telegram
RECENT_UPDATES = 1000  # update ids remembered, so a webhook delivered twice is handled once
CLOSED: Text = {
    "en": "That question has closed. Please answer the latest one.",
    "cy": "Mae'r cwestiwn yna wedi cau. Atebwch yr un diweddaraf, os gwelwch yn dda.",
}
COORDINATOR_COMMANDS = [
    BotCommand("broadcast", "Send a message to a group"),
    BotCommand("poll", "Ask a group a question"),
    BotCommand("results", "See a poll's answers"),
    BotCommand("meeting", "Add a meeting"),
    BotCommand("claims", "Expense claims waiting for you"),
    BotCommand("help", "What you can do"),
]
ANSWERED: Text = {
    "en": "You have answered this already.",
    "cy": "Rydych chi wedi ateb hwn yn barod.",
}


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


CONNECTIONS = 16  # to the Bot API at once: ample for 30 messages a second


class TelegramChannel:
    name = "telegram"

    def __init__(self, config: Config, inbox: Inbox, metrics: Metrics, *,
                 reconnect_seconds: tuple[float, float] = RECONNECT_SECONDS) -> None:
        self.config = config
        self.telegram = config.telegram
        self.inbox = inbox
        self.metrics = metrics
        self.webhook = bool(self.telegram.webhook_url)
        self.secret = webhook_secret(config)
        self.ready = False  # connected: sending, polling or taking webhooks
        self.reconnect_seconds = reconnect_seconds
        self._connecting: asyncio.Task[None] | None = None
        self._recent: OrderedDict[int, None] = OrderedDict()
        base = self.telegram.api_base_url
        builder = (
            Application.builder()
            .token(self.telegram.token.get_secret_value())
            .base_url(f"{base}/bot")
            .base_file_url(f"{base}/file/bot")
            .get_updates_read_timeout(self.telegram.polling_timeout + 10)
            .read_timeout(SEND_TIMEOUT)
            .write_timeout(SEND_TIMEOUT)
            .connection_pool_size(CONNECTIONS)
        )
        if self.webhook:
            builder = builder.updater(None)
        self.app = builder.build()
        self.app.add_handler(CommandHandler("start", self._start))
        self.app.add_handler(CommandHandler("stop", self._keyword("STOP")))
        self.app.add_handler(CommandHandler("help", self._keyword("HELP")))
        self.app.add_handler(MessageHandler(
            filters.UpdateType.MESSAGE & (filters.PHOTO | filters.Document.ALL), self._file))
        self.app.add_handler(MessageHandler(filters.UpdateType.MESSAGE & filters.TEXT, self._text))
        self.app.add_handler(MessageHandler(filters.UpdateType.MESSAGE, self._other))
        self.app.add_handler(CallbackQueryHandler(self._tap))
        self.app.add_error_handler(self._error)

    # --- lifecycle ---------------------------------------------------------------------

    async def start(self) -> None:
        """Connect to Telegram; if it cannot be reached, keep trying in the background."""
        if not await self._connect():
            self._connecting = asyncio.create_task(self._keep_connecting(), name="telegram")

    async def _keep_connecting(self) -> None:
        wait, longest = self.reconnect_seconds
        while True:
            await asyncio.sleep(wait)
            if await self._connect():
                return
            wait = min(wait * 2, longest)

    async def _connect(self) -> bool:
        try:
            await self.app.initialize()  # getMe: the token is checked here
            if self.webhook:
                await self.app.bot.set_webhook(self.telegram.webhook_url, secret_token=self.secret,
                                               allowed_updates=UPDATES)
            else:
                assert self.app.updater is not None
                # Removes any webhook first (deleteWebhook), keeping the updates waiting.
                await self.app.updater.start_polling(timeout=self.telegram.polling_timeout,
                                                     allowed_updates=UPDATES)
            await self.app.start()
        except InvalidToken:
            log.error("Telegram: the bot's token was refused. Check COPRO_TELEGRAM_TOKEN (or "
                      "telegram.token) against @BotFather; copro keeps trying")
            return False
        except TelegramError as exc:
            log.warning("Telegram: cannot start yet (%s); trying again in the background",
                        self._scrub(exc.message))
            return False
        self.ready = True
        log.warning("Telegram: connected as @%s", self.app.bot.username)
        try:
            await self.show_commands()
        except Exception:  # a menu is a convenience: Telegram runs without it
            log.exception("telegram: could not give coordinators their commands menu")
        return True

    async def show_commands(self) -> None:
        """Give each coordinator's chat the menu of coordinators' commands."""
        async with self.inbox.conversations.db.transaction() as s:
            chats = await groups.staff_addresses(s, self.name)
        for chat in chats:
            try:
                await self.app.bot.set_my_commands(COORDINATOR_COMMANDS,
                                                   scope=BotCommandScopeChat(int(chat)))
            except (TelegramError, ValueError) as exc:
                log.info("telegram: could not set the commands menu for %s: %s", mask(chat), exc)

    async def stop(self) -> None:
        """Stop taking updates (a webhook stays set: Telegram keeps what comes meanwhile)."""
        self.ready = False
        if self._connecting is not None:
            self._connecting.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._connecting
        if self.app.updater is not None and self.app.updater.running:
            await self.app.updater.stop()
        if self.app.running:
            await self.app.stop()
        await self.app.shutdown()
        await self.app.bot.shutdown()  # also when it never got as far as connecting

    def routes(self) -> list[BaseRoute]:
        return [Route("/webhooks/telegram", self.receive_webhook, methods=["POST"])]

    async def receive_webhook(self, request: Request) -> Response:
        given = request.headers.get(SECRET_HEADER, "")
        if not hmac.compare_digest(given.encode(), self.secret.encode()):
            log.warning("telegram: a webhook call without the right secret was refused")
            return PlainTextResponse("forbidden", status_code=403)
        if not self.ready:  # Telegram delivers it again later
            return PlainTextResponse("not ready; try again", status_code=503)
        try:
            data = await request.json()
            update = Update.de_json(data, self.app.bot) if _an_update(data) else None
            if update is not None and not _from_someone(update):
                update = None
        except Exception:
            update = None
        if update is None:
            return PlainTextResponse("not a Telegram update", status_code=400)
        if self._seen(update.update_id):
            log.info("telegram: update %s came twice; handled once", update.update_id)
            return PlainTextResponse("ok")
        await self.app.process_update(update)
        return PlainTextResponse("ok")

    def _seen(self, update_id: int) -> bool:
        """Whether this update came before (and remember it if not)."""
        if update_id in self._recent:
            return True
        self._recent[update_id] = None
        if len(self._recent) > RECENT_UPDATES:
            self._recent.popitem(last=False)
        return False

    # --- updates in ------------------------------------------------------------------------

    async def _hand_in(self, item: Inbound) -> None:
        # No one types a NUL character, and PostgreSQL cannot keep one in text.
        item = dataclasses.replace(item, text=item.text.replace("\x00", ""))
        self.metrics.messages_in.labels(channel=self.name).inc()
        await self._reachable_again(item.address)
        await self.inbox.hand_in(item)

    async def _reachable_again(self, chat: str) -> None:
        """Someone who had blocked the bot writes again: their chat works again."""
        try:
            async with self.inbox.conversations.db.transaction() as s:
                if await participants.address_status(s, self.name, chat) == "unreachable":
                    await participants.set_address_status(s, self.name, chat, "ok")
                    log.info("telegram: %s can be reached again", mask(chat))
        except Exception as exc:  # the database may be away: the inbox keeps the message anyway
            log.warning("telegram: could not check whether %s can be reached: %s", mask(chat), exc)

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
                        mask(str(chat.id)), self._scrub(str(exc)))
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
        address, data = str(chat.id), query.data or ""
        if not data.startswith("opt:") and data != "done":
            await query.answer()
            await self._hand_in(Inbound("action", self.name, address, data))
            return
        label, language = await self._current_choice(address, data)
        if label is None:
            await query.answer(text_for(ANSWERED if data == "done" else CLOSED, language))
            if data != "done":
                await _quietly(query.edit_message_reply_markup(reply_markup=None))
            return
        await query.answer()
        chosen = InlineKeyboardMarkup([[InlineKeyboardButton(f"✓ {label}", callback_data="done")]])
        await _quietly(query.edit_message_reply_markup(reply_markup=chosen))
        await self._hand_in(Inbound("message", self.name, address, data.rsplit(":", 1)[1],
                                    provider_id=f"tap:{query.id}"))

    async def _current_choice(self, chat: str, data: str) -> tuple[str | None, str]:
        """The label of the choice tapped (``opt:<message id>:<number>``) if its question is
        still the latest thing its flow said, and the language of the person who tapped.

        Once the flow says anything more (the next question, or this one asked again with
        new buttons), the old buttons are closed.
        """
        _, outbox_id, number = [*data.split(":"), "", ""][:3]
        async with self.inbox.conversations.db.transaction() as s:
            person = await participants.find_by_address(s, self.name, chat)
            language = person.language if person is not None else self.config.language
            tapped = await messages.get(s, int(outbox_id)) if outbox_id.isdigit() else None
            if tapped is None or tapped.address != chat or tapped.session_id is None:
                return None, language
            session = await sessions.get(s, tapped.session_id)
            latest = await messages.latest_in_session(s, tapped.session_id)
        if session is None or session.status != "active" or latest is None or latest.id != tapped.id:
            return None, language
        index = int(number) - 1 if number.isdigit() else -1
        return (tapped.options[index] if 0 <= index < len(tapped.options) else None), language

    async def _error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        log.error("telegram: an update could not be handled: %s", self._scrub(str(context.error)),
                  exc_info=context.error)

    def _scrub(self, text: str) -> str:
        """``text`` without the bot's token (some of the library's errors quote it)."""
        token = self.telegram.token.get_secret_value()
        return text.replace(token, "<token>") if token else text

    # --- sending -------------------------------------------------------------------------

    def cost(self, message: Outgoing) -> int:
        return telegram_send.cost(message)

    def limits(self, message: Outgoing) -> list[tuple[str, float, float]]:
        return telegram_send.limits(self.telegram, message.address)

    async def send(self, message: Outgoing) -> Sent:
        # Needs no connection first: while Telegram cannot be reached, this fails and is retried.
        return await telegram_send.send(self.app.bot, self.telegram, message, self._scrub)


def _an_update(data: Any) -> bool:
    return isinstance(data, dict) and type(data.get("update_id")) is int


def _from_someone(update: Update) -> bool:
    """Whether the chat and the person an update comes from have ids as Telegram gives them
    (numbers): a chat's id is the address copro keeps."""
    return all(type(found.id) is int
               for found in (update.effective_chat, update.effective_user) if found is not None)


async def _quietly(call: Any) -> None:
    """Telegram may refuse to edit an old message; the answer still counts."""
    try:
        await call
    except TelegramError as exc:
        log.info("telegram: could not update a message's buttons: %s", exc)

