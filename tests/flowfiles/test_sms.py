"""How every message goes as SMS, in both languages: ``copro flows check --sms`` and the
warnings of ``copro flows check``. A name with an accent sends a whole text as UCS-2 (70
characters a part, not 160), so messages are measured with one as well as with plain and
long values."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from bot.cli.main import main
from bot.flowfiles import sms
from bot.flowfiles.checker import check_paths, sms_lengths
from bot.flowfiles.library import flow_paths
from bot.flowfiles.reading import shipped_files
from bot.language import texts
from tests.language.test_wording import NEEDED

SHIPPED = Path(__file__).parents[2] / "flows"


def shipped_lengths() -> list[sms.Length]:
    return sms_lengths(list(shipped_files()))


def test_every_message_and_fixed_text_is_measured_in_both_languages_and_all_three_value_sets() -> None:
    lengths = shipped_lengths()
    fixed = {key for key, value in vars(texts).items()
             if key.isupper() and isinstance(value, dict) and set(value) == {"en", "cy"}}
    measured = {(x.field, x.lang, x.values) for x in lengths if x.step is None}
    missing = {(key, lang, values) for key in fixed for lang in ("en", "cy")
               for values in (sms.EVERYDAY, sms.ACCENT, sms.LONG)} - measured
    assert missing == set()
    first = {(x.lang, x.values): x for x in lengths
             if x.file.endswith("weekly-checkin.yaml") and x.step == "life_satisfaction" and x.field == "ask"}
    assert set(first) == {(lang, values) for lang in ("en", "cy")
                          for values in (sms.EVERYDAY, sms.ACCENT, sms.LONG)}


def test_a_name_with_an_accent_no_longer_doubles_the_first_check_in_question() -> None:
    # Before: "Hello Siân. It is time ... Overall, how satisfied ..." was 2 parts for Sam,
    # 4 for Siân and 5 for a long name (UCS-2). Now the name is left out of it.
    first = [x for x in shipped_lengths()
             if x.file.endswith("weekly-checkin.yaml") and x.step == "life_satisfaction"]
    assert len(first) == 2 * 3 * 3  # ask, retry, nudge; two languages; three sets of values
    for x in first:
        assert (x.encoding, x.parts <= 2) == ("GSM-7", True), x


def test_what_participants_get_is_plain_gsm_with_everyday_values_in_both_languages() -> None:
    # Welsh is spelt correctly, but where an equally correct wording avoids a circumflex
    # (the group's name for "y grŵp", "wedi'i gymeradwyo") copro uses it: one "ŵ" makes a
    # whole text cost about twice as much. Words with no such wording ("pôl", "nôl", see
    # tests/language/test_wording.py) are the only exceptions.
    def needed(x: sms.Length) -> bool:
        source = getattr(texts, x.field, {}).get(x.lang, "") if x.step is None else ""
        return any(word in source.lower() for word in NEEDED)

    ucs2 = [(x.file, x.where, x.lang, x.not_gsm) for x in shipped_lengths()
            if x.values == sms.EVERYDAY and x.encoding == "UCS-2" and not needed(x)
            and not (x.step is None and x.field.startswith(sms.STAFF_TEXTS))]
    assert ucs2 == []


def test_no_participant_message_needs_more_than_two_parts_unless_it_must() -> None:
    assert [(x.file, x.where, x.lang, x.values, x.parts) for x in sms.too_long(shipped_lengths())] == []
    # ... and what is allowed to be longer says why.
    assert all(reason for reason in sms.LONG_ALLOWED.values())


def test_a_value_that_turns_a_text_into_ucs2_is_a_warning(tmp_path: Path) -> None:
    # About 150 characters of plain English: one part with "Sam", three with "Siân" (UCS-2).
    words = ("thank you for coming to the meeting on Tuesday, it was good to see you there and "
             "we hope you can come again next time with your family")
    (tmp_path / "thanks.yaml").write_text(
        "flow: thanks\ntitle: {en: Thanks, cy: Diolch}\nversion: 1\nlanguages: [en, cy]\nsteps:\n"
        "  - id: thanks\n"
        f"    say: {{en: \"Hello {{{{ participant.name }}}}, {words}.\", cy: \"Diolch.\"}}\n"
    )
    found = [str(p) for p in check_paths([tmp_path / "thanks.yaml"])]
    assert len(found) == 1
    assert "step 'thanks': say: warning: the en text is" in found[0]
    assert "with a name with an accent, 3 SMS in UCS-2 (UCS-2 because of â)" in found[0]


def test_the_sms_table_lists_each_message_with_its_parts_and_a_summary() -> None:
    result = CliRunner().invoke(main, ["flows", "check", "--sms"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    question = [line for line in lines if "weekly-checkin.yaml: step 'life_satisfaction': ask [cy]" in line]
    assert len(question) == 1
    assert "everyday values" in question[0] and "a name with an accent" in question[0]
    assert "long values" in question[0] and "part(s) GSM-7" in question[0]
    assert any(line.startswith("bot/language/texts.py: HELP [cy]:") for line in lines)
    for lang in ("en", "cy"):
        for values in (sms.EVERYDAY, sms.ACCENT, sms.LONG):
            assert any(line.startswith(f"{lang}, {values}: ") and "in UCS-2" in line for line in lines)
    assert lines[-1] == f"{len(flow_paths([SHIPPED]))} flow file(s) checked: 0 error(s), 0 warning(s)."


def test_the_sms_table_of_given_files_leaves_out_the_fixed_texts() -> None:
    result = CliRunner().invoke(main, ["flows", "check", "--sms", str(SHIPPED / "menu.yaml")])
    assert result.exit_code == 0, result.output
    assert "menu.yaml: step 'choose': ask [en]" in result.output
    assert "bot/language/texts.py" not in result.output
