"""Starting one flow for many people: a start that reads nothing of its person is worked out
once for everyone alike, and one that does is worked out for each, with their own words."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from bot.engine.events import SendText
from bot.engine.runner import Context, Engine
from bot.engine.templates import Templates
from tests.engine.test_engine import flow

TODAY = date(2026, 11, 23)
SETTINGS: dict[str, Any] = {"coordinator": "Sam"}
SCHEDULED: dict[str, Any] = {"scheduled": True}


def person(name: str, language: str = "en", timezone: str = "Europe/London") -> Context:
    return Context(participant={"name": name, "language": language, "timezone": timezone},
                   today=TODAY, settings=SETTINGS, extra=SCHEDULED)


GREETING = flow(
    {"id": "hello",
     "ask": {"en": "Hello. {% if scheduled %}It is time.{% endif %} Ask {{ settings.coordinator }}.",
             "cy": "Helo. {% if scheduled %}Mae'n amser.{% endif %}"},
     "expect": {"type": "text"}},
    languages=["en", "cy"],
)


def first(outcome: Any) -> str:
    return str(outcome.of(SendText)[0].text)


def test_starts_that_read_nothing_of_the_person_are_worked_out_once_a_language() -> None:
    ann, bryn, cerys = person("Ann"), person("Bryn"), person("Cerys", "cy")
    out = Engine().start_many(GREETING, [ann, bryn, cerys])
    assert [first(o) for o in out] == ["Hello. It is time. Ask Sam.", "Hello. It is time. Ask Sam.",
                                       "Helo. Mae'n amser."]
    assert out[0] is out[1] and out[2] is not out[0]
    assert out == [Engine().start(GREETING, c) for c in (ann, bryn, cerys)]  # as one at a time


def test_a_start_that_reads_the_person_is_worked_out_for_each() -> None:
    by_name = flow({"id": "hello", "ask": "Hello {{ participant.name }}. How are you?",
                    "expect": {"type": "text"}})
    out = Engine().start_many(by_name, [person("Ann"), person("Bryn")])
    assert [first(o) for o in out] == ["Hello Ann. How are you?", "Hello Bryn. How are you?"]


def test_a_branch_on_the_person_makes_the_start_their_own() -> None:
    branching = flow(
        {"id": "which", "say": "Hello.",
         "next": [{"if": "participant.name == 'Ann'", "goto": "ann"}, {"goto": "other"}]},
        {"id": "ann", "ask": "Ann, how are you?", "expect": {"type": "text"}},
        {"id": "other", "ask": "How are you?", "expect": {"type": "text"}},
    )
    out = Engine().start_many(branching, [person("Ann"), person("Bryn")])
    assert [o.session.step for o in out] == ["ann", "other"]


def test_a_different_time_zone_or_extra_is_worked_out_apart() -> None:
    when = flow({"id": "hello", "ask": "The meeting is on {{ meeting.at | when }}.",
                 "expect": {"type": "text"}})
    extra = {"meeting": {"at": "2026-11-24T18:00:00+00:00[Europe/London]"}}
    london = Context(participant={"name": "Ann", "timezone": "Europe/London"}, today=TODAY,
                     extra=extra)
    kabul = Context(participant={"name": "Bryn", "timezone": "Asia/Kabul"}, today=TODAY,
                    extra=extra)
    out = Engine().start_many(when, [london, kabul])
    assert [first(o) for o in out] == ["The meeting is on Tuesday 24 November at 6pm.",
                                       "The meeting is on Tuesday 24 November at 6pm UK time."]


def test_a_template_is_rendered_again_for_other_values_and_never_for_another_person() -> None:
    templates = Templates()
    rate = "{{ settings.rate | money }} a mile"
    assert templates.text(rate, {"settings": {"rate": Decimal("0.45")}, "lang": "en"}) == "£0.45 a mile"
    assert templates.text(rate, {"settings": {"rate": Decimal("0.5")}, "lang": "en"}) == "£0.50 a mile"
    assert templates.text(rate, {"settings": {"rate": Decimal("0.45")}, "lang": "cy"}) == "£0.45 a mile"
    name = "Hello {{ participant.name }}"
    assert [templates.text(name, {"participant": {"name": n}}) for n in ("Ann", "Bryn")] == [
        "Hello Ann", "Hello Bryn"]
    chance = "{{ lipsum(1, html=False, min=5, max=40) }}"
    assert len({templates.text(chance, {}) for _ in range(5)}) > 1  # by chance each time
