"""Logs hold no one's number, chat id or words, even at DEBUG: what copro logs and what its
libraries (python-telegram-bot, the Twilio SDK, SQLAlchemy) would log about a message."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator

import pytest
from sqlalchemy.exc import IntegrityError

from bot.core import logs
from storage import participants
from storage.db import Database
from tests.channels import test_sms, test_telegram
from tests.channels.test_sms import rig as sms_rig  # noqa: F401 (the fixture)
from tests.channels.test_telegram import rig  # noqa: F401 (the fixture)

CHAT = 5551239870
WORDS = "my secret worry about the rent"


@pytest.fixture
def debug_log() -> Iterator[io.StringIO]:
    """Everything logged at DEBUG, as ``copro --log-level DEBUG`` would write it."""
    out = io.StringIO()
    root = logging.getLogger()
    kept = root.handlers[:], root.level
    logs.setup("DEBUG")
    root.handlers[0].setStream(out)  # type: ignore[attr-defined]
    try:
        yield out
    finally:
        root.handlers[:], level = kept
        root.setLevel(level)
        logs.quiet_libraries()


async def test_a_telegram_message_at_debug_logs_no_chat_id_and_no_words(
    rig: test_telegram.Rig, debug_log: io.StringIO  # noqa: F811
) -> None:
    await rig.say(CHAT, "/start")
    await rig.say(CHAT, WORDS)
    update = rig.api.message(CHAT, WORDS)
    rig.api.queue(update, update)  # the same update twice: "came twice; handled once"
    await rig.say(CHAT, "English")
    written = debug_log.getvalue()
    assert "DEBUG" in written or "INFO" in written  # it did log
    assert str(CHAT) not in written and WORDS not in written
    assert "rent" not in written


async def test_an_unreadable_sender_number_is_masked(
    sms_rig: test_sms.Rig, debug_log: io.StringIO  # noqa: F811
) -> None:
    answer = await sms_rig.text("+4412345678901234", "hello")
    assert answer.status_code == 200
    written = debug_log.getvalue()
    assert "cannot answer" in written and "+4412345678901234" not in written
    assert "+44" in written  # masked, not dropped: +44***********234


def test_every_way_a_number_is_written_is_masked() -> None:
    line = logs.mask_numbers("from +447700900123, 07700 900123, chat -1001234567 and 5551239870")
    assert line == "from +44*******123, 077*****123, chat -10*****567 and 555****870"
    kept = "job 12 at 2026-11-24 11:00, message SM1234567890abcdef, 3 texts"
    assert logs.mask_numbers(kept) == kept


async def test_a_database_error_shows_no_values(database: Database) -> None:
    async with database.transaction() as s:
        await participants.create(s, channel="sms", address="+447700900555", name="Ann")
    with pytest.raises(IntegrityError) as raised:
        async with database.transaction() as s:
            await participants.create(s, channel="sms", address="+447700900555", name="Ann")
    assert "+447700900555" not in str(raised.value) and "hidden" in str(raised.value)
