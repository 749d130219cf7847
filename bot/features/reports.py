"""What the group's answers add up to: check-in results as a table, and one person's trend.

``table`` is one row per completed session and one column per answer, for
``copro results export``. ``trend`` follows one person's weekly wellbeing
answers over time, for ``copro results trend``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from bot.flowfiles.library import Library
from storage import groups, participants, results, rights, sessions
from storage.db import Tx
from storage.models import FlowSession, Group, Participant

FIXED = ("session", "participant", "name", "started", "finished")
# The ONS personal wellbeing questions, 0 to 10; for anxiety, lower is better.
WELLBEING = {"life_satisfaction": "life satisfaction", "worthwhile": "worthwhile",
             "happy": "happy yesterday", "anxious": "anxious yesterday"}
CHUNK = 500  # people a query, well inside every database's limit on parameters
LOW, ANXIOUS = 4, 6  # the ONS thresholds of low wellbeing: 0 to 4, and anxiety 6 to 10


def low(key: str, value: int | None) -> bool:
    """Whether ``value`` of measure ``key`` is low wellbeing (as the weekly check-in flags it)."""
    if value is None:
        return False
    return value >= ANXIOUS if key == "anxious" else value <= LOW


@dataclass(frozen=True)
class Table:
    columns: list[str]
    rows: list[dict[str, Any]]


def cell(value: Any) -> str:
    """An answer as a spreadsheet cell: numbers plain, several choices joined by "; "."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float | Decimal):
        text = f"{value:f}"
        return text.rstrip("0").rstrip(".") if "." in text else text
    if isinstance(value, list | tuple):
        return "; ".join(cell(v) for v in value)
    return str(value)


def _answer_order(library: Library, flow_id: str) -> list[str]:
    """The flow's answer keys in the order its steps ask them."""
    if flow_id not in library:
        return []
    keys: list[str] = []
    for step in library[flow_id].flow.steps:
        if step.save_as and step.save_as not in keys:
            keys.append(step.save_as)
    return keys


async def table(
    s: Tx, library: Library, *, group: Group, flow_id: str, since: datetime,
    until: datetime,
) -> Table:
    """Completed sessions of ``flow_id`` by the group's members, started in ``[since, until)``.

    Those of members since erased stay, as anonymous rows (no participant, no name,
    only their numbers and choices), so the counts stay right.
    """
    members = await groups.member_ids(s, group.id) + await rights.erased_members(s, group.id)
    done = await sessions.finished(s, flow_id=flow_id, participant_ids=members, since=since,
                                   until=until)
    answers = await results.results_of_sessions(s, [row.id for row in done])
    keys = _answer_order(library, flow_id)
    people: dict[int, Participant | None] = {}
    rows = []
    for row in done:
        if row.participant_id not in people:
            people[row.participant_id] = await participants.get(s, row.participant_id)
        person = people[row.participant_id]
        erased = person is None or person.status == "erased"
        line: dict[str, Any] = {
            "session": row.id, "participant": None if erased else row.participant_id,
            "name": person.full_name if person and not erased else "a participant (erased)",
            "started": row.started_at.isoformat(timespec="minutes"),
            "finished": row.updated_at.isoformat(timespec="minutes"),
        }
        for answer in answers[row.id]:
            if answer.key not in keys:
                keys.append(answer.key)
            line[answer.key] = cell(answer.value) if answer.status == "answered" else answer.status
        rows.append(line)
    return Table([*FIXED, *keys], rows)


@dataclass(frozen=True)
class Point:
    at: datetime
    scores: dict[str, int | None]
    lonely: str | None


async def trend(
    s: Tx, person: Participant, *, flow_id: str = "weekly-checkin", last: int = 12
) -> list[Point]:
    """The person's last ``last`` check-ins (completed or partly answered), oldest first."""
    return (await trends(s, [person.id], flow_id=flow_id, last=last))[person.id]


async def trends(
    s: Tx, ids: list[int], *, flow_id: str = "weekly-checkin", last: int = 12
) -> dict[int, list[Point]]:
    """``trend`` for many people at once (a whole group on the desk): two queries for each
    ``CHUNK`` of people, not two a person."""
    theirs: dict[int, list[FlowSession]] = {pid: [] for pid in ids}
    for start in range(0, len(ids), CHUNK):
        for row in await sessions.finished(s, flow_id=flow_id, participant_ids=ids[start:start + CHUNK],
                                           statuses=("completed", "expired")):
            theirs[row.participant_id].append(row)
    kept = {pid: rows[-last:] for pid, rows in theirs.items()}
    answers = await results.results_of_sessions(s, [row.id for rows in kept.values() for row in rows])
    found: dict[int, list[Point]] = {}
    for pid, rows in kept.items():
        points = []
        for row in rows:
            given = {a.key: a.value for a in answers[row.id] if a.status == "answered"}
            scores = {key: given.get(key) for key in WELLBEING}
            if any(v is not None for v in scores.values()) or given.get("lonely"):
                points.append(Point(row.started_at, scores, given.get("lonely")))
        found[pid] = points
    return found


def describe(points: list[Point]) -> list[str]:
    """One line a measure: its scores in order and how the latest compares with the first."""
    lines = []
    for key, label in WELLBEING.items():
        values = [v for p in points if (v := p.scores[key]) is not None]
        if not values:
            continue
        change = values[-1] - values[0]
        better = -change if key == "anxious" else change
        if len(values) < 2 or change == 0:
            word = "no change" if len(values) >= 2 else "one answer so far"
        else:
            word = f"{'up' if change > 0 else 'down'} {abs(change)} ({'better' if better > 0 else 'worse'})"
        lines.append(f"{label}: {' '.join(str(v) for v in values)}  {word}")
    lonely = [p.lonely for p in points if p.lonely]
    if lonely:
        lines.append(f"lonely: {', '.join(str(v).replace('_', ' ') for v in lonely)}")
    return lines
