"""``copro flows check`` finds every problem and names file, step and field."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import types
from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.cli.main import main
from bot.flowfiles import library
from bot.flowfiles.checker import check_fixed_texts, check_paths
from bot.flowfiles.library import FlowError, Library, flow_paths
from bot.language import texts

BROKEN = Path(__file__).parents[1] / "broken_flows"
SHIPPED = Path(__file__).parents[2] / "flows"


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


def test_a_broken_flow_in_the_extra_directory_stops_copro_with_every_problem(tmp_path: Path) -> None:
    extra = tmp_path / "my-flows"
    extra.mkdir()
    (extra / "coffee.yaml").write_text(
        "flow: coffee\ntitle: Coffee morning\nversion: 1\nsteps:\n"
        "  - id: ask\n    ask: Are you coming?\n    expect: {type: yesno}\n    next: nowhere\n"
    )
    (extra / "weekly-checkin.yaml").write_text(  # replacing a shipped flow is allowed
        "flow: weekly-checkin\ntitle: Short check-in\nversion: 9\nsteps:\n"
        "  - id: how\n    ask: How are you, 0 to 10?\n    expect: {type: number}\n"
        "    next: coffee_time\n"
        "  - id: coffee_time\n    do: [{start: coffee}]\n"
    )
    with pytest.raises(FlowError) as raised:
        Library.load(extra)
    assert str(raised.value).splitlines() == [
        "1 problem(s) in the flow files:",
        f"  {extra / 'coffee.yaml'}: step 'ask': next: goes to unknown step 'nowhere'",
    ]
    (extra / "coffee.yaml").write_text((extra / "coffee.yaml").read_text().replace("nowhere", "end"))
    library = Library.load(extra)
    assert library["weekly-checkin"].flow.version == 9 and "coffee" in library

    (extra / "coffee.yaml").write_text("flow: [")
    (tmp_path / "copro.toml").write_text(f'[flows]\nextra_dir = "{extra}"\n')
    done = subprocess.run([sys.executable, "-m", "bot", "chat"], cwd=tmp_path, input="hello\n",
                          capture_output=True, text=True, timeout=60,
                          env={k: v for k, v in os.environ.items() if not k.startswith("COPRO_")})
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert "Error: 2 problem(s) in the flow files:" in done.stderr  # bad YAML, so no "coffee"
    assert "coffee.yaml" in done.stderr and "starts unknown flow 'coffee'" in done.stderr


def test_a_message_longer_than_two_sms_is_a_warning(tmp_path: Path) -> None:
    long = "Please tell us how the new meeting room worked for you and your carer. " * 5
    (tmp_path / "long.yaml").write_text(
        "flow: long\ntitle: {en: Long, cy: Hir}\nversion: 1\nlanguages: [en, cy]\nsteps:\n"
        f"  - id: tell\n    say: {{en: \"{long}\", cy: \"Diolch yn fawr am ddod i'r cyfarfod.\"}}\n"
        "  - id: short\n    ask: {en: \"Grŵp?\", cy: \"Grŵp?\"}\n"
        "    expect: {type: choice, options: [{value: a, label: {en: 'Yes', cy: 'Ie'}},"
        " {value: b, label: {en: 'No', cy: 'Na'}}]}\n"
    )
    found = check_paths([tmp_path / "long.yaml"])
    assert [str(p) for p in found] == [
        f"{tmp_path / 'long.yaml'}: step 'tell': say: warning: the en text is 354 characters "
        "with everyday values, 3 SMS in GSM-7: keep it to 2 for basic phones",
    ]


def test_a_step_may_not_be_called_end() -> None:
    # The engine takes a goto (or falling off the last step) to "end" as the end of the
    # flow, so a step of that name would be skipped without a word.
    f = str(BROKEN / "reserved_step.yaml")
    assert problems("reserved_step.yaml") == [
        f"{f}: step 'end': id: 'end' is reserved for the end of the flow: give the step another id",
        f"{f}: step 'end': no step leads here (unreachable)",
    ]


def test_a_step_called_end_stops_copro_starting(tmp_path: Path) -> None:
    extra = tmp_path / "my-flows"
    extra.mkdir()
    (extra / "reserved.yaml").write_text((BROKEN / "reserved_step.yaml").read_text())
    with pytest.raises(FlowError) as raised:
        Library.load(extra)
    assert "step 'end': id: 'end' is reserved" in str(raised.value)


def test_templates_that_fail_when_rendered_are_errors() -> None:
    f = str(BROKEN / "render_faults.yaml")
    given, none = "(en, every answer given)", "(en, no answer given)"
    assert problems("render_faults.yaml") == [
        f"{f}: step 'note': say: fails with sample values {given}: template error: "
        "access to attribute '__class__' of 'str' object is unsafe",
        f"{f}: step 'note': ask: fails with sample values {given}: template error: "
        "Range too big. The sandbox blocks ranges larger than MAX_RANGE (100000).",
        f"{f}: step 'note': retry: fails with sample values {given}: template error: "
        "[<class 'decimal.ConversionSyntax'>]",
        f"{f}: step 'score': next.0.if: fails with sample values {given}: expression error: "
        "'>' not supported between instances of 'str' and 'int'",
        f"{f}: step 'thanks': say: fails with sample values {none}: template error: "
        "unsupported operand type(s) for +: 'NoneType' and 'int'",
        f"{f}: step 'thanks': do.0.text: comes out 6399 characters with sample values {given}: "
        "a message can be at most 1600",
    ]


def test_the_fixed_texts_are_rendered_in_each_language() -> None:
    assert check_fixed_texts() == []
    broken = types.ModuleType("texts")
    broken.GOOD = {"en": "Hello {{ participant.name }}.", "cy": "Helo {{ participant.name }}."}
    broken.HUGE = {"en": "{% for i in range(people * 10000) %}x{% endfor %}", "cy": "Iawn"}
    broken.UNCLOSED = {"en": "Hello {{ participant.name", "cy": "Helo"}
    broken.RAISES = {"en": "Fine", "cy": "{{ claim.amount | money }}"}
    broken.not_a_text = {"en": "{{ ignored.__class__ }}"}
    assert [str(p) for p in check_fixed_texts(broken, "texts.py")] == [
        "texts.py: HUGE.en: fails with sample values (en): template error: "
        "Range too big. The sandbox blocks ranges larger than MAX_RANGE (100000).",
        "texts.py: UNCLOSED.en: template error: unexpected end of template, expected 'end of print "
        "statement'.",
        "texts.py: RAISES.cy: fails with sample values (cy): template error: "
        "[<class 'decimal.ConversionSyntax'>]",
    ]


def test_the_command_and_the_start_check_the_fixed_texts(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(texts, "NOT_UNDERSTOOD", {"en": "Sorry {{ participant.__class__ }}",
                                                  "cy": "Mae'n ddrwg gen i"})
    result = CliRunner().invoke(main, ["flows", "check"])
    assert result.exit_code == 1
    assert ("bot/language/texts.py: NOT_UNDERSTOOD.en: fails with sample values (en): template "
            "error: access to attribute '__class__' of 'dict' object is unsafe") in result.output
    library._shipped.cache_clear()
    try:
        with pytest.raises(FlowError, match=r"NOT_UNDERSTOOD\.en: fails with sample values"):
            Library.load()
    finally:
        library._shipped.cache_clear()


def test_a_notifying_step_whose_say_promises_contact_is_a_warning(tmp_path: Path) -> None:
    # The step cannot know whether anyone was told: a person would be promised a call
    # that may never come. The promise belongs in the notify's told.
    (tmp_path / "ask.yaml").write_text(
        "flow: ask\ntitle: {en: Ask, cy: Gofyn}\nversion: 1\nlanguages: [en, cy]\nsteps:\n"
        "  - id: person\n"
        "    say: {en: \"We have asked someone to contact you.\", cy: \"Rydyn ni wedi gofyn i rywun.\"}\n"
        "    do:\n"
        "      - {notify: coordinators, text: \"Call {{ participant.name }}.\",\n"
        "         told: {en: \"A coordinator will get in touch.\", cy: \"Bydd cydlynydd yn cysylltu.\"}}\n"
    )
    found = [str(p) for p in check_paths([tmp_path / "ask.yaml"])]
    promise = ("promises contact, but no one may have been told: put that in the notify's told "
               "(and the honest words in untold)")
    assert found == [
        f"{tmp_path / 'ask.yaml'}: step 'person': say: warning: the en text {promise}",
        f"{tmp_path / 'ask.yaml'}: step 'person': say: warning: the cy text {promise}",
    ]


def test_a_promise_in_a_later_step_of_a_notifying_flow_is_a_warning_too(tmp_path: Path) -> None:
    # The meeting invitation's last step said "We will let the organisers know what you
    # need" after the notify, whether or not the notice reached anyone.
    (tmp_path / "later.yaml").write_text(
        "flow: later\ntitle: {en: Later, cy: Wedyn}\nversion: 1\nlanguages: [en, cy]\nsteps:\n"
        "  - id: needs\n"
        "    do:\n"
        "      - {notify: coordinators, text: \"They need a lift.\"}\n"
        "  - id: thanks\n"
        "    say: {en: \"Thank you. We will let the organisers know.\", cy: \"Diolch.\"}\n"
    )
    found = [str(p) for p in check_paths([tmp_path / "later.yaml"])]
    assert found == [f"{tmp_path / 'later.yaml'}: step 'thanks': say: warning: the en text "
                     "promises contact, but no one may have been told: put that in the notify's "
                     "told (and the honest words in untold)"]


def test_a_notify_told_in_one_language_only_is_an_error(tmp_path: Path) -> None:
    # What the person hears must be in their language, unlike the notice to staff.
    (tmp_path / "told.yaml").write_text(
        "flow: told\ntitle: {en: Told, cy: Dweud}\nversion: 1\nlanguages: [en, cy]\nsteps:\n"
        "  - id: person\n"
        "    do:\n"
        "      - {notify: coordinators, text: \"Call them.\", told: \"Someone will call.\"}\n"
    )
    found = [str(p) for p in check_paths([tmp_path / "told.yaml"])]
    assert found == [f"{tmp_path / 'told.yaml'}: step 'person': do.0.told: missing translation: "
                     "give a text for each of en, cy"]


def test_a_flow_taken_by_phone_says_how_the_keypad_takes_each_question() -> None:
    found = problems("by_phone.yaml")
    f = str(BROKEN / "by_phone.yaml")
    assert found == [
        f"{f}: step 'note': voice: a keypad cannot answer a text question, and this flow is "
        "taken by phone call (voice: true): add voice: skip or voice: record",
        f"{f}: step 'spent': voice: voice: skip needs expect.skip: true, or the call cannot "
        "move on",
        f"{f}: step 'liked': voice: voice: record belongs to a text or media question, not yesno",
    ]
