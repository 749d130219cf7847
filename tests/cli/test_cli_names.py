"""Names a coordinator types: groups in any case and spacing, with the nearest name
suggested; renaming and removing groups; taking people out of a group or changing
their role; and finding one person (WHO) however they are written."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from bot.cli.main import main
from storage import groups, participants
from tests import records
from tests.cli.test_cli_records import look


@pytest.fixture
def env(tmp_path: Path, database_url: str) -> dict[str, str]:
    return {"COPRO_DATA_DIR": str(tmp_path / "data"), "COPRO_DATABASE_URL": database_url,
            "COPRO_CONFIG": ""}


def copro(env: dict[str, str], *args: str) -> Result:
    result = CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)
    assert "Traceback" not in result.output
    return result


def test_a_group_is_one_group_whatever_its_case_and_spacing(env: dict[str, str]) -> None:
    assert copro(env, "groups", "add", "Riverside Voices").exit_code == 0
    twice = copro(env, "groups", "add", "riverside   voices")
    assert twice.exit_code == 1
    assert "there is already a group called 'Riverside Voices'" in twice.output
    copro(env, "participants", "add", "--name", "Ann Jones", "--phone", "07700 900001",
          "--group", " RIVERSIDE voices")
    listed = copro(env, "groups", "members", "riverside voices")
    assert listed.exit_code == 0 and "Ann Jones (member; sms;" in listed.output
    slip = copro(env, "groups", "members", "Riverside Vioces")
    assert slip.exit_code == 1
    assert "there is no group called 'Riverside Vioces': did you mean 'Riverside Voices'?" in slip.output
    far = copro(env, "groups", "members", "Hill Walkers")
    assert "there is no group called 'Hill Walkers' (groups: Riverside Voices)" in far.output
    assert [g.name for g in look(env, groups.all_groups)] == ["Riverside Voices"]


def test_an_import_never_makes_a_group_without_being_asked(env: dict[str, str], tmp_path: Path) -> None:
    copro(env, "groups", "add", "Riverside Voices")
    sheet = tmp_path / "people.csv"
    sheet.write_text("name,phone,group\nAnn,07700 900001,riverside voices\n"
                     "Bob,07700 900002,Riverside Vocies\nCai,07700 900003,Hill Walkers\n",
                     encoding="utf-8")
    refused = copro(env, "participants", "import", str(sheet))
    assert refused.exit_code == 1
    assert ("no group called 'Riverside Vocies' (did you mean 'Riverside Voices'?), 'Hill Walkers': "
            "nothing was imported.") in refused.output
    assert "--create-groups" in refused.output
    assert look(env, participants.all_ids) == []
    made = copro(env, "participants", "import", str(sheet), "--create-groups")
    assert made.exit_code == 0 and made.output.startswith("3 added, 0 added to another group")
    assert "Made the group 'Riverside Vocies'." in made.output
    assert "Made the group 'Hill Walkers'." in made.output
    assert "riverside voices" not in made.output  # Ann joined the group that was there


def test_groups_are_renamed_and_removed(env: dict[str, str]) -> None:
    copro(env, "groups", "add", "Riverside Vocies")
    copro(env, "groups", "add", "Hill Walkers")
    renamed = copro(env, "groups", "rename", "riverside vocies", "Riverside Voices")
    assert renamed.output == "Group 'Riverside Vocies' is now called 'Riverside Voices'.\n"
    clash = copro(env, "groups", "rename", "Riverside Voices", "hill walkers")
    assert clash.exit_code == 1 and "there is already a group called 'Hill Walkers'" in clash.output
    copro(env, "participants", "add", "--name", "Ann", "--phone", "07700 900001",
          "--group", "Hill Walkers")
    kept = copro(env, "groups", "remove", "Hill Walkers")
    assert kept.exit_code == 1
    assert ("'Hill Walkers' still has 1 people (they stay in copro and in their other groups), "
            "0 meeting(s) and 0 poll(s), which are deleted with it; give --force") in kept.output
    gone = copro(env, "groups", "remove", "Hill Walkers", "--force")
    assert gone.exit_code == 0 and gone.output.startswith("Group 'Hill Walkers' removed, with 1 people")
    assert "Ann" in copro(env, "participants", "list").output
    assert copro(env, "groups", "remove", "Riverside Voices").output == (
        "Group 'Riverside Voices' removed, with 0 people (they stay in copro and in their other "
        "groups), 0 meeting(s) and 0 poll(s), which are deleted with it.\n")
    kinds = [e.kind for e in look(env, records.audit_events)]
    assert kinds.count("group_removed") == 2 and "group_renamed" in kinds


def test_someone_is_taken_out_of_a_group_or_given_another_role(env: dict[str, str]) -> None:
    copro(env, "groups", "add", "Riverside Voices")
    copro(env, "participants", "add", "--name", "Sam Evans", "--phone", "07700 900456",
          "--group", "Riverside Voices")
    made = copro(env, "participants", "role", "sam evans", "riverside voices", "coordinator")
    assert made.output.startswith(
        "Sam Evans (participant 1) is now coordinator of Riverside Voices (was member).\n")
    again = copro(env, "participants", "role", "1", "Riverside Voices", "coordinator")
    assert again.exit_code == 1 and "already coordinator of Riverside Voices" in again.output
    members = copro(env, "groups", "members", "Riverside Voices").output
    assert "Sam Evans (coordinator; sms;" in members
    out = copro(env, "participants", "remove-from", "+44 7700 900456", "Riverside Voices")
    assert out.output.startswith(
        "Sam Evans (participant 1) is no longer in Riverside Voices (was coordinator).\n")
    assert 'Problem: group "Riverside Voices": no coordinator.' in out.output
    emptied = copro(env, "groups", "members", "Riverside Voices").output
    assert emptied == "No one is in Riverside Voices yet.\n"
    not_in = copro(env, "participants", "remove-from", "1", "Riverside Voices")
    assert not_in.exit_code == 1 and "participant 1 is not in Riverside Voices" in not_in.output
    kinds = [e.kind for e in look(env, records.audit_events)]
    assert "role_changed" in kinds and "membership_removed" in kinds


@pytest.mark.parametrize("who", ["07700 900456", "+44 7700 900456", "447700900456", "+447700900456",
                                 "07700900456", "sam evans", "SAM EVANS", " Sam  Evans ", "1"])
def test_one_person_is_found_however_they_are_written(env: dict[str, str], who: str) -> None:
    copro(env, "participants", "add", "--name", "Sam Evans", "--phone", "07700 900456")
    changed = copro(env, "participants", "change", who, "--language", "cy")
    assert changed.output == "Changed the language of participant 1.\n"


def test_when_several_match_they_are_listed_and_none_is_picked(env: dict[str, str]) -> None:
    copro(env, "groups", "add", "Riverside Voices")
    copro(env, "groups", "add", "Hill Walkers")
    copro(env, "participants", "add", "--name", "Sam", "--phone", "07700 900456",
          "--group", "Riverside Voices")
    copro(env, "participants", "add", "--name", "sam", "--phone", "07700 900457",
          "--group", "Hill Walkers")
    both = copro(env, "participants", "change", "Sam", "--language", "cy")
    assert both.exit_code == 1
    assert both.output == (
        "Error: 2 participants match 'Sam'; give the number of the one you mean:\n"
        "  1: Sam (Riverside Voices; +44*******456)\n"
        "  2: sam (Hill Walkers; +44*******457)\n")
    nobody = copro(env, "participants", "change", "Samuel", "--language", "cy")
    assert nobody.exit_code == 1 and "no participant matches 'Samuel'" in nobody.output
    handle = copro(env, "participants", "change", "@sam_e", "--language", "cy")
    assert handle.exit_code == 1 and "no one on Telegram goes by '@sam_e'" in handle.output


@pytest.mark.parametrize("who", ["@sam_evans", "sam_evans", "@SAM_Evans"])
def test_a_telegram_username_names_the_person_in_every_command(env: dict[str, str], who: str) -> None:
    copro(env, "groups", "add", "Riverside Voices")
    copro(env, "participants", "add", "--name", "Sam Evans", "--telegram", "5551", "--group",
          "Riverside Voices", "--role", "coordinator")
    copro(env, "participants", "add", "--name", "Ann Jones", "--phone", "07700 900001",
          "--group", "Riverside Voices")
    look(env, lambda s: participants.set_username(s, "telegram", "5551", "Sam_Evans"))
    changed = copro(env, "participants", "change", who, "--language", "cy")
    assert changed.output == "Changed the language of participant 1.\n"
    assert copro(env, "invite", who).exit_code == 0
    assert copro(env, "--by", who, "participants", "role", "Ann Jones", "Riverside Voices",
                 "safeguarding").exit_code == 0
    roles = [e for e in look(env, records.audit_events) if e.kind == "role_changed"]
    assert roles[-1].actor == "participant:1"  # Sam, named by their username


def test_a_username_that_is_someone_elses_name_lists_both(env: dict[str, str]) -> None:
    copro(env, "participants", "add", "--name", "Sam Evans", "--telegram", "5551")
    copro(env, "participants", "add", "--name", "samevans", "--phone", "07700 900001")
    look(env, lambda s: participants.set_username(s, "telegram", "5551", "samevans"))
    both = copro(env, "participants", "change", "samevans", "--language", "cy")
    assert both.exit_code == 1
    assert both.output.startswith("Error: 2 participants match 'samevans'; give the number")
