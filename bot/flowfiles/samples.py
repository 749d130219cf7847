"""Realistic values to render templates with at check time: long names, every answer.

A template that fails when rendered (an unsafe attribute, a huge ``range``, a filter
that raises) would send a participant nothing; ``copro flows check`` renders each one
with these values so that it fails there instead.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import date, time
from decimal import Decimal
from typing import Any

from bot.engine.definition import CHOOSING, Expect, Flow, text_for
from bot.engine.templates import TemplateProblem, Templates

LONG_NAME = "Angharad Siân Llewelyn-Williams"
GROUP = "Cwm Tawe and Swansea Valley Carers' and Service Users' Co-production Forum"
COORDINATOR = "Siobhan Pritchard-Evans on 01632 960123"
LONG_TEXT = ("I would like to talk to someone about getting to the meetings, because the bus "
             "does not come to our village any more and my daughter works on Tuesdays.")
WHEN = "2026-12-01T14:30:00+00:00"
NAMES = {"name", "preferred_name", "called"}  # answers that are a person's name

PARTICIPANT = {"name": LONG_NAME, "timezone": "Europe/London",
               "contact_start": time(9, 0), "contact_end": time(17, 30)}
SETTINGS = {"group_name": GROUP, "coordinator": COORDINATOR, "mileage_rate": Decimal("0.45")}
POLL_OPTIONS: list[dict[str, Any]] = [
    {"value": str(n), "label": {"en": en, "cy": cy}}
    for n, (en, cy) in enumerate([("Tuesday morning at the library", "Bore dydd Mawrth yn y llyfrgell"),
                                  ("Thursday afternoon online", "Prynhawn dydd Iau ar-lein"),
                                  ("Saturday at the community centre", "Dydd Sadwrn yn y ganolfan")],
                                 start=1)
]
# What flows are started with (a poll's, a meeting's): see the ``view`` of each feature.
EXTRA: dict[str, Any] = {
    "poll": {"id": 1204, "multiple": True, "closes": WHEN, "options": POLL_OPTIONS,
             "question": {"en": "When should we hold the spring planning day for everyone?",
                          "cy": "Pryd dylen ni gynnal y diwrnod cynllunio yn y gwanwyn i bawb?"}},
    "meeting": {"id": 87, "title": "Spring planning day for the carers' and service users' forum",
                "when": WHEN, "where": "Pontardawe Community Library, Room 2, Holly Street",
                "online_link": "https://meet.example.org/forum-spring-planning-day",
                "access_info": "There is step-free access and a hearing loop.", "group": GROUP},
}


def answer(expect: Expect) -> Any:
    """A value of the kind the engine saves for an answer to ``expect``."""
    values = [o.value for o in expect.options] or [o["value"] for o in POLL_OPTIONS]
    kind = expect.type
    if kind == "number":
        value = expect.max if expect.max is not None else expect.min
        number = Decimal(7) if value is None else value
        return int(number) if expect.integer else number
    if kind == "money":
        return expect.max if expect.max is not None else Decimal("1234.56")
    if kind in CHOOSING:
        return values if kind == "choices" else values[-1]
    return {"text": LONG_TEXT, "yesno": True, "date": date(2026, 12, 1), "media": ["photo-1"]}[kind]


# What a sample is ("cy, every answer given"), and the scope a template sees with it.
Sample = tuple[str, dict[str, Any]]


def scopes(flow: Flow, templates: Templates) -> Iterator[Sample]:
    """(what the sample is, scope) per language: with every answer given, then with none
    given (a skipped question, or one not answered, is saved as None)."""
    for lang in flow.languages:
        for given, label in ((True, "every answer given"), (False, "no answer given")):
            base: dict[str, Any] = {
                **EXTRA,
                "participant": {**PARTICIPANT, "language": lang},
                "settings": SETTINGS,
                "flow": {"id": flow.flow, "title": text_for(flow.title, lang)},
                "lang": lang,
            }
            base["results"] = _results(flow, base, templates, given)
            yield f"{lang}, {label}", base


def _results(flow: Flow, base: Mapping[str, Any], templates: Templates, given: bool) -> dict[str, Any]:
    """The results a flow would have by its end, in step order (``save`` actions worked out)."""
    results: dict[str, Any] = {}
    for step in flow.steps:
        if step.save_as is not None:
            value = LONG_NAME if step.save_as in NAMES else answer(step.answer)
            results[step.save_as] = value if given else None
        for action in step.do:
            for field, source in action.expressions():
                if not field.startswith("save."):
                    continue
                try:
                    value = templates.value(source, {**base, "results": results})
                except TemplateProblem:
                    value = None  # the checker reports the expression itself
                results[field.removeprefix("save.")] = value
    return results


# The fixed texts of ``bot.language.texts`` are rendered by the host and the features
# with these variables (see the comments above each group of texts there).
FIXED_SCOPE: dict[str, Any] = {
    "participant": PARTICIPANT,
    "settings": SETTINGS,
    "alert": {"id": 4821, "when": "Tuesday 1 December at 2:30pm",
              "text": f"{LONG_NAME} wrote in the weekly check-in: some days I want to end it all."},
    "person": {"name": LONG_NAME, "reach": "text or call 07700 900123 (SMS and Telegram)"},
    "repeat": 2,
    "claim": {"id": 311, "amount": "£1,234.56", "what": "Mileage", "miles": 42, "rate": "£0.45",
              "day": "Tuesday 1 December", "activity": LONG_TEXT, "payment": "bank transfer",
              "payment_code": "bank", "receipt": "yes (2 photos)", "status": "approved",
              "reason": "The receipt is for a different day. Please send the one for Tuesday"},
    "by": COORDINATOR,
    "number": 311,
    "meeting": EXTRA["meeting"],
    "counts": {"yes": 14, "maybe": 3, "no": 2, "silent": 27, "sent": 46, "delivered": 44,
               "failed": 1, "opted_out": 1, "waiting": 2},
    "needs": [f"{LONG_NAME}: a lift from Ystalyfera", "Bryn Thomas: British Sign Language"],
    "question": EXTRA["poll"]["question"],
    "lines": {"en": ["1. Tuesday morning: 9", "2. Thursday afternoon: 4"],
              "cy": ["1. Bore dydd Mawrth: 9", "2. Prynhawn dydd Iau: 4"]},
    "voters": 13,
    "members": 46,
    "group": GROUP,
    "people": 46,
    "text": LONG_TEXT,
    "options": [o["label"]["en"] for o in POLL_OPTIONS],
    "closes": WHEN,
    "multiple": True,
    "share": True,
    "example": "Friday 4 December at 5pm",
    "title": EXTRA["meeting"]["title"],
    "starts": WHEN,
    "place": EXTRA["meeting"]["where"],
    "invite": WHEN,
    "why": "I could not read that as a day and time",
}
