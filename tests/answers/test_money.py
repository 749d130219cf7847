"""Tests of the answer parsers for money ("money")."""

from __future__ import annotations

from decimal import Decimal

import pytest

from bot.answers import (
    parse_money,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("£12.50", "12.50"), ("12.5", "12.50"), ("12", "12.00"), ("£12", "12.00"),
        ("12 pounds 50", "12.50"), ("12 pounds and 50p", "12.50"), ("50p", "0.50"),
        ("50 pence", "0.50"), ("150p", "1.50"), ("£1,250.00", "1250.00"),
        ("twelve pounds", "12.00"), ("twelve pounds fifty", "12.50"), ("12.50 GBP", "12.50"),
        ("GBP 12.50", "12.50"), ("£12 and 50p", "12.50"), ("£12 50", "12.50"),
        ("12 quid", "12.00"), ("£0.99", "0.99"), ("£12.50p", "12.50"),
        ("£12.50 for 2 taxis on 3/7", "12.50"), ("£12.50 (twelve pounds fifty)", "12.50"),
        ("12.505", "12.51"), ("£7½", "7.50"), ("Taxi - £12.50", "12.50"),
        ("deg punt", "10.00"), ("pum punt", "5.00"), ("50 ceiniog", "0.50"),
    ],
)  # fmt: skip
def test_parse_money(text: str, expected: str) -> None:
    result = parse_money(text)
    assert result == Decimal(expected)
    assert result is not None and result.as_tuple().exponent == -2


@pytest.mark.parametrize(
    "text",
    [
        "-5", "-£5", "£-5", "12.5555", "£5 or £6", "5 or 6", "lots", "", "12.50p",
        "£3,50", "£5.5.5", "a tenner",
    ],
)  # fmt: skip
def test_parse_money_not_understood(text: str) -> None:
    assert parse_money(text) is None
