"""Channels only translate: none of them imports the database layer or reaches the database
through the inbox; and the ``Channel`` protocol they speak has no database in it at all."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

import bot.channels

CHANNELS = Path(bot.channels.__file__).parent
FORBIDDEN = ("storage", "sqlalchemy")
MODULES = sorted(CHANNELS.rglob("*.py"))


def imported(tree: ast.AST) -> list[str]:
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append(node.module)
    return found


def reaches(tree: ast.AST) -> list[str]:
    """Each ``x.db``, and each ``inbox.conversations`` (the host behind the inbox, and its database)."""
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Attribute):
            continue
        inner = node.value.attr if isinstance(node.value, ast.Attribute) else getattr(node.value, "id", "")
        if node.attr == "db" or (node.attr == "conversations" and inner == "inbox"):
            found.append(f"line {node.lineno}: {ast.unparse(node)}")
    return found


def test_every_channel_is_looked_at() -> None:
    names = {p.relative_to(CHANNELS).as_posix() for p in MODULES}
    assert {"console.py", "sms/twilio.py", "sms/webhooks.py", "sms/send.py",
            "telegram/channel.py", "telegram/updates.py", "telegram/send.py"} <= names


@pytest.mark.parametrize("path", MODULES, ids=lambda p: p.relative_to(CHANNELS).as_posix())
def test_a_channel_imports_nothing_of_the_database(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    wrong = [name for name in imported(tree) if name.split(".")[0] in FORBIDDEN]
    assert wrong == [], f"{path.name} imports {wrong}: ask the inbox, delivery or the host instead"
    assert reaches(tree) == [], f"{path.name} reaches for the database through the inbox"


def test_the_checks_see_a_channel_that_breaks_the_rule() -> None:
    tree = ast.parse("from storage import messages\nimport sqlalchemy.orm\n"
                     "async def f(inbox):\n    from storage.db import Database\n"
                     "    return inbox.conversations.db\n")
    assert imported(tree) == ["storage", "sqlalchemy.orm", "storage.db"]
    assert reaches(tree) == ["line 5: inbox.conversations.db", "line 5: inbox.conversations"]
    assert reaches(ast.parse("self.inbox.conversations.receive()\nconversations.db.transaction()")) == [
        "line 1: self.inbox.conversations", "line 2: conversations.db"]
    assert reaches(ast.parse("self.conversations.receive()\nself.inbox.hand_in(item)")) == []


def test_the_channel_protocol_loads_without_the_database() -> None:
    script = ("import sys, bot.delivery.channel; "
              f"print(sorted({{m.split('.')[0] for m in sys.modules}} & {set(FORBIDDEN)!r}))")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
