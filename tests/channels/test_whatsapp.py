"""WhatsApp end to end: the real webhooks on a real server, the twilio SDK against the Twilio
double keeping WhatsApp's rules (the 24-hour window, templates by ContentSid), and SMS beside it
for what WhatsApp cannot take."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from bot.app.http import create_app
from bot.app.wiring import scheduler_for
from bot.channels.sms.twilio import SmsChannel
from bot.channels.whatsapp.channel import WhatsAppChannel
from bot.core.config import Config, load_config
from bot.core.metrics import Metrics
from bot.delivery.inbox import Inbox, Spool
from bot.delivery.outbox import Sender
from bot.features.people import People, Row
from bot.flowfiles.library import Library
from bot.host.conversations import Conversations
from storage import participants
from storage.db import Database
from storage.models import Message
from tests import records
from tests.doubles.twilio_api import ACCOUNT, TOKEN, Fault, Text, TwilioDouble
from tests.servers import free_port, serve_asgi

PHONE = "+447700900001"
ANN = f"whatsapp:{PHONE}"
SENDER = "+447700900000"
WELCOME = {"en": ["1", "yes", "Ann", "4"], "cy": ["2", "ie", "Ann", "4"]}
TEMPLATES = {  # purpose, language: (ContentSid, the words approved in Twilio)
    ("checkin", "en"): ("HX" + "1" * 32, "Hello {{1}}. It is time for your weekly check-in "
                        "with {{2}}. Tap the button when you have a minute."),
    ("checkin", "cy"): ("HX" + "2" * 32, "Helo {{1}}. Mae'n amser i chi holi sut rydych chi "
                        "gyda {{2}}. Tapiwch y botwm pan fydd gennych chi funud."),
    ("optin", "en"): ("HX" + "3" * 32, "Hello {{1}}. {{2}} would like to send you messages on "
                      "WhatsApp. Tap Yes to hear from us, or Stop."),
}
CLOSED = timedelta(days=3)  # long enough since they last wrote: the window is shut


class Clock:
    """One time for copro and the double, moved on by tests (10:00 in London: contact hours)."""

    def __init__(self) -> None:
        self.now = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


@dataclass
class Rig:
    twilio: TwilioDouble
    url: str
    client: httpx.AsyncClient
    db: Database
    conversations: Conversations
    sender: Sender
    clock: Clock

    async def write(self, body: str, sender: str = ANN, **options: object) -> httpx.Response:
        hook = "whatsapp" if sender.startswith("whatsapp:") else "sms"
        return await self.twilio.text_copro(self.client, f"{self.url}/webhooks/twilio/{hook}",
                                            sender, body, **options)  # type: ignore[arg-type]

    async def say(self, body: str, sender: str = ANN, **options: object) -> list[str]:
        """Write to copro and return what it sent back there."""
        before = len(self.twilio.to(sender))
        response = await self.write(body, sender, **options)
        assert response.status_code == 200, response.text
        await self.sender.drain()
        return self.twilio.to(sender)[before:]

    async def out(self, address: str = ANN) -> list[Message]:
        async with self.db.transaction() as s:
            return [m for m in await records.messages_of_address(s, address)
                    if m.direction == "out"]


def settings(tmp_path: Path, twilio_url: str, templates: bool, public_url: str = "") -> Config:
    lines = [
        "[twilio]", f'account_sid = "{ACCOUNT}"', f'auth_token = "{TOKEN}"',
        f'public_url = "{public_url}"',
        f'from_number = "{SENDER}"', f'api_base_url = "{twilio_url}"',
        f'content_api_url = "{twilio_url}"',
        "segments_per_second = 1000", "max_inbound_per_minute = 1000",
        "[whatsapp]", f'from_number = "whatsapp:{SENDER}"',
        "[outbox]", "first_retry_seconds = 0.01", "max_retry_seconds = 0.05", "max_attempts = 4",
    ]
    for (purpose, language), (sid, _) in TEMPLATES.items() if templates else ():
        lines += [f"[whatsapp.templates.{purpose}.{language}]", f'content_sid = "{sid}"',
                  'variables = { "1" = "name", "2" = "group" }']
    (tmp_path / "copro.toml").write_text("\n".join(lines) + "\n")
    return load_config(tmp_path / "copro.toml", env={"COPRO_DATA_DIR": str(tmp_path)})


@pytest.fixture
async def rig(database: Database, tmp_path: Path, request: pytest.FixtureRequest) -> AsyncIterator[Rig]:
    """copro with WhatsApp and SMS on a real server. ``request.param``: False for no templates;
    "public" for copro at a public address (``twilio.public_url``: its own)."""
    clock = Clock()
    twilio = TwilioDouble(templates={sid: words for sid, words in TEMPLATES.values()}, clock=clock)
    param = getattr(request, "param", True)
    port = free_port()
    async with serve_asgi(twilio.app) as twilio_url:
        twilio.base_url = twilio_url
        config = settings(tmp_path, twilio_url, param is not False,
                          f"http://127.0.0.1:{port}" if param == "public" else "")
        conversations = Conversations(database, Library.load(), config, clock=clock)
        await conversations.register_flows()
        scheduler_for(conversations, config)
        metrics = Metrics()
        inbox = Inbox(conversations, Spool(tmp_path / "spool"))
        channels = {"sms": SmsChannel(config, inbox, metrics),
                    "whatsapp": WhatsAppChannel(config, inbox, metrics)}
        for channel in channels.values():
            await channel.start()
        sender = Sender(database, channels, config, metrics, clock=clock)
        routes = [r for c in channels.values() for r in c.routes()]
        app = create_app(database, metrics, routes, list(channels))
        try:
            async with serve_asgi(app, port) as url, httpx.AsyncClient() as client:
                yield Rig(twilio, url, client, database, conversations, sender, clock)
        finally:
            for channel in channels.values():
                await channel.stop()


async def start_checkin(rig: Rig, address: str = ANN) -> None:
    """The group's weekly check-in starts for the person (as the scheduler starts it)."""
    async with rig.db.transaction() as s:
        person = await participants.find_by_address(s, "whatsapp", address)
        assert person is not None
        assert await rig.conversations.start_in(s, person, "weekly-checkin",
                                                key=f"checkin:1:{person.id}", topic="checkin:1:49")
    await rig.sender.drain()


@pytest.mark.parametrize("language", ["en", "cy"])
async def test_a_whole_welcome_and_check_in_over_whatsapp(rig: Rig, language: str) -> None:
    [greeting] = await rig.say("Hello")
    [asked] = rig.twilio.whatsapp_to(ANN)
    assert "Which language would you like?" in greeting and "1. English" not in greeting
    assert asked.buttons == [("English", "en"), ("Cymraeg", "cy")]  # payloads: the values
    chosen = {"en": "English", "cy": "Cymraeg"}[language]
    await rig.twilio.tap(rig.client, f"{rig.url}/webhooks/twilio/whatsapp", asked, chosen)
    await rig.sender.drain()
    for answer in WELCOME[language][1:]:
        await rig.say(answer)
    said = await rig.say("check in")
    asked = {"en": "how satisfied are you with your life nowadays?",
             "cy": "pa mor fodlon ydych chi ar eich bywyd y dyddiau hyn?"}
    assert asked[language] in said[0]
    answers = {"en": ["7", "eight", "about 6", "2", "hardly ever", "skip"],
               "cy": ["7", "wyth", "6", "2", "prin byth", "hepgor"]}[language]
    for answer in answers[:-1]:
        await rig.say(answer)
    thanks = await rig.say(answers[-1])
    assert any({"en": "Thank you for your answers, Ann",
                "cy": "Diolch am eich atebion, Ann"}[language] in t for t in thanks)
    async with rig.db.transaction() as s:
        person = await participants.find_by_address(s, "whatsapp", ANN)
        assert person is not None and person.language == language
        checkin = await records.last_session(s, person.id, "weekly-checkin")
        assert checkin is not None and checkin.status == "completed"
        kept = {r.key: r.value for r in await records.results_of(s, checkin.id)}
    assert kept == {"life_satisfaction": 7, "worthwhile": 8, "happy": 6, "anxious": 2,
                    "lonely": "hardly_ever", "note": None}
    sent = rig.twilio.whatsapp_to(ANN)
    assert all(t.sender == f"whatsapp:{SENDER}" for t in sent)
    [buttons] = [t for t in sent if t.content_sid]  # only the language has few enough choices
    assert buttons.content_sid in rig.twilio.contents
    assert rig.twilio.texts == sent  # nothing went by SMS
    async with rig.db.transaction() as s:
        welcome = await records.last_session(s, person.id, "welcome")
        assert welcome is not None
        chosen_raw = [(r.value, r.raw) for r in await records.results_of(s, welcome.id)
                      if r.key == "language"]
    assert chosen_raw == [(language, "1" if language == "en" else "2")]  # the tap, as its number


@pytest.mark.parametrize("language", ["en", "cy"])
async def test_a_check_in_after_the_window_shut_opens_with_a_template_then_goes_free_form(
    rig: Rig, language: str
) -> None:
    for answer in ["Hello", *WELCOME[language]]:
        await rig.say(answer)
    rig.clock.now += CLOSED
    before = len(rig.twilio.texts)
    await start_checkin(rig)
    [opened] = rig.twilio.texts[before:]  # the template alone: no free-form text was tried
    sid, words = TEMPLATES[("checkin", language)]
    group = {"en": "the co-production group", "cy": "y grŵp cydgynhyrchu"}[language]  # the defaults
    assert (opened.content_sid, opened.variables) == (sid, {"1": "Ann", "2": group})
    assert opened.body == words.replace("{{1}}", "Ann").replace("{{2}}", group)
    assert not any(code == 63016 for _, _, code in rig.twilio.refused)
    ready = {"en": "I'm ready", "cy": "Dw i'n barod"}[language]
    [question] = await rig.say(ready, button=(ready, "open"))
    assert {"en": "how satisfied are you", "cy": "pa mor fodlon ydych chi"}[language] in question
    await rig.say("7")
    async with rig.db.transaction() as s:
        person = await participants.find_by_address(s, "whatsapp", ANN)
        assert person is not None
        checkin = await records.last_session(s, person.id, "weekly-checkin")
        assert checkin is not None
        kept = {r.key: (r.value, r.raw) for r in await records.results_of(s, checkin.id)}
    assert kept == {"life_satisfaction": (7, "7")}  # the tap on the button answered nothing


async def test_a_purpose_with_no_template_goes_by_sms_to_someone_who_has_a_number(rig: Rig) -> None:
    for answer in ["Hello", *WELCOME["en"]]:
        await rig.say(answer)  # Ann joins on WhatsApp...
    assert await rig.say("Hello", sender=PHONE)  # ...and texts from the same phone: the same Ann
    async with rig.db.transaction() as s:
        person = await participants.find_by_address(s, "whatsapp", ANN)
        by_text = await participants.find_by_address(s, "sms", PHONE)
        assert person is not None and by_text is not None and by_text.id == person.id
        assert [a.channel for a in await participants.addresses_of(s, person.id)] == [
            "whatsapp", "sms"]
    rig.clock.now += CLOSED
    async with rig.db.transaction() as s:
        assert await rig.conversations.say_in(s, person, "News from the group: the garden "
                                              "opens on Friday.", key="broadcast:1:1",
                                              topic="broadcast:1")
    await rig.sender.drain()
    [whatsapp] = [m for m in await rig.out() if m.topic == "broadcast:1"]
    assert whatsapp.status == "failed" and whatsapp.error == (
        "sent by SMS instead: WhatsApp's 24-hour window is shut and there is no 'broadcast' "
        "template in English")
    assert rig.twilio.to(PHONE)[-1] == "News from the group: the garden opens on Friday."
    assert not any(t.content_sid in rig.twilio.templates for t in rig.twilio.texts)  # no template


@pytest.mark.parametrize("rig", [False], indirect=True)
async def test_with_no_templates_and_no_number_the_message_fails_saying_why(rig: Rig) -> None:
    for answer in ["Hello", *WELCOME["en"]]:
        await rig.say(answer)
    rig.clock.now += CLOSED
    await start_checkin(rig)
    [question] = [m for m in await rig.out() if m.topic == "checkin:1:49"]
    assert (question.status, question.error) == ("failed", (
        "not sent: WhatsApp's 24-hour window is shut and there is no 'checkin' template in "
        "English, and they have no number for texts to send it to instead"))
    assert not any(t.content_sid in rig.twilio.templates for t in rig.twilio.texts)  # no template


async def test_whatsapp_refusing_a_message_sends_it_by_sms(rig: Rig) -> None:
    for answer in ["Hello", *WELCOME["en"]]:
        await rig.say(answer)
    await rig.say("Hello", sender=PHONE)
    rig.twilio.fail(ANN, Fault(400, 63024, "Invalid message recipient"))
    assert await rig.say("menu") == []  # WhatsApp will not take it...
    async with rig.db.transaction() as s:
        assert await participants.address_status(s, "whatsapp", ANN) == "unreachable"
    [refused] = [m for m in await rig.out() if m.status == "failed"]
    assert rig.twilio.to(PHONE)[-1].startswith(refused.body or "-")  # ...so the menu goes by text
    assert (refused.error or "").startswith(
        "sent by SMS instead: the number is not on WhatsApp (Twilio 400 error 63024")


async def test_a_late_report_that_whatsapp_could_not_deliver_sends_it_by_sms(rig: Rig) -> None:
    for answer in ["Hello", *WELCOME["en"]]:
        await rig.say(answer)
    await rig.say("Hello", sender=PHONE)
    last: Text = rig.twilio.whatsapp_to(ANN)[-1]
    hook = f"{rig.url}/webhooks/twilio/whatsapp/status"
    assert (await rig.twilio.report(rig.client, hook, last, "undelivered", 63016)).status_code == 204
    await rig.sender.drain()
    assert rig.twilio.to(PHONE)[-1] == last.body  # the same words, by text
    [failed] = [m for m in await rig.out() if m.provider_id == last.sid]
    assert failed.status == "failed" and (failed.error or "").startswith("sent by SMS instead: ")


async def test_read_receipts_and_rate_limits(rig: Rig) -> None:
    rig.twilio.fail(ANN, Fault(429, 63018, "Rate limit exceeded for the sender"))
    assert await rig.say("Hello") == []  # WhatsApp says "too fast"...
    rig.clock.now += timedelta(minutes=1)
    await rig.sender.drain()  # ...so it is tried again a little later
    hook = f"{rig.url}/webhooks/twilio/whatsapp/status"
    [sent] = rig.twilio.whatsapp_to(ANN)
    rig.clock.now += timedelta(minutes=1)
    assert (await rig.twilio.report(rig.client, hook, sent, "read")).status_code == 204
    [out] = await rig.out()
    assert (out.status, out.attempts) == ("delivered", 2)  # read is delivered, and when
    assert out.read_at is not None
    read_at = out.read_at
    for late in ("delivered", "sent", "read"):  # reports out of order keep the first read time
        assert (await rig.twilio.report(rig.client, hook, sent, late)).status_code == 204
    [out] = await rig.out()
    assert (out.status, out.read_at) == ("delivered", read_at)
    shown = (await rig.client.get(f"{rig.url}/metrics")).text
    assert 'copro_messages_out_total{channel="whatsapp",status="read"} 2.0' in shown


async def test_someone_a_coordinator_added_is_first_sent_the_opt_in_template(rig: Rig) -> None:
    async with rig.db.transaction() as s:
        person = await participants.create_without_address(s, name="Bryn", language="en")
        await participants.add_address(s, person, "whatsapp", "whatsapp:+447700900002")
        assert await rig.conversations.say_in(s, person, "Welcome to the group.", key="hello:1")
    await rig.sender.drain()
    [opened] = rig.twilio.whatsapp_to("whatsapp:+447700900002")
    assert (opened.content_sid, opened.variables) == (TEMPLATES[("optin", "en")][0],
                                                      {"1": "Bryn", "2": "the co-production group"})
    stopped = await rig.say("Stop", sender="whatsapp:+447700900002", button=("Stop", "STOP"))
    assert "You will not get any more messages" in stopped[0]
    [held] = [m for m in await rig.out("whatsapp:+447700900002")
              if m.body == "Welcome to the group."]
    assert (held.status, held.error) == ("failed", "cancelled: sent STOP")


async def test_photos_on_whatsapp_are_kept_like_texted_receipts(rig: Rig, tmp_path: Path) -> None:
    for answer in ["Hello", *WELCOME["en"], "expense", "1", "3.40", "today", "Group meeting"]:
        await rig.say(answer)
    photo = rig.twilio.host(b"\xff\xd8\xff a bus ticket")
    await rig.write("", media=[photo], sid="SM" + "c" * 32)
    await rig.sender.drain()
    saved = tmp_path / "media" / "whatsapp" / f"SM{'c' * 32}-0.jpg"
    assert saved.read_bytes() == b"\xff\xd8\xff a bus ticket"
    async with rig.db.transaction() as s:
        person = await participants.find_by_address(s, "whatsapp", ANN)
        assert person is not None
        claim = await records.last_session(s, person.id, "expense-claim")
        assert claim is not None
        kept = {r.key: r.value for r in await records.results_of(s, claim.id)}
    assert kept["receipt"] == [str(saved)]


async def test_stop_and_start_work_as_on_sms(rig: Rig) -> None:
    await rig.say("Hello")
    [stopped] = await rig.say("STOP")
    assert "You will not get any more messages" in stopped
    assert await rig.say("hello?") == []
    [back] = await rig.say("START")
    assert back


async def test_signatures_and_addresses_are_checked(rig: Rig) -> None:
    unsigned = await rig.write("Hello", signature="")
    assert (unsigned.status_code, unsigned.text) == (403, "invalid signature")
    plain_number = await rig.twilio.text_copro(rig.client, f"{rig.url}/webhooks/twilio/whatsapp",
                                               PHONE, "Hello")
    assert plain_number.status_code == 200  # acknowledged, but not a WhatsApp address: ignored
    await rig.sender.drain()
    assert rig.twilio.texts == []


async def test_a_coordinator_adds_someone_on_whatsapp_and_the_welcome_follows_their_yes(
    rig: Rig,
) -> None:
    bryn = "whatsapp:+447700900002"
    async with rig.db.transaction() as s:
        person, new = await People(rig.conversations.config, rig.clock).add(
            s, Row(name="Bryn", whatsapp="07700 900002", phone="07700 900002"))
        assert new and [a.channel for a in await participants.addresses_of(s, person.id)] == [
            "whatsapp", "sms"]
        assert await rig.conversations.start_in(s, person, "welcome", key=f"welcome:{person.id}")
    await rig.sender.drain()
    [opened] = rig.twilio.whatsapp_to(bryn)  # WhatsApp asks first: the opt-in template
    assert opened.content_sid == TEMPLATES[("optin", "en")][0]
    assert rig.twilio.to("+447700900002") == []  # nothing by text: he has not agreed to it
    [welcome] = await rig.say("Yes", sender=bryn, button=("Yes", "yes"))
    assert "Which language would you like?" in welcome  # the welcome, with its consent question
