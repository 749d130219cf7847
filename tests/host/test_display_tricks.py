"""Names never carry bidirectional overrides, invisible marks or control characters, however
they arrive (the welcome, an import, a command), so a coordinator's notice shows what it is."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import text

from bot.app.wiring import scheduler_for
from bot.core.config import load_config
from bot.flowfiles.library import Library
from bot.host.conversations import Conversations
from storage import groups, participants
from storage.db import Database
from storage.types import plain_name
from tests.people import Clock, deliver, group, member

NOW = datetime(2026, 11, 24, 11, 0, tzinfo=UTC)
TRICKS = ["\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067", "\u2068",
          "\u2069", "\u200e", "\u200f", "\u200b", "\u200c", "\u200d", "\u2060", "\ufeff",
          "\x00", "\x1b", "\x7f", "\u0085", "\u2028"]


def test_every_trick_character_is_taken_out_of_a_name() -> None:
    for c in TRICKS:
        assert plain_name(f"Ann{c}Jones") in ("AnnJones", "Ann Jones"), repr(c)
    assert plain_name("Ann \u202egnp.exe") == "Ann gnp.exe"
    assert plain_name("  Siân\n\tAp  Dafydd ") == "Siân Ap Dafydd"  # letters and accents kept
    assert plain_name("محمد علي") == "محمد علي"  # right-to-left letters themselves are fine


async def test_a_name_typed_in_the_welcome_reaches_staff_without_a_trick(
    database: Database, tmp_path: Path
) -> None:
    config = load_config(None, env={"COPRO_DATA_DIR": str(tmp_path)})
    clock = Clock(NOW)
    c = Conversations(database, Library.load(), config, clock=clock)
    await c.register_flows()
    scheduler_for(c, config, clock=clock)  # the claims feature, which tells the coordinator
    riverside = await group(database, "Riverside\u202e Voices")
    await member(database, riverside, "+447700900009", name="Sam\u200f", role="coordinator")
    for answer in ("hello", "english", "yes", "Mallory\u202e\u2066gnp.exe\u2069", "2"):
        await c.receive("sms", "+447700900001", answer)
    async with database.transaction() as s:
        mallory = await participants.find_by_address(s, "sms", "+447700900001")
        assert mallory is not None and mallory.called == "Mallorygnp.exe"  # the welcome's name
        await groups.add_member(s, riverside, mallory)
        stored = text("select coalesce(name, called) from participants order by id")
        raw = (await s.execute(stored)).scalars().all()
        named = await groups.get_group_by_name(s, "Riverside Voices")
    assert raw == ["Sam", "Mallorygnp.exe"]  # as stored, not only as read
    assert named is not None and named.name == "Riverside Voices"
    await deliver(database, "+447700900001", NOW)
    for answer in ("expense", "1", "3.40", "today", "Bus", "no receipt", "2", "yes"):
        await c.receive("sms", "+447700900001", answer)
    notices = await deliver(database, "+447700900009", NOW)
    assert any("Mallorygnp.exe" in n for n in notices)
    assert not [n for n in notices if any(t in n for t in TRICKS)]
