"""Welsh speakers read Welsh: the group's name and how to reach its coordinator come in
each language, with Welsh defaults, never the English words inside a Welsh message."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from bot.core.config import load_config
from bot.features import doctor
from bot.flowfiles.library import Library
from bot.host.conversations import Conversations
from bot.language import texts
from storage import participants
from storage.db import Database
from tests.host.test_conversation import Phone

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
ENGLISH_DEFAULTS = ("the co-production group", "your coordinator")


async def speakers(database: Database, tmp_path: Path, **group: str) -> Conversations:
    env = {"COPRO_DATA_DIR": str(tmp_path)}
    config = load_config(None, env=env)
    config = config.model_copy(update={"group": config.group.model_copy(update=group)})
    c = Conversations(database, Library.load(), config, clock=lambda: NOW)
    await c.register_flows()
    async with database.transaction() as s:
        await participants.create_many(s, [
            {"name": "Ann", "channel": "sms", "address": "+447700900001", "consent_at": NOW,
             "language": "en"},
            {"name": "Bryn", "channel": "sms", "address": "+447700900002", "consent_at": NOW,
             "language": "cy"}], at=NOW)
    return c


async def test_with_the_defaults_welsh_help_says_the_welsh_defaults(
    database: Database, tmp_path: Path
) -> None:
    c = await speakers(database, tmp_path)
    [welsh] = await Phone(c, "+447700900002").send("HELP")
    # Bryn sees: "Dyma y grŵp cydgynhyrchu. I siarad gyda pherson, cysylltwch gyda eich cydlynydd. ..."
    assert "y grŵp cydgynhyrchu" in welsh and "eich cydlynydd" in welsh
    assert not any(words in welsh for words in ENGLISH_DEFAULTS)
    [english] = await Phone(c, "+447700900001").send("HELP")
    assert "the co-production group" in english and "your coordinator" in english


async def test_a_groups_welsh_words_reach_welsh_speakers_and_only_them(
    database: Database, tmp_path: Path
) -> None:
    c = await speakers(database, tmp_path, name="Riverside Voices", coordinator="Sam on 01234 567890",
                       name_cy="Lleisiau Glan yr Afon", coordinator_cy="Sam ar 01234 567890")
    [welsh] = await Phone(c, "+447700900002").send("HELP")
    assert welsh.startswith("Dyma Lleisiau Glan yr Afon.") and "Sam ar 01234 567890" in welsh
    assert "Riverside" not in welsh and " on 01234" not in welsh
    [english] = await Phone(c, "+447700900001").send("HELP")
    assert english.startswith("This is Riverside Voices.") and "Sam on 01234 567890" in english


@pytest.mark.parametrize("name", [key for key, value in vars(texts).items()
                                  if key.isupper() and isinstance(value, dict) and "cy" in value])
def test_no_fixed_text_in_welsh_holds_the_english_defaults(name: str, tmp_path: Path) -> None:
    # Every fixed text, rendered for a Welsh speaker with the default settings.
    from bot.engine.templates import Templates
    from bot.flowfiles.samples import FIXED_SCOPE
    from bot.host.replies import Outbox
    from storage.models import Participant

    config = load_config(None, env={"COPRO_DATA_DIR": str(tmp_path)})
    settings = {lang: {"group_name": group, "coordinator": coordinator, "mileage_rate": "0.45"}
                for lang in ("en", "cy") for group, coordinator in [config.group.words(lang)]}
    outbox = Outbox(Templates(), settings, lambda: NOW)
    scope: dict[str, Any] = {k: v for k, v in FIXED_SCOPE.items() if k not in ("settings", "participant")}
    bryn = Participant(name="Bryn", language="cy", status="active", timezone="Europe/London")
    body = outbox.render(bryn, getattr(texts, name), scope)
    assert "{{" not in body, body  # rendered, not the template given back
    assert not any(words in body for words in ENGLISH_DEFAULTS), body


async def test_doctor_warns_when_welsh_speakers_would_read_the_coordinator_in_english(
    database: Database, tmp_path: Path
) -> None:
    config = load_config(None, env={"COPRO_DATA_DIR": str(tmp_path)})
    group = config.group.model_copy(update={"coordinator": "Sam on 01234 567890"})
    await speakers(database, tmp_path)
    async with database.transaction() as s:
        found = [p for p in await doctor.check(s, group=group) if p.where == "Welsh messages"]
        assert [p.what for p in found] == ["group.coordinator ('Sam on 01234 567890') has no Welsh"]
        welsh = group.model_copy(update={"coordinator_cy": "Sam ar 01234 567890"})
        assert [p for p in await doctor.check(s, group=welsh) if p.where == "Welsh messages"] == []
