"""Tests of the answer parsers for every parser: properties over many inputs."""

from __future__ import annotations

import string
from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.answers import (
    ChoiceOption,
    is_no_media,
    is_skip,
    normalise,
    parse_choice,
    parse_choices,
    parse_date,
    parse_media,
    parse_money,
    parse_number,
    parse_yes_no,
)
from tests.answers.support import FREQUENCY, TODAY, WELSH, english


@settings(max_examples=150, deadline=None)
@given(st.integers(min_value=-10_000, max_value=10**12))
def test_digits_round_trip(n: int) -> None:
    for text in (str(n), f"about {n}", f"{n}/10", f"{n} out of 10", f"{n:,}"):
        result = parse_number(text)
        assert result == n, text
        assert type(result) is int


@settings(max_examples=150, deadline=None)
@given(st.integers(min_value=0, max_value=999))
def test_words_round_trip(n: int) -> None:
    words = english(n)
    assert parse_number(words) == n, words
    assert parse_number(f"{words.capitalize()}!") == n
    assert parse_number(f"{words} out of ten") == n


@pytest.mark.parametrize(("n", "word"), list(enumerate(WELSH)))
def test_welsh_words(n: int, word: str) -> None:
    assert parse_number(word) == n
    assert parse_number(word.capitalize(), minimum=Decimal(0), maximum=Decimal(10)) == n


@settings(max_examples=150, deadline=None)
@given(st.decimals(min_value=0, max_value=10_000, places=2))
def test_money_round_trip(amount: Decimal) -> None:
    for text in (f"£{amount:.2f}", f"{amount:.2f}", f"£{amount:,.2f}", f"{amount:.2f} GBP"):
        assert parse_money(text) == amount, text


@settings(max_examples=100, deadline=None)
@given(st.decimals(min_value=0, max_value=10_000, places=3))
def test_money_is_quantized(amount: Decimal) -> None:
    result = parse_money(f"£{amount}")
    assert result is not None
    assert result.as_tuple().exponent == -2
    assert abs(result - amount) <= Decimal("0.005")


_WORDS = st.text(alphabet=string.ascii_lowercase, min_size=2, max_size=8)
_LABEL = st.lists(_WORDS, min_size=1, max_size=3).map(" ".join)


@st.composite
def choice_options(draw: st.DrawFn) -> list[ChoiceOption]:
    labels = draw(st.lists(_LABEL, min_size=2, max_size=12, unique=True))
    return [ChoiceOption(f"v{i}", (label,)) for i, label in enumerate(labels)]


@settings(max_examples=100, deadline=None)
@given(choice_options(), st.data())
def test_choice_by_index_and_label(options: list[ChoiceOption], data: st.DataObject) -> None:
    i = data.draw(st.integers(min_value=0, max_value=len(options) - 1))
    value = options[i].value
    assert parse_choice(str(i + 1), options) == value
    assert parse_choice(f"{i + 1}.", options) == value
    assert parse_choice(f"option {i + 1}", options) == value
    assert parse_choice(string.ascii_lowercase[i], options) == value
    assert parse_choice(options[i].labels[0], options) == value
    assert parse_choice(f" {options[i].labels[0].upper()}! ", options) == value
    assert parse_choice(str(len(options) + 1), options) is None


@settings(max_examples=150, deadline=None)
@given(st.dates(min_value=date(1900, 1, 1), max_value=date(2100, 12, 31)))
def test_dates_round_trip(day: date) -> None:
    assert parse_date(f"{day.day}/{day.month}/{day.year}", today=TODAY) == day
    assert parse_date(day.strftime("%d/%m/%Y"), today=TODAY) == day
    assert parse_date(f"{day.day} {day.strftime('%B')} {day.year}", today=TODAY) == day


@settings(max_examples=150, deadline=None)
@given(
    st.dates(min_value=date(1901, 1, 1), max_value=date(2099, 12, 31)),
    st.integers(min_value=0, max_value=364),
)
def test_dates_without_year_are_in_the_past_year(today: date, back: int) -> None:
    day = today - timedelta(days=back)
    assert parse_date(f"{day.day}/{day.month}", today=today) == day
    assert parse_date(f"{day.day} {day.strftime('%b')}", today=today) == day


_PIECES = st.sampled_from(
    [
        "7", "-", "/", ".", ",", "£", "p", "½", "out of", "and a half", "hundred", "thousand",
        "and", "a", "yes", "no", "na", "dim", "July", "3rd", "of", "o", "dydd", "Mawrth",
        "next", "ago", "days", "1,000", "2026", "99", "0", "👍", "🏽", "\x00", "\u200d",
        "١٢", "??", "(", "b)", "option", "the", "one", "skip", "pounds", "n/a", "e.g.",
    ]
)  # fmt: skip
_ANY_TEXT = st.one_of(st.text(), st.lists(_PIECES, max_size=12).map(" ".join))
_ANY_TEXT |= st.lists(_PIECES, max_size=12).map("".join)


@settings(max_examples=300, deadline=None)
@given(_ANY_TEXT)
def test_no_parser_raises(text: str) -> None:
    assert isinstance(normalise(text), str)
    assert isinstance(is_skip(text), bool)
    assert parse_yes_no(text) in (True, False, None)
    number = parse_number(text)
    assert number is None or type(number) in (int, Decimal)
    assert parse_number(text, minimum=Decimal(0), maximum=Decimal(10), integer=True) in (
        None, *range(11),
    )  # fmt: skip
    money = parse_money(text)
    assert money is None or (money >= 0 and money.as_tuple().exponent == -2)
    assert parse_choice(text, FREQUENCY) in (None, *(o.value for o in FREQUENCY))
    for today in (TODAY, date.min, date.max):
        day = parse_date(text, today=today)
        assert day is None or isinstance(day, date)
    assert parse_media(text, []) is None
    assert isinstance(is_no_media(text), bool)


@settings(max_examples=100, deadline=None)
@given(choice_options(), st.data())
def test_several_choices_by_number_in_any_common_form(
    options: list[ChoiceOption], data: st.DataObject
) -> None:
    picked = data.draw(st.lists(st.integers(min_value=0, max_value=len(options) - 1),
                                min_size=1, max_size=len(options), unique=True))
    expected = [options[i].value for i in sorted(picked)]
    numbers = [str(i + 1) for i in picked]
    for joined in (" and ".join(numbers), ", ".join(numbers), " ".join(numbers), ",".join(numbers)):
        assert parse_choices(joined, options) == expected, joined


@pytest.mark.parametrize(("text", "chosen"), [
    ("1 and 3", ["often", "rarely"]),
    ("b, c", ["sometimes", "rarely"]),
    ("never", ["never"]),
    ("byth a weithiau", None),  # "a" is a letter here, not Welsh for "and"
    ("byth ac weithiau", ["sometimes", "never"]),
    ("often or always and never", ["often", "never"]),
    ("1 and 9", None),
    ("", None),
])
def test_several_choices_by_words_too(text: str, chosen: list[str] | None) -> None:
    assert parse_choices(text, FREQUENCY) == chosen
