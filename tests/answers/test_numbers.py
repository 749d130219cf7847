"""Tests of the answer parsers for numbers ("numbers")."""

from __future__ import annotations

from decimal import Decimal

import pytest

from bot.answers import (
    parse_number,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("7", 7), ("about 7", 7), ("7/10", 7), ("7 / 10", 7), ("I'd say 7 out of 10", 7),
        ("7 of 10", 7), ("out of 10 I'd give it 8", 8), ("7.0", 7), ("0", 0), ("  42 ", 42),
        ("seven", 7), ("Seven!", 7), ("twenty one", 21), ("twenty-one", 21), ("thirty", 30),
        ("a hundred", 100), ("one hundred and five", 105), ("zero", 0), ("nineteen", 19),
        ("seven (7)", 7), ("7 7", 7), ("7-ish", 7), ("1,250", 1250), ("100%", 100),
        ("dim", 0), ("un", 1), ("dau", 2), ("dwy", 2), ("tri", 3), ("tair", 3),
        ("pedwar", 4), ("pedair", 4), ("pump", 5), ("chwech", 6), ("saith", 7),
        ("wyth", 8), ("naw", 9), ("deg", 10), ("saith allan o ddeg", 7), ("naw o ddeg", 9),
        ("７", 7),  # full-width digit
    ],
)  # fmt: skip
def test_parse_number(text: str, expected: int) -> None:
    result = parse_number(text)
    assert result == expected
    assert type(result) is int


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("7.5", Decimal("7.5")), ("0.25", Decimal("0.25")), (".5", Decimal("0.5")),
        ("7 and a half", Decimal("7.5")), ("7½", Decimal("7.5")), ("-2.5", Decimal("-2.5")),
    ],
)  # fmt: skip
def test_parse_number_decimal(text: str, expected: Decimal) -> None:
    result = parse_number(text)
    assert result == expected
    assert isinstance(result, Decimal)


@pytest.mark.parametrize(
    ("text", "minimum", "maximum", "integer", "expected"),
    [
        ("-2", None, None, False, -2),
        ("-2", "-5", None, False, -2),
        ("-2", "0", None, False, None),
        ("11", None, "10", False, None),
        ("10", None, "10", False, 10),
        ("0", "1", None, False, None),
        ("7.5", None, None, True, None),
        ("7.0", None, None, True, 7),
        ("seven", "0", "10", True, 7),
        ("10.5", "0", "10.5", False, Decimal("10.5")),
        ("10.6", "0", "10.5", False, None),
    ],
)
def test_parse_number_limits(
    text: str, minimum: str | None, maximum: str | None, integer: bool, expected: object
) -> None:
    low = None if minimum is None else Decimal(minimum)
    high = None if maximum is None else Decimal(maximum)
    assert parse_number(text, minimum=low, maximum=high, integer=integer) == expected


@pytest.mark.parametrize(
    "text",
    [
        "lots", "", "a few", "7 or 8", "between 6 and 7", "7, maybe 8", "3-4", "7,5",
        "seven or eight", "7.5.3", "/10", "1" * 40, "none", "?",
    ],
)  # fmt: skip
def test_parse_number_not_understood(text: str) -> None:
    assert parse_number(text) is None
