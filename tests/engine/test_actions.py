"""Each action run from its table in ``actions/<type>.yaml``: the step, the context, the events.

A case gives ``do`` (the step's actions) and may give ``participant``, ``settings``,
``results`` (answers saved before the step), ``extra`` and ``languages``. It expects
``events``: every event of the step, as ``type`` plus fields (values as
``bot.engine.values.to_json`` writes them; the step is always ``act``), and may
expect ``results_after``, the session's results once the step has run.
"""

from __future__ import annotations

import dataclasses
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.engine.actions import ACTIONS
from bot.engine.definition import Flow
from bot.engine.events import Event, Reply
from bot.engine.runner import Context, Engine, Session
from bot.engine.templates import Templates
from bot.engine.values import from_json, to_json

TABLES = Path(__file__).parent / "actions"
STEP = "act"
SETTINGS = {"group_name": "Riverside Voices", "mileage_rate": Decimal("0.45")}


def cases() -> list[Any]:
    found = []
    for path in sorted(TABLES.glob("*.yaml")):
        for n, case in enumerate(yaml.safe_load(path.read_text(encoding="utf-8"))):
            found.append(pytest.param(case, id=f"{path.stem}-{n + 1}"))
    return found


def event_row(event: Event) -> dict[str, Any]:
    fields = dataclasses.asdict(event)
    assert fields.pop("step") == STEP, f"{event} names another step"
    return {"type": event.type, **to_json(fields)}


def run(case: dict[str, Any]) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Run the case's step the way a flow reaches it: after the answer to a question."""
    flow = Flow.model_validate({
        "flow": "actions", "title": "Actions", "version": 1,
        "languages": case.get("languages", ["en"]),
        "steps": [{"id": "wait", "ask": "Ready?"}, {"id": STEP, "do": case["do"]}],
    })
    context = Context(
        participant={"name": "Ann", "language": "en", **case.get("participant", {})},
        today=date(2026, 11, 23),
        settings={**SETTINGS, **case.get("settings", {})},
        extra=case.get("extra", {}),
    )
    session = Session("actions", 1, step="wait", results=from_json(case.get("results", {})))
    outcome = Engine(Templates(["end it all"])).resume(flow, session, Reply("ok"), context)
    return [event_row(e) for e in outcome.events], to_json(dict(outcome.session.results))


@pytest.mark.parametrize("case", cases())
def test_action_table(case: dict[str, Any]) -> None:
    events, results = run(case)
    assert events == case["events"], case["description"]
    if "results_after" in case:
        assert results == case["results_after"], case["description"]


def test_every_registered_action_has_a_table_and_every_table_an_action() -> None:
    tables = {path.stem for path in TABLES.glob("*.yaml")}
    assert sorted(set(ACTIONS) - tables) == [], "write tests/engine/actions/<type>.yaml for these"
    assert sorted(tables - set(ACTIONS)) == [], "these tables name no registered action"


def test_every_table_runs_its_own_action() -> None:
    for path in sorted(TABLES.glob("*.yaml")):
        table = yaml.safe_load(path.read_text(encoding="utf-8"))
        assert table, f"{path.name} has no cases"
        for case in table:
            assert any(path.stem in action for action in case["do"]), case["description"]
