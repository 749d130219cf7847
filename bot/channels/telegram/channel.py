"""Telegram through python-telegram-bot: the channel's life (connecting, the webhook) and its
two halves, updates in (``bot.channels.telegram.updates``) and messages out
(``bot.channels.telegram.send``).

A PTB ``Application`` turns updates into what copro understands and hands them to
the inbox. Long polling needs no public address; with ``telegram.webhook_url``
set, Telegram calls ``POST /webhooks/telegram`` instead, with a secret header that
copro checks, and an update delivered twice is handled once. If Telegram cannot
be reached at start, copro keeps trying in the background and the rest of it runs
meanwhile. Once connected, each coordinator's chat gets the menu of their commands.

Outbound, ``send`` hands each outbox message to ``bot.channels.telegram.send``: a
question's choices become inline buttons, and Telegram's refusals decide what
the outbox does next.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import logging
import os
from collections import OrderedDict
from typing import Any

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import BaseRoute, Route
from telegram import Bot, BotCommand, BotCommandScopeChat, Update
from telegram.error import InvalidToken, TelegramError
from telegram.ext import Application, ApplicationHandlerStop, ContextTypes, TypeHandler

from bot.channels.telegram import send as telegram_send
from bot.channels.telegram.order import InOrder
from bot.channels.telegram.updates import Updates
from bot.core.config import Config
from bot.core.logs import mask
from bot.core.metrics import Metrics
from bot.delivery.channel import Outgoing, Sent
from bot.delivery.inbox import Inbox
from bot.engine.definition import text_for
from bot.language import texts

log = logging.getLogger(__name__)

# python-telegram-bot 22 gives times such as RetryAfter.retry_after as timedelta when asked;
# copro asks, as later versions will do it anyway (and it handles both).
os.environ.setdefault("PTB_TIMEDELTA", "true")

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
UPDATES = ["message", "callback_query", "poll_answer"]
SEND_TIMEOUT = 20.0
RECONNECT_SECONDS = (1.0, 60.0)  # first and longest wait between tries to reach Telegram
RECENT_UPDATES = 1000  # update ids remembered, so a webhook delivered twice is handled once
MENU_SECONDS = 60.0  # how often the coordinators' menus are brought in line with their roles

# The commands menu is in English, as the commands themselves are.
COORDINATOR_COMMANDS = [BotCommand(command, text_for(about, "en"))
                        for command, about in texts.DESK_COMMANDS.items()]


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
AT_ONCE = 32  # updates from different chats handled side by side (each chat's in order)


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
        # The chats given the coordinators' menu (kept in the database too); None until read.
        self._menus: set[str] | None = None
        self._keeping_menus: asyncio.Task[None] | None = None
        self._recent: OrderedDict[int, None] = OrderedDict()
        self.order = InOrder(AT_ONCE)
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
            .concurrent_updates(self.order)
        )
        if self.webhook:
            builder = builder.updater(None)
        self.app = builder.build()
        self.updates = Updates(self.name, config, inbox, metrics, self._scrub)
        # The @username last kept for each chat (None: it has none), so it is written once.
        self._usernames: dict[str, str | None] = {}
        self.app.add_handler(TypeHandler(Update, self._once), group=-1)  # before all others
        self.app.add_handlers(self.updates.handlers())
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
        self._keeping_menus = asyncio.create_task(self._keep_menus(), name="telegram menus")
        return True

    async def _keep_menus(self) -> None:
        """Menus that follow roles while copro runs (a coordinator made, or no longer one, by
        the command line or an invite), looked at now and every ``MENU_SECONDS``."""
        while True:
            try:
                await self.show_commands()
            except Exception:  # a menu is a convenience: Telegram runs without it
                log.exception("telegram: could not bring the coordinators' menus up to date")
            await asyncio.sleep(MENU_SECONDS)

    async def show_commands(self) -> None:
        """Give each coordinator's chat the menu of coordinators' commands (a chat scope: only
        they see it), and take it from a chat whose person is no longer a coordinator."""
        if self._menus is None:  # what earlier runs gave, as the database recorded it
            self._menus = await self.inbox.with_menu(self.name)
        staff = set(await self.inbox.staff(self.name))
        for chat in sorted(staff - self._menus):
            try:
                await self.app.bot.set_my_commands(COORDINATOR_COMMANDS,
                                                   scope=BotCommandScopeChat(int(chat)))
            except (TelegramError, ValueError) as exc:
                log.info("telegram: could not set the commands menu for %s: %s", mask(chat), exc)
                continue
            self._menus.add(chat)
            await self.inbox.menu_given(self.name, chat, True)
        for chat in sorted(self._menus - staff):
            try:
                await self.app.bot.delete_my_commands(scope=BotCommandScopeChat(int(chat)))
            except (TelegramError, ValueError) as exc:
                log.info("telegram: could not take the commands menu from %s: %s", mask(chat), exc)
                continue
            self._menus.discard(chat)
            await self.inbox.menu_given(self.name, chat, False)

    async def stop(self) -> None:
        """Stop taking updates (a webhook stays set: Telegram keeps what comes meanwhile)."""
        self.ready = False
        for task in (self._connecting, self._keeping_menus):
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
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
        await self.order.in_turn(update, self.app.process_update(update))
        return PlainTextResponse("ok")

    async def _once(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Every kind of update is handled once, by its id, across restarts: one Telegram
        delivers again (a poll not confirmed before a restart, a webhook retried) stops here.
        A plain text is taken once by its own turn instead, which saves a write a text."""
        if not self.updates.once_by_its_turn(update) and not await self.inbox.first_time(
                self.name, update.update_id):
            log.info("telegram: update %s came again; handled once", update.update_id)
            raise ApplicationHandlerStop
        chat, user = update.effective_chat, update.effective_user
        if chat is not None and user is not None and chat.type == "private":
            await self._username(str(chat.id), user.username)

    async def _username(self, chat: str, username: str | None) -> None:
        """Keep the @username a person's chat goes by, so coordinators may name them by it;
        written when it is new to this process or has changed (from a person's second update,
        when their first made them)."""
        if self._usernames.get(chat, "") == (username or None):
            return
        try:
            if await self.inbox.known_as(self.name, chat, username):
                self._usernames[chat] = username or None
        except Exception as exc:  # the database may be away: the next update tries again
            log.info("telegram: could not keep the username of %s: %s", mask(chat), type(exc).__name__)

    def _seen(self, update_id: int) -> bool:
        """Whether this update came before (and remember it if not)."""
        if update_id in self._recent:
            return True
        self._recent[update_id] = None
        if len(self._recent) > RECENT_UPDATES:
            self._recent.popitem(last=False)
        return False

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

