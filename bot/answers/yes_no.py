"""Yes or no: "yes", "nope", "👍", "ie", "nac oes"."""

from __future__ import annotations

from bot.answers import _signals as signals
from bot.answers import _text as t
from bot.answers import _words as w

__all__ = ["parse_yes_no"]

_YES_NO: dict[str, bool | None] = {
    k: answer
    for words, answer in ((w.NEUTRAL, None), (w.NO, False), (w.YES, True))
    for k in t.with_squeezed(words)
}

_NEUTRAL = t.with_squeezed(w.NEUTRAL)
_LONGEST = max(len(k.split()) for k in _YES_NO)


def _lead(tokens: list[str]) -> tuple[bool | None, int] | None:
    """The yes/no phrase that ``tokens`` starts with, and how many tokens it takes."""
    for size in range(min(_LONGEST, len(tokens)), 0, -1):
        phrase = " ".join(tokens[:size])
        for candidate in (phrase, t.squeeze(phrase)):
            if candidate in _YES_NO:
                return _YES_NO[candidate], size
    return None


def parse_yes_no(text: str) -> bool | None:
    """``True`` for yes, ``False`` for no, ``None`` when unclear.

    Unclear: a hedge ("maybe", "probably not", "efallai"), both answers ("yes no"), a
    question back ("do I have to?"), or a yes with a negation after it ("yes I don't").
    """
    tokens = t.tokens(text)
    if signals.hedged(tokens):
        return None
    while len(tokens) > 1 and t.squeeze(tokens[0]) in w.FILLERS:
        tokens.pop(0)
    lead = _lead(tokens)
    if lead is None or lead[0] is None:
        return None
    answer, size = lead
    rest = tokens[size:]
    if rest and "?" in t.clean(text):
        return None  # "do I have to?" is a question, not Welsh "do" (yes)
    while rest and rest[0] in w.CONNECTORS:
        rest.pop(0)
    then = _lead(rest)
    if then is not None and then[0] is not None and then[0] != answer:
        return None
    if answer and signals.negated(signals.without(rest, _NEUTRAL)):
        return None  # "yes I can't", "ie, ond dim ..."
    return answer
