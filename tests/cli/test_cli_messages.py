"""``copro messages failed``: each failed message with why in plain words, and ``--resend``."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from bot.cli.main import main
from bot.core.clock import utcnow
from storage import messages, participants
from storage.db import Database

ANN = "+447700900001"
WHY = {
    "not sent: the address is opted out": "They asked for no more messages (STOP).",
    "gave up after 8 attempts: HTTP 502 from the provider":
        "Not sent after 8 tries: the provider had a fault. Send it again once that is fixed.",
    "Telegram 403: Forbidden: bot was blocked by the user":
        "They blocked the bot on Telegram, or deleted their Telegram account.",
    "Twilio undelivered, error 30003":
        "Their phone company did not deliver it (Twilio error 30003: twilio.com/docs/api/errors/30003).",
}


@pytest.fixture
def env(tmp_path: Path, database_url: str) -> dict[str, str]:
    return {"COPRO_DATA_DIR": str(tmp_path / "data"), "COPRO_DATABASE_URL": database_url,
            "COPRO_CONFIG": ""}


def copro(env: dict[str, str], *args: str) -> Result:
    result = CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)
    assert "Traceback" not in result.output
    return result


async def failures(url: str) -> list[int]:
    db = Database(url)
    try:
        async with db.transaction() as s:
            ann = await participants.create(s, channel="sms", address=ANN, name="Ann")
            ids = []
            for n, error in enumerate(WHY):
                row = await messages.queue_outbound(
                    s, participant_id=ann.id, session_id=None, channel="sms", address=ANN,
                    body=f"private words {n}", options=[], idempotency_key=f"k{n}", at=utcnow())
                assert row is not None
                await messages.mark_failed(s, row, error=error, at=utcnow())
                ids.append(row.id)
            return ids
    finally:
        await db.close()


async def status_of(url: str, message_id: int) -> str:
    db = Database(url)
    try:
        async with db.transaction() as s:
            row = await messages.get(s, message_id)
            assert row is not None
            return row.status
    finally:
        await db.close()


def test_failed_messages_are_listed_with_why_in_plain_words(
    env: dict[str, str], database_url: str
) -> None:
    ids = asyncio.run(failures(database_url))
    listed = copro(env, "messages", "failed")
    assert listed.exit_code == 0
    for message_id, (recorded, plain) in zip(ids, WHY.items(), strict=True):
        assert f"{message_id:>6}  " in listed.output
        assert plain in listed.output and f"recorded: {recorded}" in listed.output
    assert "sms to Ann (+44*******001)" in listed.output
    assert ANN not in listed.output and "private words" not in listed.output
    assert "4 message(s) failed in the last 7 day(s)." in listed.output


def test_a_failed_message_can_be_sent_again_and_a_wrong_id_changes_nothing(
    env: dict[str, str], database_url: str
) -> None:
    first, second, *_ = asyncio.run(failures(database_url))
    wrong = copro(env, "messages", "failed", "--resend", str(second), "--resend", "99999")
    assert wrong.exit_code == 1
    assert "no failed message with ID 99999" in wrong.output and "nothing was sent again" in wrong.output
    assert asyncio.run(status_of(database_url, second)) == "failed"
    again = copro(env, "messages", "failed", "--resend", str(first))
    assert again.exit_code == 0 and "1 message(s) back in the outbox" in again.output
    assert asyncio.run(status_of(database_url, first)) == "queued"
    assert "3 message(s) failed" in copro(env, "messages", "failed").output


async def sent_and_read(url: str) -> tuple[int, int]:
    """A WhatsApp message read at 10:05 London time, and one still without a report."""
    from datetime import UTC, datetime

    db = Database(url)
    try:
        async with db.transaction() as s:
            ann = await participants.create(s, channel="whatsapp", address=f"whatsapp:{ANN}",
                                            name="Ann")
            ids = []
            for n in range(2):
                row = await messages.queue_outbound(
                    s, participant_id=ann.id, session_id=None, channel="whatsapp",
                    address=f"whatsapp:{ANN}", body=f"private words {n}", options=[],
                    idempotency_key=f"w{n}", at=utcnow())
                assert row is not None
                await messages.mark_sent(s, row, provider_id=f"SM{n}",
                                         at=datetime(2026, 12, 1, 10, 0, tzinfo=UTC))
                ids.append(row.id)
            await messages.set_delivery(s, "whatsapp", "SM0", "read", error=None,
                                        at=datetime(2026, 12, 1, 10, 5, tzinfo=UTC))
            return ids[0], ids[1]
    finally:
        await db.close()


def test_one_message_shows_when_it_was_sent_delivered_and_read(
    env: dict[str, str], database_url: str
) -> None:
    read, unreported = asyncio.run(sent_and_read(database_url))
    shown = copro(env, "messages", "show", str(read))
    assert shown.exit_code == 0
    assert shown.output == (f"{read:>6}  whatsapp to Ann (whatsapp:+44*******001)\n"
                            "        sent 2026-12-01 10:00, delivered, read 2026-12-01 10:05\n")
    assert "sent 2026-12-01 10:00, no delivery report yet" in copro(
        env, "messages", "show", str(unreported)).output
    [failed_id, *_] = asyncio.run(failures(database_url))
    assert "failed: They asked for no more messages (STOP)." in copro(
        env, "messages", "show", str(failed_id)).output
    missing = copro(env, "messages", "show", "999")
    assert missing.exit_code == 1 and "copro sent no message with ID 999" in missing.output
