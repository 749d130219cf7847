"""Tests of the answer parsers for choices ("choices")."""

from __future__ import annotations

import pytest

from bot.answers import (
    ChoiceOption,
    parse_choice,
)
from tests.answers.support import FREQUENCY


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # by number, letter or position
        ("2", "sometimes"), ("2.", "sometimes"), ("number 2", "sometimes"),
        ("option 2", "sometimes"), ("#2", "sometimes"), ("2 please", "sometimes"),
        ("2 thank you", "sometimes"),
        ("b", "sometimes"), ("B)", "sometimes"), ("(b)", "sometimes"), ("a", "often"),
        ("e", "unsure"), ("two", "sometimes"), ("the second one", "sometimes"),
        ("2nd", "sometimes"), ("yr ail", "sometimes"), ("2. Sometimes", "sometimes"),
        ("b) sometimes", "sometimes"),
        # by label or alias, in either language
        ("Often or always", "often"), ("OFTEN OR ALWAYS!", "often"), ("sometimes", "sometimes"),
        ("Weithiau", "sometimes"), ("some of the time", "sometimes"), ("prin byth", "rarely"),
        ("byth", "never"), ("ddim yn siwr", "unsure"), ("Ddim yn siŵr", "unsure"),
        # by a label inside the text, the longest winning
        ("I'd say sometimes", "sometimes"), ("I never go", "never"),
        ("I hardly ever go", "rarely"), ("prin byth, a dweud y gwir", "rarely"),
        ("not sure really", "unsure"),
        # by a word of one label only
        ("always", "often"), ("bob amser", "often"), ("hardly", "rarely"),
        # typos
        ("somtimes", "sometimes"), ("hardley ever", "rarely"), ("nevr", "never"),
        ("neverr", "never"), ("alwys", "often"), ("i think somtimes", "sometimes"),
    ],
)  # fmt: skip
def test_parse_choice(text: str, expected: str) -> None:
    assert parse_choice(text, FREQUENCY) == expected


@pytest.mark.parametrize(
    "text",
    [
        "7", "6", "0", "f", "option 9", "", "?", "hmm", "x", "pizza",
        "sometimes or never",  # two options equally
        "not often",  # negates a label
        "3. Sometimes",  # number and label disagree
        "1-2 times",
    ],
)  # fmt: skip
def test_parse_choice_not_understood(text: str) -> None:
    assert parse_choice(text, FREQUENCY) is None


def test_parse_choice_prefers_longest_label() -> None:
    options = [
        ChoiceOption("often", ("Often",)),
        ChoiceOption("not_often", ("Not often",)),
        ChoiceOption("never", ("Never",)),
    ]
    assert parse_choice("not often", options) == "not_often"
    assert parse_choice("I would say not often at all", options) == "not_often"
    assert parse_choice("often", options) == "often"


def test_parse_choice_out_of_range_letter_falls_back_to_labels() -> None:
    options = [ChoiceOption("yes", ("Yes",), aliases=("y",)), ChoiceOption("no", ("No",), ("n",))]
    assert parse_choice("y", options) == "yes"
    assert parse_choice("n", options) == "no"
    assert parse_choice("b", options) == "no"
    assert parse_choice("c", options) is None


def test_parse_choice_with_no_options() -> None:
    assert parse_choice("1", []) is None
