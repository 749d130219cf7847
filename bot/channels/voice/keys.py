"""What the keys a person pressed mean, as the words the flow's question understands."""

from __future__ import annotations

from bot.delivery.channel import Outgoing

YES_NO = {"1": "yes", "2": "no"}


def meaning(digits: str, question: Outgoing) -> str:
    """``digits`` (without the hash key) as an answer to ``question``: 1 and 2 are yes and no,
    each key a choice of several, and a number or a choice is itself."""
    digits = digits.strip("#")
    kind = (question.answer or {}).get("type")
    if kind == "yesno":
        return YES_NO.get(digits, digits)
    if kind == "choices":
        return " ".join(digits)
    return digits


def repeat(digits: str) -> bool:
    """Star: say the question again."""
    return "*" in digits
