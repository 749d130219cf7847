"""``copro message``: one message to one participant from the command line, audited."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from sqlalchemy.ext.asyncio import AsyncSession

from bot.cli.main import main
from bot.core.clock import utcnow
from storage import participants
from tests import records
from tests.cli.test_cli_records import look


@pytest.fixture
def env(tmp_path: Path, database_url: str) -> dict[str, str]:
    return {"COPRO_DATA_DIR": str(tmp_path / "data"), "COPRO_DATABASE_URL": database_url,
            "COPRO_CONFIG": ""}


def copro(env: dict[str, str], *args: str) -> Result:
    result = CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)
    assert "Traceback" not in result.output
    return result


async def _agreed(s: AsyncSession) -> None:
    for pid in (1, 2):
        person = await participants.get(s, pid)
        assert person is not None
        await participants.record_consent(s, person, utcnow())
    ben = await participants.get(s, 2)
    assert ben is not None
    await participants.opt_out(s, ben, at=utcnow())


def test_a_message_to_one_person_keeps_stop_and_is_audited(env: dict[str, str]) -> None:
    copro(env, "groups", "add", "Riverside Voices")
    for name, phone in (("Ann", "+447700900001"), ("Ben", "+447700900002"), ("Cai", "+447700900003")):
        copro(env, "participants", "add", "--name", name, "--phone", phone, "--group",
              "Riverside Voices")
    look(env, _agreed)
    sent = copro(env, "message", "Ann", "The bus is late, we start at 11.", "--from", "Sam",
                 "--urgent")
    assert sent.exit_code == 0
    assert sent.output.startswith("Message for Ann is going now by sms (urgent")
    [queued] = [m for m in look(env, lambda s: records.messages_of_address(s, "+447700900001"))
                if m.topic == "direct:1"]
    assert queued.body == "A message from Sam: The bus is late, we start at 11."
    [audited] = look(env, lambda s: records.audit_events(s, kind="direct_message"))
    assert audited.actor == "command line" and audited.details["urgent"] is True
    stopped = copro(env, "message", "Ben", "Hello")
    assert stopped.exit_code == 1 and "Ben has opted out (sent STOP)" in stopped.output
    unasked = copro(env, "message", "Cai", "Hello")
    assert unasked.exit_code == 1 and "Cai is not taking part" in unasked.output
    empty = copro(env, "message", "Ann", "  ")
    assert empty.exit_code == 1 and "the message is empty" in empty.output
