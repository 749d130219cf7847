"""``copro flows check`` finds every problem and names file, step and field."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from bot.checker import check_paths
from bot.cli import main
from bot.library import flow_paths

BROKEN = Path(__file__).parent / "broken_flows"
SHIPPED = Path(__file__).parent.parent / "flows"


def problems(name: str) -> list[str]:
    return [str(p) for p in check_paths([BROKEN / name], known_flows={"weekly-checkin"})]


def test_shipped_flows_have_no_problems() -> None:
    assert [str(p) for p in check_paths(flow_paths([SHIPPED]))] == []


def test_semantic_problems_are_all_reported() -> None:
    found = problems("semantics.yaml")
    f = str(BROKEN / "semantics.yaml")
    assert found == [
        f"{f}: step 'score': id: two steps have this id",
        f"{f}: step 'score': next.1.goto: goes to unknown step 'lonley'",
        f"{f}: step 'score': ask.en: template error: unexpected '}}'",
        f"{f}: step 'score': next.0.if: bad expression 'results.score <<= 4': "
        "expression error: unexpected '<='",
        f"{f}: step 'low': do.start: starts unknown flow 'no-such-flow'",
        f"{f}: step 'low': say: missing translation for cy",
        f"{f}: step 'orphan': say: missing translation: give a text for each of en, cy",
        f"{f}: step 'orphan': no step leads here (unreachable)",
    ]


def test_schema_problems_name_the_field() -> None:
    f = str(BROKEN / "bad_fields.yaml")
    assert problems("bad_fields.yaml") == [
        f"{f}: version: is required",
        f"{f}: step 'score': expect: min is more than max",
        f"{f}: step 'low': do.0.notify: Input should be 'coordinators' or 'safeguarding'",
        f"{f}: step 'extra': colour: is not a known field (check the spelling)",
    ]


def test_not_yaml_gives_the_line() -> None:
    [problem] = problems("not_yaml.yaml")
    assert problem.startswith(f"{BROKEN / 'not_yaml.yaml'}: not valid YAML (line ")


def test_a_newer_spec_is_refused_clearly() -> None:
    assert problems("future_spec.yaml") == [
        f"{BROKEN / 'future_spec.yaml'}: spec: spec 9 is newer than this copro understands (up to 1)"
    ]


def test_a_loop_without_questions_is_found() -> None:
    assert problems("silent_loop.yaml") == [
        f"{BROKEN / 'silent_loop.yaml'}: step 'a': next: goes round in a loop without asking anything"
    ]


def test_the_same_flow_id_twice(tmp_path: Path) -> None:
    for name in ("one.yaml", "two.yaml"):
        (tmp_path / name).write_text(
            "flow: same\ntitle: Same\nversion: 1\nsteps:\n  - id: a\n    say: Hi\n"
        )
    assert [str(p) for p in check_paths(flow_paths([tmp_path]))] == [
        f"{tmp_path / 'two.yaml'}: flow: flow id 'same' is also used by {tmp_path / 'one.yaml'}"
    ]


def test_the_command_exits_1_and_names_each_problem() -> None:
    result = CliRunner().invoke(main, ["flows", "check", str(BROKEN / "silent_loop.yaml")])
    assert result.exit_code == 1
    assert "step 'a': next: goes round in a loop without asking anything" in result.output
    assert "1 error(s)" in result.output


def test_the_command_exits_0_on_the_shipped_flows() -> None:
    result = CliRunner().invoke(main, ["flows", "check"])
    assert result.exit_code == 0, result.output
    assert "0 error(s)" in result.output


def test_schema_is_json_schema_for_a_flow() -> None:
    result = CliRunner().invoke(main, ["flows", "schema"])
    assert result.exit_code == 0
    schema = json.loads(result.output)
    assert schema["title"] == "copro flow" and "steps" in schema["properties"]
    assert set(schema["required"]) == {"flow", "title", "version", "steps"}
