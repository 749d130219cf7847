"""The sample values templates are tried with at check time."""

from __future__ import annotations

from decimal import Decimal

from bot.engine.definition import Flow
from bot.engine.templates import Templates
from bot.flowfiles.samples import LONG_NAME, scopes


def test_every_answer_is_given_then_none_in_each_language() -> None:
    flow = Flow.model_validate({
        "flow": "f", "title": {"en": "F", "cy": "F"}, "version": 1, "languages": ["en", "cy"],
        "steps": [
            {"id": "miles", "ask": "How far?", "save_as": "miles",
             "expect": {"type": "number", "min": 0, "max": 400}},
            {"id": "pick", "ask": "Which?", "save_as": "pick",
             "expect": {"type": "choices", "options": [{"value": "a", "label": "A"},
                                                       {"value": "b", "label": "B"}]}},
            {"id": "sum", "do": [{"save": {"amount": "results.miles * settings.mileage_rate"}}]},
        ],
    })
    found = list(scopes(flow, Templates()))
    assert [label for label, _ in found] == [
        "en, every answer given", "en, no answer given", "cy, every answer given", "cy, no answer given",
    ]
    given, none = found[2][1], found[3][1]
    assert given["participant"]["name"] == LONG_NAME and given["lang"] == "cy"
    assert given["results"] == {"miles": Decimal(400), "pick": ["a", "b"], "amount": Decimal("180.00")}
    assert none["results"] == {"miles": None, "pick": None, "amount": None}
