"""The command line for polls and broadcasts."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner, Result
from sqlalchemy.ext.asyncio import AsyncSession

from bot.cli.main import main
from bot.language import when
from storage import groups, participants, polls
from tests.cli.test_cli_records import look


@pytest.fixture
def env(tmp_path: Path, database_url: str) -> dict[str, str]:
    return {"COPRO_DATA_DIR": str(tmp_path / "data"), "COPRO_DATABASE_URL": database_url,
            "COPRO_CONFIG": ""}


def copro(env: dict[str, str], *args: str) -> Result:
    result = CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)
    assert "Traceback" not in result.output
    return result


def a_group(env: dict[str, str]) -> None:
    copro(env, "groups", "add", "Riverside Voices")

    async def join(s: AsyncSession) -> None:
        group = await groups.get_group_by_name(s, "Riverside Voices")
        assert group is not None
        for n, name in enumerate(["Ann", "Ben"], start=1):
            person = await participants.create(s, channel="sms", address=f"+44770090000{n}",
                                               name=name)
            await participants.record_consent(s, person, datetime.now(UTC))
            await groups.add_member(s, group, person)

    look(env, join)


def test_a_poll_from_the_command_line(env: dict[str, str]) -> None:
    a_group(env)
    closes = f"{datetime.now(UTC) + timedelta(days=3):%Y-%m-%d} 17:00"
    added = copro(env, "polls", "add", "--group", "Riverside Voices", "--question", "Tea or coffee?",
                  "--option", "Tea", "--option", "Coffee", "--welsh-question", "Te neu goffi?",
                  "--welsh-option", "Te", "--welsh-option", "Coffi", "--closes", closes)
    assert added.exit_code == 0 and added.output.startswith("Poll 1 sent to Riverside Voices")
    kept = look(env, lambda s: polls.get(s, 1))
    assert kept is not None and kept.question == {"en": "Tea or coffee?", "cy": "Te neu goffi?"}
    assert "Tea or coffee?  [open, 0 answered" in copro(env, "polls", "list").output
    shown = copro(env, "polls", "results", "1").output
    assert shown == "Tea or coffee? (open)\n  Tea: 0 (0%)\n  Coffee: 0 (0%)\n0 of 2 people answered.\n"
    table = list(csv.reader(io.StringIO(copro(env, "polls", "results", "1", "--csv").stdout_bytes
                                   .decode("utf-8-sig"))))
    assert table == [["option", "votes", "percent_of_voters"], ["Tea", "0", "0"], ["Coffee", "0", "0"]]
    closed = copro(env, "polls", "close", "1")
    assert closed.exit_code == 0 and "Poll 1 closed" in closed.output
    assert copro(env, "polls", "close", "1").exit_code == 1


def test_bad_polls_are_refused(env: dict[str, str]) -> None:
    a_group(env)
    later = f"{datetime.now(UTC) + timedelta(days=3):%Y-%m-%d} 17:00"
    base = ["polls", "add", "--group", "Riverside Voices", "--question", "Tea?"]
    one = copro(env, *base, "--option", "Tea", "--closes", later)
    assert one.exit_code == 1 and "a poll needs 2 to 10 options" in one.output
    past = copro(env, *base, "--option", "Tea", "--option", "Coffee", "--closes", "2020-01-01 10:00")
    assert past.exit_code == 1 and ("the closing time must be at least 5 minutes from now: it was "
                                    "read as Wednesday 1 January 2020 at 10am") in past.output
    uneven = copro(env, *base, "--option", "Tea", "--option", "Coffee", "--welsh-option", "Te",
                   "--closes", later)
    assert uneven.exit_code == 2 and "one --welsh-option for each --option" in uneven.output
    nobody = copro(env, "polls", "add", "--group", "Nobody", "--question", "x", "--option", "a",
                   "--option", "b", "--closes", later)
    assert nobody.exit_code == 1 and "there is no group called 'Nobody'" in nobody.output
    assert copro(env, "polls", "results", "9").exit_code == 1


def test_a_broadcast_and_its_summary(env: dict[str, str]) -> None:
    a_group(env)
    sent = copro(env, "broadcast", "--group", "Riverside Voices", "--text", "The hall is closed.",
                 "--welsh", "Mae'r neuadd ar gau.", "--yes")
    assert sent.exit_code == 0 and sent.output.startswith("Broadcast 1 for 2 people: ")
    shown = copro(env, "broadcasts", "show", "1").output
    assert "[en] The hall is closed.\n[cy] Mae'r neuadd ar gau.\n" in shown
    assert "0 sent, 0 delivered, 0 failed, 0 opted out, 2 waiting" in shown
    empty = copro(env, "broadcast", "--group", "Riverside Voices", "--text", " ")
    assert empty.exit_code == 1 and "a broadcast needs its words in English" in empty.output


def test_a_broadcast_is_previewed_and_sent_only_when_confirmed(env: dict[str, str]) -> None:
    copro(env, "groups", "add", "Riverside Voices")
    closed_from = (datetime.now(UTC) + timedelta(hours=2)).astimezone(ZoneInfo("Europe/London"))
    closed = (closed_from.time().replace(second=0, microsecond=0),
              (closed_from + timedelta(hours=1)).time().replace(second=0, microsecond=0))

    async def join(s: AsyncSession) -> None:
        group = await groups.get_group_by_name(s, "Riverside Voices")
        assert group is not None
        for n, (channel, address, language, hours) in enumerate([
            ("sms", "+447700900001", "en", (time(0), time(0))),       # any time: reached now
            ("telegram", "1001", "en", (time(0), time(0))),           # reached now
            ("sms", "+447700900003", "cy", closed),                   # held by contact hours
            ("sms", "+447700900004", "en", (time(0), time(0))),       # no working address
        ], start=1):
            person = await participants.create(s, channel=channel, address=address, name=f"P{n}",
                                               language=language, contact_start=hours[0],
                                               contact_end=hours[1])
            await participants.record_consent(s, person, datetime.now(UTC))
            await groups.add_member(s, group, person)
        await participants.set_address_status(s, "sms", "+447700900004", "unreachable")

    look(env, join)
    args = ["broadcast", "--group", "Riverside Voices", "--text", "The hall is closed today.",
            "--welsh", "Mae'r neuadd ar gau heddiw â'r ŵyl."]
    kept = CliRunner().invoke(main, args, env=env, input="n\n")
    lines = kept.output.splitlines()
    assert lines[:3] == ["This broadcast goes to 3 people in Riverside Voices:",
                         "  now: 1 by SMS, 1 by Telegram",
                         "  held by contact hours: 1 by SMS (the first goes "
                         f"{when.spoken(closed_from.replace(second=0, microsecond=0))})"]
    assert lines[3:6] == ["  not sent, no working address: 1",
                          "  English (2 people): 1 SMS part(s), GSM-7",
                          "  Welsh (1 people): 1 SMS part(s), UCS-2"]
    assert lines[6].startswith("Send it? [y/N]") and kept.exit_code == 1  # "Aborted!"
    assert copro(env, "broadcasts", "show", "1").exit_code == 1  # nothing was sent
    sent = CliRunner().invoke(main, args, env=env, input="y\n")
    assert sent.exit_code == 0 and "Broadcast 1 for 4 people: 2 now, 1 waiting" in sent.output
