"""Forgiving parsers for participants' answers, in English and Welsh.

Pure functions: no I/O and no clock (``parse_date`` is told today's date). Each parser
returns ``None`` when it does not understand the answer, so that the flow engine can ask
again; they never raise on odd input. One module per answer type; the word tables are
data, in ``words/*.yaml``, and words kept in two lists on purpose are declared, with
how each is read, in ``words/collisions.yaml``.

When in doubt, ask again. Negation and hedges (``_signals``) are read by every type:

- yes/no: a hedge ("maybe", "efallai") or a yes with a negation after it is unclear;
- number, money, date: a negation is unclear ("not 7", "not £5", "not Monday"); a hedge
  is not ("about 7"), because the person still gives one answer;
- choice: a negated or approximated label ("not very often", "paid anfon", "almost
  never") is unclear, unless an option says that very thing ("ddim yn aml");
- skip: a skip word that is also an answer to the question is that answer ("dim" is 0
  to a number question).
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
