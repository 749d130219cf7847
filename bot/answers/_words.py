"""The word tables of ``bot.answers`` as the parsers use them (data in ``words/*.yaml``)."""

from __future__ import annotations

from bot.answers._tables import NumberList, WordList, every, merged, numbers, patterns, words

# --- skip -------------------------------------------------------------------

SKIP = every(words("skip", "skip"))
POLITE = tuple(sorted(every(words("skip", "polite")), key=len, reverse=True))
DASHES = frozenset("-‐‑‒–—―_")

# --- yes / no ---------------------------------------------------------------

YES = every(words("yes_no", "yes"))
NO = every(words("yes_no", "no"))
NEUTRAL = every(words("yes_no", "neutral"))
FILLERS = every(words("yes_no", "fillers"))
CONNECTORS = every(words("yes_no", "connectors"))

# --- numbers ----------------------------------------------------------------

UNITS = merged(numbers("numbers", "units"))
TENS = merged(numbers("numbers", "tens"))
WELSH_NUMBERS = merged(numbers("numbers", "welsh_numbers"))
ORDINALS = merged(numbers("numbers", "ordinals"))
ORDINAL_SUFFIXES = every(words("numbers", "ordinal_suffixes"))

# --- money ------------------------------------------------------------------

POUNDS = rf"(?:{'|'.join(sorted(every(words('money', 'pounds')), key=len, reverse=True))})"
PENCE = rf"(?:{'|'.join(sorted(every(words('money', 'pence')), key=len, reverse=True))})"

# --- choices ----------------------------------------------------------------

INDEX_BEFORE = every(words("choices", "index_before"))
NEGATORS = every(words("choices", "negators"))
STOPWORDS = every(words("choices", "stopwords"))

# --- dates ------------------------------------------------------------------

MONTHS = merged(numbers("dates", "months"))
WEEKDAYS = merged(numbers("dates", "weekdays"))
WELSH_DAY = every(words("dates", "welsh_day"))
RELATIVE_DAYS = merged(numbers("dates", "relative_days"))

# --- media ------------------------------------------------------------------

NO_MEDIA = patterns("media", "no_media")


def _keys(table: NumberList) -> WordList:
    return {language: frozenset(items) for language, items in table.items()}


# The lists whose words can be a whole answer, by name: a word in two of them, in one
# language, must be a collision declared on purpose (see words/collisions.yaml).
ANSWER_LISTS: dict[str, WordList] = {
    "skip": words("skip", "skip"),
    "yes": words("yes_no", "yes"),
    "no": words("yes_no", "no"),
    "neutral": words("yes_no", "neutral"),
    "numbers": {
        language: _keys(numbers("numbers", "units")).get(language, frozenset())
        | _keys(numbers("numbers", "tens")).get(language, frozenset())
        | _keys(numbers("numbers", "welsh_numbers")).get(language, frozenset())
        for language in ("en", "cy")
    },
    "ordinals": _keys(numbers("numbers", "ordinals")),
    "months": _keys(numbers("dates", "months")),
    "weekdays": _keys(numbers("dates", "weekdays")),
    "relative_days": _keys(numbers("dates", "relative_days")),
}
