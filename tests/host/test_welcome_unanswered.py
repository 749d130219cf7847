"""Until someone says yes, copro keeps only what it needs to answer them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.app.wiring import scheduler_for
from bot.core.config import load_config
from bot.flowfiles.library import Library
from bot.host.conversations import Conversations
from storage import participants
from storage.db import Database
from tests import records
from tests.people import Clock

MONDAY = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
HANA = "+447700900321"


async def test_a_welcome_that_ends_without_a_yes_keeps_nothing_they_wrote(
    database: Database, tmp_path: Path
) -> None:
    clock = Clock(MONDAY)
    config = load_config(None, env={"COPRO_DATA_DIR": str(tmp_path)})
    c = Conversations(database, Library.load(), config, clock=clock)
    await c.register_flows()
    scheduler = scheduler_for(c, config, clock=clock)
    await c.receive("sms", HANA, "Hello, I am Hana Ali from 12 Mill Lane")
    await c.receive("sms", HANA, "1")  # English; then she never answers the consent question
    for _ in range(9):
        clock.advance(days=1)
        await scheduler.tick()
    async with database.transaction() as s:
        hana = await participants.find_by_address(s, "sms", HANA)
        assert hana is not None and hana.consent_at is None and hana.name is None
        kept = await records.messages_of(s, hana.id)
        session = await records.last_session(s, hana.id, "welcome")
        unanswered = await records.audit_events(s, kind="welcome_unanswered")
    # What Hana wrote (her name, her address) is gone; her number stays so copro can answer her.
    assert [m.body for m in kept if m.direction == "in"] == [None, None]
    assert session is not None and session.status == "expired" and session.state == {}
    assert [e.participant_id for e in unanswered] == [hana.id]
    assert clock.now - MONDAY > timedelta(days=7)
