"""The engine and the flow-file code stay pure: no storage, channels, asyncio or SQL."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

BOT = Path(__file__).parents[2] / "bot"
PURE = ("engine", "flowfiles")
FORBIDDEN = ("storage", "sqlalchemy", "asyncio", "bot.channels", "bot.delivery", "bot.host",
             "bot.app", "bot.features", "bot.cli")


def imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


def modules(package: str) -> list[Path]:
    return sorted((BOT / package).rglob("*.py"))


@pytest.mark.parametrize("package", PURE)
def test_pure_packages_import_nothing_of_storage_channels_or_asyncio(package: str) -> None:
    assert modules(package), f"bot/{package} has no modules"
    bad = {
        f"{path.relative_to(BOT)}: {name}"
        for path in modules(package)
        for name in imports(path)
        if any(name == f or name.startswith(f + ".") for f in FORBIDDEN)
    }
    assert sorted(bad) == []


def test_the_checker_does_not_import_the_library() -> None:
    """The library loads flows only once the checker passes them; never the other way."""
    for name in ("checker.py", "reading.py"):
        found = imports(BOT / "flowfiles" / name)
        assert "bot.flowfiles.library" not in found, name


def test_imports_are_found_by_this_test(tmp_path: Path) -> None:
    probe = tmp_path / "probe.py"
    probe.write_text("import asyncio\nfrom storage.db import Tx\n")
    assert imports(probe) == {"asyncio", "storage.db"}
