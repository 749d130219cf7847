"""A service or tool a test cannot run without: skipped on a developer's machine, a failure
under ``CI=true``, where everything must be there (as an unreachable PostgreSQL is)."""

from __future__ import annotations

import os
import shutil
from typing import NoReturn

import pytest


def missing(why: str) -> NoReturn:
    """Skip the test, saying ``why``; under ``CI=true``, fail it."""
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(why)
    pytest.skip(why)


def tool(name: str, install: str) -> None:
    """The program ``name`` on the PATH, else ``missing`` (with how to ``install`` it)."""
    if shutil.which(name) is None:
        missing(f"needs {name}: {install}")
