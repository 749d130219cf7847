"""WhatsApp's quick-reply buttons on questions asked in the 24-hour window, end to end: the
Content made once in the Twilio double's Content API, taps coming back as Twilio sends them
(ButtonText, ButtonPayload, OriginalRepliedMessageSid), and what a person sees when a tap no
longer answers anything."""
# ruff: noqa: F811 (the rig fixture of test_whatsapp is taken as each test's argument)

from __future__ import annotations

import pytest

from bot.channels.whatsapp.quick_replies import QuickReplies
from bot.delivery.outgoing import as_outgoing
from storage import participants
from tests import records
from tests.channels.test_whatsapp import ANN, WELCOME, Rig, rig  # noqa: F401
from tests.doubles.twilio_api import Text

BRYN = "whatsapp:+447700900002"
CLOSED = {"en": "That question has closed. Please answer the latest one.",
          "cy": "Mae'r cwestiwn yna wedi cau. Atebwch yr un diweddaraf, os gwelwch yn dda."}


def hook(rig: Rig) -> str:
    return f"{rig.url}/webhooks/twilio/whatsapp"


async def tap(rig: Rig, text: Text, title: str) -> list[str]:
    """Tap a button under ``text``; what copro sent back."""
    before = len(rig.twilio.whatsapp_to(text.to))
    response = await rig.twilio.tap(rig.client, hook(rig), text, title)
    assert response.status_code == 200, response.text
    await rig.sender.drain()
    return [t.body for t in rig.twilio.whatsapp_to(text.to)[before:]]


async def join(rig: Rig, language: str, address: str = ANN) -> None:
    for answer in ["Hello", *WELCOME[language]]:
        await rig.say(answer, sender=address)


async def results(rig: Rig, flow: str, address: str = ANN) -> dict[str, tuple[object, str | None]]:
    async with rig.db.transaction() as s:
        person = await participants.find_by_address(s, "whatsapp", address)
        assert person is not None
        session = await records.last_session(s, person.id, flow)
        assert session is not None
        return {r.key: (r.value, r.raw) for r in await records.results_of(s, session.id)}


@pytest.mark.parametrize("language", ["en", "cy"])
async def test_a_meeting_invitation_is_answered_by_tapping_a_button(rig: Rig, language: str) -> None:
    await join(rig, language)
    async with rig.db.transaction() as s:
        person = await participants.find_by_address(s, "whatsapp", ANN)
        assert person is not None
        assert await rig.conversations.start_in(s, person, "meeting-rsvp", key="meeting:1:1",
                                                topic="meeting:1", extra={"meeting": {}})
    await rig.sender.drain()
    invitation = rig.twilio.whatsapp_to(ANN)[-1]
    # The choices are longer than a button takes: in full and numbered above, a number a button.
    full = {"en": "1. Yes, I can come\n2. No, I cannot come\n3. Maybe, I am not sure yet",
            "cy": "1. Gallaf, dof i\n2. Na, alla i ddim dod\n3. Efallai, dw i ddim yn gwybod eto"}
    assert invitation.body.endswith(full[language])
    assert invitation.buttons == [("1", "yes"), ("2", "no"), ("3", "maybe")]
    [asked] = await tap(rig, invitation, "1")
    assert {"en": "1. Help getting there", "cy": "1. Help i gyrraedd yno"}[language] in asked
    assert rig.twilio.whatsapp_to(ANN)[-1].content_sid is None  # five choices: numbered
    assert (await results(rig, "meeting-rsvp"))["rsvp"] == ("yes", "1")


@pytest.mark.parametrize("language", ["en", "cy"])
async def test_a_tap_on_a_question_that_has_closed_answers_nothing_and_says_so(
    rig: Rig, language: str
) -> None:
    await rig.say("Hello")
    [greeting] = rig.twilio.whatsapp_to(ANN)
    await rig.say(WELCOME[language][0])  # typed: "1" or "2"
    other = "Cymraeg" if language == "en" else "English"
    before = len(rig.twilio.whatsapp_to(ANN))
    for _ in range(2):  # Twilio sends the same tap twice: handled once
        response = await rig.twilio.tap(rig.client, hook(rig), greeting, other, sid="SM" + "7" * 32)
        assert response.status_code == 200
        await rig.sender.drain()
    assert [t.body for t in rig.twilio.whatsapp_to(ANN)[before:]] == [CLOSED[language]]
    async with rig.db.transaction() as s:
        kept = [m.body for m in await records.messages_of_address(s, ANN) if m.direction == "in"]
    assert kept == ["Hello", WELCOME[language][0], other]  # the tap is kept as what they sent
    assert (await results(rig, "welcome"))["language"][0] == language  # and changed nothing


async def test_typed_words_and_a_button_copro_does_not_know_still_answer(rig: Rig) -> None:
    await rig.say("Hello")
    # A payload no button of this question carries: read as the words on the button.
    await rig.twilio.text_copro(rig.client, hook(rig), ANN, "Cymraeg",
                                button=("Cymraeg", "not-a-choice"),
                                replied=rig.twilio.whatsapp_to(ANN)[0].sid)
    await rig.sender.drain()
    assert (await results(rig, "welcome"))["language"] == ("cy", "Cymraeg")
    await rig.say("Hello", sender=BRYN)
    await rig.say("cymraeg plis", sender=BRYN)  # typed words answer a question with buttons
    assert (await results(rig, "welcome", BRYN))["language"] == ("cy", "cymraeg plis")


async def test_the_same_question_makes_one_content_whoever_and_whenever_it_is_asked(
    rig: Rig,
) -> None:
    await rig.say("Hello")
    await rig.say("Hello", sender=BRYN)
    assert len(rig.twilio.contents) == 1  # the same words and choices: one Content
    [first] = rig.twilio.whatsapp_to(ANN)
    [second] = rig.twilio.whatsapp_to(BRYN)
    assert first.content_sid == second.content_sid
    # After a restart (a new channel), the Content is found by its name, not made again.
    async with rig.db.transaction() as s:
        [row] = [m for m in await records.messages_of_address(s, BRYN) if m.direction == "out"]
    fresh = QuickReplies(rig.conversations.config)
    assert await fresh.content_sid(as_outgoing(row)) == first.content_sid
    assert len(rig.twilio.contents) == 1


async def test_when_the_content_api_is_away_the_choices_go_numbered(rig: Rig) -> None:
    rig.twilio.content_down = True
    [greeting] = await rig.say("Hello")
    assert "1. English\n2. Cymraeg" in greeting  # the person still gets the question
    assert rig.twilio.whatsapp_to(ANN)[0].content_sid is None
    rig.twilio.content_down = False
    await rig.say("Hello", sender=BRYN)
    assert rig.twilio.whatsapp_to(BRYN)[0].buttons == [("English", "en"), ("Cymraeg", "cy")]


async def test_a_content_deleted_in_twilio_is_sent_numbered_then_made_again(rig: Rig) -> None:
    await rig.say("Hello")
    rig.twilio.contents.clear()  # someone deleted it in the Twilio console
    [greeting] = await rig.say("Hello", sender=BRYN)
    assert "1. English\n2. Cymraeg" in greeting
    [refused] = [code for to, _, code in rig.twilio.refused if to == BRYN]
    assert refused == 63027
    await rig.say("Hello", sender="whatsapp:+447700900003")
    assert len(rig.twilio.contents) == 1  # made again for the next one


async def test_with_quick_replies_off_choices_go_numbered(rig: Rig) -> None:
    await rig.say("Hello")
    async with rig.db.transaction() as s:
        [row] = [m for m in await records.messages_of_address(s, ANN) if m.direction == "out"]
    config = rig.conversations.config
    off = config.model_copy(update={"whatsapp": config.whatsapp.model_copy(
        update={"quick_replies": False})})
    assert await QuickReplies(off).content_sid(as_outgoing(row)) is None


async def test_a_tap_that_does_not_say_which_message_it_was_under_answers_the_latest_question(
    rig: Rig,
) -> None:
    await rig.say("Hello")
    await rig.twilio.text_copro(rig.client, hook(rig), ANN, "Cymraeg", button=("Cymraeg", "cy"))
    await rig.sender.drain()
    assert (await results(rig, "welcome"))["language"] == ("cy", "2")
