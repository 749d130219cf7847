"""What a missing tool does to a test: a skip on a developer's machine, a failure in CI."""

from __future__ import annotations

import pytest

from tests import needs


def test_a_missing_tool_fails_under_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CI", "true")
    monkeypatch.setenv("PATH", "/nonexistent")
    with pytest.raises(pytest.fail.Exception, match="needs pg_dump: apt-get install"):
        needs.tool("pg_dump", "apt-get install -y postgresql-client")


def test_a_missing_tool_skips_elsewhere(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CI", raising=False)
    monkeypatch.setenv("PATH", "/nonexistent")
    with pytest.raises(pytest.skip.Exception, match="needs pg_dump"):
        needs.tool("pg_dump", "apt-get install -y postgresql-client")
