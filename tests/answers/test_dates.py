"""Tests of the answer parsers for dates ("dates")."""

from __future__ import annotations

from datetime import date

import pytest

from bot.answers import (
    parse_date,
)
from tests.answers.support import TODAY


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("today", TODAY), ("Today!", TODAY), ("yesterday", date(2026, 1, 4)),
        ("tomorrow", date(2026, 1, 6)), ("heddiw", TODAY), ("ddoe", date(2026, 1, 4)),
        ("yfory", date(2026, 1, 6)), ("the day before yesterday", date(2026, 1, 3)),
        ("2 days ago", date(2026, 1, 3)), ("a week ago", date(2025, 12, 29)),
        ("I sat on the bus yesterday", date(2026, 1, 4)),
        # numeric, day first
        ("3/7", date(2025, 7, 3)), ("03/07/2026", date(2026, 7, 3)),
        ("3.7.26", date(2026, 7, 3)), ("3-7-2026", date(2026, 7, 3)),
        ("3/12", date(2025, 12, 3)), ("5/1", TODAY), ("6/1", date(2025, 1, 6)),
        ("25/12/25", date(2025, 12, 25)), ("2025-12-25", date(2025, 12, 25)),
        ("29/2", date(2024, 2, 29)), ("14:30 yesterday", date(2026, 1, 4)),
        # month names
        ("3 July", date(2025, 7, 3)), ("3rd July", date(2025, 7, 3)),
        ("July 3rd", date(2025, 7, 3)), ("3 Jul 2026", date(2026, 7, 3)),
        ("3rd of July", date(2025, 7, 3)), ("July the 4th", date(2025, 7, 4)),
        ("Dec 25, 2025", date(2025, 12, 25)), ("twenty first of December", date(2025, 12, 21)),
        ("Mon 3rd July", date(2025, 7, 3)), ("on the 3rd", date(2026, 1, 3)),
        ("31st", date(2025, 12, 31)),
        # Welsh months
        ("3 Ionawr", date(2026, 1, 3)), ("3 Chwefror", date(2025, 2, 3)),
        ("3 Mawrth", date(2025, 3, 3)), ("3 Ebrill", date(2025, 4, 3)),
        ("3 Mai", date(2025, 5, 3)), ("3 Mehefin", date(2025, 6, 3)),
        ("3 Gorffennaf", date(2025, 7, 3)), ("3 Awst", date(2025, 8, 3)),
        ("3 Medi", date(2025, 9, 3)), ("3 Hydref", date(2025, 10, 3)),
        ("3 Tachwedd", date(2025, 11, 3)), ("3 Rhagfyr", date(2025, 12, 3)),
        ("3ydd o Orffennaf", date(2025, 7, 3)), ("3 Gorffennaf 2025", date(2025, 7, 3)),
        # weekdays: the latest on or before today
        ("Monday", TODAY), ("last Monday", TODAY), ("Sunday", date(2026, 1, 4)),
        ("last tuesday", date(2025, 12, 30)), ("Sat", date(2026, 1, 3)),
        ("dydd Llun", TODAY), ("dydd Mawrth", date(2025, 12, 30)),
        ("dydd Mercher", date(2025, 12, 31)), ("dydd Iau", date(2026, 1, 1)),
        ("dydd Gwener", date(2026, 1, 2)), ("dydd Sadwrn", date(2026, 1, 3)),
        ("dydd Sul", date(2026, 1, 4)), ("nos Wener", date(2026, 1, 2)),
    ],
)  # fmt: skip
def test_parse_date(text: str, expected: date) -> None:
    assert parse_date(text, today=TODAY) == expected


@pytest.mark.parametrize(
    "text",
    [
        "31/2", "3/13", "0/5", "32 July", "31 April", "may", "July", "", "soon", "blah",
        "next monday", "3/7 or 4/7", "3/7/026", "7",
    ],
)  # fmt: skip
def test_parse_date_not_understood(text: str) -> None:
    assert parse_date(text, today=TODAY) is None


def test_parse_date_at_the_ends_of_time() -> None:
    assert parse_date("yesterday", today=date.min) is None
    assert parse_date("tomorrow", today=date.max) is None
    assert parse_date("3/7", today=date.min) is None
