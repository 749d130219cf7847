"""Tests of the answer parsers for normalising and skipping ("_text", "skip")."""

from __future__ import annotations

import pytest

from bot.answers import (
    is_skip,
    normalise,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("  Hello,   World!! ", "hello, world"),
        ("¡¿Yes?!", "yes"),
        ("…no…", "no"),
        ("“quoted”", "quoted"),
        ("ＹＥＳ", "yes"),  # full width
        ("don’t", "don't"),  # curly apostrophe
        ("\x00yes\t\n", "yes"),
        ("👍", "👍"),
        ("👍🏽!", "👍"),  # skin tone modifier at the end goes, the emoji stays
        ("ok ✅!", "ok ✅"),
        ("Straße", "strasse"),
        ("", ""),
        ("?!.", ""),
    ],
)
def test_normalise(text: str, expected: str) -> None:
    assert normalise(text) == expected


# --- skip -------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "skip", "Skip!", "SKIP please", "pass", "next", "no comment", "No comment.",
        "nothing", "nothing thanks", "none", "n/a", "N/A", "N.A.", "-", "--", "—",
        "no thanks", "No, thank you", "skiiip", "rather not say", "skip please thanks",
        "dim", "Dim byd", "neidio", "sgipio", "dim sylw", "pasio",
    ],
)  # fmt: skip
def test_is_skip(text: str) -> None:
    assert is_skip(text)


@pytest.mark.parametrize(
    "text",
    [
        "na",  # Welsh for no, not n/a
        "no", "yes", "nope", "", "?", ".", "skip to the end", "nothing much happened",
        "next week", "I passed", "7", "the meeting was fine",
    ],
)  # fmt: skip
def test_is_not_skip(text: str) -> None:
    assert not is_skip(text)
