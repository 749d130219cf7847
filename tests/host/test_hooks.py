"""Features' hooks into conversations: each kind runs, and a name has one owner."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from bot.core.config import load_config
from bot.engine.events import Notify
from bot.flowfiles.library import Library, load_file
from bot.host.conversations import Conversations
from bot.host.hooks import Action, DuplicateHook, Hooks, NotifyHook, ResultHook, Say
from bot.language.render import numbered
from storage import messages, participants
from storage.db import Database, Tx
from storage.models import FlowSession, Participant

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
PHONE = "+447700900123"

HOOKED = """\
spec: 1
flow: hooked
title: {en: "Hooked"}
version: 1
languages: [en]
keywords: ["hooked"]
steps:
  - id: hello
    say: {en: "Hello."}
    do:
      - save: {greeted: "'yes'"}
      - notify: coordinators
        reason: test
        text: {en: "{{ participant.name }} said hooked."}
    next: mood
  - id: mood
    ask: {en: "How are you?"}
    expect: {type: text}
    save_as: mood
"""


async def tapped(s: Tx, person: Participant, args: list[str], say: Say) -> None:
    await say("tapped")


async def tapped_too(s: Tx, person: Participant, args: list[str], say: Say) -> None:
    await say("tapped too")


async def told(s: Tx, person: Participant, row: FlowSession, event: Notify) -> int:
    return 1


def test_a_second_action_for_one_prefix_is_refused() -> None:
    hooks = Hooks()
    hooks.add(Action("claim", tapped))
    with pytest.raises(DuplicateHook) as refused:
        hooks.add(Action("claim", tapped_too))
    assert str(refused.value) == ("there is already a button action for the prefix 'claim' "
                                  "(tapped); tapped_too cannot have it too")
    assert hooks.action("claim") == Action("claim", tapped)  # the first keeps it


def test_a_second_notify_hook_for_one_target_is_refused() -> None:
    hooks = Hooks()
    hooks.add(NotifyHook("safeguarding", told))
    hooks.add(NotifyHook("coordinators", told))  # another target is fine
    with pytest.raises(DuplicateHook, match="notify hook for 'safeguarding'"):
        hooks.add(NotifyHook("safeguarding", told))


async def test_registering_through_conversations_refuses_a_duplicate_too(
    conversations: Conversations,
) -> None:
    conversations.on_action("test", tapped)
    with pytest.raises(DuplicateHook, match="prefix 'test'"):
        conversations.on_action("test", tapped_too)


def test_many_hooks_may_watch_one_flow() -> None:
    hooks = Hooks()

    async def one(s: Tx, p: Participant, row: FlowSession, key: str, value: Any) -> None: ...
    async def two(s: Tx, p: Participant, row: FlowSession, key: str, value: Any) -> None: ...

    hooks.add(ResultHook("poll", one))
    hooks.add(ResultHook("poll", two))
    assert [h.callback for h in hooks.results("poll")] == [one, two]
    assert hooks.results("claim") == []


class Phone:
    def __init__(self, conversations: Conversations, address: str = PHONE):
        self.c = conversations
        self.address = address

    async def send(self, text: str) -> list[str]:
        await self.c.receive("sms", self.address, text)
        return await self.inbox()

    async def inbox(self) -> list[str]:
        async with self.c.db.transaction() as s:
            queued = [m for m in await messages.queued_for(s, "sms", limit=1000, now=NOW)
                      if m.address == self.address]
            for m in queued:
                await messages.mark_sent(s, m, provider_id=None, at=NOW)
            return [numbered(m.body or "", m.options or []) for m in queued]


@pytest.fixture
async def conversations(database: Database, tmp_path: Path) -> Conversations:
    config = load_config(None, env={"COPRO_DATA_DIR": str(tmp_path)})
    library = Library.load()
    path = tmp_path / "hooked.yaml"
    path.write_text(HOOKED)
    library.files["hooked"] = load_file(path)
    c = Conversations(database, library, config, clock=lambda: NOW)
    await c.register_flows()
    return c


async def consented(c: Conversations, name: str = "Ann") -> Phone:
    async with c.db.transaction() as s:
        [pid] = await participants.create_many(
            s, [{"name": name, "channel": "sms", "address": PHONE, "consent_at": NOW}], at=NOW)
        assert pid
    return Phone(c)


async def test_each_kind_of_hook_runs(conversations: Conversations) -> None:
    seen: list[tuple[str, Any]] = []

    async def intercept(s: Tx, person: Participant, text: str, say: Say) -> bool:
        if text != "ping":
            return False
        await say({"en": "pong, {{ who }}", "cy": "pong"}, {"who": person.name})
        return True

    async def act(s: Tx, person: Participant, args: list[str], say: Say) -> None:
        seen.append(("action", args))
        await say("tapped", None, {"buttons": [{"label": "Again", "data": "test:again"}]})

    async def help_more(s: Tx, person: Participant, say: Say) -> None:
        await say("More help.")

    async def notify(s: Tx, person: Participant, row: FlowSession, event: Notify) -> int:
        seen.append(("notify", (row.flow_id, event.text, event.reason)))
        return 1

    async def result(s: Tx, person: Participant, row: FlowSession, key: str, value: Any) -> None:
        seen.append(("result", (key, value)))

    async def end(s: Tx, person: Participant, row: FlowSession, results: Mapping[str, Any]) -> None:
        seen.append(("end", dict(results)))

    conversations.intercept(intercept)
    conversations.on_action("test", act)
    conversations.on_help(help_more)
    conversations.on_notify("coordinators", notify)
    conversations.on_result("hooked", result)
    conversations.on_end("hooked", end)
    phone = await consented(conversations)

    assert await phone.send("ping") == ["pong, Ann"]
    help_text = await phone.send("HELP")
    assert len(help_text) == 2 and help_text[1] == "More help."
    assert await conversations.act("sms", PHONE, "test:1:2")
    assert await conversations.act("sms", PHONE, "nothing:1") is False
    assert await phone.inbox() == ["tapped"]
    assert seen == [("action", ["1", "2"])]

    assert await phone.send("hooked") == ["Hello.", "How are you?"]
    assert seen[1:] == [("result", ("greeted", "yes")),
                        ("notify", ("hooked", "Ann said hooked.", "test"))]
    assert await phone.send("fine, thanks") == []
    assert seen[3:] == [("result", ("mood", "fine, thanks")),
                        ("end", {"greeted": "yes", "mood": "fine, thanks"})]
