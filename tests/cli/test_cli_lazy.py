"""``copro --help`` and ``--version`` answer without loading the service, and say what is true."""

from __future__ import annotations

import json
import subprocess
import sys

import click
from click.testing import CliRunner

from bot.cli.main import COMMANDS, main


def test_the_summary_in_copro_help_is_each_commands_own() -> None:
    ctx = click.Context(main)
    for name, (_, summary) in COMMANDS.items():
        command = main.get_command(ctx, name)
        assert command is not None, name
        assert command.get_short_help_str(500) == summary, f"copro --help says this of {name}"


def test_help_lists_every_command_and_each_runs() -> None:
    shown = CliRunner().invoke(main, ["--help"]).output
    for name in [*COMMANDS, "chat", "run", "flows", "db"]:
        assert f"  {name} " in shown, name
        assert CliRunner().invoke(main, [name, "--help"]).exit_code == 0, name


def test_help_and_version_load_none_of_the_service() -> None:
    heavy = ("bot.", "storage", "sqlalchemy", "telegram", "twilio", "starlette", "jinja2")
    code = ("import json, sys; from click.testing import CliRunner; from bot.cli.main import main; "
            "CliRunner().invoke(main, ['--help']); CliRunner().invoke(main, ['--version']); "
            f"print(json.dumps(sorted(m for m in sys.modules if m.startswith({heavy!r}))))")
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert json.loads(loaded.stdout) == ["bot.cli", "bot.cli.lazy", "bot.cli.main", "bot.core",
                                         "bot.core.logs"]
