"""Real servers for tests: an ASGI app on a loopback port, and ``copro run`` as a process."""

from __future__ import annotations

import asyncio
import os
import random
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import uvicorn


def _first_ephemeral_port() -> int:
    """The lowest port the system gives out for outgoing connections (Linux's range, else
    the common default)."""
    try:
        return int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 32768


def free_port() -> int:
    """A port on 127.0.0.1 that is free now, for a server started later (``copro run`` in a
    process of its own). It is taken from below the range the system gives out for outgoing
    connections, so that no connection made in the meantime (to the database, to a
    double, by a test running beside this one) can take it first; at random, so that
    tests running side by side do not pick the same one."""
    below = _first_ephemeral_port()
    while True:
        port = random.randrange(10000, below) if below > 11000 else 0  # 0: the system picks
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue  # in use: another
            return int(sock.getsockname()[1])


@asynccontextmanager
async def serve_asgi(app: Any, port: int | None = None) -> AsyncIterator[str]:
    """Serve ``app`` on 127.0.0.1 (on ``port``, or a free one) until the block ends; yields its
    base URL. Without ``port`` the socket is bound here, on a port the system picks, and
    handed to the server: no one else can take the port in between."""
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", port or 0))
    port = int(sock.getsockname()[1])
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    )
    task = asyncio.create_task(server.serve(sockets=[sock]))
    while not server.started:
        if task.done():
            task.result()
        await asyncio.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task
        sock.close()


def run_env(tmp_path: Path, database_url: str, port: int, **extra: str) -> dict[str, str]:
    """The environment of a ``copro run`` for a test: its own data, database and port."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("COPRO_")}
    env.update(
        COPRO_DATA_DIR=str(tmp_path / "data"), COPRO_DATABASE_URL=database_url,
        COPRO_HTTP_PORT=str(port), COPRO_LOG_LEVEL="INFO", **extra,
    )
    return env


def start_copro(
    tmp_path: Path, env: dict[str, str], *args: str, log: Path | None = None
) -> subprocess.Popen[str]:
    """``copro run`` as a real process (``args`` go before ``run``).

    Its output is piped, to be read with ``communicate()``; a busy process whose
    output is not read while it runs must write to a ``log`` file instead.
    """
    output = subprocess.PIPE if log is None else log.open("a")
    return subprocess.Popen(
        [sys.executable, "-m", "bot", *args, "run"], cwd=tmp_path, env=env, text=True,
        stdout=output, stderr=output,
    )


async def wait_healthy(port: int, process: subprocess.Popen[str]) -> httpx.Response:
    """Wait until ``copro run`` answers ``/healthz``; its answer."""
    deadline = time.monotonic() + 60  # a start takes about a second; a busy machine, more
    async with httpx.AsyncClient() as client:
        while time.monotonic() < deadline:
            assert process.poll() is None, process.communicate()[1]
            try:
                return await client.get(f"http://127.0.0.1:{port}/healthz")
            except httpx.TransportError:
                await asyncio.sleep(0.05)
    raise AssertionError("copro run did not start listening within 60 s")
