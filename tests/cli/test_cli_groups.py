"""The command line for groups, their check-in schedule, and meetings."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from sqlalchemy.ext.asyncio import AsyncSession

from bot.cli.main import main
from storage import groups, jobs, meetings, participants
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


def test_groups_are_added_listed_and_scheduled(env: dict[str, str]) -> None:
    added = copro(env, "groups", "add", "Riverside Voices")
    assert added.exit_code == 0
    assert added.output == (
        "Group 'Riverside Voices' added. Weekly check-in: Mondays at 10am "
        "(Europe/London), flow weekly-checkin.\n"
        'Problem: group "Riverside Voices": no coordinator. To fix: copro participants add '
        '--name NAME --phone NUMBER --group "Riverside Voices" --role coordinator\n'
        'Warning: group "Riverside Voices": no safeguarding lead. To fix: copro participants add '
        '--name NAME --phone NUMBER --group "Riverside Voices" --role safeguarding\n')
    assert copro(env, "groups", "add", "Riverside Voices").exit_code == 1
    changed = copro(env, "groups", "schedule", "Riverside Voices", "--day", "thursday",
                    "--time", "14:30")
    assert changed.output == ("Riverside Voices: weekly check-in Thursdays at 2:30pm "
                              "(Europe/London), flow weekly-checkin.\n")
    assert "Riverside Voices: 0 people; check-in Thursdays at 2:30pm" in copro(env, "groups", "list").output
    off = copro(env, "groups", "schedule", "Riverside Voices", "--off")
    assert off.output == "Riverside Voices: weekly check-in off.\n"
    for bad, words in (
        (["--time", "25:00"], "expected a time of day as HH:MM"),
        (["--timezone", "Mars/Olympus"], "unknown timezone 'Mars/Olympus'"),
        (["--flow", "nothing"], "there is no flow 'nothing'"),
    ):
        refused = copro(env, "groups", "schedule", "Riverside Voices", *bad)
        assert refused.exit_code == 2 and words in refused.output
    unknown = copro(env, "groups", "schedule", "Nobody", "--on")
    assert unknown.exit_code == 1 and "there is no group called 'Nobody'" in unknown.output


def test_a_groups_own_name_and_coordinator_are_set_shown_and_cleared(env: dict[str, str]) -> None:
    assert copro(env, "groups", "add", "Riverside Voices", "--coordinator", "Sam on 01234 567890"
                 ).exit_code == 0
    copro(env, "groups", "add", "Hill Walkers")
    listed = copro(env, "groups", "list").output
    # What each group's members read, in each language; Welsh falls back to the words as written.
    assert ("  English: Riverside Voices; contact Sam on 01234 567890\n"
            "  Welsh: Riverside Voices; contact Sam on 01234 567890\n") in listed
    assert ("  English: Hill Walkers; contact your coordinator\n"
            "  Welsh: Hill Walkers; contact eich cydlynydd\n") in listed
    edited = copro(env, "groups", "edit", "riverside voices", "--welsh-name", "Lleisiau Glan yr Afon",
                   "--welsh-coordinator", "Sam ar 01234 567890")
    assert edited.output == ("Group 'Riverside Voices' changed. Its members read:\n"
                             "  English: Riverside Voices; contact Sam on 01234 567890\n"
                             "  Welsh: Lleisiau Glan yr Afon; contact Sam ar 01234 567890\n")
    cleared = copro(env, "groups", "edit", "Riverside Voices", "--coordinator", "",
                    "--welsh-coordinator", "")
    assert "  English: Riverside Voices; contact your coordinator\n" in cleared.output
    nothing = copro(env, "groups", "edit", "Riverside Voices")
    assert nothing.exit_code == 2 and "say what to change: --coordinator" in nothing.output
    slip = copro(env, "groups", "edit", "Riverside Vioces", "--coordinator", "Jo")
    assert slip.exit_code == 1 and "did you mean 'Riverside Voices'?" in slip.output
    assert {e.kind for e in look(env, records.audit_events)} >= {"group_words"}


def test_members_of_a_group_with_their_roles(env: dict[str, str]) -> None:
    copro(env, "groups", "add", "Riverside Voices")

    async def join(s: AsyncSession) -> int:
        group = await groups.get_group_by_name(s, "Riverside Voices")
        assert group is not None
        ann = await participants.create(s, channel="sms", address="+447700900001", name="Ann")
        await groups.add_member(s, group, ann)
        await groups.add_member(s, group, ann, "coordinator")
        return ann.id

    ann = look(env, join)
    listed = copro(env, "groups", "members", "Riverside Voices").output
    assert listed.strip() == f"{ann}  Ann (coordinator, member; sms; active, no consent yet)"


def test_meetings_are_added_listed_moved_and_cancelled(env: dict[str, str]) -> None:
    copro(env, "groups", "add", "Riverside Voices")
    soon = datetime.now(UTC) + timedelta(days=10)
    at = f"{soon:%Y-%m-%d} 2pm"
    added = copro(env, "meetings", "add", "--group", "Riverside Voices", "--title", "Planning day",
                  "--at", at, "--where", "the Library, Room 2", "--duration", "2h")
    assert added.exit_code == 0 and added.output.startswith("Meeting 1 added: Planning day, ")
    kept = look(env, lambda s: meetings.get(s, 1))
    assert kept is not None and kept.minutes == 120 and kept.place == "the Library, Room 2"
    listed = copro(env, "meetings", "list").output
    assert "Riverside Voices: Planning day" in listed and "at 2pm, at the Library, Room 2" in listed
    assert "(0 yes, 0 maybe, 0 no)" in listed

    moved = copro(env, "meetings", "move", "1", "--at", f"{soon + timedelta(days=7):%Y-%m-%d} 14:00")
    assert moved.exit_code == 0 and "0 people will be told" in moved.output
    planned = look(env, lambda s: jobs.about(s, "meeting:1"))
    assert {(j.key.split(":")[2], j.status) for j in planned} == {("v1", "cancelled"), ("v2", "pending")}
    assert copro(env, "meetings", "cancel", "1").exit_code == 0
    again = copro(env, "meetings", "cancel", "1")
    assert again.exit_code == 1 and "that meeting is already cancelled" in again.output
    assert copro(env, "meetings", "list").output == "No meetings.\n"
    assert "[CANCELLED]" in copro(env, "meetings", "list", "--all").output


def test_meeting_times_that_cannot_be_used_are_refused(env: dict[str, str]) -> None:
    copro(env, "groups", "add", "Riverside Voices")
    base = ["meetings", "add", "--group", "Riverside Voices", "--title", "Planning day"]
    for at, words in (
        ("next tuesday", "is not a day and time"),
        ("2026-02-30 14:00", "day is out of range for month"),
        ("2020-01-01 14:00", "that time has already passed: Wednesday 1 January 2020 at 2pm"),
        ("2099-01-01 13pm", "the hour must be 1 to 12 with am or pm"),
    ):
        refused = copro(env, *base, "--at", at)
        assert refused.exit_code in (1, 2) and words in refused.output, refused.output
    nobody = copro(env, "meetings", "add", "--group", "Nobody", "--title", "x", "--at", "2099-01-01 10:00")
    assert nobody.exit_code == 1 and "there is no group called 'Nobody'" in nobody.output
    assert copro(env, "meetings", "move", "42", "--at", "2099-01-01 10:00").exit_code == 1


def test_every_command_reads_a_time_the_same_way(env: dict[str, str]) -> None:
    copro(env, "groups", "add", "Riverside Voices")
    meeting = copro(env, "meetings", "add", "--group", "Riverside Voices", "--title", "Planning day",
                    "--at", "tomorrow 5pm")
    assert meeting.exit_code == 0 and meeting.output.endswith(" at 5pm.\n"), meeting.output
    moved = copro(env, "meetings", "move", "1", "--at", "tomorrow 2pm")
    assert moved.exit_code == 0 and " at 2pm; " in moved.output
    poll = copro(env, "polls", "add", "--group", "Riverside Voices", "--question", "Tea or coffee?",
                 "--option", "Tea", "--option", "Coffee", "--closes", "tomorrow 5pm")
    assert poll.exit_code == 0 and poll.output.endswith(" at 5pm.\n"), poll.output
    for command in (["meetings", "add", "--group", "Riverside Voices", "--title", "Day", "--at"],
                    ["meetings", "move", "1", "--at"],
                    ["polls", "add", "--group", "Riverside Voices", "--question", "Tea?",
                     "--option", "Yes", "--option", "No", "--closes"]):
        bare = copro(env, *command, "2099-01-01")
        assert bare.exit_code == 2 and "'2099-01-01' has a day but no time: add one" in bare.output


def test_a_meeting_added_twice_is_refused_unless_meant(env: dict[str, str]) -> None:
    copro(env, "groups", "add", "Riverside Voices")
    base = ["meetings", "add", "--group", "Riverside Voices", "--at", "2099-01-01 2pm"]
    assert copro(env, *base, "--title", "Planning day").exit_code == 0
    again = copro(env, *base, "--title", "planning day")
    assert again.exit_code == 1
    assert ("Riverside Voices already has 'planning day' at that time (meeting 1); give "
            "--allow-duplicate to add another") in again.output
    assert copro(env, *base, "--title", "Coffee morning").exit_code == 0  # another title: fine
    meant = copro(env, *base, "--title", "Planning day", "--allow-duplicate")
    assert meant.exit_code == 0 and meant.output.startswith("Meeting 3 added")
