"""Phone numbers in one form, and what a text costs in SMS segments."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.core.phones import InvalidNumber, mobile, normalise
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


@pytest.mark.parametrize(("written", "why"), [
    ("020 7946 0000", "'020 7946 0000' is a landline"),
    ("01632 960123", "'01632 960123' is a landline"),
    ("0300 123 4567", "'0300 123 4567' is a non-geographic (03) number"),
    ("0800 123 4567", "'0800 123 4567' is a freephone number"),
])
def test_a_landline_or_service_number_is_refused_as_a_number_to_text(written: str, why: str) -> None:
    with pytest.raises(InvalidNumber) as refused:
        mobile(written)
    assert str(refused.value) == f"{why}, which cannot receive texts: give a mobile number"


@pytest.mark.parametrize("written", ["07700 900123", "07911 123456", "+1 415 555 0123"])
def test_mobiles_can_be_texted(written: str) -> None:
    assert mobile(written) == normalise(written)


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
