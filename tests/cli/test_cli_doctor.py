"""``copro doctor``, and the warnings of ``groups`` and ``participants`` about groups nobody can act for."""

from __future__ import annotations

import asyncio
import re
import signal
from pathlib import Path

import click
import pytest
from click.testing import CliRunner, Result

from bot.cli.main import main
from bot.core.config import load_config
from bot.flowfiles.library import Library
from bot.host.conversations import Conversations
from storage.db import Database
from tests.servers import free_port, run_env, start_copro, wait_healthy

SMS_ON = {"COPRO_TWILIO_ACCOUNT_SID": "AC" + "0" * 32, "COPRO_TWILIO_AUTH_TOKEN": "secret",
          "COPRO_TWILIO_FROM": "+447700900999"}


@pytest.fixture
def env(tmp_path: Path, database_url: str) -> dict[str, str]:
    return {"COPRO_DATA_DIR": str(tmp_path / "data"), "COPRO_DATABASE_URL": database_url,
            "COPRO_CONFIG": "", **SMS_ON}


def copro(env: dict[str, str], *args: str) -> Result:
    result = CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)
    assert "Traceback" not in result.output
    return result


def a_healthy_service(env: dict[str, str]) -> None:
    copro(env, "groups", "add", "Riverside Voices")
    for name, phone, role in (("Ann", "07700 900001", "member"), ("Sam", "07700 900002", "coordinator"),
                              ("Lee", "07700 900003", "safeguarding")):
        copro(env, "participants", "add", "--name", name, "--phone", phone,
              "--group", "Riverside Voices", "--role", role)
    copro(env, "participants", "add", "--name", "Bea", "--phone", "07700 900009", "--admin")


def test_a_healthy_service_has_no_problems(env: dict[str, str]) -> None:
    a_healthy_service(env)
    healthy = copro(env, "doctor")
    assert (healthy.exit_code, healthy.output) == (0, "No problems found.\n")
    listed = copro(env, "groups", "list").output
    assert "!" not in listed and "copro doctor" not in listed


def test_a_group_made_by_a_typo_in_an_import_is_a_problem(env: dict[str, str], tmp_path: Path) -> None:
    a_healthy_service(env)
    sheet = tmp_path / "people.csv"
    sheet.write_text("name,phone,group,role\nCai,07700 900004,Riverside Vocies,member\n",
                     encoding="utf-8")
    refused = copro(env, "participants", "import", str(sheet))
    assert refused.exit_code == 1
    assert ("no group called 'Riverside Vocies' (did you mean 'Riverside Voices'?): nothing was "
            "imported.") in refused.output
    imported = copro(env, "participants", "import", str(sheet), "--create-groups")
    assert imported.exit_code == 0
    assert "Made the group 'Riverside Vocies'." in imported.output
    assert ('Problem: group "Riverside Vocies": nobody can receive a safeguarding alert from this '
            "group.") in imported.output
    assert 'Problem: group "Riverside Vocies": no coordinator.' in imported.output

    found = copro(env, "doctor")
    assert found.exit_code == 1
    assert ('Problem: group "Riverside Vocies": no coordinator.\n'
            "  A request to talk to a person, a low check-in score or an expense claim from this "
            "group reaches nobody.\n"
            '  To fix: copro participants add --name NAME --phone NUMBER --group "Riverside Vocies" '
            "--role coordinator\n") in found.output
    assert "Riverside Voices" not in found.output
    assert found.output.endswith("2 problem(s) and 1 warning(s) found.\n")

    listed = copro(env, "groups", "list").output.splitlines()
    typo = listed.index("Riverside Vocies: 1 people; check-in Mondays at 10am (Europe/London), "
                        "flow weekly-checkin")
    assert listed[typo + 1:typo + 4] == [
        '  ! group "Riverside Vocies": nobody can receive a safeguarding alert from this group',
        '  ! group "Riverside Vocies": no coordinator',
        '  ! group "Riverside Vocies": no safeguarding lead',
    ]
    assert listed[-1] == "See how to put each right with `copro doctor`."
    assert not listed[typo - 1].startswith("  !")  # Riverside Voices, before it, lacks nothing


def test_a_coordinator_who_sent_stop_cannot_be_reached(env: dict[str, str]) -> None:
    a_healthy_service(env)

    async def stop() -> None:
        db = Database(env["COPRO_DATABASE_URL"])
        try:
            conversations = Conversations(db, Library.load(), load_config(None, env=env))
            await conversations.register_flows()
            await conversations.receive("sms", "+447700900002", "STOP")
        finally:
            await db.close()

    asyncio.run(stop())
    found = copro(env, "doctor")
    assert found.exit_code == 1
    assert ('Warning: participant 2 (coordinator of "Riverside Voices"): cannot be reached.\n'
            "  copro cannot send them alerts or requests: they sent STOP, so copro sends them "
            "nothing.\n") in found.output
    assert 'Problem: group "Riverside Voices": no coordinator who can be reached.' in found.output
    assert "Sam" not in found.output and "900002" not in found.output


def test_with_sms_off_staff_reached_by_text_cannot_be_reached(env: dict[str, str]) -> None:
    a_healthy_service(env)
    off = {k: v for k, v in env.items() if k not in SMS_ON}
    found = copro(off, "doctor")
    assert found.exit_code == 1
    assert "copro reaches them by SMS, which is off" in found.output
    assert 'Problem: group "Riverside Voices": nobody can receive a safeguarding alert' in found.output


def test_every_fix_is_a_real_command_with_real_options(env: dict[str, str], tmp_path: Path) -> None:
    copro(env, "groups", "add", "Riverside Voices")
    copro(env, "participants", "add", "--name", "Ann", "--phone", "07700 900001",
          "--group", "Riverside Voices")
    copro(env, "participants", "add", "--name", "Sam", "--group", "Riverside Voices",
          "--role", "coordinator")
    copro(env, "participants", "add", "--name", "Cai", "--phone", "07700 900004")
    fixes = [line for line in copro(env, "doctor").output.splitlines() if "To fix:" in line]
    commands = [found for line in fixes
                for found in re.findall(r"(copro [a-z]+(?: [a-z-]+)?)((?: (?:--[a-z-]+|\d+))*)", line)]
    assert len(commands) >= 5
    for command, options in commands:
        ctx = click.Context(main)
        words = command.split()[1:]
        found = main.get_command(ctx, words[0])
        assert found is not None, command
        if isinstance(found, click.Group) and len(words) > 1:
            found = found.get_command(ctx, words[1])
            assert found is not None, command
        known = {opt for param in found.params for opt in getattr(param, "opts", [])}
        for option in re.findall(r"--[a-z-]+", options):
            assert option in known, f"{command} {option}"


def test_copro_run_logs_each_problem_at_start_without_personal_data(
    env: dict[str, str], tmp_path: Path, database_url: str
) -> None:
    copro(env, "groups", "add", "Riverside Vocies")
    copro(env, "participants", "add", "--name", "Annabel", "--phone", "07700 900001",
          "--group", "Riverside Vocies")
    copro(env, "participants", "add", "--name", "Samira", "--phone", "07700 900002",
          "--group", "Riverside Vocies", "--role", "safeguarding")
    port = free_port()
    process = start_copro(tmp_path, run_env(tmp_path, database_url, port))  # no channel is on
    try:
        asyncio.run(wait_healthy(port, process))
        process.send_signal(signal.SIGTERM)
        _, err = process.communicate(timeout=15)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0, err
    warned = [line for line in err.splitlines() if "WARNING" in line and "To fix:" in line]
    assert len(warned) == 4, err
    assert ('Problem: group "Riverside Vocies": nobody can receive a safeguarding alert from this '
            "group. An alert from any of its 1 member(s) would reach no one able to act.") in warned[0]
    assert ('Problem: group "Riverside Vocies": no coordinator. A request to talk to a person'
            in warned[1])
    assert ('Warning: participant 2 (safeguarding lead of "Riverside Vocies"): cannot be reached. '
            "copro cannot send them alerts or requests: copro reaches them by SMS, which is off."
            in warned[2])
    assert "Warning: the service: no admin." in warned[3]
    assert "see `copro doctor` for each" in err
    for personal in ("Annabel", "Samira", "900001", "900002"):
        assert personal not in err
