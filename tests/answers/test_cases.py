"""The tables of cases in ``cases/<answer type>.yaml``: what people type, in which
language, and what copro must read it as (a value, a skip, or "ask again").

Each case goes through the engine's own ``parse``, so a table says what a flow step
really records. A question is an ``expect`` block, or a step of a flow in ``flows/``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any, get_args

import pytest
import yaml

from bot.answers import ChoiceOption
from bot.engine.definition import AnswerType, Flow, Step
from bot.engine.events import Reply
from bot.engine.runner import parse

CASES = Path(__file__).parent / "cases"
FLOWS = Path(__file__).parents[2] / "flows"
TODAY = date(2026, 1, 5)  # a Monday
LANGUAGES = ("en", "cy")
OUTCOMES = ("read", "skipped", "reask")


@dataclass(frozen=True)
class Case:
    table: str
    say: str
    lang: str
    ask: str
    outcome: dict[str, Any]
    media: tuple[str, ...] = ()

    def __str__(self) -> str:
        return f"{self.table}:{self.ask}:{self.say!r}"


@cache
def _flow_step(flow: str, step: str) -> Step:
    data = yaml.safe_load((FLOWS / f"{flow}.yaml").read_text("utf-8"))
    found = [s for s in Flow.model_validate(data).steps if s.id == step]
    assert found, f"flows/{flow}.yaml has no step {step}"
    return found[0]


@cache
def _questions(table_name: str) -> dict[str, Step]:
    questions: dict[str, Step] = {}
    for name, question in _tables()[table_name]["questions"].items():
        if "flow" in question:
            questions[name] = _flow_step(question["flow"], question["step"])
        else:
            questions[name] = Step.model_validate({"id": name, "ask": "?", "expect": question})
    return questions


@cache
def _tables() -> dict[str, dict[str, Any]]:
    return {p.stem: yaml.safe_load(p.read_text("utf-8")) for p in sorted(CASES.glob("*.yaml"))}


def _cases() -> list[Case]:
    cases = []
    for name, table in _tables().items():
        for raw in table["cases"]:
            outcome = {k: raw[k] for k in OUTCOMES if k in raw}
            cases.append(
                Case(name, str(raw["say"]), raw["lang"], raw["ask"], outcome, tuple(raw.get("media", ())))
            )
    return cases


def _choices(step: Step) -> list[ChoiceOption]:
    return [
        ChoiceOption(
            o.value, tuple(o.label.values()) if isinstance(o.label, dict) else (o.label,), tuple(o.aliases)
        )
        for o in step.answer.options
    ]


def _expected(value: Any, got: Any) -> Any:
    if isinstance(got, Decimal) and isinstance(value, (str, int, float)):
        return Decimal(str(value))
    return value


ALL = _cases()


def test_every_answer_type_has_a_table() -> None:
    missing = [t for t in get_args(AnswerType) if t not in _tables()]
    assert not missing, f"no cases/<type>.yaml for {missing}"
    unknown = [name for name in _tables() if name not in get_args(AnswerType)]
    assert not unknown, f"cases for answer types that do not exist: {unknown}"


def test_every_table_has_cases_in_both_languages() -> None:
    for name in get_args(AnswerType):
        languages = {c.lang for c in ALL if c.table == name}
        assert languages == set(LANGUAGES), f"cases/{name}.yaml: languages {sorted(languages)}"


def test_every_case_is_well_formed() -> None:
    for name in _tables():
        questions = _questions(name)
        for step in questions.values():
            assert step.answer.type == name, f"cases/{name}.yaml asks a {step.answer.type} question"
        for case in (c for c in ALL if c.table == name):
            assert case.ask in questions, f"{case}: no question {case.ask}"
            assert case.lang in LANGUAGES, f"{case}: language {case.lang}"
            assert len(case.outcome) == 1, f"{case}: give one of {OUTCOMES}"


@pytest.mark.parametrize("case", ALL, ids=str)
def test_case(case: Case) -> None:
    step = _questions(case.table)[case.ask]
    result = parse(step, Reply(case.say, case.media), today=TODAY, choices=_choices(step))
    if "reask" in case.outcome:
        assert result is None, f"{case.say!r} should be asked again, was read as {result}"
    elif "skipped" in case.outcome:
        assert result == ("skipped", None), f"{case.say!r} should skip, was {result}"
    else:
        assert result is not None, f"{case.say!r} was not understood"
        status, value = result
        assert status == "answered"
        assert value == _expected(case.outcome["read"], value), f"{case.say!r} read as {value!r}"
        assert type(value) is type(_expected(case.outcome["read"], value)), f"{case.say!r}: {value!r}"
