"""``copro run`` as a real process, and its HTTP endpoints over a real server."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import httpx

from bot.app.http import create_app
from bot.core.clock import utcnow
from bot.core.metrics import Metrics
from storage import audit, messages, participants
from storage.db import Database
from tests.servers import free_port, run_env, serve_asgi, wait_healthy
from tests.servers import start_copro as start


async def test_run_without_credentials_reports_each_channel_and_stops_cleanly(
    tmp_path: Path, database_url: str
) -> None:
    port = free_port()
    process = start(tmp_path, run_env(tmp_path, database_url, port))
    try:
        health = await wait_healthy(port, process)
        assert health.status_code == 200
        assert health.json() == {"status": "ok", "database": "ok", "oldest_queued_seconds": 0.0,
                                 "channels": []}
        began = time.monotonic()
        process.send_signal(signal.SIGTERM)
        _, err = process.communicate(timeout=15)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0, err
    assert time.monotonic() - began < 10
    assert "Telegram: off — set COPRO_TELEGRAM_TOKEN" in err
    assert "SMS: off — set COPRO_TWILIO_ACCOUNT_SID, COPRO_TWILIO_AUTH_TOKEN and COPRO_TWILIO_FROM" in err
    assert err.count("SMS: off") == 1
    assert "copro stopped" in err and "Traceback" not in err
    # Start-up says what copro does at INFO (shown by default for run), not as warnings.
    for line in ("Telegram: off", "SMS: off", "WhatsApp: off", "copro is running on http://",
                 "copro stopped"):
        assert f" INFO bot.app.service: {line}" in err, line
    assert "alembic" not in err  # the libraries' chatter stays out


async def test_run_says_clearly_when_its_port_is_taken(tmp_path: Path, database_url: str) -> None:
    port = free_port()
    blocker = start(tmp_path, run_env(tmp_path, database_url, port))
    try:
        await wait_healthy(port, blocker)
        second = await asyncio.to_thread(
            subprocess.run, [sys.executable, "-m", "bot", "run"], cwd=tmp_path, text=True,
            capture_output=True, env=run_env(tmp_path, database_url, port), timeout=30,
        )
    finally:
        blocker.send_signal(signal.SIGINT)
        blocker.communicate(timeout=15)
    assert second.returncode == 1
    assert f"Error: cannot listen on 127.0.0.1:{port}" in second.stderr
    assert "Traceback" not in second.stderr
    assert blocker.returncode == 0


def test_run_refuses_a_bad_configuration_with_file_and_key(tmp_path: Path) -> None:
    (tmp_path / "copro.toml").write_text("[outbox]\nmax_attempts = 0\n")
    done = subprocess.run(
        [sys.executable, "-m", "bot", "run"], cwd=tmp_path, text=True, capture_output=True,
        env={k: v for k, v in os.environ.items() if not k.startswith("COPRO_")}, timeout=30,
    )
    assert done.returncode == 1
    assert "copro.toml: outbox.max_attempts:" in done.stderr and "Traceback" not in done.stderr


async def test_healthz_reports_the_oldest_queued_message(database: Database) -> None:
    async with database.transaction() as s:
        person = await participants.create(s, channel="sms", address="+447700900123")
        await messages.queue_outbound(
            s, participant_id=person.id, session_id=None, channel="sms",
            address="+447700900123", body="Hello", options=[], idempotency_key="k1", at=utcnow()
        )
    app = create_app(database, Metrics(), channels=["sms"])
    async with serve_asgi(app) as base, httpx.AsyncClient(base_url=base) as client:
        await asyncio.sleep(0.2)
        health = (await client.get("/healthz")).json()
        assert health["status"] == "ok" and health["oldest_queued_seconds"] >= 0.1
        metrics = (await client.get("/metrics")).text
        assert 'copro_outbox_depth{channel="sms",status="queued"} 1.0' in metrics
        assert "copro_outbox_oldest_seconds" in metrics
        assert 'copro_messages_held{channel="sms"} 0.0' in metrics
        assert 'copro_messages_failed{channel="sms"} 0.0' in metrics
        assert "copro_numbers_muted 0.0" in metrics
        missing = await client.get("/nothing-here")
        assert (missing.status_code, missing.text) == (404, "not found")


async def test_healthz_is_503_when_the_database_is_gone(tmp_path: Path) -> None:
    gone = Database("postgresql+asyncpg://nobody@127.0.0.1:1/none")
    app = create_app(gone, Metrics())
    async with serve_asgi(app) as base, httpx.AsyncClient(base_url=base) as client:
        health = await client.get("/healthz")
        assert health.status_code == 503
        assert health.json() == {"status": "error", "database": "unreachable"}
        assert (await client.get("/metrics")).status_code == 200  # counters still readable
    await gone.close()


async def test_held_failed_and_muted_show_on_healthz_and_metrics(database: Database) -> None:
    now = utcnow()
    async with database.transaction() as s:
        person = await participants.create(s, channel="sms", address="+447700900123")
        for n in range(3):  # held until their contact hours open, hours from now
            await messages.queue_outbound(
                s, participant_id=person.id, session_id=None, channel="sms",
                address="+447700900123", body=f"Later {n}", options=[], idempotency_key=f"h{n}",
                at=now - timedelta(minutes=10), not_before=now + timedelta(hours=8))
        gone = await messages.queue_outbound(
            s, participant_id=person.id, session_id=None, channel="sms", address="+447700900123",
            body="Lost", options=[], idempotency_key="f1", at=now)
        assert gone is not None
        await messages.mark_failed(s, gone, error="not sent: the address is unreachable", at=now)
        await audit.record(s, kind="robot_suspected", actor="copro", participant_id=person.id,
                           at=now)
    app = create_app(database, Metrics(), channels=["sms"])
    async with serve_asgi(app) as base, httpx.AsyncClient(base_url=base) as client:
        health = (await client.get("/healthz")).json()
        assert health["oldest_queued_seconds"] >= 600  # the held ones are waiting too
        metrics = (await client.get("/metrics")).text
    assert 'copro_outbox_depth{channel="sms",status="held"} 3.0' in metrics
    assert 'copro_messages_held{channel="sms"} 3.0' in metrics
    assert 'copro_messages_failed{channel="sms"} 1.0' in metrics
    assert "copro_numbers_muted 1.0" in metrics
    assert float(metrics.split("\ncopro_outbox_oldest_seconds ")[1].split()[0]) >= 600
