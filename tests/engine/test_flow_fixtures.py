"""Each shipped flow replayed through the engine from a script in ``tests/fixtures/``.

A fixture names a flow, the participant, and the replies; ``expect`` holds the
transcript (bot messages numbered as on SMS), the results, the notifications and
how the flow ended. A change of wording or behaviour shows as a diff here.
Rewrite the expectations after an intended change with:

    COPRO_UPDATE_FIXTURES=1 make test ARGS=tests/engine/test_flow_fixtures.py
"""

from __future__ import annotations

import os
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.engine.events import (
    FlowEnded,
    Notify,
    Problem,
    Reply,
    SaveResult,
    SendText,
    SetField,
    StartFlow,
)
from bot.engine.runner import Context, Engine, Outcome
from bot.engine.templates import Templates
from bot.engine.values import plain
from bot.flowfiles.library import Library
from bot.language.render import numbered

HERE = Path(__file__).parents[1] / "fixtures"
FIXTURES = sorted(HERE.glob("*.yaml"))
UPDATE = os.environ.get("COPRO_UPDATE_FIXTURES") == "1"
SETTINGS = {
    "group_name": "Riverside Voices",
    "coordinator": "Sam on 01632 960123",
    "mileage_rate": Decimal("0.45"),
}


def replay(fixture: dict[str, Any]) -> dict[str, Any]:
    library = Library.load()
    flow = library[fixture["flow"]].flow
    engine = Engine(Templates())  # copro's own risk phrases, as a deployment has by default
    participant = {"name": None, "language": "en", **fixture.get("participant", {})}
    participant.setdefault("full_name", participant["name"])  # one name: as ``view`` gives it
    today = fixture.get("today", date(2026, 11, 23))
    transcript: list[dict[str, Any]] = []
    saved: dict[str, Any] = {}
    notified: list[str | dict[str, str]] = []
    problems: list[str] = []
    ended = "active"

    def record(outcome: Outcome) -> None:
        nonlocal ended
        bot = [numbered(e.text, e.options) for e in outcome.of(SendText)]
        if bot:
            transcript.append({"bot": bot})
        for event in outcome.events:
            if isinstance(event, SaveResult):
                saved[event.key] = plain(event.value) if event.status == "answered" else event.status
            elif isinstance(event, SetField):
                participant[event.field] = event.value
                saved[f"participant.{event.field}"] = plain(event.value)
            elif isinstance(event, Notify):
                notice = f"{event.who}: {event.text}"
                if event.told or event.untold:
                    # What the person hears after it, as the host decides.
                    notified.append({"notice": notice, "told": event.told,
                                     "untold": event.untold})
                else:
                    notified.append(notice)
            elif isinstance(event, StartFlow):
                saved["next_flow"] = event.flow
            elif isinstance(event, Problem):
                problems.append(f"{event.step}: {event.detail}")
            elif isinstance(event, FlowEnded):
                ended = event.status

    def context() -> Context:
        return Context(participant=dict(participant), today=today, settings=SETTINGS,
                       extra=fixture.get("extra", {}))

    outcome = engine.start(flow, context())
    record(outcome)
    session = outcome.session
    for line in fixture["replies"]:
        text, media = (line, ()) if isinstance(line, str) else ("", tuple(line["photo"]))
        transcript.append({"you": text or f"[photo {', '.join(media)}]"})
        outcome = engine.resume(flow, session, Reply(text, media), context())
        record(outcome)
        session = outcome.session
    return {"transcript": transcript, "results": saved, "notify": notified, "ended": ended,
            "problems": problems}


@pytest.mark.parametrize("path", FIXTURES, ids=[p.stem for p in FIXTURES])
def test_flow_fixture(path: Path) -> None:
    fixture = yaml.safe_load(path.read_text(encoding="utf-8"))
    actual = replay(fixture)
    if UPDATE:
        fixture["expect"] = actual
        path.write_text(
            yaml.safe_dump(fixture, allow_unicode=True, sort_keys=False, width=100),
            encoding="utf-8",
        )
    assert actual["problems"] == [], "a shipped flow must run without problems"
    assert actual == fixture.get("expect"), f"{path.name}: run with COPRO_UPDATE_FIXTURES=1 to see"


def test_every_shipped_flow_has_a_fixture_in_each_of_its_languages() -> None:
    covered: set[tuple[str, str]] = set()
    for path in FIXTURES:
        fixture = yaml.safe_load(path.read_text(encoding="utf-8"))
        # The language the person was spoken to in by the end (welcome asks for it).
        start = fixture.get("participant", {}).get("language", "en")
        results = (fixture.get("expect") or {}).get("results", {})
        covered.add((fixture["flow"], results.get("participant.language", start)))
    for flow in Library.load().flows():
        for language in flow.languages:
            assert (flow.flow, language) in covered, f"no fixture for {flow.flow} in {language}"
