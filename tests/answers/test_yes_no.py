"""Tests of the answer parsers for yes or no ("yes_no")."""

from __future__ import annotations

import pytest

from bot.answers import (
    parse_yes_no,
)


@pytest.mark.parametrize(
    "text",
    [
        "yes", "y", "Y", "yeah", "yep", "yup", "ok", "OK", "okay", "sure", "certainly",
        "of course", "aye", "👍", "👍🏽", "✅", "✔️", "yes please", "YES!!", "  Yes.  ",
        "yesss", "yeahhh", "okayyy", "yes I can", "Yes, I'll be there", "oh yes",
        "yes yes", "yes, no problem", "i think so",
        "ie", "Ie", "do", "oes", "ydw", "ydy", "ydyn", "ydych", "iawn", "ie diolch",
        "Do, diolch", "wrth gwrs",
    ],
)  # fmt: skip
def test_yes(text: str) -> None:
    assert parse_yes_no(text) is True


@pytest.mark.parametrize(
    "text",
    [
        "no", "n", "N", "nope", "nah", "not really", "no thanks", "👎", "❌", "NO!",
        "noooo", "no sorry", "No, I can't make it", "well no", "of course not",
        "definitely not", "no no",
        "na", "naddo", "nac oes", "Nac ydw", "nac ydy", "nage", "dim", "na diolch",
    ],
)  # fmt: skip
def test_no(text: str) -> None:
    assert parse_yes_no(text) is False


@pytest.mark.parametrize(
    "text",
    [
        "maybe", "", "?", "yes no", "no yes", "yes/no", "y/n", "yes and no", "yes or no",
        "ie na", "not sure", "no idea", "no problem", "I don't know", "perhaps",
        "Do I have to?",  # a question, not Welsh "do"
        "hello", "7", "yessir is not a word", "the answer is yes",
    ],
)  # fmt: skip
def test_yes_no_not_understood(text: str) -> None:
    assert parse_yes_no(text) is None
