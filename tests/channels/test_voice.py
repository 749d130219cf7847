"""Check-ins by phone call, end to end: the real voice webhooks on a real server, the twilio SDK
placing calls on the Twilio double, and a scripted phone answering them with its keypad."""

from __future__ import annotations

import asyncio
import json
import time as clock
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

import httpx
import pytest

from bot.app.http import create_app
from bot.app.wiring import scheduler_for
from bot.channels.voice.channel import VoiceChannel
from bot.core.clock import utcnow
from bot.core.config import Config, load_config
from bot.core.metrics import Metrics
from bot.delivery.inbox import Inbox, Spool
from bot.delivery.outbox import Sender
from bot.features.recordings import RecordingError, Recordings
from bot.flowfiles.library import Library
from bot.host.conversations import Conversations
from storage import participants
from storage.db import Database
from tests import people, records
from tests.doubles.twilio_api import ACCOUNT, TOKEN, TwilioDouble
from tests.doubles.twilio_voice import Phone
from tests.servers import serve_asgi

ANN = "+447700900001"
PUBLIC = "https://copro.example.org"
ALL_DAY = (time(0, 0), time(23, 59))


@dataclass
class Rig:
    twilio: TwilioDouble
    url: str
    client: httpx.AsyncClient
    db: Database
    conversations: Conversations
    sender: Sender
    clock: people.Clock
    config: Config

    async def ring(self, calls: int = 1, seconds: float = 10) -> Phone:
        """The phone copro's ``calls``-th call rings on."""
        deadline = clock.monotonic() + seconds
        while len(self.twilio.calls) < calls:
            assert clock.monotonic() < deadline, f"{len(self.twilio.calls)} call(s), not {calls}"
            self.sender.wake()
            await asyncio.sleep(0.02)
        return Phone.answering(self.twilio, self.client, self.twilio.calls[calls - 1], PUBLIC,
                               self.url)

    async def check_in(self, person: people.Member) -> None:
        assert await self.conversations.start_flow(person.id, "weekly-checkin", key="checkin:1",
                                                   extra={"scheduled": True})


def settings(tmp_path: Path, twilio_url: str, **voice: object) -> Config:
    twilio = {"account_sid": ACCOUNT, "auth_token": TOKEN, "from_number": "+447700900000",
              "api_base_url": twilio_url, "public_url": PUBLIC}
    keys = {"enabled": True, "retry_gap": "2m", "attempts": 3, **voice}
    lines = "\n".join(f"{k} = {json.dumps(v)}" for k, v in twilio.items())
    voice_lines = "\n".join(f"{k} = {json.dumps(v)}" for k, v in keys.items())
    path = tmp_path / "copro.toml"
    path.write_text(f"[twilio]\n{lines}\n[voice]\n{voice_lines}\n"
                    "[group]\nname = \"Riverside Voices\"\n")
    return load_config(path, env={"COPRO_DATA_DIR": str(tmp_path)})


@pytest.fixture
async def rig(database: Database, tmp_path: Path, request: pytest.FixtureRequest) -> AsyncIterator[Rig]:
    twilio = TwilioDouble()
    now = people.Clock(utcnow())
    async with serve_asgi(twilio.app) as twilio_url:
        twilio.base_url = twilio_url
        config = settings(tmp_path, twilio_url, **getattr(request, "param", {}))
        conversations = Conversations(database, Library.load(), config)
        await conversations.register_flows()
        scheduler_for(conversations, config)
        metrics = Metrics()
        channel = VoiceChannel(config, Inbox(conversations, Spool(tmp_path / "spool")), metrics,
                               clock=now)
        await channel.start()
        sender = Sender(database, {"voice": channel}, config, metrics, clock=now)
        conversations.on_queued = sender.wake
        app = create_app(database, metrics, channel.routes(), ["voice"])
        sender.start()
        try:
            async with serve_asgi(app) as url, httpx.AsyncClient(timeout=30) as client:
                yield Rig(twilio, url, client, database, conversations, sender, now, config)
        finally:
            await sender.stop()
            await channel.stop()


async def member(rig: Rig, hours: tuple[time, time] = ALL_DAY) -> people.Member:
    """Ann, who chose to be called: her address is her phone number on the voice channel."""
    return await people.member(rig.db, await people.group(rig.db), ANN, channel="voice",
                               hours=hours)


async def answers(rig: Rig, person: people.Member) -> dict[str, object]:
    async with rig.db.transaction() as s:
        session = await records.last_session(s, person.id, "weekly-checkin")
        assert session is not None
        return {r.key: (r.value, r.status) for r in await records.results_of(s, session.id)}


async def test_a_whole_check_in_by_keypad_in_english(rig: Rig) -> None:
    ann = await member(rig)
    await rig.check_in(ann)
    phone = await rig.ring()
    assert phone.twilio.calls[0].machine_detection == "Enable"
    first = await phone.answer()
    assert "It is time for your weekly check-in." in first.words
    assert "how satisfied are you with your life nowadays?" in first.words
    # The keypad's words, not the texter's: no "Reply with a number", no "reply SKIP".
    assert "Press a number from 0 to 10, then the hash key. Press star to hear this again." \
        in first.words
    assert "Reply" not in first.words and "SKIP" not in first.words
    assert set(first.voices) == {"Polly.Amy"} and 'rate="85%"' in first.xml
    assert first.gather is not None and first.gather["timeout"] == "10"
    for keys in ("7", "8", "6", "2"):
        heard = await phone.press(keys)
    assert "how often do you feel lonely?" in heard.words.lower()
    assert "Press 1 for Often or always. Press 2 for Some of the time." in heard.words
    note = await phone.press("4")  # hardly ever
    assert "Press 1 to leave a short message. Press 2 to go on without one." in note.words
    goodbye = await phone.press("2")
    assert "Thank you for your answers, Ann." in goodbye.words
    assert goodbye.said[-1] == "Thank you for talking with us. Goodbye." and goodbye.hangup
    assert await phone.ends("completed") == 204
    assert await answers(rig, ann) == {
        "life_satisfaction": (7, "answered"), "worthwhile": (8, "answered"),
        "happy": (6, "answered"), "anxious": (2, "answered"),
        "lonely": ("hardly_ever", "answered"), "note": (None, "skipped")}
    assert len(rig.twilio.calls) == 1 and rig.twilio.texts == []  # one call, no texts


async def test_a_whole_check_in_in_welsh_with_low_scores_tells_the_coordinator(rig: Rig) -> None:
    group = await people.group(rig.db)
    coordinator = await people.member(rig.db, group, "+447700900099", name="Cath",
                                      role="coordinator")
    ann = await people.member(rig.db, group, ANN, channel="voice", language="cy", hours=ALL_DAY)
    await rig.check_in(ann)
    phone = await rig.ring()
    first = await phone.answer()
    assert "Mae'n amser holi sut rydych chi." in first.words
    assert "Pwyswch rif o 0 i 10, ac yna'r allwedd hash. Pwyswch seren i glywed hyn eto." \
        in first.words
    assert set(first.voices) == {"Polly.Gwyneth"} and 'language="cy-GB"' in first.xml
    for keys in ("2", "3", "2", "8", "1"):
        heard = await phone.press(keys)
    assert "Pwyswch 1 i adael neges fer." in heard.words
    end = await phone.press("2")
    # The support words with the helplines read digit by digit, slowly, and said again.
    assert "ffoniwch y Samariaid am ddim ar 1 1 6 1 2 3" in end.words
    assert "Dyma'r rhifau eto. 1 1 6 1 2 3 0 8 0 8 1 6 4 0 1 2 3" in end.words
    assert "Rydyn ni wedi rhoi gwybod i'r cydlynydd" in end.words
    assert end.said[-1] == "Diolch am siarad gyda ni. Hwyl fawr." and end.hangup
    results = await answers(rig, ann)
    assert results["life_satisfaction"] == (2, "answered")
    assert results["lonely"] == ("often", "answered")
    told = await people.outbox(rig.db, coordinator.address)
    assert any("may need some support" in (m.body or "") for m in told)


async def test_star_says_the_question_again(rig: Rig) -> None:
    await rig.check_in(await member(rig))
    phone = await rig.ring()
    first = await phone.answer()
    again = await phone.press("*")
    assert "how satisfied are you with your life nowadays?" in again.words
    assert again.gather == first.gather
    heard = await phone.press("9")
    assert "worthwhile" in heard.words


async def test_silence_asks_again_once_then_moves_on(rig: Rig) -> None:
    ann = await member(rig)
    await rig.check_in(ann)
    phone = await rig.ring()
    await phone.answer()
    again = await phone.stay_silent()
    assert again.said[0] == "I did not hear anything. Here is the question again."
    assert "how satisfied are you with your life nowadays?" in again.words
    moved_on = await phone.stay_silent()  # the question may be skipped: it is
    assert "worthwhile" in moved_on.words
    assert (await answers(rig, ann))["life_satisfaction"] == (None, "skipped")


async def test_busy_then_answered_when_called_again(rig: Rig) -> None:
    ann = await member(rig)
    await rig.check_in(ann)
    phone = await rig.ring()
    assert await phone.ends("busy") == 204
    waiting = await people.outbox(rig.db, ANN)
    assert waiting and all(m.error and "the call was busy" in m.error for m in waiting)
    await asyncio.sleep(0.2)
    assert len(rig.twilio.calls) == 1  # not before the gap
    rig.clock.advance(minutes=3)
    again = await rig.ring(calls=2)
    first = await again.answer()
    assert "how satisfied are you with your life nowadays?" in first.words


async def test_a_call_never_answered_is_given_up_after_the_attempts(rig: Rig) -> None:
    await rig.check_in(await member(rig))
    for n in (1, 2, 3):
        phone = await rig.ring(calls=n)
        assert await phone.ends("no-answer") == 204
        rig.clock.advance(minutes=3)
    await asyncio.sleep(0.3)
    assert len(rig.twilio.calls) == 3
    failed = await people.outbox(rig.db, ANN, statuses=("failed",))
    assert failed and all("the call was no answer" in (m.error or "") for m in failed)


@pytest.mark.parametrize("rig", [{"answering_machine": "message"}], indirect=True)
async def test_an_answering_machine_gets_a_short_message_and_a_call_later(rig: Rig) -> None:
    await rig.check_in(await member(rig))
    phone = await rig.ring()
    machine = await phone.answer(answered_by="machine_end_beep")
    assert machine.said == ("Hello. This is Riverside Voices, calling for your check-in. We "
                            "will call again another time. Goodbye.",)
    assert machine.hangup and machine.gather is None
    rig.clock.advance(minutes=3)
    await rig.ring(calls=2)


@pytest.mark.parametrize("rig", [{"answering_machine": "message"}], indirect=True)
async def test_an_answering_machine_hears_the_name_of_the_persons_own_group(rig: Rig) -> None:
    walkers = await people.group(rig.db, "Hill Walkers")  # the service is "Riverside Voices"
    await rig.check_in(await people.member(rig.db, walkers, ANN, channel="voice", hours=ALL_DAY))
    machine = await (await rig.ring()).answer(answered_by="machine_end_beep")
    assert machine.said == ("Hello. This is Hill Walkers, calling for your check-in. We "
                            "will call again another time. Goodbye.",)


async def test_a_call_waits_for_contact_hours(rig: Rig) -> None:
    rig.clock.set(datetime(2026, 6, 1, 6, 0, tzinfo=UTC))  # 7am in London
    await rig.check_in(await member(rig, hours=(time(9), time(17))))
    deadline = clock.monotonic() + 10
    while not (held := await people.outbox(rig.db, ANN, statuses=("held",))):
        assert clock.monotonic() < deadline, "the call was not held"
        rig.sender.wake()
        await asyncio.sleep(0.05)
    assert rig.twilio.calls == []
    assert held[0].next_attempt_at == datetime(2026, 6, 1, 8, 0, tzinfo=UTC)
    rig.clock.set(datetime(2026, 6, 1, 8, 1, tzinfo=UTC))
    phone = await rig.ring()
    assert "how satisfied are you" in (await phone.answer()).words


async def test_a_message_left_by_phone_is_kept_heard_and_can_be_flagged(rig: Rig) -> None:
    group = await people.group(rig.db)
    cath = await people.member(rig.db, group, "+447700900098", name="Cath", role="coordinator")
    lead = await people.member(rig.db, group, "+447700900099", name="Sam", role="safeguarding")
    ann = await people.member(rig.db, group, ANN, channel="voice", hours=ALL_DAY)
    await rig.check_in(ann)
    phone = await rig.ring()
    await phone.answer()
    for keys in ("7", "8", "6", "2", "4"):
        await phone.press(keys)
    tone = await phone.press("1")
    assert tone.said == ("Please speak after the tone. Press the hash key when you have "
                         "finished.",)
    assert tone.record is not None and tone.record["maxLength"] == "60"
    end = await phone.leave_message(b"RIFF-a-short-message")
    assert "Thank you for your answers" in end.words
    [path] = (await answers(rig, ann))["note"][0]  # type: ignore[index]
    assert await asyncio.to_thread(Path(path).read_bytes) == b"RIFF-a-short-message"
    # No one reads a spoken message for risk words: the coordinator is asked to listen.
    async with rig.db.transaction() as s:
        session = await records.last_session(s, ann.id, "weekly-checkin")
        assert session is not None
    [told] = await people.outbox(rig.db, cath.address)
    assert told.body == (
        f"Ann left a message by phone in their weekly check-in. Please listen to it, as no one "
        f"else will: {path}. If it worries you, raise a safeguarding alert with: copro alerts "
        f'flag-message {session.id} --note "why"')
    async with rig.db.transaction() as s:
        alert_id, sent = await Recordings(rig.conversations, rig.config).flag(
            s, session.id, "She said she does not feel safe at home")
    assert sent == 1
    [alert] = await people.outbox(rig.db, lead.address)
    assert alert.priority == "urgent" and "does not feel safe at home" in (alert.body or "")
    assert f"{ANN} (phone calls: they cannot text)" in (alert.body or "")
    async with rig.db.transaction() as s:
        with pytest.raises(RecordingError, match="no message was left by phone in session 999"):
            await Recordings(rig.conversations, rig.config).flag(s, 999, "worried")
    assert alert_id > 0


async def test_a_call_to_copros_number_from_someone_new_is_the_welcome(rig: Rig) -> None:
    phone = Phone.calling(rig.twilio, rig.client, "+447700900555", PUBLIC, rig.url)
    hello = await phone.answer()
    assert "Which language would you like?" in hello.words
    assert "Press 1 for English. Press 2 for Cymraeg." in hello.words
    consent = await phone.press("1")
    assert "Press 1 for yes, or 2 for no." in consent.words
    hours = await phone.press("1")  # yes; the name cannot be keyed in, so it is skipped
    assert "When is a good time" in hours.words and "What name" not in hours.words
    done = await phone.press("4")
    assert done.hangup
    async with rig.db.transaction() as s:
        person = await participants.find_by_address(s, "voice", "+447700900555")
        assert person is not None and person.consent_at is not None


async def test_bad_signatures_are_refused(rig: Rig) -> None:
    phone = Phone.calling(rig.twilio, rig.client, "+447700900555", PUBLIC, rig.url)
    for url in (f"{rig.url}/webhooks/twilio/voice", f"{rig.url}/webhooks/twilio/voice/status"):
        for signature in ("bm90IGEgc2lnbmF0dXJl", ""):
            refused = await rig.twilio.post(rig.client, url, phone.params(),
                                            signature=signature)
            assert (refused.status_code, refused.text) == (403, "invalid signature")
        # Signed for another address than the one Twilio was given
        other = await rig.twilio.post(rig.client, url, phone.params(),
                                      signed_for=f"{PUBLIC}/elsewhere")
        assert other.status_code == 403
    async with rig.db.transaction() as s:
        assert await participants.find_by_address(s, "voice", "+447700900555") is None
    assert timedelta(0) < rig.config.voice.retry_gap


async def test_answers_are_keypad_only_unless_speech_is_on(rig: Rig) -> None:
    await rig.check_in(await member(rig))
    first = await (await rig.ring()).answer()
    assert first.gather is not None and first.gather["input"] == "dtmf"


@pytest.mark.parametrize("rig", [{"speech": True}], indirect=True)
async def test_with_speech_on_a_spoken_answer_is_read_like_a_text(rig: Rig) -> None:
    ann = await member(rig)
    await rig.check_in(ann)
    phone = await rig.ring()
    first = await phone.answer()
    assert first.gather is not None and first.gather["input"] == "dtmf speech"
    assert first.gather["language"] == "en-GB"
    heard = await phone.say("about seven")
    assert "worthwhile" in heard.words
    await phone.press("8")  # the keypad still works
    assert (await answers(rig, ann))["life_satisfaction"] == (7, "answered")
