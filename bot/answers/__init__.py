"""Forgiving parsers for participants' answers, in English and Welsh.

Pure functions: no I/O and no clock (``parse_date`` is told today's date). Each parser
returns ``None`` when it does not understand the answer, so that the flow engine can ask
again; they never raise on odd input. One module per answer type; the word tables are
data, in ``words/*.yaml``.
"""

from __future__ import annotations

from bot.answers._text import normalise
from bot.answers.choices import ChoiceOption, parse_choice, parse_choices
from bot.answers.dates import parse_date
from bot.answers.media import is_no_media, parse_media
from bot.answers.money import parse_money
from bot.answers.numbers import parse_number
from bot.answers.skip import is_skip
from bot.answers.yes_no import parse_yes_no

__all__ = [
    "ChoiceOption",
    "is_no_media",
    "is_skip",
    "normalise",
    "parse_choice",
    "parse_choices",
    "parse_date",
    "parse_media",
    "parse_money",
    "parse_number",
    "parse_yes_no",
]
