"""Dates in words: Welsh day names mutate after "ar", in every place copro writes them."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.engine.templates import Templates
from bot.language import texts, when

MONDAY = date(2026, 11, 30)
WELSH_DAYS = ["Llun", "Mawrth", "Mercher", "Iau", "Gwener", "Sadwrn", "Sul"]
ENGLISH_DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
FLOWS = Path(__file__).parents[2] / "flows"
WEEK = [MONDAY + timedelta(days=n) for n in range(7)]
DAYS_CY = list(zip(WEEK, WELSH_DAYS, strict=True))
DAYS_EN = list(zip(WEEK, ENGLISH_DAYS, strict=True))


@pytest.mark.parametrize(("day", "name"), DAYS_CY)
def test_every_welsh_weekday_mutates_after_ar(day: date, name: str) -> None:
    month = "Tachwedd" if day.month == 11 else "Rhagfyr"
    assert when.day(day, "cy", "ar") == f"ddydd {name} {day.day} {month}"
    at_two = datetime.combine(day, datetime.min.time()).replace(hour=14)
    assert when.spoken(at_two, "cy", "ar").startswith(f"ddydd {name} ")
    assert when.spoken(at_two, "cy", "ar").endswith(" am 2yp")


@pytest.mark.parametrize(("day", "name"), DAYS_CY)
def test_a_welsh_day_on_its_own_is_not_mutated_and_dydd_is_lower_case(day: date, name: str) -> None:
    assert when.day(day, "cy").startswith(f"dydd {name} ")
    assert when.day(day, "cy", "cyn").startswith(f"dydd {name} ")  # "cyn" does not mutate


@pytest.mark.parametrize(("day", "name"), DAYS_EN)
def test_english_ignores_the_word_before(day: date, name: str) -> None:
    assert when.day(day, "en", "ar") == when.day(day, "en") and when.day(day, "en").startswith(name)


def test_the_template_filters_take_the_word_before() -> None:
    templates = Templates()
    scope = {"lang": "cy", "d": date(2026, 12, 1), "t": "2026-12-01T14:00:00+00:00"}
    assert templates.text("ar {{ d | day('ar') }}", scope) == "ar ddydd Mawrth 1 Rhagfyr"
    assert templates.text("ar {{ t | when('ar') }}", scope) == "ar ddydd Mawrth 1 Rhagfyr am 2yp"
    assert templates.text("cyn {{ t | when }}", scope) == "cyn dydd Mawrth 1 Rhagfyr am 2yp"
    assert templates.text("on {{ t | when('ar') }}", {**scope, "lang": "en"}) == (
        "on Tuesday 1 December at 2pm")


@pytest.mark.parametrize("text", [texts.MEETING_REMINDER, texts.MEETING_MOVED, texts.MEETING_CANCELLED])
@pytest.mark.parametrize(("day", "name"), DAYS_CY)
def test_meeting_texts_write_ar_ddydd_on_every_weekday(
    text: dict[str, str], day: date, name: str,
) -> None:
    starts = datetime.combine(day, datetime.min.time(), tzinfo=ZoneInfo("Europe/London"))
    scope = {"lang": "cy", "meeting": {"title": "Diwrnod cynllunio", "when": starts.isoformat()},
             "settings": {"coordinator": "Sam"}}
    said = Templates().text(text["cy"], scope)
    assert f"ar ddydd {name} " in said and "ar dydd" not in said.lower()


UNMUTATED = re.compile(r"\bar \{\{[^}]*\|\s*(?:when|day)\s*\}\}")


def test_no_welsh_text_or_flow_puts_a_day_after_ar_without_mutating_it() -> None:
    welsh = [value["cy"] for value in vars(texts).values() if isinstance(value, dict) and "cy" in value]
    welsh += [path.read_text(encoding="utf-8") for path in FLOWS.glob("*.yaml")]
    assert [found.group(0) for text in welsh for found in UNMUTATED.finditer(text)] == []
