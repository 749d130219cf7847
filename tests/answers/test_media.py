"""Tests of the answer parsers for media ("media")."""

from __future__ import annotations

import pytest

from bot.answers import (
    is_no_media,
    parse_media,
)


def test_parse_media() -> None:
    assert parse_media("", ["receipt.jpg"]) == ("receipt.jpg",)
    assert parse_media("here you go", ["a.jpg", "https://x/b.png"]) == ("a.jpg", "https://x/b.png")
    assert parse_media("a photo", ["a.jpg", " "]) == ("a.jpg",)
    assert parse_media("here it is", []) is None
    assert parse_media("no receipt", ()) is None


@pytest.mark.parametrize(
    "text",
    [
        "no receipt", "No receipts, sorry", "no", "nope", "haven't got one", "Haven’t got one",
        "don't have one", "lost it", "I've lost it", "I lost the receipt", "I can't find it",
        "I never got one", "skip", "na", "dim", "dim derbynneb", "wedi colli", "does dim",
    ],
)  # fmt: skip
def test_is_no_media(text: str) -> None:
    assert is_no_media(text)


@pytest.mark.parametrize("text", ["here it is", "yes", "receipt attached", "", "sending now"])
def test_is_not_no_media(text: str) -> None:
    assert not is_no_media(text)
