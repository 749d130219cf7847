"""Who decided, from the command line: ``--by WHO``, else the coordinator or admin whose name
is the login name, else the login name "(command line)"; the finance CSV and the audit trail
say it."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from storage import claims
from tests import records
from tests.cli.test_cli_records import a_busy_group, copro, env, look  # noqa: F401 (the fixture)


def exported(env: dict[str, str], tmp_path: Path) -> dict[str, dict[str, str]]:  # noqa: F811
    out = tmp_path / "claims.csv"
    copro(env, "claims", "export", "--output", str(out))
    return {row["claim"]: row for row in csv.DictReader(io.StringIO(out.read_text(encoding="utf-8-sig")))}


def actors(env: dict[str, str], kind: str) -> list[str]:  # noqa: F811
    return [e.actor for e in look(env, records.audit_events) if e.kind == kind]


def test_a_login_name_no_one_goes_by_is_recorded_as_the_command_line(
    env: dict[str, str], tmp_path: Path  # noqa: F811
) -> None:
    a_busy_group(env)
    pat = {**env, "LOGNAME": "pat", "USER": "pat"}
    approved = copro(pat, "claims", "approve", "1")
    assert approved.output == "Claim 1 is approved by pat (command line); the claimant has been told.\n"
    assert exported(env, tmp_path)["1"]["decided_by"] == "pat (command line)"
    assert actors(env, "claim_approved") == ["pat (command line)"]
    assert copro(pat, "claims", "mark-paid", "1").exit_code == 0
    assert actors(env, "claim_paid") == ["pat (command line)"]
    closes = "2030-01-01 17:00"
    assert copro(pat, "polls", "add", "--group", "Riverside Voices", "--question", "Which?",
                 "--option", "Tuesday", "--option", "Friday", "--closes", closes).exit_code == 0
    assert copro(pat, "polls", "close", "1").exit_code == 0
    assert actors(env, "poll_created") == ["pat (command line)"]
    assert actors(env, "poll_closed") == ["pat (command line)"]
    assert copro(pat, "broadcast", "--group", "Riverside Voices", "--yes",
                 "--text", "Tea at 3.").exit_code == 0
    assert actors(env, "broadcast_sent") == ["pat (command line)"]


def test_a_poll_and_a_broadcast_from_the_command_line_say_who_sent_them(
    env: dict[str, str]  # noqa: F811
) -> None:
    a_busy_group(env)
    copro(env, "participants", "add", "--name", "Cara Jones", "--phone", "07700 900009",
          "--group", "Riverside Voices", "--role", "coordinator")
    assert copro(env, "--by", "Cara Jones", "polls", "add", "--group", "Riverside Voices",
                 "--question", "Which?", "--option", "Tuesday", "--option", "Friday",
                 "--closes", "2030-01-01 17:00").exit_code == 0
    assert actors(env, "poll_created") == ["participant:4"]
    assert copro(env, "--by", "Cara Jones", "broadcast", "--group", "Riverside Voices", "--yes",
                 "--text", "Tea at 3.").exit_code == 0
    assert actors(env, "broadcast_sent") == ["participant:4"]


def test_by_names_the_coordinator_who_decided(env: dict[str, str], tmp_path: Path) -> None:  # noqa: F811
    a_busy_group(env)
    copro(env, "participants", "add", "--name", "Cara Jones", "--phone", "07700 900009",
          "--group", "Riverside Voices", "--role", "coordinator")
    assert copro(env, "--by", "cara jones", "claims", "approve", "1").exit_code == 0
    row = exported(env, tmp_path)["1"]
    assert row["decided_by"] == "Cara Jones"
    assert actors(env, "claim_approved") == ["participant:4"]
    # Someone who does not coordinate the claim's group decides nothing.
    refused = copro(env, "claims", "reject", "2", "--reason", "No", "--by", "Ben")
    assert refused.exit_code == 1
    assert "Ben does not coordinate the group of claim 2; nothing was decided" in refused.output
    assert look(env, lambda s: claims.get(s, 2)).status == "submitted"  # type: ignore[union-attr]
    unknown = copro(env, "--by", "Zed", "claims", "approve", "2")
    assert unknown.exit_code == 1 and "no participant matches 'Zed'" in unknown.output


def test_a_login_name_that_is_a_coordinators_name_is_that_coordinator(
    env: dict[str, str], tmp_path: Path  # noqa: F811
) -> None:
    a_busy_group(env)
    copro(env, "participants", "add", "--name", "Cara", "--phone", "07700 900009",
          "--group", "Riverside Voices", "--role", "coordinator")
    cara = {**env, "LOGNAME": "cara", "USER": "cara"}
    assert copro(cara, "claims", "approve", "1").output.startswith("Claim 1 is approved by Cara;")
    assert exported(env, tmp_path)["1"]["decided_by"] == "Cara"
    # Ann is a member, not staff: her login name is not taken as her.
    ann = {**env, "LOGNAME": "ann", "USER": "ann"}
    assert "by ann (command line)" in copro(ann, "claims", "reject", "2", "--reason", "No").output


def test_an_alert_acknowledged_from_the_command_line_says_by_whom(env: dict[str, str]) -> None:  # noqa: F811
    a_busy_group(env)
    acked = copro(env, "alerts", "ack", "1", "--by", "Sam")
    assert acked.output == "Alert 1 is acknowledged by Sam; the other leads have been told.\n"
    assert actors(env, "alert_acknowledged") == ["Sam"]
    assert "by Sam" in copro(env, "alerts", "list").output
