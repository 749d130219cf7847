"""Welsh numbers, written independently of the parser, read back in both systems."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.answers import parse_money, parse_number

UNITS = ("", "un", "dau", "tri", "pedwar", "pump", "chwech", "saith", "wyth", "naw")
TENS_UNIT = ("", "un", "dau", "tri", "pedwar", "pum", "chwe", "saith", "wyth", "naw")
TEN_AFTER = {2: "ddeg"}  # "dau ddeg": deg takes a soft mutation after dau
TEENS = {
    10: "deg", 11: "un ar ddeg", 12: "deuddeg", 13: "tri ar ddeg", 14: "pedwar ar ddeg",
    15: "pymtheg", 16: "un ar bymtheg", 17: "dau ar bymtheg", 18: "deunaw",
    19: "pedwar ar bymtheg",
}  # fmt: skip


def decimal_words(n: int) -> str:
    """1-99 the decimal way: 32 -> "tri deg dau", 12 -> "un deg dau"."""
    if n < 10:
        return UNITS[n]
    tens, unit = divmod(n, 10)
    words = f"{TENS_UNIT[tens]} {TEN_AFTER.get(tens, 'deg')}"
    return f"{words} {UNITS[unit]}" if unit else words


def vigesimal_words(n: int) -> str:
    """1-99 the traditional way: 32 -> "deuddeg ar hugain", 45 -> "pump a deugain"."""
    if n < 10:
        return UNITS[n]
    if n < 20:
        return TEENS[n]
    scores = {20: "ugain", 40: "deugain", 60: "trigain", 80: "pedwar ugain"}
    base = max(s for s in scores if s <= n)
    rest = n - base
    if base == 20:
        return f"{vigesimal_words(rest)} ar hugain" if rest else "ugain"
    if not rest:
        return scores[base]
    joined = {40: "a deugain", 60: "a thrigain", 80: "a phedwar ugain"}[base]
    return f"{vigesimal_words(rest)} {joined}"


@settings(max_examples=200, deadline=None)
@given(st.integers(min_value=1, max_value=99))
def test_decimal_welsh_round_trip(n: int) -> None:
    words = decimal_words(n)
    assert parse_number(words) == n, words
    assert parse_number(f"{words.capitalize()}!") == n, words
    assert parse_money(f"{words} punt") == Decimal(n), words


@settings(max_examples=200, deadline=None)
@given(st.integers(min_value=1, max_value=99))
def test_vigesimal_welsh_round_trip(n: int) -> None:
    words = vigesimal_words(n)
    assert parse_number(words) == n, words
    assert parse_money(f"{words} punt") == Decimal(n), words


@settings(max_examples=100, deadline=None)
@given(st.integers(min_value=1, max_value=9), st.integers(min_value=0, max_value=99))
def test_hundreds(hundreds: int, rest: int) -> None:
    mutated = {1: "un cant", 2: "dau gant", 3: "tri chant", 6: "chwe chant"}
    words = mutated.get(hundreds, f"{TENS_UNIT[hundreds]} cant")
    if rest:
        words = f"{words} a {decimal_words(rest)}"
    assert parse_number(words) == hundreds * 100 + rest, words
