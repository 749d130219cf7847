"""The host around the engine, on a real database: what people see and what is kept."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.core.clock import utcnow
from bot.core.config import load_config
from bot.delivery.channel import Outgoing, Sent
from bot.delivery.outbox import Sender
from bot.flowfiles.library import Library, load_file
from bot.host.conversations import Conversations
from bot.language.render import numbered
from storage import groups, messages, participants, sessions
from storage.db import Database
from tests import records

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
PHONE = "+447700900123"


class Phone:
    """One participant texting the bot; ``send`` returns what they are sent back."""

    def __init__(self, conversations: Conversations, address: str = PHONE, channel: str = "sms"):
        self.c = conversations
        self.address = address
        self.channel = channel

    async def send(self, text: str, media: tuple[str, ...] = ()) -> list[str]:
        await self.c.receive(self.channel, self.address, text, media)
        return await self.inbox()

    async def inbox(self) -> list[str]:
        async with self.c.db.transaction() as s:
            queued = [m for m in await messages.queued_for(s, self.channel, limit=1000, now=utcnow())
                      if m.address == self.address]
            for m in queued:
                await messages.mark_sent(s, m, provider_id=None, at=NOW)
            return [numbered(m.body or "", m.options or []) for m in queued]


@pytest.fixture
async def conversations(database: Database, tmp_path: Path) -> Conversations:
    config = load_config(None, env={"COPRO_DATA_DIR": str(tmp_path)})
    c = Conversations(database, Library.load(), config, clock=lambda: NOW)
    await c.register_flows()
    return c


async def consent(phone: Phone, name: str = "Ann") -> None:
    """Take a new person through the welcome flow in English, saying yes."""
    await phone.send("hello")
    await phone.send("1")  # English
    await phone.send("yes")  # consent
    await phone.send(name)
    await phone.send("4")  # any time


async def person(c: Conversations, address: str = PHONE):  # type: ignore[no-untyped-def]
    async with c.db.transaction() as s:
        return await participants.find_by_address(s, "sms", address)


async def test_an_unknown_person_who_writes_gets_the_welcome(conversations: Conversations) -> None:
    phone = Phone(conversations)
    [greeting] = await phone.send("hello")
    assert "English" in greeting and "Cymraeg" in greeting
    p = await person(conversations)
    assert p is not None and p.consent_at is None and p.status == "active"


async def test_welcome_with_consent_stores_name_language_and_hours(conversations: Conversations) -> None:
    phone = Phone(conversations)
    await consent(phone, "Ann")
    p = await person(conversations)
    assert p is not None
    assert (p.name, p.language, p.consent_at) == ("Ann", "en", NOW)
    async with conversations.db.transaction() as s:
        kinds = [e.kind for e in await records.audit_events(s)]
    assert "consent_given" in kinds


async def test_no_consent_keeps_nothing_but_the_opt_out(conversations: Conversations) -> None:
    phone = Phone(conversations)
    await phone.send("hello")
    await phone.send("1")
    goodbye = await phone.send("no")
    assert goodbye and "START" in goodbye[-1]
    p = await person(conversations)
    assert p is not None and p.status == "opted_out" and p.name is None and p.consent_at is None
    async with conversations.db.transaction() as s:
        kept = await records.messages_of(s, p.id)
        inbound_bodies = [m.body for m in kept if m.direction == "in"]
        session = await records.last_session(s, p.id, "welcome")
        assert session is not None
        stored = await records.results_of(s, session.id)
    assert inbound_bodies and all(body is None for body in inbound_bodies)
    assert stored == []
    # and after refusing, a message gets no reply and is not stored
    assert await phone.send("are you there?") == []


async def test_stop_and_start_work_in_any_step(conversations: Conversations) -> None:
    phone = Phone(conversations)
    await consent(phone)
    await phone.send("check in")
    [stopped] = await phone.send("STOP")
    assert "You will not get any more messages" in stopped
    p = await person(conversations)
    assert p is not None and p.status == "opted_out"
    assert await phone.send("7") == []  # nothing happens while opted out
    [back] = await phone.send("start")
    assert back.startswith("Welcome back")
    p = await person(conversations)
    assert p is not None and p.status == "active"
    async with conversations.db.transaction() as s:
        assert await sessions.active_session(s, p.id) is None


async def test_help_names_the_group_and_the_coordinator(conversations: Conversations) -> None:
    phone = Phone(conversations)
    await consent(phone)
    [help_text] = await phone.send("Help")
    assert "the co-production group" in help_text and "your coordinator" in help_text and "STOP" in help_text


async def test_an_unknown_message_outside_a_flow_gets_the_menu(conversations: Conversations) -> None:
    phone = Phone(conversations)
    await consent(phone)
    [menu] = await phone.send("what is this")
    assert "What would you like to do?" in menu and "1. Tell us how you are" in menu
    [question] = await phone.send("1")
    assert "satisfied" in question


async def test_a_risk_answer_notifies_the_safeguarding_lead(conversations: Conversations) -> None:
    lead = Phone(conversations, "+447700900999")
    await consent(lead, "Sam")
    phone = Phone(conversations)
    await consent(phone)
    async with conversations.db.transaction() as s:
        group = await groups.create_group(s, "Riverside Voices")
        ann, sam = await person(conversations), await person(conversations, lead.address)
        assert ann is not None and sam is not None
        await groups.add_member(s, group, ann)
        await groups.add_member(s, group, sam, role="safeguarding")
    await lead.inbox()
    await phone.send("check in")
    for answer in ("8", "8", "8", "2", "never"):
        await phone.send(answer)
    reply = await phone.send("some days I want to end it all")
    assert any("116 123" in text for text in reply)
    [alert] = await lead.inbox()
    assert "Ann" in alert


async def test_a_session_keeps_the_flow_version_it_started_with(
    conversations: Conversations, tmp_path: Path
) -> None:
    phone = Phone(conversations)
    await consent(phone)
    [first] = await phone.send("check in")
    assert "satisfied" in first
    # The flow file changes while Ann is half way through.
    version = conversations.library["weekly-checkin"].flow.version
    changed = conversations.library["weekly-checkin"].source.replace("satisfied", "content")
    changed = changed.replace(f"version: {version}", f"version: {version + 1}", 1)
    path = tmp_path / "weekly-checkin.yaml"
    path.write_text(changed)
    conversations.library.files["weekly-checkin"] = load_file(path)
    await conversations.register_flows()
    [second] = await phone.send("7")
    assert "content" not in second
    await phone.send("7")  # the rest of this check-in runs on the version it started with
    p = await person(conversations)
    assert p is not None
    async with conversations.db.transaction() as s:
        session = await sessions.active_session(s, p.id)
        assert session is not None and session.flow_version == version


async def test_each_message_in_and_out_is_kept_once(
    conversations: Conversations,
) -> None:
    phone = Phone(conversations)
    await consent(phone)
    await phone.send("check in")
    p = await person(conversations)
    assert p is not None
    async with conversations.db.transaction() as s:
        before = len(await records.messages_of(s, p.id))
    await conversations.receive("sms", PHONE, "7")
    async with conversations.db.transaction() as s:
        after = await records.messages_of(s, p.id)
    assert len(after) == before + 2  # one in, one question out


async def test_a_meeting_invitation_keeps_its_details_to_the_end(conversations: Conversations) -> None:
    coordinator = Phone(conversations, "+447700900888")
    await consent(coordinator, "Sam")
    phone = Phone(conversations)
    await consent(phone)
    async with conversations.db.transaction() as s:
        group = await groups.create_group(s, "Riverside Voices")
        ann, sam = await person(conversations), await person(conversations, coordinator.address)
        assert ann is not None and sam is not None
        await groups.add_member(s, group, ann)
        await groups.add_member(s, group, sam, role="coordinator")
    await coordinator.inbox()
    meeting = {"title": "Planning day", "when": datetime(2026, 12, 2, 14, 0), "where": "The library"}
    assert await conversations.start_flow(ann.id, "meeting-rsvp", key="rsvp:1:1",
                                          extra={"meeting": meeting})
    [invite] = await phone.inbox()
    assert "What: Planning day\nWhen: Wednesday 2 December at 2pm\nWhere: The library" in invite
    await phone.send("yes")
    [told, thanks] = await phone.send("transport")
    assert told == "We have told the organisers what you need."  # only once they really were
    assert thanks.startswith("Thank you, Ann.")
    # The details given when the flow started are still there at its last step.
    [alert] = await coordinator.inbox()
    assert alert == "Ann is coming to Planning day and needs: help getting there (transport)."


async def test_a_no_to_consent_is_answered_by_the_sender_too(
    conversations: Conversations, tmp_path: Path
) -> None:
    """The goodbye reaches the person: the outbox does not refuse it as opted out."""
    phone = Phone(conversations)
    await phone.send("hello")
    await phone.send("1")
    await conversations.receive("sms", PHONE, "no")
    got: list[str] = []

    class Texts:
        name = "sms"

        def cost(self, message: Outgoing) -> int:
            return 1

        def limits(self, message: Outgoing) -> list[tuple[str, float, float]]:
            return []

        async def send(self, message: Outgoing) -> Sent:
            got.append(message.body)
            return Sent(provider_id=f"SM{message.id}")

    await Sender(conversations.db, {"sms": Texts()}, conversations.config).drain()
    # Ann reads that nothing is kept and how to change her mind.
    assert len(got) == 1 and "We will not keep your information" in got[0] and "START" in got[0]


async def test_stop_withdraws_what_was_waiting_to_go(conversations: Conversations) -> None:
    """A broadcast or reminder queued before STOP never reaches the person after it."""
    phone = Phone(conversations)
    await consent(phone)
    p = await person(conversations)
    assert p is not None
    async with conversations.db.transaction() as s:
        assert await conversations.say_in(s, p, "The meeting moved to Thursday.", key="moved:1")
        assert await conversations.say_in(s, p, "Please vote in the poll.", key="poll:1", quiet=False)
    [stopped] = await phone.send("STOP")  # only the confirmation is sent now
    assert "You will not get any more messages" in stopped
    async with conversations.db.transaction() as s:
        kept = {m.body: (m.status, m.error) for m in await records.messages_of(s, p.id)}
    assert kept["The meeting moved to Thursday."] == ("failed", "cancelled: sent STOP")
    assert kept["Please vote in the poll."] == ("failed", "cancelled: sent STOP")


async def test_flows_that_start_each_other_stop_after_a_few_with_an_apology(
    database: Database, tmp_path: Path
) -> None:
    """A mistake in the flows (two that start each other) cannot send messages for ever."""
    flows = tmp_path / "flows"
    flows.mkdir()
    for name, other in (("ping", "pong"), ("pong", "ping")):
        (flows / f"{name}.yaml").write_text(
            f"spec: 1\nflow: {name}\ntitle: {name}\nversion: 1\nkeywords: [{name}]\n"
            f"steps:\n  - id: a\n    say: \"{name.title()}.\"\n    do: [{{start: {other}}}]\n")
    config = load_config(None, env={"COPRO_DATA_DIR": str(tmp_path)})
    c = Conversations(database, Library.load(flows), config, clock=lambda: NOW)
    await c.register_flows()
    phone = Phone(c)
    await consent(phone)
    said = await phone.send("ping")
    # Six messages of the loop, then the apology: the chain stops at MAX_CHAINED_FLOWS.
    assert said[:-1] == ["Ping.", "Pong."] * 3
    assert said[-1].startswith("Sorry, something went wrong on our side.")
    async with database.transaction() as s:
        [missing] = await records.audit_events(s, kind="flow_missing")
    assert missing.details == {"flow": "ping"}
