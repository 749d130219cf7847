"""Adding people from the command line: one at a time, from a CSV file, and with invites."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from sqlalchemy.ext.asyncio import AsyncSession

from bot.cli.main import main
from bot.core.clock import utcnow
from storage import groups, invites, participants
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


def test_people_are_added_one_at_a_time(env: dict[str, str]) -> None:
    copro(env, "groups", "add", "Riverside Voices")
    added = copro(env, "participants", "add", "--name", "Ann", "--phone", "07700 900001",
                  "--group", "Riverside Voices", "--welcome")
    assert added.output.splitlines()[:2] == [
        "Added Ann as participant 1.",
        "The welcome is on its way: they will be asked for their consent."]
    assert 'Problem: group "Riverside Voices": no coordinator.' in added.output
    again = copro(env, "participants", "add", "--name", "Ann", "--phone", "+447700900001",
                  "--group", "Riverside Voices", "--role", "coordinator")
    assert again.output == (
        "Ann was already participant 1: added to Riverside Voices as coordinator.\n"
        'Warning: group "Riverside Voices": no safeguarding lead. To fix: copro participants add '
        '--name NAME --phone NUMBER --group "Riverside Voices" --role safeguarding\n')
    twice = copro(env, "participants", "add", "--name", "Ann", "--phone", "+447700900001",
                  "--group", "Riverside Voices", "--role", "coordinator")
    assert twice.exit_code == 1 and "participant 1 is already coordinator of Riverside Voices" in twice.output
    bad = copro(env, "participants", "add", "--name", "Bob", "--phone", "12345")
    assert bad.exit_code == 1 and "'12345' is not a phone number copro can text" in bad.output
    later = copro(env, "participants", "add", "--name", "Cai")
    assert "give them an invite with `copro invite 2`" in later.output
    sent = look(env, lambda s: records.messages_of_address(s, "+447700900001"))
    assert [m.status for m in sent] == ["queued"] and "Which language" in (sent[0].body or "")


def test_a_csv_file_is_imported_with_a_report_of_what_was_skipped(
    env: dict[str, str], tmp_path: Path
) -> None:
    copro(env, "participants", "add", "--name", "Dee", "--phone", "07700900009")
    copro(env, "groups", "add", "Riverside Voices")
    sheet = tmp_path / "people.csv"
    sheet.write_text(
        "Name,Phone,Telegram,Language,Group,Role\n"
        "Ann,07700 900001,,English,Riverside Voices,member\n"
        "Bryn,07700 900002,,Cymraeg,riverside  VOICES,\n"
        "Cai,,123456789,cy, Riverside voices ,coordinator\n"
        "Dee,07700900009,,,Riverside Voices,member\n"
        "Eve,not a number,,,Riverside Voices,member\n"
        "Fay,07700900006,@fay,,Riverside Voices,member\n"
        "Gus,07700900007,,French,Riverside Voices,member\n"
        "Hal,07700900008,,,Riverside Voices,boss\n"
        "Ann again,+447700900001,,,Riverside Voices,member\n"
        "Ida,020 7946 0000,,,Riverside Voices,member\n"
        " ,07700900011,,,Riverside Voices,member\n",
        encoding="utf-8",
    )
    done = copro(env, "participants", "import", str(sheet))
    assert done.exit_code == 0
    assert done.output.splitlines() == [
        "3 added, 1 added to another group, 7 skipped.",
        "  line 6: 'not a number' is not a phone number",
        "  line 7: telegram '@fay' is not a chat id (a number); leave it empty and give them an "
        "invite code instead",
        "  line 8: language 'French' is not en or cy",
        "  line 9: role 'boss' is not one of member, coordinator, safeguarding",
        "  line 10: participant 2 is already member of Riverside Voices",
        "  line 11: '020 7946 0000' is a landline, which cannot receive texts: give a mobile number",
        "  line 12: the name is empty: every person needs a name",
        "They will be asked for their consent when they first write.",
        'Warning: group "Riverside Voices": no safeguarding lead. To fix: copro participants add '
        '--name NAME --phone NUMBER --group "Riverside Voices" --role safeguarding',
    ]

    async def who(s: AsyncSession) -> list[tuple[str | None, str, list[str]]]:
        group = await groups.get_group_by_name(s, "Riverside Voices")
        assert group is not None
        found = []
        for pid in await groups.member_ids(s, group.id):
            person = await participants.get(s, pid)
            assert person is not None
            roles = [r for g, r in await groups.roles_of(s, pid) if g == group.id]
            found.append((person.name, person.language, roles))
        return found

    assert look(env, who) == [("Dee", "en", ["member"]), ("Ann", "en", ["member"]),
                              ("Bryn", "cy", ["member"]), ("Cai", "cy", ["coordinator"])]
    empty = tmp_path / "empty.csv"
    empty.write_text("just,some,columns\n")
    refused = copro(env, "participants", "import", str(empty))
    assert refused.exit_code == 1 and "the first line must name the columns" in refused.output


def test_an_invite_for_someone_known_and_for_someone_new(env: dict[str, str]) -> None:
    copro(env, "groups", "add", "Riverside Voices")
    copro(env, "participants", "add", "--name", "Ann", "--phone", "07700900001")
    known = copro(env, "invite", "Ann")
    assert known.exit_code == 0 and known.output.startswith("Invite for Ann: ")
    assert "They send /start " in known.output  # no Telegram bot configured: no link
    new = copro(env, "invite", "--group", "Riverside Voices", "--name", "Bea", "--role", "safeguarding")
    code = new.output.split(": ", 1)[1].split(" ", 1)[0]

    async def check(s: AsyncSession) -> tuple[str | None, list[tuple[int, str]]]:
        person = await invites.redeem(s, code, channel="telegram", address="555", at=utcnow())
        assert person is not None
        return person.name, await groups.roles_of(s, person.id)

    name, roles = look(env, check)
    assert name == "Bea" and [r for _, r in roles] == ["safeguarding"]
    assert copro(env, "invite").exit_code == 2


def test_a_wrong_number_is_put_right_and_waiting_messages_follow_it(env: dict[str, str]) -> None:
    copro(env, "participants", "add", "--name", "Ann", "--phone", "07700 900011", "--welcome")
    copro(env, "participants", "add", "--name", "Bob", "--phone", "07700 900002")
    fixed = copro(env, "participants", "change", "Ann", "--phone", "07700 900001", "--language", "cy")
    assert fixed.output == "Changed the language and phone of participant 1.\n"
    listed = copro(env, "participants", "list").output
    assert "+447700900001" in listed and "+447700900011" not in listed
    welcome = look(env, lambda s: records.messages_of_address(s, "+447700900001"))
    assert [m.status for m in welcome] == ["queued"]  # the welcome goes to the right number now
    assert look(env, lambda s: records.messages_of_address(s, "+447700900011")) == []

    taken = copro(env, "participants", "change", "Ann", "--phone", "07700900002")
    assert taken.exit_code == 1 and "that phone is participant 2's" in taken.output
    bad = copro(env, "participants", "change", "Ann", "--phone", "12345")
    assert bad.exit_code == 1 and "'12345' is not a phone number copro can text" in bad.output
    chat = copro(env, "participants", "change", "Ann", "--telegram", "@ann")
    assert chat.exit_code == 1 and "is not a chat id" in chat.output
    same = copro(env, "participants", "change", "Ann", "--phone", "+447700900001")
    assert same.output == "Participant 1 already had those details: nothing changed.\n"
    nothing = copro(env, "participants", "change", "Ann")
    assert nothing.exit_code == 2 and "say what to change" in nothing.output
    unknown = copro(env, "participants", "change", "Zed", "--name", "Zoe")
    assert unknown.exit_code == 1


def test_someone_named_by_a_phone_number_of_digits_alone_is_found_not_taken_for_a_number(
    env: dict[str, str],
) -> None:
    copro(env, "participants", "add", "--name", "Ann", "--phone", "+447700900001")
    # Digits alone too long for a number in copro are a phone number (on PostgreSQL this
    # was an error about the size of an integer).
    found = copro(env, "participants", "export", "+447700900001")
    assert found.exit_code == 0 and '"name": "Ann"' in found.output
    also = copro(env, "participants", "export", "447700900001")  # any way of writing it
    assert also.exit_code == 0 and '"name": "Ann"' in also.output
    unknown = copro(env, "participants", "export", "447700900099")
    assert unknown.exit_code == 1 and "447700900099" in unknown.output


def test_someone_who_cannot_text_is_reached_by_phone_call(env: dict[str, str]) -> None:
    added = copro(env, "participants", "add", "--name", "Dai", "--phone", "07700 900021",
                  "--call", "--welcome")
    assert added.output.splitlines()[:2] == [
        "Added Dai as participant 1.",
        "The welcome is on its way: they will be asked for their consent."]
    listed = copro(env, "participants", "list").output
    assert "voice +447700900021" in listed
    [welcome] = look(env, lambda s: records.messages_of_address(s, "+447700900021"))
    assert (welcome.channel, welcome.status) == ("voice", "queued")  # a call, once voice is on
    assert (welcome.display or {})["voice"]["answer"]["type"] == "choice"
    no_number = copro(env, "participants", "add", "--name", "Eve", "--call")
    assert no_number.exit_code == 2 and "--call needs --phone" in no_number.output
    texted = copro(env, "participants", "change", "Dai", "--reach", "text")
    assert texted.output == "Changed the way of reaching them of participant 1.\n"
    assert "sms +447700900021" in copro(env, "participants", "list").output
    [welcome] = look(env, lambda s: records.messages_of_address(s, "+447700900021"))
    assert welcome.channel == "sms"  # what was waiting goes by text now
    copro(env, "participants", "add", "--name", "Eve")
    nothing = copro(env, "participants", "change", "Eve", "--reach", "call")
    assert nothing.exit_code == 1 and "copro has no phone number for them" in nothing.output
