"""The word tables of ``bot.answers`` as the parsers use them (data in ``words/*.yaml``)."""

from __future__ import annotations

from bot.answers._tables import NumberList, WordList, every, merged, numbers, patterns, raw, words
from bot.answers.welsh_numbers import forms

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
ORDINALS = merged(numbers("numbers", "ordinals"))
ORDINAL_SUFFIXES = every(words("numbers", "ordinal_suffixes"))

# --- money ------------------------------------------------------------------

POUNDS = rf"(?:{'|'.join(sorted(every(words('money', 'pounds')), key=len, reverse=True))})"
PENCE = rf"(?:{'|'.join(sorted(every(words('money', 'pence')), key=len, reverse=True))})"

# --- choices ----------------------------------------------------------------

INDEX_BEFORE = every(words("choices", "index_before"))
CHOICE_NEGATORS = every(words("choices", "negators"))
SAME_WORD = {form: word for table in raw("choices")["same_word"].values() for form, word in table.items()}
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


# The lists of words that answers are read by, by name: a word in two of them, in one
# language or across both, must be a collision declared on purpose (words/collisions.yaml).
ANSWER_LISTS: dict[str, WordList] = {
    "skip": words("skip", "skip"),
    "yes": words("yes_no", "yes"),
    "no": words("yes_no", "no"),
    "neutral": words("yes_no", "neutral"),
    "numbers": {
        language: _keys(numbers("numbers", "units")).get(language, frozenset())
        | _keys(numbers("numbers", "tens")).get(language, frozenset())
        for language in ("en", "cy")
    },
    "welsh_numbers": {"cy": frozenset(forms())},
    "ordinals": _keys(numbers("numbers", "ordinals")),
    "negators": {
        language: words("signals", "negators").get(language, frozenset())
        | words("choices", "negators").get(language, frozenset())
        for language in ("en", "cy")
    },
    "hedges": words("signals", "hedges"),
    "intensifiers": words("signals", "intensifiers"),
    "means_zero": words("signals", "means_zero"),
    "approximators": words("signals", "approximators"),
    "polite": words("skip", "polite"),
    "fillers": words("yes_no", "fillers"),
    "connectors": words("yes_no", "connectors"),
    "index_before": words("choices", "index_before"),
    "pounds": words("money", "pounds"),
    "pence": words("money", "pence"),
    "months": _keys(numbers("dates", "months")),
    "weekdays": _keys(numbers("dates", "weekdays")),
    "relative_days": _keys(numbers("dates", "relative_days")),
}
