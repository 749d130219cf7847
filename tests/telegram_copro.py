"""copro wired to the Bot API double by long polling, for tests that need the whole of it:
conversations, scheduler, sender and the Telegram channel, on the test's database, with a
clock the test moves and the Riverside Voices group made."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

from bot.app.wiring import scheduler_for
from bot.channels.telegram.channel import TelegramChannel
from bot.core.config import Config, load_config
from bot.core.metrics import Metrics
from bot.core.scheduler import Scheduler
from bot.delivery.inbox import Inbox, Spool
from bot.delivery.outbox import Sender
from bot.flowfiles.library import Library
from bot.host.conversations import Conversations
from storage.db import Database
from storage.models import Group
from tests.doubles.bot_api import TOKEN, BotApiDouble
from tests.people import Clock, group
from tests.servers import serve_asgi


@dataclass
class TelegramCopro:
    api: BotApiDouble
    config: Config
    conversations: Conversations
    scheduler: Scheduler
    sender: Sender
    riverside: Group


@asynccontextmanager
async def telegram_copro(
    database: Database, folder: Path, clock: Clock, more: str = ""
) -> AsyncIterator[TelegramCopro]:
    """Running until the block ends; ``more``: further TOML for its configuration (check-ins
    are off, and Telegram's limits out of the way)."""
    api = BotApiDouble()
    async with serve_asgi(api.app) as api_url:
        keys = {"token": TOKEN, "api_base_url": api_url, "polling_timeout": 1,
                "messages_per_second": 1000, "chat_messages_per_second": 1000}
        (folder / "copro.toml").write_text(
            "[telegram]\n" + "\n".join(f"{k} = {json.dumps(v)}" for k, v in keys.items())
            + "\n[checkins]\nenabled = false\n" + more)
        config = load_config(folder / "copro.toml", env={"COPRO_DATA_DIR": str(folder)})
        conversations = Conversations(database, Library.load(), config, clock=clock)
        await conversations.register_flows()
        scheduler = scheduler_for(conversations, config, clock=clock)
        channel = TelegramChannel(config, Inbox(conversations, Spool(folder / "spool")), Metrics())
        sender = Sender(database, {"telegram": channel}, config, clock=clock)
        riverside = await group(database)
        await channel.start()
        try:
            yield TelegramCopro(api, config, conversations, scheduler, sender, riverside)
        finally:
            api.hang_up()
            await channel.stop()
