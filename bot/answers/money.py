"""Amounts of money in pounds: "£12.50", "50p", "deg punt"."""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal

from bot.answers import _signals as signals
from bot.answers import _text as t
from bot.answers import _words as w
from bot.answers.numbers import LOOK_BACK, mentions

__all__ = ["parse_money"]

_POUNDS_BEFORE = re.compile(r"(?:£|\bgbp)\s*$")
_POUNDS_AFTER = re.compile(rf"\s*(?:£|{w.POUNDS}\b)")
_PENCE_AFTER = re.compile(rf"\s*{w.PENCE}\b")
_MINUS_BEFORE = re.compile(r"-(?:£|gbp)\s*$")  # "-£5" ("-5" and "£-5" have a negative value)
_TIMES = re.compile(r"\d\s*(?:x|\*|×|times|g?waith)\s*£?\s*\d")  # "2 x £3": a sum to do, not an amount
_AND = r"\s*(?:and|a|&|,)?\s*"
_NEGATED = re.compile(rf"\b(?:{'|'.join(sorted(signals.NEGATORS))})\s+(?:\S+\s+)?$")  # "not £5"
_PENNY = Decimal("0.01")
_MAX_MONEY = Decimal(1_000_000)  # a larger amount is not a claim anyone means to make


def parse_money(text: str) -> Decimal | None:
    """An amount in pounds, to the penny: "£12.50", "12 pounds 50", "50p", "twelve pounds".

    Not understood: two amounts, an amount that could be pounds or pence, a negated one
    ("not £5"), a sum ("2 x £3"), and digits in another script.
    """
    if t.foreign_digits(text):
        return None
    text = t.prep(text)
    if _TIMES.search(text):
        return None
    found = mentions(text)
    if not found:
        return None
    amounts: list[tuple[Decimal, bool]] = []  # (amount, says it is money)
    i = 0
    while i < len(found):
        m = found[i]
        before = (text, max(0, m.start - LOOK_BACK), m.start)
        if m.value < 0 or _MINUS_BEFORE.search(*before) or m.places > 3:
            return None
        window = text[max(0, m.start - 2 * LOOK_BACK) : m.start]
        if _NEGATED.search(window.replace("'", "").replace("£", " ")):
            return None
        pound_sign = bool(_POUNDS_BEFORE.search(*before))
        pounds = _POUNDS_AFTER.match(text, m.end)
        if _PENCE_AFTER.match(text, m.end) and not pound_sign:
            if m.places:
                return None  # "12.50p" could mean either
            amounts.append((m.value / 100, True))
            i += 1
            continue
        value = m.value
        nxt = found[i + 1] if i + 1 < len(found) else None
        if nxt is not None and m.places == 0 and nxt.places == 0 and 0 <= nxt.value < 100:
            gap = text[m.end : nxt.start]
            pence = _PENCE_AFTER.match(text, nxt.end)
            if (
                (pounds and re.fullmatch(rf"\s*(?:£|{w.POUNDS}){_AND}", gap))
                or (pound_sign and pence and re.fullmatch(_AND, gap))
                or (pound_sign and gap.isspace() and nxt.end - nxt.start == 2)
            ):
                value += nxt.value / 100
                i += 1
        amounts.append((value, pound_sign or bool(pounds)))
        i += 1
    marked = {a for a, money in amounts if money}
    values = marked or {a for a, _ in amounts}
    if len(values) != 1:
        return None
    amount = values.pop()
    if abs(amount) >= _MAX_MONEY:
        return None
    return amount.quantize(_PENNY, rounding=ROUND_HALF_UP)
