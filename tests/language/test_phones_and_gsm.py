"""Phone numbers in one form, and what a text costs in SMS segments."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.core.phones import InvalidNumber, normalise
from bot.language import gsm


@pytest.mark.parametrize(("written", "e164"), [
    ("07700 900123", "+447700900123"),
    ("+44 (0)7700-900-123", "+447700900123"),
    ("+447700900123", "+447700900123"),
    ("01632 960123", "+441632960123"),
    ("020 7946 0000", "+442079460000"),
    ("+1 415 555 0123", "+14155550123"),
])
def test_numbers_are_kept_in_e164(written: str, e164: str) -> None:
    assert normalise(written) == e164


@pytest.mark.parametrize(("written", "why"), [
    ("", "no phone number was given"),
    ("hello", "'hello' is not a phone number"),
    ("12345", "'12345' is not a phone number copro can text: check the digits, or add the "
              "country code (taken as GB)"),
    ("+44 12", "'+44 12' is not a phone number copro can text: check the digits"),
])
def test_a_number_copro_cannot_text_is_refused_in_plain_words(written: str, why: str) -> None:
    with pytest.raises(InvalidNumber) as refused:
        normalise(written)
    assert str(refused.value) == why


def test_look_alikes_become_gsm_and_welsh_letters_stay() -> None:
    assert gsm.plain("“Hello” – it’s… ok") == '"Hello" - it\'s... ok'
    assert gsm.encoding(gsm.plain("“Hello” – it’s… ok")) == "GSM-7"
    assert gsm.plain("Croeso i’r grŵp") == "Croeso i'r grŵp"
    assert gsm.encoding("Croeso i'r grŵp") == "UCS-2"


@pytest.mark.parametrize(("text", "parts"), [
    ("", 0), ("a" * 160, 1), ("a" * 161, 2), ("a" * 306, 2), ("a" * 307, 3),
    ("{" * 80, 1), ("{" * 81, 2),  # an extension character counts twice
    ("ŵ" * 70, 1), ("ŵ" * 71, 2), ("ŵ" * 134, 2), ("ŵ" * 135, 3),
    ("👍" * 35, 1), ("👍" * 36, 2),  # an emoji is two UCS-2 units
])
def test_segments_follow_gsm_and_ucs2_lengths(text: str, parts: int) -> None:
    assert gsm.segments(text) == parts


LOOK_ALIKES = "‘’‚‛′`´“”„‟″«»–—‒―−‐‑\u00a0\u2009\u202f•·\u200b…"


@given(st.text(alphabet=gsm.BASIC + LOOK_ALIKES, max_size=300))
def test_only_look_alikes_away_from_gsm_becomes_gsm(text: str) -> None:
    assert gsm.is_gsm(gsm.plain(text))
