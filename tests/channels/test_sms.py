"""SMS end to end: the real webhook on a real server, the twilio SDK against the Twilio double."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from bot.app.http import create_app
from bot.app.wiring import scheduler_for
from bot.channels.sms.twilio import SmsChannel
from bot.core.config import Config, load_config
from bot.core.metrics import Metrics
from bot.delivery.inbox import Inbox, Spool
from bot.delivery.outbox import Sender
from bot.flowfiles.library import Library
from bot.host.conversations import Conversations
from storage import participants
from storage.db import Database
from tests import records
from tests.doubles.twilio_api import ACCOUNT, TOKEN, Fault, TwilioDouble
from tests.servers import serve_asgi

ANN = "+447700900001"
WELCOME = ["1", "yes", "Ann", "4"]


@dataclass
class Rig:
    """copro's SMS side on a real port, and Twilio's double on another."""

    twilio: TwilioDouble
    url: str  # copro's base URL
    client: httpx.AsyncClient
    db: Database
    channel: SmsChannel
    sender: Sender
    config: Config

    async def text(self, sender: str, body: str, **options: object) -> httpx.Response:
        return await self.twilio.text_copro(self.client, f"{self.url}/webhooks/twilio/sms",
                                            sender, body, **options)  # type: ignore[arg-type]

    async def say(self, body: str, sender: str = ANN) -> list[str]:
        """Text copro and return what it texted back."""
        before = len(self.twilio.to(sender))
        response = await self.text(sender, body)
        assert response.status_code == 200, response.text
        await self.sender.drain()
        return self.twilio.to(sender)[before:]

    async def until_sent(self, count: int, seconds: float = 10) -> None:
        deadline = time.monotonic() + seconds
        while len(self.twilio.texts) < count:
            assert time.monotonic() < deadline, f"only {len(self.twilio.texts)} of {count} texts sent"
            await self.sender.drain()
            await asyncio.sleep(0.02)


def settings(tmp_path: Path, twilio_url: str, **twilio: object) -> Config:
    """Twilio pointed at the double; quick retries; a whole conversation in seconds is no robot."""
    keys = {"account_sid": ACCOUNT, "auth_token": TOKEN, "from_number": "+447700900000",
            "api_base_url": twilio_url, "segments_per_second": 1000,
            "max_inbound_per_minute": 1000, **twilio}
    lines = "\n".join(f"{k} = {json.dumps(v)}" for k, v in keys.items())
    path = tmp_path / "copro.toml"
    path.write_text(f"[twilio]\n{lines}\n[outbox]\nfirst_retry_seconds = 0.01\n"
                    "max_retry_seconds = 0.05\nmax_attempts = 4\n")
    return load_config(path, env={"COPRO_DATA_DIR": str(tmp_path)})


@pytest.fixture
async def rig(database: Database, tmp_path: Path, request: pytest.FixtureRequest) -> AsyncIterator[Rig]:
    twilio = TwilioDouble()
    async with serve_asgi(twilio.app) as twilio_url:
        twilio.base_url = twilio_url
        config = settings(tmp_path, twilio_url, **getattr(request, "param", {}))
        conversations = Conversations(database, Library.load(), config)
        await conversations.register_flows()
        scheduler_for(conversations, config)
        metrics = Metrics()
        channel = SmsChannel(config, Inbox(conversations, Spool(tmp_path / "spool")), metrics)
        await channel.start()
        sender = Sender(database, {"sms": channel}, config, metrics)
        app = create_app(database, metrics, channel.routes(), ["sms"])
        try:
            async with serve_asgi(app) as url, httpx.AsyncClient() as client:
                yield Rig(twilio, url, client, database, channel, sender, config)
        finally:
            await channel.stop()


async def test_a_whole_welcome_and_check_in_by_text(rig: Rig) -> None:
    [greeting] = await rig.say("Hello")
    assert "1. English\n2. Cymraeg" in greeting  # choices numbered for a basic phone
    for answer in WELCOME[:-1]:
        await rig.say(answer)
    [hours] = await rig.say(WELCOME[-1]) or [""]
    assert hours
    said = await rig.say("check in")
    assert "how satisfied are you with your life nowadays?" in said[0]
    for answer in ("7", "eight", "about 6", "2", "hardly ever"):
        await rig.say(answer)
    thanks = await rig.say("skip")
    assert any("Thank you for your answers, Ann" in t for t in thanks)
    async with rig.db.transaction() as s:
        person = await participants.find_by_address(s, "sms", ANN)
        assert person is not None and person.called == "Ann"
        checkin = await records.last_session(s, person.id, "weekly-checkin")
        assert checkin is not None and checkin.status == "completed"
        kept = {r.key: r.value for r in await records.results_of(s, checkin.id)}
    assert kept == {"life_satisfaction": 7, "worthwhile": 8, "happy": 6, "anxious": 2,
                    "lonely": "hardly_ever", "note": None}
    assert all(t.sender == "+447700900000" for t in rig.twilio.texts)
    assert all(t.body.isascii() or "Cymraeg" in t.body for t in rig.twilio.texts)  # GSM-7 kept


async def test_signatures_are_checked(rig: Rig) -> None:
    hook = f"{rig.url}/webhooks/twilio/sms"
    good = await rig.text(ANN, "Hello")
    assert (good.status_code, good.headers["content-type"]) == (200, "text/xml; charset=utf-8")
    assert good.text == '<?xml version="1.0" encoding="UTF-8"?><Response/>'
    wrong = await rig.text(ANN, "Hello", signature="bm90IGEgc2lnbmF0dXJl")
    missing = await rig.text(ANN, "Hello", signature="")
    other_url = await rig.text(ANN, "Hello", signed_for=hook.replace("sms", "elsewhere"))
    for refused in (wrong, missing, other_url):
        assert (refused.status_code, refused.text) == (403, "invalid signature")
    async with rig.db.transaction() as s:
        assert len([m for m in await records.messages_of_address(s, ANN) if m.direction == "in"]) == 1


@pytest.mark.parametrize("rig", [{"public_url": "https://copro.example.org"}], indirect=True)
async def test_behind_a_proxy_the_public_address_is_what_twilio_signed(rig: Rig) -> None:
    public = "https://copro.example.org/webhooks/twilio/sms"
    assert (await rig.text(ANN, "Hello", signed_for=public)).status_code == 200
    assert (await rig.text(ANN, "Hello")).status_code == 403  # signed for the http address
    await rig.sender.drain()
    assert rig.twilio.texts[0].status_callback == "https://copro.example.org/webhooks/twilio/status"


async def test_a_text_twilio_sends_twice_is_handled_once(rig: Rig) -> None:
    first = await rig.text(ANN, "Hello", sid="SM" + "a" * 32)
    again = await rig.text(ANN, "Hello", sid="SM" + "a" * 32)
    assert first.status_code == again.status_code == 200
    await rig.sender.drain()
    assert len(rig.twilio.to(ANN)) == 1


async def test_bad_requests_get_clear_answers_and_nothing_breaks(rig: Rig) -> None:
    hook = f"{rig.url}/webhooks/twilio/sms"
    no_sender = await rig.twilio.post(rig.client, hook, {"MessageSid": "SM1", "Body": "hi"})
    assert (no_sender.status_code, no_sender.text) == (400, "MessageSid and From are required")
    not_a_form = await rig.client.post(hook, content=b"\xff\xfe{", headers={
        "Content-Type": "application/json", "X-Twilio-Signature": "x"})
    assert not_a_form.status_code in (400, 403)
    not_a_number = await rig.text("Carrier Info", "Your bill is ready")
    assert not_a_number.status_code == 200  # acknowledged, ignored: nobody to answer
    await rig.sender.drain()
    assert rig.twilio.texts == []


async def test_faults_are_retried_until_delivered(rig: Rig) -> None:
    rig.twilio.fail(ANN, Fault(500), Fault(503, message="Service Unavailable"),
                    Fault(429, 20429, "Too Many Requests"))
    await rig.text(ANN, "Hello")
    await rig.until_sent(1)
    assert [status for _, status, _ in rig.twilio.refused] == [500, 503, 429]
    async with rig.db.transaction() as s:
        [out] = [m for m in await records.messages_of_address(s, ANN) if m.direction == "out"]
    assert (out.status, out.attempts, out.provider_id) == ("sent", 4, rig.twilio.texts[0].sid)


async def test_a_wrong_number_fails_with_the_reason_and_is_not_tried_again(rig: Rig) -> None:
    rig.twilio.fail(ANN, Fault(400, 21211, "The 'To' number is not a valid phone number."))
    await rig.text(ANN, "Hello")
    await rig.sender.drain()
    await rig.text(ANN, "1")
    await rig.sender.drain()
    assert rig.twilio.texts == [] and len(rig.twilio.refused) == 1  # Twilio is not asked again
    async with rig.db.transaction() as s:
        out = [m for m in await records.messages_of_address(s, ANN) if m.direction == "out"]
        assert await participants.address_status(s, "sms", ANN) == "unreachable"
    assert all(m.status == "failed" for m in out)
    # What the coordinator sees on each message: why it was not sent.
    assert (out[0].attempts, out[0].error) == (
        1, "the number cannot take texts (Twilio 400 error 21211: Unable to create record: The "
        "'To' number is not a valid phone number.)")
    assert [m.error for m in out[1:]] == ["not sent: the address is unreachable"] * (len(out) - 1)


async def test_stop_at_the_carrier_opts_the_number_out(rig: Rig) -> None:
    rig.twilio.fail(ANN, Fault(400, 21610, "Attempt to send to unsubscribed recipient"))
    await rig.text(ANN, "Hello")
    await rig.sender.drain()
    await rig.text(ANN, "1")
    await rig.sender.drain()
    assert rig.twilio.texts == [] and len(rig.twilio.refused) == 1  # no retries, no second try
    async with rig.db.transaction() as s:
        out = [m for m in await records.messages_of_address(s, ANN) if m.direction == "out"]
        assert await participants.address_status(s, "sms", ANN) == "opted_out"
    assert all(m.status == "failed" for m in out)
    assert out[0].attempts == 1 and (out[0].error or "").startswith(
        "the person texted STOP to their carrier (Twilio 400 error 21610")
    assert [m.error for m in out[1:]] == ["not sent: the address is opted out"] * (len(out) - 1)


async def test_stop_is_answered_once_then_nothing_more_is_sent(rig: Rig) -> None:
    await rig.say("Hello")
    [stopped] = await rig.say("STOP")
    assert "You will not get any more messages" in stopped  # the confirmation does arrive
    assert await rig.say("hello?") == []  # after that, silence until START
    [back] = await rig.say("START")
    assert back


@pytest.mark.parametrize("rig", [{"max_inbound_per_minute": 3}], indirect=True)
async def test_stop_works_even_while_copro_has_stopped_answering_a_flood(rig: Rig) -> None:
    for n in range(5):
        await rig.text(ANN, f"hello {n}")  # more a minute than the limit: copro stops answering
    await rig.sender.drain()
    [stopped] = await rig.say("STOP")
    assert "You will not get any more messages" in stopped
    async with rig.db.transaction() as s:
        assert await participants.address_status(s, "sms", ANN) == "opted_out"


async def test_wrong_credentials_are_tried_again_not_given_up(rig: Rig) -> None:
    rig.twilio.fail(ANN, Fault(401, 20003, "Authenticate"))
    await rig.text(ANN, "Hello")
    await rig.until_sent(1)  # once the credentials work again, the text goes
    async with rig.db.transaction() as s:
        [out] = [m for m in await records.messages_of_address(s, ANN) if m.direction == "out"]
    assert (out.status, out.attempts) == ("sent", 2)


@pytest.mark.parametrize("rig", [{"segments_per_second": 4}], indirect=True)
async def test_the_sending_rate_is_kept_as_twilio_measures_it(rig: Rig) -> None:
    for n in range(10):
        await rig.text(f"+4477009001{n:02d}", "Hello")
    await rig.until_sent(10)
    times = sorted(t.at for t in rig.twilio.texts)
    busiest = max(sum(1 for t in times if start <= t < start + 1.0) for start in times)
    assert busiest <= 4, f"{busiest} texts within one second"


async def test_a_receipt_photo_by_mms_is_fetched_and_kept(rig: Rig, tmp_path: Path) -> None:
    for answer in ["Hello", *WELCOME, "expense", "1", "3.40", "today", "Group meeting"]:
        await rig.say(answer)
    photo = rig.twilio.host(b"\xff\xd8\xff a bus ticket")
    await rig.text(ANN, "", media=[photo], sid="SM" + "b" * 32)
    await rig.sender.drain()
    saved = tmp_path / "media" / "sms" / f"SM{'b' * 32}-0.jpg"
    assert saved.read_bytes() == b"\xff\xd8\xff a bus ticket"
    async with rig.db.transaction() as s:
        person = await participants.find_by_address(s, "sms", ANN)
        assert person is not None
        claim = await records.last_session(s, person.id, "expense-claim")
        assert claim is not None
        kept = {r.key: r.value for r in await records.results_of(s, claim.id)}
    assert kept["receipt"] == [str(saved)]


async def test_a_photo_that_cannot_be_fetched_keeps_the_text(rig: Rig) -> None:
    missing = f"{rig.twilio.base_url}/2010-04-01/Accounts/{ACCOUNT}/Messages/MM1/Media/MEnothing"
    response = await rig.text(ANN, "Hello", media=[missing])
    assert response.status_code == 200
    async with rig.db.transaction() as s:
        [kept] = [m for m in await records.messages_of_address(s, ANN) if m.direction == "in"]
    assert (kept.body, kept.media) == ("Hello", [])


async def test_delivery_reports_are_kept(rig: Rig) -> None:
    await rig.say("Hello")
    await rig.say("1")
    first, second, *_ = rig.twilio.texts
    hook = f"{rig.url}/webhooks/twilio/status"
    delivered = {"MessageSid": first.sid, "MessageStatus": "delivered", "AccountSid": ACCOUNT}
    failed = {"MessageSid": second.sid, "MessageStatus": "undelivered", "ErrorCode": "30003"}
    assert (await rig.twilio.post(rig.client, hook, delivered)).status_code == 204
    assert (await rig.twilio.post(rig.client, hook, failed)).status_code == 204
    late = {"MessageSid": first.sid, "MessageStatus": "sent"}  # out of order: changes nothing
    assert (await rig.twilio.post(rig.client, hook, late)).status_code == 204
    unknown = {"MessageSid": "SMnotours", "MessageStatus": "delivered"}
    assert (await rig.twilio.post(rig.client, hook, unknown)).status_code == 204
    nonsense = {"MessageSid": first.sid, "MessageStatus": "exploded"}
    assert (await rig.twilio.post(rig.client, hook, nonsense)).status_code == 400
    assert (await rig.twilio.post(rig.client, hook, delivered, signature="")).status_code == 403
    async with rig.db.transaction() as s:
        out = [m for m in await records.messages_of_address(s, ANN) if m.direction == "out"]
    assert [(m.status, m.error) for m in out[:2]] == [
        ("delivered", None), ("failed", "Twilio undelivered, error 30003")]


@pytest.mark.parametrize("rig", [{"max_inbound_per_minute": 10}], indirect=True)
async def test_an_auto_reply_robot_is_not_answered(rig: Rig) -> None:
    robot = "+447700900999"
    for n in range(10):
        await rig.text(robot, f"Thank you for your message. This is an automatic reply. {n}")
    await rig.sender.drain()
    answered = len(rig.twilio.to(robot))
    assert answered >= 10  # ten texts a minute can be a person: each is answered
    for n in range(10, 14):
        await rig.text(robot, f"Thank you for your message. This is an automatic reply. {n}")
    await rig.sender.drain()
    assert len(rig.twilio.to(robot)) == answered  # the eleventh looks like a robot: no answers
    async with rig.db.transaction() as s:
        kept = [m for m in await records.messages_of_address(s, robot) if m.direction == "in"]
        suspected = await records.audit_events(s, kind="robot_suspected")
    assert len(kept) == 14 and len(suspected) == 1


@pytest.mark.parametrize("rig", [{"max_per_participant_per_hour": 3}], indirect=True)
async def test_at_most_so_many_texts_an_hour_go_to_one_person(rig: Rig) -> None:
    for answer in ["Hello", "1", "yes", "Ann", "4"]:
        await rig.text(ANN, answer)
    await rig.sender.drain()
    assert len(rig.twilio.to(ANN)) == 3
    async with rig.db.transaction() as s:
        out = [m for m in await records.messages_of_address(s, ANN) if m.direction == "out"]
    assert [m.status for m in out].count("queued") == len(out) - 3
    assert any((m.error or "").startswith("held: at most 3 texts an hour") for m in out)
