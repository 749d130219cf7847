"""Texts coming in: how many a second copro's SMS webhook takes, against the ceiling of the same
stack doing almost nothing.

    .venv/bin/python bench/inbound.py                       # 1,000 people, SQLite and PostgreSQL
    .venv/bin/python bench/inbound.py --people 50           # a quick smoke run
    .venv/bin/python bench/inbound.py --backend sqlite
    .venv/bin/python bench/inbound.py --whole               # copro run whole, not the webhook alone

Each simulated person answers a whole weekly check-in by text (7 texts), through
the real webhook on a real server in its own process, every request signed as
Twilio signs it, as fast as the server answers (``--concurrency`` people at
once; each person's texts in order). The ceiling is the same server process
answering the same signed requests with one INSERT each. The figure that matters
is copro's rate as a share of the ceiling. With ``--whole``, copro is ``copro run``
itself (its outbox sender texting each reply to a Twilio double in a process of
its own, and its scheduler), not the webhook alone. PostgreSQL runs wipe the
database named by ``--pg-url``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx
from common import PG_URL, fresh, serving
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route
from twilio.request_validator import RequestValidator

from bot.core.clock import utcnow
from storage import groups, messages, participants
from storage.db import Database

ACCOUNT, TOKEN = "AC" + "2" * 32, "bench-token"
CHECKIN = ["check in", "7", "eight", "about 6", "2", "hardly ever", "skip"]
TARGET = 0.5  # copro's webhook should take at least half as many texts a second as the ceiling
TARGET_WHOLE = 0.6  # and copro run whole, sender and scheduler beside it, at least 0.6
TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response/>'


def phone(n: int) -> str:
    return f"+4477009{n:05d}"


# --- the server, in its own process -------------------------------------------------------


def ceiling_app(db: Database) -> Starlette:
    validator = RequestValidator(TOKEN)

    async def hook(request: Request) -> Response:
        params = {k: v for k, v in (await request.form()).items() if isinstance(v, str)}
        if not validator.validate(str(request.url), params, request.headers.get("X-Twilio-Signature", "")):
            return PlainTextResponse("invalid signature", status_code=403)
        async with db.transaction() as s:
            await messages.record_inbound(s, participant_id=None, channel="sms",
                                          address=params["From"], body=params.get("Body"),
                                          media=[], provider_id=params["MessageSid"], at=utcnow())
        return Response(TWIML, media_type="text/xml")

    return Starlette(routes=[Route("/webhooks/twilio/sms", hook, methods=["POST"])])


def copro_app(db: Database, data: Path) -> Starlette:
    from bot.app.http import create_app
    from bot.app.wiring import scheduler_for
    from bot.channels.sms.twilio import SmsChannel
    from bot.core.config import load_config
    from bot.core.metrics import Metrics
    from bot.delivery.inbox import Inbox, Spool
    from bot.flowfiles.library import Library
    from bot.host.conversations import Conversations

    config = load_config(None, env={
        "COPRO_DATA_DIR": str(data), "COPRO_TWILIO_ACCOUNT_SID": ACCOUNT,
        "COPRO_TWILIO_AUTH_TOKEN": TOKEN, "COPRO_TWILIO_FROM": "+447700900000"})
    config = config.model_copy(update={"twilio": config.twilio.model_copy(
        update={"max_inbound_per_minute": 1000})})
    conversations = Conversations(db, Library.load(), config)  # flows are stored when first used
    scheduler_for(conversations, config)
    metrics = Metrics()
    channel = SmsChannel(config, Inbox(conversations, Spool(data / "spool")), metrics)
    return create_app(db, metrics, channel.routes(), ["sms"])


def serve_twilio(port: int) -> None:
    """The Twilio double that ``copro run`` texts its replies to, in a process of its own."""
    import uvicorn
    from doubles.twilio_api import TwilioDouble

    uvicorn.run(TwilioDouble(account=ACCOUNT, token=TOKEN).app, host="127.0.0.1", port=port,
                log_level="warning", access_log=False, timeout_keep_alive=120)


def whole_config(url: str, port: int, twilio: str, data: Path) -> Path:
    path = data / "copro.toml"
    path.write_text(
        f'data_dir = "{data}"\n[database]\nurl = "{url}"\n[http]\nport = {port}\n'
        f'[twilio]\naccount_sid = "{ACCOUNT}"\nauth_token = "{TOKEN}"\n'
        f'from_number = "+447700900000"\napi_base_url = "{twilio}"\n'
        f'public_url = "http://127.0.0.1:{port}"\n'
        # Out of the way of the load: the ceiling sends nothing at all.
        "segments_per_second = 10000\nmax_per_participant_per_hour = 1000\n"
        "max_inbound_per_minute = 1000\n", encoding="utf-8")
    return path


def serve(mode: str, url: str, port: int, data: Path) -> None:
    import uvicorn

    db = Database(url)
    app = ceiling_app(db) if mode == "ceiling" else copro_app(db, data)
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False,
                timeout_keep_alive=120)


# --- the load, from this process -----------------------------------------------------------


async def load(port: int, people: int, concurrency: int, run: str) -> tuple[float, list[float]]:
    url = f"http://127.0.0.1:{port}/webhooks/twilio/sms"
    validator = RequestValidator(TOKEN)
    latencies: list[float] = []
    gate = asyncio.Semaphore(concurrency)

    async def person(client: httpx.AsyncClient, n: int) -> None:
        async with gate:
            for step, body in enumerate(CHECKIN):
                params = {"MessageSid": f"SM{run}{n:06d}{step:02d}", "AccountSid": ACCOUNT,
                          "From": phone(n), "To": "+447700900000", "Body": body, "NumMedia": "0"}
                signature = validator.compute_signature(url, params)
                started = time.perf_counter()
                answer = await client.post(url, data=params, headers={"X-Twilio-Signature": signature})
                latencies.append(time.perf_counter() - started)
                assert answer.status_code == 200, answer.text

    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(limits=limits, timeout=60) as client:
        started = time.perf_counter()
        await asyncio.gather(*(person(client, n) for n in range(people)))
        return time.perf_counter() - started, latencies


async def prepare(url: str, people: int) -> None:
    db = await fresh(url)
    try:
        async with db.transaction() as s:
            group = await groups.create_group(s, "Everyone")
            ids = await participants.create_many(s, [
                {"name": f"Person {n}", "channel": "sms", "address": phone(n), "consent_at": utcnow()}
                for n in range(people)], at=utcnow())
            await groups.add_members(s, group, ids)
    finally:
        await db.close()


def measure(mode: str, url: str, people: int, concurrency: int, data: Path) -> dict[str, float]:
    asyncio.run(prepare(url, people))
    from servers import free_port

    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).parent.parent)}
    with contextlib.ExitStack() as stack:
        if mode == "copro run":
            twilio = free_port()
            stack.enter_context(serving([__file__, "--twilio", str(twilio)],
                                        f"http://127.0.0.1:{twilio}/", env=env))
            config = whole_config(url, port, f"http://127.0.0.1:{twilio}", data)
            stack.enter_context(serving(["-m", "bot", "--log-level", "ERROR", "--config", str(config), "run"],
                                        f"http://127.0.0.1:{port}/", env=env))
        else:
            stack.enter_context(serving(
                [__file__, "--serve", mode, "--url", url, "--port", str(port), "--data", str(data)],
                f"http://127.0.0.1:{port}/", env=env))
        seconds, latencies = asyncio.run(load(port, people, concurrency, mode[:2]))
    latencies.sort()

    def at(q: float) -> float:
        return latencies[min(len(latencies) - 1, int(q * len(latencies)))] * 1000

    return {"requests": len(latencies), "rate": len(latencies) / seconds,
            "p50": statistics.median(latencies) * 1000, "p95": at(0.95), "p99": at(0.99)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=50, help="people texting at once")
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--pg-url", default=PG_URL, help="a scratch PostgreSQL database (wiped)")
    parser.add_argument("--whole", action="store_true",
                        help="copro run whole (sender and scheduler), not the webhook alone")
    parser.add_argument("--serve", choices=["copro", "ceiling"], help=argparse.SUPPRESS)
    parser.add_argument("--twilio", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--data", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
    if args.serve:
        serve(args.serve, args.url, args.port, args.data)
        return
    if args.twilio:
        serve_twilio(args.twilio)
        return
    copro, target = ("copro run", TARGET_WHOLE) if args.whole else ("copro", TARGET)
    print(f"inbound texts: {args.people:,} people x {len(CHECKIN)} texts, {args.concurrency} at once\n")
    print(f"{'backend':<11} {'server':<9} {'texts/s':>8} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7}"
          f" {'of ceiling':>11}  target")
    with tempfile.TemporaryDirectory() as tmp:
        for backend in (["sqlite", "postgresql"] if args.backend == "both" else [args.backend]):
            got = {}
            for mode in ("ceiling", copro):
                data = Path(tmp) / f"{backend}-{mode.replace(' ', '-')}"
                data.mkdir()
                url = (f"sqlite+aiosqlite:///{data / 'bench.db'}" if backend == "sqlite" else args.pg_url)
                got[mode] = measure(mode, url, args.people, args.concurrency, data)
                share = got[mode]["rate"] / got["ceiling"]["rate"]
                print(f"{backend:<11} {mode:<9} {got[mode]['rate']:>8.0f} {got[mode]['p50']:>7.1f} "
                      f"{got[mode]['p95']:>7.1f} {got[mode]['p99']:>7.1f} {share:>10.0%}"
                      + (f"  >= {target:.0%} of the ceiling" if mode != "ceiling" else ""))


if __name__ == "__main__":
    main()
