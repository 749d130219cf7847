"""Words for the ear: every phrase in both languages, keypad instructions that are true, no
texter's instructions read out on a call, and helpline numbers read digit by digit and again."""

from __future__ import annotations

import re

import pytest

from bot.engine.definition import Text, text_for
from bot.flowfiles.library import Library
from bot.language import spoken, texts
from bot.language.spoken import Digits, Speech

TEXTING = re.compile(r"\b(reply|replies|write|text|SKIP|atebwch|ysgrifennwch|anfonwch|HEPGOR)\b",
                     re.IGNORECASE)


def phrases() -> list[tuple[str, spoken.Words]]:
    return [(name, value) for name, value in vars(spoken).items()
            if name.isupper() and isinstance(value, dict)]


@pytest.mark.parametrize(("name", "words"), phrases())
def test_every_phrase_is_in_english_and_welsh(name: str, words: spoken.Words) -> None:
    assert set(words) == {"en", "cy"}, name
    assert all(w.strip() for w in words.values()), name


def test_the_keypad_is_explained_for_each_kind_of_question() -> None:
    assert spoken.keypad({"type": "yesno"}, (), "en") == "Press 1 for yes, or 2 for no."
    assert spoken.keypad({"type": "number", "min": "0", "max": "10"}, (), "cy") == \
        "Pwyswch rif o 0 i 10, ac yna'r allwedd hash."
    assert spoken.keypad({"type": "choice"}, ("Often", "Never"), "en") == \
        "Press 1 for Often. Press 2 for Never."
    assert spoken.keypad({"type": "choices"}, ("Tea", "Cake"), "en").endswith(
        "Press the number of each one that fits, then the hash key.")
    assert spoken.keypad({"type": "text", "way": "record"}, (), "en") == \
        "Press 1 to leave a short message. Press 2 to go on without one."


def voice_questions() -> list[tuple[str, str, str]]:
    """Every question, re-ask and nudge of the flows taken by phone, in each language."""
    found = []
    for flow in Library.load().flows():
        if not flow.voice:
            continue
        for step in flow.steps:
            texts_of: list[Text] = [t for t in (step.ask, step.retry) if t is not None]
            texts_of += [step.timeout.nudge] if step.timeout else []
            for text in texts_of:
                for language in flow.languages:
                    kind = "ask" if text is step.ask else "again"
                    found.append((f"{flow.flow}:{step.id}:{kind}:{language}",
                                  text_for(text, language), language))
    return found


@pytest.mark.parametrize(("where", "text", "language"), voice_questions())
def test_no_question_asked_by_phone_tells_the_person_to_reply_by_text(
    where: str, text: str, language: str
) -> None:
    asked = spoken.question(text)
    assert not TEXTING.search(asked), f"{where}: {asked!r}"
    if ":ask:" in where:
        assert "?" in asked, f"{where}: the question itself was lost: {asked!r}"


def helpline_texts() -> list[tuple[str, str, str]]:
    found = [(f"texts.{name}:{lang}", words[lang], lang) for name, words in vars(texts).items()
             if isinstance(words, dict) for lang in ("en", "cy")
             if isinstance(words.get(lang), str) and "116 123" in words[lang]]
    for flow in Library.load().flows():
        for step in flow.steps:
            for language in flow.languages:
                said = text_for(step.say, language) if step.say else ""
                if "116 123" in said:
                    found.append((f"{flow.flow}:{step.id}:{language}", said, language))
    return found


@pytest.mark.parametrize(("where", "text", "language"), helpline_texts())
def test_every_helpline_is_read_digit_by_digit_and_said_again(
    where: str, text: str, language: str
) -> None:
    parts = spoken.parts(text, language)
    samaritans = Digits(("116", "123"))
    assert parts.count(samaritans) == 2, where
    again = parts.index(samaritans, parts.index(samaritans) + 1)
    said_again = {*spoken.NUMBERS_AGAIN.values(), *spoken.MORE_NUMBERS_AGAIN.values()}
    assert any(isinstance(p, Speech) and p.text in said_again for p in parts[:again]), where
    assert "116 123" not in " ".join(p.text for p in parts if isinstance(p, Speech)), where


def test_sums_dates_and_scales_are_not_read_as_phone_numbers() -> None:
    parts = spoken.parts("You spent £12.50 on 12 May 2026. Answer from 0 to 10.", "en")
    assert parts == [Speech("You spent £12.50 on 12 May 2026. Answer from 0 to 10.")]
