"""Telegram under a real peak: many people answering a check-in at once, through ``copro run``
whole, beside a hand-written python-telegram-bot bot on the same Bot API double.

    .venv/bin/python bench/telegram_peak.py                     # 200 people, SQLite
    .venv/bin/python bench/telegram_peak.py --people 20         # a quick smoke run
    .venv/bin/python bench/telegram_peak.py --backend postgresql --pg-url postgresql+asyncpg://...
    .venv/bin/python bench/telegram_peak.py --webhook           # Telegram calls copro's webhook

The Bot API double runs in a process of its own and plays the people: each of
``--people`` sends "check in", then answers each question as soon as copro's
next message reaches the double (7 texts each, all people at once). A reply's
time is from the update being offered (to getUpdates, or posted to the webhook)
to the bot's next sendMessage to that chat. ``copro run`` runs as a process of
its own, with its outbox sender and scheduler, its Telegram limits raised out of
the way (the reference bot has none). The reference is a bot written the usual
way with python-telegram-bot: a ConversationHandler keeping answers in memory,
replying from the handler, run with the Application's defaults.
PostgreSQL runs wipe the database named by ``--pg-url``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import importlib.util
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

import httpx
from common import PG_URL, fresh, serving
from doubles.bot_api import TOKEN, BotApiDouble, Call
from servers import free_port
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from bot.core.clock import utcnow
from storage import groups, participants

ANSWERS = ["check in", "7", "eight", "about 6", "2", "hardly ever", "skip"]
FIRST_CHAT = 700_000
TARGET = "at least the reference's rate, p50 < 150 ms, p99 < 1 s"


# --- the double and the people, in a process of their own -----------------------------------


class Crowd(BotApiDouble):
    """The Bot API double, with people who answer each message the bot sends them."""

    def __post_init__(self) -> None:
        super().__post_init__()
        self.app.router.routes.append(Route("/crowd", self._crowd, methods=["GET", "POST"]))
        self.step: dict[int, int] = {}
        self.offered: dict[int, float] = {}
        self.latencies: list[float] = []
        self.started = self.finished = 0.0
        self.webhook_to: str | None = None
        self.secret: str | None = None
        self.client: httpx.AsyncClient | None = None
        self.tasks: set[asyncio.Task[Any]] = set()

    async def _crowd(self, request: Request) -> JSONResponse:
        if request.method == "POST":
            ask = await request.json()
            self.webhook_to, self.secret = ask.get("webhook"), ask.get("secret")
            self.client = httpx.AsyncClient(limits=httpx.Limits(max_connections=40), timeout=60)
            self.started = time.monotonic()
            for chat in range(FIRST_CHAT, FIRST_CHAT + ask["people"]):
                self.step[chat] = 0
                self._offer(chat)
        polled = any(c.method in ("getUpdates", "setWebhook") for c in self.calls)
        return JSONResponse({"ready": polled, "latencies": self.latencies,
                             "seconds": (self.finished or time.monotonic()) - self.started,
                             "done": sum(1 for s in self.step.values() if s >= len(ANSWERS)),
                             "people": len(self.step)})

    def _offer(self, chat: int) -> None:
        update = self.message(chat, ANSWERS[self.step[chat]])
        self.offered[chat] = time.monotonic()
        if self.webhook_to is None:
            self.queue(update)
        else:
            assert self.client is not None
            task = asyncio.create_task(self.post(self.client, self.webhook_to, update, self.secret))
            self.tasks.add(task)
            task.add_done_callback(self.tasks.discard)

    async def _sendMessage(self, params: dict[str, Any], call: Call) -> Any:
        chat = int(params["chat_id"])
        if chat in self.offered:
            self.latencies.append(call.at - self.offered.pop(chat))
            self.step[chat] += 1
            if self.step[chat] < len(ANSWERS):
                self._offer(chat)
            elif all(s >= len(ANSWERS) for s in self.step.values()):
                self.finished = call.at
        return await super()._sendMessage(params, call)


def serve_double(port: int) -> None:
    import uvicorn

    uvicorn.run(Crowd().app, host="127.0.0.1", port=port, log_level="warning", access_log=False,
                timeout_keep_alive=120)


@contextlib.contextmanager
def double_process() -> Iterator[str]:
    port = free_port()
    with serving([__file__, "--double", str(port)], f"http://127.0.0.1:{port}/crowd"):
        yield f"http://127.0.0.1:{port}"


# --- the hand-written reference bot -------------------------------------------------------------


QUESTIONS = [
    "Hello. There are 6 short questions. How satisfied are you with your life nowadays? 0 to 10.",
    "Do you feel the things you do in your life are worthwhile? 0 to 10.",
    "How happy did you feel yesterday? 0 to 10.",
    "How anxious did you feel yesterday? 0 to 10.",
    "How often do you feel lonely?",
    "Is there anything else you would like to tell us?",
    "Thank you for your answers. Take care.",
]


def reference_bot(api: str) -> None:
    """A check-in bot as python-telegram-bot's examples write one, answers kept in memory."""
    from telegram import Update
    from telegram.ext import (
        Application,
        ContextTypes,
        ConversationHandler,
        MessageHandler,
        filters,
    )

    def answer(step: int) -> Any:
        async def handle(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
            assert update.message is not None and context.user_data is not None
            context.user_data[step] = update.message.text
            await update.message.reply_text(QUESTIONS[step])
            return step + 1 if step + 1 < len(QUESTIONS) else ConversationHandler.END
        return handle

    steps = {step: [MessageHandler(filters.TEXT, answer(step))] for step in range(1, len(QUESTIONS))}
    app = (Application.builder().token(TOKEN).base_url(f"{api}/bot")
           .base_file_url(f"{api}/file/bot").build())
    app.add_handler(ConversationHandler(
        entry_points=[MessageHandler(filters.Regex("^check in$"), answer(0))],
        states=steps, fallbacks=[]))
    app.run_polling(poll_interval=0, timeout=10, allowed_updates=["message"])


# --- copro run, whole ---------------------------------------------------------------------------


async def prepare(url: str, people: int) -> None:
    db = await fresh(url)
    try:
        async with db.transaction() as s:
            group = await groups.create_group(s, "Everyone")
            ids = await participants.create_many(s, [
                {"name": f"Person {n}", "channel": "telegram", "address": str(FIRST_CHAT + n),
                 "consent_at": utcnow()} for n in range(people)], at=utcnow())
            await groups.add_members(s, group, ids)
    finally:
        await db.close()


def copro_config(folder: Path, api: str, url: str, port: int, webhook: bool) -> Path:
    path = folder / "copro.toml"
    hook = f'webhook_url = "http://127.0.0.1:{port}/webhooks/telegram"\n' if webhook else ""
    path.write_text(
        f'data_dir = "{folder / "data"}"\n[database]\nurl = "{url}"\n[http]\nport = {port}\n'
        f'[telegram]\ntoken = "{TOKEN}"\napi_base_url = "{api}"\npolling_timeout = 10\n{hook}'
        # Out of the way: the reference bot keeps no limits either.
        "messages_per_second = 100000\nchat_messages_per_second = 1000\n", encoding="utf-8")
    return path


def measure(bot: str, people: int, backend: str, pg_url: str, webhook: bool,
            folder: Path, profile: Path | None = None) -> dict[str, float]:
    with double_process() as api:
        if bot == "reference":
            process = subprocess.Popen([sys.executable, __file__, "--reference", api])
            hook = None
        else:
            url = (f"sqlite+aiosqlite:///{folder / 'bench.db'}" if backend == "sqlite" else pg_url)
            asyncio.run(prepare(url, people))
            port = free_port()
            config = copro_config(folder, api, url, port, webhook)
            log = (folder / "copro.log").open("w")
            # pyinstrument if it is installed (it is not in the lock files), else cProfile.
            tool = "pyinstrument" if importlib.util.find_spec("pyinstrument") else "cProfile"
            profiler = ["-m", tool, "-o", str(profile)] if profile else []
            process = subprocess.Popen([sys.executable, *profiler, "-m", "bot", "--config",
                                        str(config), "run"],
                                       cwd=folder, stdout=log, stderr=log,
                                       env={**os.environ, "PYTHONPATH": str(Path(__file__).parents[1])})
            hook = (f"http://127.0.0.1:{port}/webhooks/telegram", TOKEN) if webhook else None
        try:
            got = asyncio.run(crowd(api, people, hook, process))
        finally:
            process.terminate()
            process.wait(30)
        return got


async def crowd(api: str, people: int, hook: tuple[str, str] | None,
                process: subprocess.Popen[bytes]) -> dict[str, float]:
    async with httpx.AsyncClient(timeout=30) as client:
        deadline = time.monotonic() + 60
        while not (await client.get(f"{api}/crowd")).json()["ready"]:
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("the bot did not start taking updates")
            await asyncio.sleep(0.1)
        cpu = cpu_seconds(process.pid)
        if hook is not None:
            from bot.channels.telegram.channel import webhook_secret
            from bot.core.config import load_config

            secret = webhook_secret(load_config(None, env={"COPRO_TELEGRAM_TOKEN": hook[1]}))
            await asyncio.sleep(1)  # the webhook is set before copro takes them
            await client.post(f"{api}/crowd", json={"people": people, "webhook": hook[0],
                                                   "secret": secret})
        else:
            await client.post(f"{api}/crowd", json={"people": people})
        expected, last, stalled = people * len(ANSWERS), -1, time.monotonic()
        while True:
            await asyncio.sleep(0.5)
            got = (await client.get(f"{api}/crowd")).json()
            if len(got["latencies"]) >= expected:
                break
            if len(got["latencies"]) != last:
                last, stalled = len(got["latencies"]), time.monotonic()
            elif time.monotonic() - stalled > 30:
                raise RuntimeError(f"no replies for 30 s after {last} of {expected}")
        cpu = cpu_seconds(process.pid) - cpu
    latencies = sorted(got["latencies"])
    return {"replies": len(latencies), "rate": len(latencies) / got["seconds"],
            "p50": statistics.median(latencies) * 1000,
            "p99": latencies[min(len(latencies) - 1, int(0.99 * len(latencies)))] * 1000,
            "cpu_ms": cpu / len(latencies) * 1000}


def cpu_seconds(pid: int) -> float:
    """The CPU time a process has used so far (Linux)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=200)
    parser.add_argument("--backend", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--pg-url", default=PG_URL, help="a scratch PostgreSQL database (wiped)")
    parser.add_argument("--webhook", action="store_true", help="copro takes updates by webhook")
    parser.add_argument("--profile", type=Path, help="copro run under a profiler, to this file")
    parser.add_argument("--double", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--reference", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.double:
        serve_double(args.double)
        return
    if args.reference:
        reference_bot(args.reference)
        return
    mode = "webhook" if args.webhook else "long polling"
    print(f"telegram: {args.people} people answering a check-in at once ({len(ANSWERS)} texts "
          f"each), copro by {mode} on {args.backend}\n")
    print(f"{'bot':<10} {'replies':>8} {'replies/s':>10} {'p50 ms':>8} {'p99 ms':>8} "
          f"{'CPU ms/reply':>13}  target")
    with tempfile.TemporaryDirectory() as tmp:
        for bot in ("reference", "copro"):
            folder = Path(tmp) / bot
            folder.mkdir()
            got = measure(bot, args.people, args.backend, args.pg_url, args.webhook, folder,
                          args.profile)
            print(f"{bot:<10} {got['replies']:>8.0f} {got['rate']:>10.0f} {got['p50']:>8.1f} "
                  f"{got['p99']:>8.1f} {got['cpu_ms']:>13.1f}" + (f"  {TARGET}" if bot == "copro" else ""))


if __name__ == "__main__":
    main()
