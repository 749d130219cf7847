"""Hostile flow files: whatever a file holds, checking and loading it gives problems, not crashes."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.flowfiles.checker import Problem, check_sources
from bot.flowfiles.library import FlowError, load_file

SHIPPED = {p.name: yaml.safe_load(p.read_text()) for p in sorted(Path("flows").glob("*.yaml"))}

_SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(-10**6, 10**6), st.floats(allow_nan=True),
    st.text(max_size=40), st.sampled_from([
        "{{", "{% if %}", "{{ results.x.y.z }}", "end", "ask", "say", "1h", "-1s", "\x00",
        "{{ ''.__class__.__mro__ }}", "{{ range(10**9) | list }}", "goto", "next",
    ]),
)
_VALUES = st.recursive(
    _SCALARS,
    lambda inner: st.one_of(st.lists(inner, max_size=4),
                            st.dictionaries(st.text(max_size=10), inner, max_size=4)),
    max_leaves=12,
)


def _mutate(document: Any, path: list[int | str], value: Any, delete: bool) -> Any:
    """The document with the item at ``path`` (indexes reduced to fit) replaced or deleted."""
    doc = copy.deepcopy(document)
    node, parent, key = doc, None, None
    for step in path:
        if isinstance(node, dict) and node:
            key = sorted(node, key=str)[hash(str(step)) % len(node)]
        elif isinstance(node, list) and node:
            key = (step if isinstance(step, int) else len(str(step))) % len(node)
        else:
            break
        parent, node = node, node[key]
    if parent is None:
        return value
    if delete:
        del parent[key]  # type: ignore[arg-type]
    else:
        parent[key] = value  # type: ignore[index]
    return doc


def _check(source: str) -> list[Problem]:
    problems = check_sources([("fuzz.yaml", source)])
    assert all(isinstance(p, Problem) and p.file == "fuzz.yaml" and str(p) for p in problems)
    return problems


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.sampled_from(sorted(SHIPPED)),
    st.lists(st.one_of(st.integers(0, 50), st.text(max_size=8)), min_size=1, max_size=6),
    _VALUES,
    st.booleans(),
)
def test_a_damaged_shipped_flow_gives_problems_not_a_crash(
    name: str, path: list[int | str], value: Any, delete: bool
) -> None:
    source = yaml.safe_dump(_mutate(SHIPPED[name], path, value, delete), allow_unicode=True)
    problems = _check(source)
    try:
        load_file("fuzz.yaml", source)
    except FlowError as exc:
        assert str(exc).startswith("fuzz.yaml: ")
        assert any(p.severity == "error" for p in problems)  # the checker says why too


@settings(max_examples=100, deadline=None)
@given(st.one_of(st.text(max_size=300), st.binary(max_size=200).map(lambda b: b.decode("latin-1")),
                 _VALUES.map(lambda v: yaml.safe_dump(v, allow_unicode=True))))
def test_any_text_at_all_gives_problems_not_a_crash(source: str) -> None:
    problems = _check(source)
    assert problems  # nothing random is a valid flow
    try:
        load_file("fuzz.yaml", source)
    except FlowError as exc:
        assert str(exc)
