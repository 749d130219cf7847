"""The commands README.md and docs/*.md show work exactly as written.

Every shell line in their code blocks that starts with ``copro``, ``.venv/bin/copro``
or ``make`` (or pipes into copro) is found. The copro ones are run, in the order the
pages give them, in a scratch directory with its own database (by a real shell when
they pipe or redirect, else in this process, as ``copro`` itself would run them); the
make ones must name a target of the Makefile. Only those in ``NOT_RUN`` are left
out, each with the reason.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner

from bot.cli.main import main
from bot.language import when

ROOT = Path(__file__).parents[2]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
SHELL_FENCES = ("", "sh", "bash", "shell", "console")
COMMAND = re.compile(r"^(?:copro|\.venv/bin/copro|make)(?:\s|$)|\|\s*(?:copro|\.venv/bin/copro)\s")
NOT_RUN = {  # command: why it is not run here
    "copro run": "the long-running service; tests/app covers it",
    ".venv/bin/copro run": "the long-running service; tests/app covers it",
}
# Commands about records a scratch database does not have: they must refuse in these words.
REFUSED = {
    "copro claims approve 12": "there is no claim 12",
    'copro claims reject 12 --reason "This trip was paid last week."': "there is no claim 12",
    "copro claims mark-paid 12 13 14": "there is no claim 12",
    "copro messages failed --resend 412 # once the cause is fixed": "no failed message with ID 412",
    'copro message "Ann Jones" "The bus is late today: we start at 11." --from Sam':
        "Ann Jones is not taking part",
    'copro alerts flag-message 42 --note "She said she does not feel safe at home"':
        "no message was left by phone in session 42",
}


def shown_commands() -> list[tuple[str, str]]:
    """(page, command) for every command line in the pages' shell code blocks, in order."""
    found = []
    for page in PAGES:
        for fence, block in re.findall(r"^```([a-z]*)\n(.*?)^```", page.read_text(encoding="utf-8"),
                                       re.S | re.M):
            if fence not in SHELL_FENCES:
                continue
            for line in re.sub(r"\\\n\s*", " ", block).splitlines():
                if COMMAND.search(line.strip()):
                    found.append((page.relative_to(ROOT).as_posix(), line.strip()))
    return found


def csv_example() -> str:
    """The example people.csv the coordinators' guide shows."""
    text = (ROOT / "docs" / "coordinators.md").read_text(encoding="utf-8")
    found = re.search(r"^```csv\n(.*?)^```", text, re.S | re.M)
    assert found is not None, "docs/coordinators.md shows an example people.csv"
    return found[1]


def test_the_pages_show_commands_and_only_known_ones_are_left_out() -> None:
    shown = {command for _, command in shown_commands()}
    assert len(shown) > 20
    assert set(NOT_RUN) <= shown, "NOT_RUN lists only commands the pages show"
    assert set(REFUSED) <= shown


def test_every_make_command_shown_is_a_target() -> None:
    targets = set(re.findall(r"^([a-z][a-z-]*):", (ROOT / "Makefile").read_text(), re.M))
    for page, command in shown_commands():
        if command.startswith("make"):
            words = shlex.split(command, comments=True)
            assert words[1] in targets, f"{page}: {command}"


def run(command: str, cwd: Path, env: dict[str, str]) -> tuple[int, str]:
    """Run ``command`` as a shell would: its exit code and all it wrote."""
    words = shlex.split(command, comments=True)
    if any(word in ("|", ">", "<", ">>") for word in shlex.split(command, posix=False)):
        done = subprocess.run(["bash", "-c", command], cwd=cwd, env=env, capture_output=True,
                              text=True, timeout=120, stdin=subprocess.DEVNULL)
        return done.returncode, done.stdout + done.stderr
    assert Path(words[0]).name == "copro", command
    result = CliRunner().invoke(main, words[1:], env=env)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.output


def test_every_copro_command_shown_works_as_written(
    tmp_path: Path, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".venv").symlink_to(ROOT / ".venv")
    (tmp_path / "flows").symlink_to(ROOT / "flows")
    (tmp_path / "people.csv").write_text(csv_example(), encoding="utf-8")
    (tmp_path / "my-flows").mkdir()
    shutil.copy(ROOT / "flows" / "menu.yaml", tmp_path / "my-flows" / "menu.yaml")
    env = {k: v for k, v in os.environ.items() if not k.startswith("COPRO_")}
    env |= {"COPRO_DATA_DIR": str(tmp_path / "data"), "COPRO_DATABASE_URL": database_url,
            "PATH": f"{ROOT / '.venv' / 'bin'}{os.pathsep}{env.get('PATH', '')}"}
    failed = []
    for page, command in shown_commands():
        if command.startswith("make") or command in NOT_RUN:
            continue
        code, said = run(command, tmp_path, env)
        refusal = REFUSED.get(command)
        works = (code == 1 and refusal in said) if refusal else code == 0
        if not works or "Traceback" in said:
            failed.append(f"{page}: {command}\n  exit {code}: {said.strip()[-400:]}")
    assert not failed, "\n".join(failed)


# The options whose value copro reads as a day and time (``bot.cli._common.local_time``).
TIME_OPTIONS = ("--at", "--closes")


def test_every_time_the_pages_show_is_still_to_come_on_any_day_they_are_read() -> None:
    """A page read on 3 December at 3pm must not show "--at '3 Dec 2pm'": the command a
    coordinator copies would be refused ("that time has already passed"). Each time shown
    is read at the start and the end of every day of a year, leap day included."""
    shown = []
    for page, command in shown_commands():
        words = shlex.split(command, comments=True)
        shown += [(page, command, words[i + 1]) for i, word in enumerate(words[:-1])
                  if word in TIME_OPTIONS]
    assert len(shown) >= 3, "the pages show times for meetings and polls"
    start = datetime(2027, 12, 31, tzinfo=ZoneInfo("Europe/London"))
    stale = set()
    for days in range(367):
        for moment in (start + timedelta(days=days), start + timedelta(days=days, hours=23,
                                                                       minutes=59)):
            for page, command, value in shown:
                if when.read(value, "Europe/London", now=moment) <= moment:
                    stale.add(f"{page}: {command} (passed by {moment:%d %B %Y %H:%M})")
    assert not stale, "\n".join(sorted(stale))


@pytest.mark.parametrize("args", [["groups", "list", "--config", "missing.toml"],
                                  ["groups", "list", "--config=missing.toml"]])
def test_the_config_option_works_after_the_command_too(tmp_path: Path, args: list[str]) -> None:
    done = subprocess.run([str(ROOT / ".venv" / "bin" / "copro"), *args], cwd=tmp_path,
                          capture_output=True, text=True, timeout=60,
                          env={k: v for k, v in os.environ.items() if not k.startswith("COPRO_")})
    assert done.returncode == 1 and "missing.toml: no such file" in done.stderr
