"""``python -m bot.app.healthcheck`` (Docker's HEALTHCHECK) asks ``/healthz`` on the port copro is
configured with, not a fixed one, and says why when copro is not healthy."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path

from bot.app.http import create_app
from bot.core.metrics import Metrics
from storage.db import Database
from tests.servers import serve_asgi


async def healthcheck(tmp_path: Path, port: int, **env: str) -> tuple[int, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot.app.healthcheck", cwd=tmp_path,
        env={**os.environ, "COPRO_CONFIG": "", "COPRO_HTTP_HOST": "0.0.0.0",
             "COPRO_HTTP_PORT": str(port), **env},
        stderr=asyncio.subprocess.PIPE)
    _, err = await process.communicate()
    assert process.returncode is not None
    return process.returncode, err.decode()


async def test_the_healthcheck_asks_the_configured_port(database: Database, tmp_path: Path) -> None:
    async with serve_asgi(create_app(database, Metrics())) as url:
        port = int(url.rsplit(":", 1)[1])
        assert await healthcheck(tmp_path, port) == (0, "")
    code, why = await healthcheck(tmp_path, port)  # copro has stopped
    assert code == 1 and f"copro at http://127.0.0.1:{port}/healthz does not answer" in why


async def test_the_healthcheck_fails_when_the_database_does(tmp_path: Path) -> None:
    gone = Database("postgresql+asyncpg://nobody@127.0.0.1:1/none")
    async with serve_asgi(create_app(gone, Metrics())) as url:
        code, why = await healthcheck(tmp_path, int(url.rsplit(":", 1)[1]))
    await gone.close()
    assert code == 1 and "is not healthy: HTTP 503" in why and "unreachable" in why


async def test_the_healthcheck_reads_the_port_from_the_file_too(
    database: Database, tmp_path: Path
) -> None:
    async with serve_asgi(create_app(database, Metrics())) as url:
        (tmp_path / "copro.toml").write_text(f"[http]\nport = {url.rsplit(':', 1)[1]}\n")
        env = {k: v for k, v in os.environ.items() if k != "COPRO_HTTP_PORT"}
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot.app.healthcheck", cwd=tmp_path,
            env={**env, "COPRO_CONFIG": str(tmp_path / "copro.toml")})
        assert await process.wait() == 0  # port 8080 is not where it asked


def test_the_healthcheck_reads_the_configuration_without_loading_the_database_code() -> None:
    # Docker runs it every 30 s in an image with no bytecode kept: all it loads, it compiles.
    heavy = ("sqlalchemy", "alembic", "aiosqlite", "asyncpg", "telegram", "twilio", "starlette")
    code = ("import json, sys; from bot.app.healthcheck import healthz_url; healthz_url(); "
            f"print(json.dumps(sorted({{m.split('.')[0] for m in sys.modules}} & {set(heavy)!r})))")
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True, env={**os.environ, "COPRO_CONFIG": ""})
    assert json.loads(loaded.stdout) == []
