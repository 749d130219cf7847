"""A participant's reply read as the answer a step expects, by the parsers of ``bot.answers``."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from bot import answers
from bot.engine.definition import AnswerType, Expect, Step
from bot.engine.events import Reply, ResultStatus


@dataclass(frozen=True)
class Asked:
    """What a reader gets: the reply's text, what was asked for, and the day it is."""

    text: str
    expect: Expect
    today: date
    choices: Sequence[answers.ChoiceOption]


def _text(a: Asked) -> Any:
    return a.text.strip() or None


def _yes_no(a: Asked) -> Any:
    return answers.parse_yes_no(a.text)


def _number(a: Asked) -> Any:
    return answers.parse_number(a.text, minimum=a.expect.min, maximum=a.expect.max,
                                integer=a.expect.integer)


def _money(a: Asked) -> Any:
    value = answers.parse_money(a.text)
    return value if value is not None and _within(value, a.expect.min, a.expect.max) else None


def _choice(a: Asked) -> Any:
    return answers.parse_choice(a.text, a.choices)


def _choices(a: Asked) -> Any:
    return answers.parse_choices(a.text, a.choices)


def _date(a: Asked) -> Any:
    return answers.parse_date(a.text, today=a.today)


# One reader per answer type but media, which also looks at the reply's attachments.
READERS: dict[AnswerType, Callable[[Asked], Any]] = {
    "text": _text,
    "yesno": _yes_no,
    "number": _number,
    "money": _money,
    "choice": _choice,
    "choices": _choices,
    "date": _date,
}


def parse(
    step: Step, reply: Reply, *, today: date, choices: Sequence[answers.ChoiceOption] = ()
) -> tuple[ResultStatus, Any] | None:
    """The answer to ``step`` in ``reply``, or None when it is not understood.

    ``choices`` are the options of a choice question (see ``_Turn.choices``).
    """
    expect = step.answer
    text = reply.text
    if step.voice == "record" and reply.media and not text.strip():
        return "answered", list(reply.media)  # a short message left by phone, kept like a photo
    if expect.type == "media":
        media = answers.parse_media(text, reply.media)
        if media is not None:
            return "answered", list(media)
        if expect.skip and (answers.is_skip(text) or answers.is_no_media(text)):
            return "skipped", None
        return None
    if expect.skip and answers.is_skip(text, expect.type):
        return "skipped", None
    value = READERS[expect.type](Asked(text, expect, today, choices))
    return None if value is None else ("answered", value)


def _within(value: Decimal, low: Decimal | None, high: Decimal | None) -> bool:
    return (low is None or value >= low) and (high is None or value <= high)
