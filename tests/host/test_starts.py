"""Starting flows for one person and for many: the same rows, by the same code."""

from __future__ import annotations

import ast
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from bot.core.config import load_config
from bot.engine.events import Notify
from bot.flowfiles.library import Library, load_file
from bot.host.conversations import Conversations
from bot.host.starts import Start, start_many
from storage import participants, sessions
from storage.db import Database, Tx
from storage.models import FlowSession, Participant
from tests import records

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
HOST = Path(__file__).resolve().parents[2] / "bot" / "host"

HOOKED = """\
spec: 1
flow: hooked
title: {en: "Hooked"}
version: 1
languages: [en]
steps:
  - id: hello
    say: {en: "Hello {{ participant.name }}."}
    do:
      - save: {greeted: "'yes'"}
      - notify: coordinators
        reason: test
        text: {en: "{{ participant.name }} started."}
    next: mood
  - id: mood
    ask: {en: "How are you?"}
    expect: {type: text}
    save_as: mood
"""


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


async def people(c: Conversations, *names: str) -> list[Participant]:
    async with c.db.transaction() as s:
        ids = await participants.create_many(s, [
            {"name": name, "channel": "sms", "address": f"+4477009001{n:02d}", "consent_at": NOW}
            for n, name in enumerate(names)
        ], at=NOW)
        found = await participants.get_many(s, ids)
    return [found[i] for i in ids]


def session_view(row: FlowSession) -> dict[str, Any]:
    return {"flow": (row.flow_id, row.flow_version, row.definition_id), "step": row.step,
            "status": row.status, "state": row.state, "timeout_at": row.timeout_at,
            "expires_at": row.expires_at}


async def written(s: Tx, person: Participant) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The person's one session and their queued messages, as far as they can be compared."""
    [row] = await records.sessions_of(s, person.id)
    sent = [{"body": m.body, "options": m.options, "key": m.idempotency_key.rsplit(":", 1)[1],
             "quiet": m.quiet, "topic": m.topic, "session": m.session_id == row.id,
             "kind": m.kind, "channel": m.channel}
            for m in await records.messages_of(s, person.id) if m.idempotency_key]
    return session_view(row), sent


async def test_a_bulk_start_writes_what_a_single_start_writes(conversations: Conversations) -> None:
    ann, bob = await people(conversations, "Ann", "Bob")
    async with conversations.db.transaction() as s:
        assert await conversations.start_in(s, ann, "weekly-checkin", key="checkin:ann",
                                            topic="checkin")
        done = await start_many(conversations, s, "weekly-checkin",
                                [Start(bob, "checkin:bob", {}, "checkin")])
        assert done == {bob.id: "started"}
        single, bulk = await written(s, ann), await written(s, bob)
    assert single[0] == bulk[0]
    assert single[0]["status"] == "active" and single[0]["timeout_at"] is not None
    assert [m["body"].replace("Ann", "Bob") for m in single[1]] == [m["body"] for m in bulk[1]]
    for message in single[1] + bulk[1]:
        message.pop("body")
    assert single[1] == bulk[1] == [{"options": [], "key": "1", "quiet": True,
                                     "topic": "checkin", "session": True, "kind": "text",
                                     "channel": "sms"}]


async def test_a_bulk_start_leaves_someone_in_a_conversation_alone(
    conversations: Conversations,
) -> None:
    ann, bob = await people(conversations, "Ann", "Bob")
    async with conversations.db.transaction() as s:
        assert await conversations.start_in(s, ann, "menu", key="menu:ann")
        done = await start_many(conversations, s, "weekly-checkin",
                                [Start(ann, "checkin:ann"), Start(bob, "checkin:bob")])
        assert done == {ann.id: "busy", bob.id: "started"}
        active = await sessions.active_session(s, ann.id)
        assert active is not None and active.flow_id == "menu"
        keys = [m.idempotency_key for m in await records.messages_of(s, ann.id)]
    assert keys == ["menu:ann:1"]


async def test_a_single_start_ends_the_conversation_under_way(
    conversations: Conversations,
) -> None:
    [ann] = await people(conversations, "Ann")
    async with conversations.db.transaction() as s:
        assert await conversations.start_in(s, ann, "menu", key="menu:ann")
        assert await conversations.start_in(s, ann, "weekly-checkin", key="checkin:ann")
        statuses = [(r.flow_id, r.status) for r in await records.sessions_of(s, ann.id)]
    assert statuses == [("menu", "interrupted"), ("weekly-checkin", "active")]


async def test_the_same_start_twice_queues_nothing_twice(conversations: Conversations) -> None:
    [ann] = await people(conversations, "Ann")
    async with conversations.db.transaction() as s:
        assert await conversations.start_in(s, ann, "menu", key="menu:ann")
        assert not await conversations.start_in(s, ann, "menu", key="menu:ann")
        keys = [m.idempotency_key for m in await records.messages_of(s, ann.id)]
    assert keys == ["menu:ann:1"]


async def test_a_bulk_start_that_does_more_than_send_applies_every_event(
    conversations: Conversations,
) -> None:
    told: list[tuple[int, str]] = []

    async def notify(s: Tx, person: Participant, row: FlowSession, event: Notify) -> int:
        told.append((person.id, event.text))
        return 1

    conversations.on_notify("coordinators", notify)
    ann, bob = await people(conversations, "Ann", "Bob")
    async with conversations.db.transaction() as s:
        done = await start_many(conversations, s, "hooked",
                                [Start(ann, "hooked:ann"), Start(bob, "hooked:bob")])
        assert done == {ann.id: "started", bob.id: "started"}
        row = await sessions.active_session(s, bob.id)
        assert row is not None and row.step == "mood" and row.timeout_at is None
        kept = [(r.key, r.value) for r in await records.results_of(s, row.id)]
        sent = [(m.idempotency_key, m.body) for m in await records.messages_of(s, bob.id)]
    assert told == [(ann.id, "Ann started."), (bob.id, "Bob started.")]
    assert kept == [("greeted", "yes")]
    assert sent == [("hooked:bob:1", "Hello Bob."), ("hooked:bob:2", "How are you?")]


async def test_the_sender_is_woken_only_once_messages_commit(conversations: Conversations) -> None:
    woken: list[int] = []
    conversations.on_queued = lambda: woken.append(1)
    [ann] = await people(conversations, "Ann")
    with pytest.raises(RuntimeError):
        async with conversations.db.transaction() as s:
            assert await conversations.start_in(s, ann, "menu", key="menu:1")
            raise RuntimeError("rolled back")
    assert woken == []
    async with conversations.db.transaction() as s:
        assert await conversations.start_in(s, ann, "menu", key="menu:2")
        assert woken == []
    assert woken == [1]


def test_the_host_leaves_sqlalchemy_to_storage() -> None:
    for module in sorted(HOST.glob("*.py")):
        tree = ast.parse(module.read_text())
        imported = [alias.name for node in ast.walk(tree) if isinstance(node, ast.Import)
                    for alias in node.names]
        imported += [node.module or "" for node in ast.walk(tree)
                     if isinstance(node, ast.ImportFrom)]
        assert not [name for name in imported if name.split(".")[0] == "sqlalchemy"], module.name
