"""Messages for the ear: what a phone call says around a flow's words, in English and Welsh.

A question read out gets the keypad's way of answering it ("press 1 for yes, 2
for no"); a helpline number in any message is read digit by digit, slowly, and
said a second time. ``parts`` turns a message into what is spoken, in order:
plain words, a number to read digit by digit, or a pause.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

Words = Mapping[str, str]

YES_NO: Words = {"en": "Press 1 for yes, or 2 for no.", "cy": "Pwyswch 1 am ie, neu 2 am na."}
NUMBER: Words = {
    "en": "Press a number from {low} to {high}, then the hash key.",
    "cy": "Pwyswch rif o {low} i {high}, ac yna'r allwedd hash.",
}
ANY_NUMBER: Words = {"en": "Press the number, then the hash key.",
                     "cy": "Pwyswch y rhif, ac yna'r allwedd hash."}
OPTION: Words = {"en": "Press {n} for {label}.", "cy": "Pwyswch {n} am {label}."}
SEVERAL: Words = {"en": "Press the number of each one that fits, then the hash key.",
                  "cy": "Pwyswch rif pob un sy'n addas, ac yna'r allwedd hash."}
RECORD_OFFER: Words = {
    "en": "Press 1 to leave a short message. Press 2 to go on without one.",
    "cy": "Pwyswch 1 i adael neges fer. Pwyswch 2 i fynd ymlaen heb un.",
}
AFTER_THE_TONE: Words = {
    "en": "Please speak after the tone. Press the hash key when you have finished.",
    "cy": "Siaradwch ar ôl y sain, os gwelwch yn dda. Pwyswch yr allwedd hash pan fyddwch "
    "chi wedi gorffen.",
}
STAR: Words = {"en": "Press star to hear this again.",
               "cy": "Pwyswch seren i glywed hyn eto."}
AGAIN: Words = {"en": "I did not hear anything. Here is the question again.",
                "cy": "Wnes i ddim clywed dim byd. Dyma'r cwestiwn eto."}
NUMBERS_AGAIN: Words = {"en": "Here is that number again.", "cy": "Dyma'r rhif eto."}
MORE_NUMBERS_AGAIN: Words = {"en": "Here are those numbers again.", "cy": "Dyma'r rhifau eto."}
GOODBYE: Words = {"en": "Thank you for talking with us. Goodbye.",
                  "cy": "Diolch am siarad gyda ni. Hwyl fawr."}
LATER: Words = {"en": "We will call again another time. Goodbye.",
                "cy": "Fe wnawn ni ffonio eto rywbryd arall. Hwyl fawr."}
MACHINE: Words = {
    "en": "Hello. This is {group}, calling for your check-in. We will call again another "
    "time. Goodbye.",
    "cy": "Helo. {group} sydd yma, yn ffonio i holi sut rydych chi. Fe wnawn ni ffonio eto "
    "rywbryd arall. Hwyl fawr.",
}
NOTHING: Words = {"en": "Sorry, there is nothing for you to answer just now. Goodbye.",
                  "cy": "Mae'n ddrwg gen i, does dim byd i chi ei ateb ar hyn o bryd. Hwyl fawr."}

# A sentence that tells someone texting how to reply: not true on a phone call.
_HOW_TO_TEXT = re.compile(
    r"(?:^|(?<=[.?!]\s))(?:Please |You can )?(?:reply|write|text|atebwch|ysgrifennwch|anfonwch|"
    r"gallwch ateb)\b[^.?!]*[.?!]?\s*", re.IGNORECASE | re.MULTILINE)
# A helpline number: 116 123, 0808 164 0123, NHS 111, 999.
_PHONE = re.compile(r"(?<![\d£.,])(?:\d{3,5}(?: \d{3,4}){1,2}|999|111)(?!\d|[.,]\d|%)")


@dataclass(frozen=True)
class Speech:
    text: str


@dataclass(frozen=True)
class Digits:
    """A phone number, read one digit at a time, its groups apart."""

    groups: tuple[str, ...]


@dataclass(frozen=True)
class Pause:
    seconds: float


Part = Speech | Digits | Pause


def said(words: Words, language: str, **values: Any) -> str:
    """``words`` in ``language`` (English when there is none)."""
    return (words.get(language) or words["en"]).format(**values)


def keypad(answer: Mapping[str, Any], options: Sequence[str], language: str) -> str:
    """How to answer a question of ``answer`` (its ``type``, ``min``, ``max``) by keypad."""
    kind = answer.get("type")
    if answer.get("way") == "record":
        return said(RECORD_OFFER, language)
    if kind == "yesno":
        return said(YES_NO, language)
    if kind in ("choice", "choices"):
        listed = " ".join(said(OPTION, language, n=n, label=label)
                          for n, label in enumerate(options, start=1))
        return listed + (" " + said(SEVERAL, language) if kind == "choices" else "")
    if kind == "number":
        low, high = answer.get("min"), answer.get("max")
        if low is not None and high is not None:
            return said(NUMBER, language, low=low, high=high)
        return said(ANY_NUMBER, language)
    return ""


def question(text: str) -> str:
    """A question as asked by phone: without the sentences that tell a texter how to reply
    ("Reply with a number from 0 to 10."), which the keypad's own words replace."""
    return _HOW_TO_TEXT.sub("", text).strip() or text


def parts(text: str, language: str) -> list[Part]:
    """What is spoken for ``text``: each helpline number in it read digit by digit, then, once
    the text is said, each number again."""
    spoken: list[Part] = []
    numbers: list[Digits] = []
    at = 0
    for match in _PHONE.finditer(text):
        if match.start() > at:
            spoken.append(Speech(text[at:match.start()]))
        number = Digits(tuple(match.group().split(" ")))
        spoken.append(number)
        numbers.append(number)
        at = match.end()
    if at < len(text):
        spoken.append(Speech(text[at:]))
    if numbers:
        again = NUMBERS_AGAIN if len(numbers) == 1 else MORE_NUMBERS_AGAIN
        spoken += [Pause(1.0), Speech(said(again, language))]
        for number in numbers:
            spoken += [number, Pause(1.0)]
    return [p for p in spoken if not (isinstance(p, Speech) and not p.text.strip())]
