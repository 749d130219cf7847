"""At INFO the log says what copro did, from the audit trail: once committed, with ids and codes
only (never a name, a number, an amount or anyone's words), and nothing for what was undone."""

from __future__ import annotations

import logging

import pytest

from bot.core.clock import utcnow
from storage import audit, participants
from storage.db import Database


async def test_what_copro_did_is_logged_once_committed_with_ids_only(
    database: Database, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="storage.audit")
    async with database.transaction() as s:
        ann = await participants.create(s, channel="sms", address="+447700900001", name="Ann")
        await audit.record(s, kind="claim_submitted", actor="participant", participant_id=ann.id,
                           details={"claim": 5, "pence": 1234}, at=utcnow())
        await audit.record(s, kind="alert_raised", actor="copro", participant_id=ann.id,
                           details={"alert": 3, "reason": "message-risk", "sent_to": [1, 2]},
                           at=utcnow())
        await audit.record(s, kind="broadcast_sent", actor="Sam Coordinator",
                           details={"broadcast": 9, "group": 2, "people": 40}, at=utcnow())
        assert caplog.records == []  # not yet: it might still be undone
    said = [r.getMessage() for r in caplog.records]
    assert said == [
        f"an expense claim was submitted (participant {ann.id}, claim=5)",
        f"a safeguarding alert was raised (participant {ann.id}, alert=3 reason=message-risk)",
        "a broadcast was queued (broadcast=9 group=2 people=40)",
    ]
    assert {r.levelname for r in caplog.records} == {"INFO"}
    for secret in ("Ann", "+447700900001", "1234", "Sam"):
        assert secret not in caplog.text


async def test_nothing_is_logged_for_what_was_rolled_back(
    database: Database, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="storage.audit")
    with pytest.raises(RuntimeError):
        async with database.transaction() as s:
            await audit.record(s, kind="poll_created", actor="copro", details={"poll": 1},
                               at=utcnow())
            raise RuntimeError("the rest failed")
    assert caplog.records == []
